package gx

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedata/sluice/importers"
)

// Options tune a translation.
type Options struct {
	// Owner is written as the rule file's owner (a placeholder to edit when
	// empty).
	Owner string
	// Dataset overrides the dataset name (the suite's name otherwise).
	Dataset string
	// Schema, when given, types the literals of value sets and bounds.
	Schema *arrow.Schema
}

// Error kinds of a translation that did not produce a rule.
var (
	// ErrUnsupported: Sluice has no equivalent of the expectation (or of
	// one of its arguments).
	ErrUnsupported = errors.New("not supported")
	// ErrInvalid: the expectation's arguments are wrong; GX itself would
	// raise on them.
	ErrInvalid = errors.New("invalid arguments")
)

type transError struct {
	kind error
	msg  string
}

func (e *transError) Error() string { return e.msg }
func (e *transError) Unwrap() error { return e.kind }

func unsupported(msg string) error { return &transError{ErrUnsupported, msg} }
func invalid(msg string) error     { return &transError{ErrInvalid, msg} }

// Import parses a suite and translates it.
func Import(data []byte, opts Options) (*importers.File, error) {
	s, err := ParseSuite(data)
	if err != nil {
		return nil, err
	}
	return Translate(s, opts), nil
}

// Translate turns a suite into a rule file. Expectations that cannot be
// translated are listed in File.Notes (and as comments in its YAML).
func Translate(s *Suite, opts Options) *importers.File {
	f := &importers.File{
		Dataset: firstNonEmpty(opts.Dataset, s.Name, "dataset"),
		Owner:   opts.Owner,
		Header:  []string{fmt.Sprintf("Translated from the Great Expectations suite %q by `sluice import gx`.", s.Name)},
	}
	t := &translator{opts: opts}
	for _, e := range s.Expectations {
		if err := t.add(f, e); err != nil {
			f.Notes = append(f.Notes, importers.Note{Source: describe(e), Reason: err.Error()})
		}
	}
	return f
}

// TranslateOne translates a single expectation into f; it returns the error
// (wrapping ErrUnsupported or ErrInvalid) instead of recording a note.
func TranslateOne(f *importers.File, e Expectation, opts Options) error {
	t := &translator{opts: opts}
	return t.add(f, e)
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}

// describe names an expectation the way GX code spells it.
func describe(e Expectation) string {
	var args []string
	for _, k := range importers.SortedKeys(e.Kwargs) {
		if k == "result_format" || k == "catch_exceptions" || k == "include_config" || k == "meta" {
			continue
		}
		args = append(args, k+"="+show(e.Kwargs[k]))
	}
	return e.Type + "(" + strings.Join(args, ", ") + ")"
}

type translator struct {
	opts Options
}

func (t *translator) kind(col string) kind {
	if t.opts.Schema == nil {
		return kindUnknown
	}
	idx := t.opts.Schema.FieldIndices(col)
	if len(idx) == 0 {
		return kindUnknown
	}
	return kindOf(t.opts.Schema.Field(idx[0]).Type)
}

// spec is what one expectation translates to.
type spec struct {
	name  string
	expr  string // row rule
	check string // dataset check
	// testsNull: the row expression handles nulls itself.
	testsNull bool
	// ignore, for a row expression, is a condition on the row under which
	// it is not counted (GX's ignore_row_if): such rows evaluate to null.
	ignore string
	// cols are the columns a row expression reads.
	cols    []string
	partial string
	// mostlyDone: the dataset check folds mostly in itself.
	mostlyDone bool
	// column, when set, is a columns: entry to add instead of a rule.
	column *importers.Column
}

func (t *translator) add(f *importers.File, e Expectation) error {
	h, ok := handlers[e.Type]
	if !ok {
		if reason, ok := unsupportedTypes[e.Type]; ok {
			return unsupported(reason)
		}
		return unsupported("unknown expectation type")
	}
	kw := kwargs(e.Kwargs)
	sp, err := h(t, kw)
	if err != nil {
		return err
	}
	mostly := 1.0
	if v, ok := kw["mostly"]; ok && v != nil {
		m, ok := number(v)
		if !ok || m < 0 || m > 1 {
			return invalid(fmt.Sprintf("mostly must be a number in [0, 1], not %s", show(v)))
		}
		mostly = m
	}
	cond, condCols, err := t.rowCondition(kw)
	if err != nil {
		return err
	}
	if cond != "" && sp.expr == "" {
		return unsupported("row_condition on an aggregate or table expectation: Sluice computes metrics over every row")
	}
	if sp.column != nil {
		c := f.Column(sp.column.Key)
		if sp.column.Type != "" {
			c.Type = sp.column.Type
		}
		c.Comment = describe(e)
		if sp.partial != "" {
			f.Notes = append(f.Notes, importers.Note{Source: describe(e), Reason: sp.partial, Partial: true})
		}
		return nil
	}
	r := importers.Rule{Name: sp.name, Expr: sp.expr, Check: sp.check, Comment: describe(e)}
	if notes, ok := e.Meta["notes"].(string); ok {
		r.Description = notes
	}
	if r.Expr != "" {
		if cond != "" {
			var guard []string
			seen := map[string]bool{}
			cols := slices.Clone(condCols)
			if !sp.testsNull {
				cols = append(cols, sp.cols...)
			}
			for _, c := range cols {
				if !seen[c] {
					seen[c] = true
					guard = append(guard, importers.Ident(c)+" != null")
				}
			}
			if sp.ignore != "" {
				guard = append(guard, "!("+sp.ignore+")")
			}
			guard = append(guard, "("+cond+")")
			r.Expr = strings.Join(guard, " && ") + " ? (" + r.Expr + ") : dyn(null)"
			r.Comment += "\nrows outside the row_condition evaluate to null and are not counted"
		} else if sp.ignore != "" {
			// One conditional at the root, the form the vectorized engine runs.
			r.Expr = sp.ignore + " ? dyn(null) : (" + r.Expr + ")"
		}
		switch {
		case mostly == 0:
			r.Severity = "info"
			r.Comment += "\nmostly: 0 always passes in GX: kept as an info rule"
		case mostly < 1:
			r.Mostly = mostly
		}
	} else if _, ok := kw["mostly"]; ok && mostly < 1 && !sp.mostlyDone {
		return unsupported("mostly on a dataset-level expectation")
	}
	if sp.partial != "" {
		r.Comment += "\nPARTIAL: " + sp.partial
		f.Notes = append(f.Notes, importers.Note{Source: describe(e), Reason: sp.partial, Partial: true})
	}
	f.AddRule(r)
	return nil
}

type kwargs map[string]any

func (kw kwargs) str(k string) (string, error) {
	v, ok := kw[k]
	if !ok || v == nil {
		return "", invalid(fmt.Sprintf("missing %s", k))
	}
	s, ok := v.(string)
	if !ok {
		return "", invalid(fmt.Sprintf("%s must be a string, not %s", k, show(v)))
	}
	return s, nil
}

func (kw kwargs) list(k string) ([]any, error) {
	v, ok := kw[k]
	if !ok || v == nil {
		return nil, invalid(fmt.Sprintf("missing %s", k))
	}
	l, ok := v.([]any)
	if !ok {
		return nil, invalid(fmt.Sprintf("%s must be a list, not %s", k, show(v)))
	}
	return l, nil
}

func (kw kwargs) strings(k string) ([]string, error) {
	l, err := kw.list(k)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(l))
	for _, v := range l {
		s, ok := v.(string)
		if !ok {
			return nil, invalid(fmt.Sprintf("%s must list strings, not %s", k, show(v)))
		}
		out = append(out, s)
	}
	return out, nil
}

func (kw kwargs) flag(k string) bool {
	b, _ := kw[k].(bool)
	return b
}

func (kw kwargs) has(k string) bool {
	v, ok := kw[k]
	return ok && v != nil
}
