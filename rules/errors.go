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

// ErrReference is wrapped when the reference dataset of a
// missing_references check cannot be opened or read: the check cannot be
// run at all, so Run.Finish returns the error instead of a result.
var ErrReference = errors.New("reference dataset unreadable")

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
	n := min(len(e), MaxShownProblems)
	lines := make([]string, n, n+1)
	for i, p := range e[:n] {
		lines[i] = p.String()
	}
	if len(e) > n {
		lines = append(lines, "… and "+strconv.Itoa(len(e)-n)+" more problems")
	}
	return strings.Join(lines, "\n")
}

// MaxShownProblems is the number of problems Errors.Error lists; the
// rest are counted on one last line (every problem stays in the slice).
const MaxShownProblems = 20

// Is makes errors.Is(err, ErrInvalid) true.
func (e Errors) Is(target error) bool { return target == ErrInvalid }
