package jsonconnector

import (
	"fmt"
	"io"

	"github.com/sluicedata/sluice/connectors"
)

// limiter sits between the file and encoding/json's buffer and follows the
// JSON framing itself (strings, nesting, separators), so that a record, a
// value, a nesting or a key count that exceeds its bound is refused before
// the decoder buffers it: the bytes past the violation are never handed
// on, and the next Read returns the error.
//
// A record is one top-level value of NDJSON, or one element of a top-level
// array; the bytes between two records count towards the next one, so a
// file of nothing but spaces is bounded too.
type limiter struct {
	r   io.Reader
	lim connectors.Limits
	mk  func(line, col int, err error) error
	err error

	started bool // the first non-space byte was seen
	base    int  // depth of records: 0 for NDJSON, 1 in an array
	inStr   bool
	esc     bool
	depth   int

	line, col int // of the last byte read
	recLine   int
	recBytes  int64
	valBytes  int64
	keys      int
}

func newLimiter(r io.Reader, lim connectors.Limits, mk func(line, col int, err error) error) *limiter {
	return &limiter{r: r, lim: lim.Resolved(), mk: mk, line: 1, recLine: 1}
}

func (l *limiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		l.recBytes++
		l.valBytes++
		l.col++
		if c == '\n' {
			l.line++
			l.col = 0
		}
		if l.inStr {
			switch {
			case l.esc:
				l.esc = false
			case c == '\\':
				l.esc = true
			case c == '"':
				l.inStr = false
			}
		} else {
			switch c {
			case ' ', '\t', '\r', '\n':
			case '"':
				l.inStr = true
				l.started = true
			case '{', '[':
				if !l.started && c == '[' {
					l.started, l.base, l.depth = true, 1, 1
					l.recBytes, l.recLine = 0, l.line
					continue
				}
				l.started = true
				l.depth++
				if l.depth == l.base+1 {
					l.recLine, l.keys, l.valBytes = l.line, 0, 0
				}
				if l.depth-l.base > l.lim.MaxDepth {
					l.err = l.mk(l.line, l.col, fmt.Errorf("nested deeper than %d levels: %w", l.lim.MaxDepth, connectors.ErrLimit))
					return i, nil
				}
			case '}', ']':
				if l.depth > 0 {
					l.depth--
				}
				if l.depth == l.base {
					l.recBytes = 0 // the record ended
				}
			case ',':
				switch l.depth {
				case l.base + 1:
					l.keys++
					l.valBytes = 0
					if l.keys >= l.lim.MaxColumns {
						l.err = l.mk(l.line, l.col, fmt.Errorf("record has more than %d keys: %w", l.lim.MaxColumns, connectors.ErrLimit))
						return i, nil
					}
				case l.base:
					l.recBytes = 0
				}
			case ':':
				if l.depth == l.base+1 {
					l.valBytes = 0
				}
			default:
				l.started = true
			}
		}
		if l.recBytes > l.lim.MaxRecordBytes {
			l.err = l.mk(l.recLine, 0, fmt.Errorf("record is longer than %s: %w", size(l.lim.MaxRecordBytes), connectors.ErrLimit))
			return i, nil
		}
		if l.valBytes > l.lim.MaxFieldBytes {
			l.err = l.mk(l.line, 0, fmt.Errorf("value is longer than %s: %w", size(l.lim.MaxFieldBytes), connectors.ErrLimit))
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
