package csvconnector

import (
	"bytes"
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
	buf := p[:n]
	// Runs of bytes that are neither a quote, a line break nor the
	// delimiter are counted whole; the positions of the next of each are
	// found with bytes.IndexByte and kept until passed.
	nq, nl, nd := nextByte(buf, 0, '"'), nextByte(buf, 0, '\n'), n
	if l.delim != 0 && l.delim != '"' && l.delim != '\n' {
		nd = nextByte(buf, 0, l.delim)
	}
	for i := 0; i < n; {
		s := min(nq, nl, nd)
		if k := s - i; k > 0 {
			if at, e := l.run(i, k); e != nil {
				l.err = e
				return at, nil
			}
			i = s
			if i == n {
				break
			}
		}
		c := buf[i]
		l.recBytes++
		l.fieldBytes++
		l.col++
		switch c {
		case '"':
			l.inQuote = !l.inQuote
			nq = nextByte(buf, i+1, '"')
		case '\n':
			l.line++
			l.col = 0
			nl = nextByte(buf, i+1, '\n')
			if !l.inQuote {
				l.recLine, l.recBytes, l.fieldBytes, l.fields = l.line, 0, 0, 1
				i++
				continue
			}
		default: // the delimiter
			nd = nextByte(buf, i+1, l.delim)
			if !l.inQuote {
				l.fields++
				l.fieldBytes = 0
				if l.fields > l.lim.MaxColumns {
					l.err = l.mk(l.line, l.col, fmt.Errorf("record has more than %d fields: %w", l.lim.MaxColumns, connectors.ErrLimit))
					return i, nil
				}
			}
		}
		if e := l.check(); e != nil {
			l.err = e
			return i, nil
		}
		i++
	}
	return n, err
}

// run counts k ordinary bytes starting at index i of the read; a bound
// crossed within them is reported with the index of the byte that
// crossed it, as a byte-by-byte count would.
func (l *limiter) run(i, k int) (int, error) {
	k64 := int64(k)
	recAt, fieldAt := int64(-1), int64(-1)
	if l.recBytes+k64 > l.lim.MaxRecordBytes {
		recAt = max(l.lim.MaxRecordBytes-l.recBytes, 0)
	}
	if l.fieldBytes+k64 > l.lim.MaxFieldBytes {
		fieldAt = max(l.lim.MaxFieldBytes-l.fieldBytes, 0)
	}
	switch {
	case recAt >= 0 && (fieldAt < 0 || recAt <= fieldAt):
		l.recBytes += recAt + 1
		return i + int(recAt), l.check()
	case fieldAt >= 0:
		l.recBytes += fieldAt + 1
		l.fieldBytes += fieldAt + 1
		return i + int(fieldAt), l.check()
	}
	l.recBytes += k64
	l.fieldBytes += k64
	l.col += k
	return 0, nil
}

// check returns the error of a record or field past its bound.
func (l *limiter) check() error {
	if l.recBytes > l.lim.MaxRecordBytes {
		return l.mk(l.recLine, 0, fmt.Errorf("record is longer than %s: %w", size(l.lim.MaxRecordBytes), connectors.ErrLimit))
	}
	if l.fieldBytes > l.lim.MaxFieldBytes {
		return l.mk(l.line, 0, fmt.Errorf("field %d is longer than %s: %w", l.fields, size(l.lim.MaxFieldBytes), connectors.ErrLimit))
	}
	return nil
}

// nextByte returns the index of the first c in buf at or after from, or
// len(buf).
func nextByte(buf []byte, from int, c byte) int {
	if from >= len(buf) {
		return len(buf)
	}
	if j := bytes.IndexByte(buf[from:], c); j >= 0 {
		return from + j
	}
	return len(buf)
}

// size renders a byte count, in MiB when it is a whole number of them.
func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
