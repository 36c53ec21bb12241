package rules

import (
	"errors"
	"strconv"
	"strings"
)

// ErrInvalid is wrapped by every error about the rule file itself: YAML,
// unknown keys, bad values, expressions that do not compile, unknown columns,
// costs over the limit. The CLI exits 2 on it.
var ErrInvalid = errors.New("invalid rules")

// Problem is one problem found in a rule file.
type Problem struct {
	File   string
	Line   int    // 1-based, 0 when unknown
	Column int    // 1-based, 0 when unknown
	Rule   string // rule name, "" when the problem is not in a rule
	Msg    string // may span lines (a CEL caret snippet)
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(p.Line))
		if p.Column > 0 {
			b.WriteString(":")
			b.WriteString(strconv.Itoa(p.Column))
		}
	}
	b.WriteString(": ")
	if p.Rule != "" {
		b.WriteString("rule ")
		b.WriteString(p.Rule)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Errors is every problem of a rule file, in file order.
type Errors []Problem

func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, p := range e {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e Errors) Is(target error) bool { return target == ErrInvalid }
