package connectors

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

var (
	// ErrNoColumn is wrapped by errors about a column the dataset lacks.
	ErrNoColumn = errors.New("no such column")
	// ErrSchemaMismatch is wrapped when a batch or a declared schema does
	// not match the dataset's.
	ErrSchemaMismatch = errors.New("schema mismatch")
	// ErrCorrupt is wrapped when the input cannot be decoded: a truncated
	// or damaged file.
	ErrCorrupt = errors.New("corrupt input")
	// ErrClosed is returned by a Writer used after Commit or Abort.
	ErrClosed = errors.New("writer already closed")
	// ErrUnsupported is wrapped when a type or feature is not supported by
	// a format.
	ErrUnsupported = errors.New("unsupported")
	// ErrLimit is wrapped when an input exceeds a bound a reader keeps, so
	// that a hostile or broken file cannot exhaust memory: the bytes of a
	// record, line or field, the number of columns, the nesting depth, the
	// batch size. The bound is checked before the memory is allocated; the
	// message names the limit and where it was crossed.
	ErrLimit = errors.New("input limit exceeded")
)

// InputError locates a problem in a text input: a ragged CSV line, a value
// that does not parse as its column's type, invalid UTF-8, malformed JSON.
type InputError struct {
	Path   string // file path, may be empty
	Line   int    // 1-based line, 0 when unknown
	Column int    // 1-based column (field index for CSV, byte for JSON), 0 when unknown
	Field  string // column name, may be empty
	Err    error
}

func (e *InputError) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(escape(e.Path))
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Field != "" {
		fmt.Fprintf(&b, "column %q: ", e.Field)
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// escape quotes s when it holds control characters, so that a message
// stays on one line.
func escape(s string) string {
	for _, r := range s {
		if unicode.IsControl(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

func (e *InputError) Unwrap() error { return e.Err }
