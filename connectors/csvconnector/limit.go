package csvconnector

import (
	"fmt"
	"io"

	"github.com/sluicedata/sluice/connectors"
)

// limiter sits between the file and encoding/csv's buffer and follows the
// CSV framing itself (quotes, delimiters, line breaks), so that a record,
// a field or a header that exceeds its bound is refused before
// encoding/csv buffers it: the bytes past the violation are never handed
// on, and the next Read returns the error.
type limiter struct {
	r     io.Reader
	lim   connectors.Limits
	delim byte // 0 when the delimiter is not ASCII: fields are not counted
	mk    func(line, col int, err error) error
	err   error

	inQuote    bool
	line       int   // 1-based line of the next byte
	col        int   // bytes of the current line so far
	recLine    int   // line the current record started on
	recBytes   int64 // bytes of the current record so far
	fieldBytes int64
	fields     int
}

func newLimiter(r io.Reader, lim connectors.Limits, delim rune, mk func(line, col int, err error) error) *limiter {
	l := &limiter{r: r, lim: lim.Resolved(), mk: mk, line: 1, recLine: 1, fields: 1}
	if delim > 0 && delim < 0x80 {
		l.delim = byte(delim)
	}
	return l
}

func (l *limiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		l.recBytes++
		l.fieldBytes++
		l.col++
		switch {
		case c == '"':
			l.inQuote = !l.inQuote
		case c == '\n':
			l.line++
			l.col = 0
			if !l.inQuote {
				l.recLine, l.recBytes, l.fieldBytes, l.fields = l.line, 0, 0, 1
				continue
			}
		case c == l.delim && !l.inQuote:
			l.fields++
			l.fieldBytes = 0
			if l.fields > l.lim.MaxColumns {
				l.err = l.mk(l.line, l.col, fmt.Errorf("record has more than %d fields: %w", l.lim.MaxColumns, connectors.ErrLimit))
				return i, nil
			}
		}
		if l.recBytes > l.lim.MaxRecordBytes {
			l.err = l.mk(l.recLine, 0, fmt.Errorf("record is longer than %s: %w", size(l.lim.MaxRecordBytes), connectors.ErrLimit))
			return i, nil
		}
		if l.fieldBytes > l.lim.MaxFieldBytes {
			l.err = l.mk(l.line, 0, fmt.Errorf("field %d is longer than %s: %w", l.fields, size(l.lim.MaxFieldBytes), connectors.ErrLimit))
			return i, nil
		}
	}
	return n, err
}

// size renders a byte count, in MiB when it is a whole number of them.
func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
