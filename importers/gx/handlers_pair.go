package gx

import (
	"fmt"
	"strings"

	"github.com/sluicedata/sluice/importers"
)

// Column-pair translations: row rules over column_A and column_B. GX's
// ignore_row_if (default both_values_are_missing) picks the rows that are
// not counted; they evaluate to null, which the rule skips (nulls: skip).
// Every other row is evaluated, one with a single missing value included:
// it fails, as in GX.
func init() {
	for typ, h := range map[string]handler{
		"expect_column_pair_values_to_be_equal":            pairEqual,
		"expect_column_pair_values_A_to_be_greater_than_B": pairGreater,
		"expect_column_pair_values_a_to_be_greater_than_b": pairGreater,
		"expect_column_pair_values_to_be_in_set":           pairInSet,
	} {
		handlers[typ] = h
	}
}

// pairColumns reads column_A and column_B.
func pairColumns(kw kwargs) (a, b string, err error) {
	if a, err = kw.str("column_A"); err != nil {
		return "", "", err
	}
	if b, err = kw.str("column_B"); err != nil {
		return "", "", err
	}
	return a, b, nil
}

// pairIgnore reads ignore_row_if for a column pair.
func pairIgnore(kw kwargs) (string, error) {
	if !kw.has("ignore_row_if") {
		return "both_values_are_missing", nil
	}
	s, _ := kw["ignore_row_if"].(string)
	switch s {
	case "both_values_are_missing", "either_value_is_missing", "neither":
		return s, nil
	}
	return "", invalid(fmt.Sprintf("ignore_row_if of a column pair is both_values_are_missing, either_value_is_missing or neither, not %s", show(kw["ignore_row_if"])))
}

// operands spells the two columns so that CEL compares them: as they are
// when their types agree, as doubles when both are numbers of different
// types, as dyn otherwise (a comparison CEL cannot make is an error of the
// row, which fails it).
func (t *translator) operands(a, b string) (string, string) {
	x, y := importers.Ident(a), importers.Ident(b)
	ka, kb := t.kind(a), t.kind(b)
	numeric := func(k kind) bool { return k == kindInt || k == kindUint || k == kindDouble }
	switch {
	case ka == kb && ka != kindUnknown:
		return x, y
	case numeric(ka) && numeric(kb):
		return "double(" + x + ")", "double(" + y + ")"
	}
	return "dyn(" + x + ")", "dyn(" + y + ")"
}

// pairRule is cmp, which reads both columns, under the ignore_row_if
// policy; nonNull adds that both values are present (cmp cannot compare a
// missing value, and a row with one is evaluated: it fails).
func pairRule(name, a, b, cmp, ignore string, nonNull bool) spec {
	x, y := importers.Ident(a), importers.Ident(b)
	sp := spec{name: a + "_" + b + "." + name, cols: []string{a, b}, testsNull: true}
	if nonNull {
		cmp = x + " != null && " + y + " != null && " + cmp
	}
	sp.expr = cmp
	switch ignore {
	case "either_value_is_missing":
		sp.ignore = x + " == null || " + y + " == null"
	case "both_values_are_missing":
		sp.ignore = x + " == null && " + y + " == null"
	}
	return sp
}

func pairEqual(t *translator, kw kwargs) (spec, error) {
	a, b, err := pairColumns(kw)
	if err != nil {
		return spec{}, err
	}
	ign, err := pairIgnore(kw)
	if err != nil {
		return spec{}, err
	}
	x, y := t.operands(a, b)
	return pairRule("equal", a, b, x+" == "+y, ign, true), nil
}

func pairGreater(t *translator, kw kwargs) (spec, error) {
	a, b, err := pairColumns(kw)
	if err != nil {
		return spec{}, err
	}
	ign, err := pairIgnore(kw)
	if err != nil {
		return spec{}, err
	}
	if kw.flag("parse_strings_as_datetimes") {
		return spec{}, unsupported("parse_strings_as_datetimes: declare both columns `type: timestamp` so the reader parses them, and import without it")
	}
	x, y := t.operands(a, b)
	op, name := " > ", "a_greater_than_b"
	if kw.flag("or_equal") {
		op, name = " >= ", "a_greater_or_equal_b"
	}
	return pairRule(name, a, b, x+op+y, ign, true), nil
}

func pairInSet(t *translator, kw kwargs) (spec, error) {
	a, b, err := pairColumns(kw)
	if err != nil {
		return spec{}, err
	}
	ign, err := pairIgnore(kw)
	if err != nil {
		return spec{}, err
	}
	pairs, err := kw.list("value_pairs_set")
	if err != nil {
		return spec{}, err
	}
	x, y := importers.Ident(a), importers.Ident(b)
	ka, kb := t.kind(a), t.kind(b)
	var alts []string
	seen := map[string]bool{}
	for _, p := range pairs {
		pv, ok := p.([]any)
		if !ok || len(pv) != 2 {
			return spec{}, invalid(fmt.Sprintf("value_pairs_set must list pairs [a, b], not %s", show(p)))
		}
		la, oka := literal(pv[0], ka, true)
		lb, okb := literal(pv[1], kb, true)
		if !oka || !okb {
			continue // a value the column can never hold
		}
		alt := "(" + x + " == " + la + " && " + y + " == " + lb + ")"
		if !seen[alt] {
			seen[alt] = true
			alts = append(alts, alt)
		}
	}
	cmp := "false"
	if len(alts) > 0 {
		cmp = strings.Join(alts, " || ")
	}
	// Each alternative compares both values with a literal, null included:
	// a missing value only matches a pair that lists null.
	return pairRule("in_set", a, b, cmp, ign, false), nil
}
