package synth

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrNoType is wrapped when a column the rules read has no declared
	// type and none can be inferred from the rules.
	ErrNoType = errors.New("synth: column type cannot be inferred")
	// ErrUnsupported is wrapped when a declared type or pattern cannot be
	// generated.
	ErrUnsupported = errors.New("synth: cannot generate")
)

// TypeError names the columns whose types could not be inferred. Err is
// the compile error of the rule set with the best types found; Unwrap
// returns both it and ErrNoType.
type TypeError struct {
	File    string   // the rule file, "" when parsed from bytes
	Columns []string // physical names, in file order then first use
	Err     error
}

func (e *TypeError) Error() string {
	file := e.File
	if file == "" {
		file = "<rules>"
	}
	noun := "columns"
	if len(e.Columns) == 1 {
		noun = "column"
	}
	q := make([]string, len(e.Columns))
	for i, c := range e.Columns {
		q[i] = fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("%s: no type of %s %s makes the rules type-check: declare columns.<name>.type: %v",
		file, noun, strings.Join(q, ", "), e.Err)
}

// Unwrap returns ErrNoType and the compile error.
func (e *TypeError) Unwrap() []error { return []error{ErrNoType, e.Err} }
