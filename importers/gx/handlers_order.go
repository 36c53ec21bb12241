package gx

import (
	"fmt"
	"strings"

	"github.com/sluicedata/sluice/importers"
)

// The translations in this file (row order, z-scores, Cramér's phi and the
// most common value with ties) register themselves after the table in
// handlers.go (files initialize in name order: handlers.go first).
func init() {
	for typ, h := range map[string]handler{
		"expect_column_values_to_be_increasing":                orderHandler("increasing"),
		"expect_column_values_to_be_decreasing":                orderHandler("decreasing"),
		"expect_column_value_z_scores_to_be_less_than":         zScores,
		"expect_column_pair_cramers_phi_value_to_be_less_than": cramersPhi,
		"expect_column_most_common_value_to_be_in_set":         mostCommonTies,
	} {
		handlers[typ] = h
		delete(unsupportedTypes, typ)
	}
}

// orderHandler translates …_to_be_increasing / _decreasing into a count of
// the values that break the order against the non-null value before them
// (order_violations, computed in row order), over the non-null values for
// mostly, as GX counts them: the first value never breaks the order.
func orderHandler(dir string) handler {
	return func(t *translator, kw kwargs) (spec, error) {
		c, err := column(kw)
		if err != nil {
			return spec{}, err
		}
		if kw.flag("parse_strings_as_datetimes") && t.kind(c) == kindString {
			return spec{}, unsupported("parse_strings_as_datetimes: declare the column `type: timestamp` so the reader parses it, then the order is checked on times")
		}
		d := dir
		if kw.flag("strictly") {
			d = "strictly_" + dir
		}
		id := importers.Ident(c)
		chk, err := mostlyCheck(kw, fmt.Sprintf("order_violations(%s, '%s')", id, d), "row_count() - null_count("+id+")")
		if err != nil {
			return spec{}, err
		}
		return spec{name: c + "." + d, check: chk, mostlyDone: true}, nil
	}
}

// zScores translates …_value_z_scores_to_be_less_than. Every value's
// z-score lies between zscore_min and zscore_max, so "all z-scores below
// the threshold" is a check of those two metrics; GX's z-score divides by
// the sample standard deviation, and so do they. mostly below 1 would need
// each value's z-score, known only after a first pass for the mean and
// standard deviation, so it is not translated.
func zScores(t *translator, kw kwargs) (spec, error) {
	c, err := column(kw)
	if err != nil {
		return spec{}, err
	}
	if !kw.has("threshold") {
		return spec{}, invalid("threshold is required")
	}
	th, ok := number(kw["threshold"])
	if !ok {
		return spec{}, invalid(fmt.Sprintf("threshold must be a number, not %s", show(kw["threshold"])))
	}
	if kw.has("mostly") {
		if m, ok := number(kw["mostly"]); !ok || m < 1 {
			return spec{}, unsupported("mostly below 1 on z-scores needs each value's z-score, which takes a second pass over the data; Sluice checks that every z-score is below the threshold (zscore_max, zscore_min)")
		}
	}
	double := true
	if v, ok := kw["double_sided"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			return spec{}, invalid("double_sided must be true or false")
		}
		double = b
	}
	id := importers.Ident(c)
	chk := fmt.Sprintf("zscore_max(%s) < %s", id, floatText(th))
	if double {
		chk += fmt.Sprintf(" && zscore_min(%s) > %s", id, floatText(-th))
	}
	return spec{name: c + ".z_scores", check: chk, mostlyDone: true}, nil
}

// cramersPhi translates …_cramers_phi_value_to_be_less_than onto
// cramers_phi(a, b, n_bins_A, n_bins_B) <= threshold. Bins given as lists
// (bins_A, bins_B) are not translated.
func cramersPhi(t *translator, kw kwargs) (spec, error) {
	a, err := kw.str("column_A")
	if err != nil {
		return spec{}, err
	}
	b, err := kw.str("column_B")
	if err != nil {
		return spec{}, err
	}
	for _, k := range []string{"bins_A", "bins_B"} {
		if v, ok := kw[k]; ok && v != nil {
			return spec{}, unsupported(k + ": bins given as value lists are not translated; n_bins_A and n_bins_B are")
		}
	}
	th := 0.1
	if v, ok := kw["threshold"]; ok && v != nil {
		if th, ok = number(v); !ok {
			return spec{}, invalid(fmt.Sprintf("threshold must be a number, not %s", show(v)))
		}
	}
	var bins [2]int64
	for i, k := range []string{"n_bins_A", "n_bins_B"} {
		v, ok := kw[k]
		if !ok || v == nil {
			continue
		}
		n, ok := number(v)
		if !ok || n != float64(int64(n)) || n < 2 || n > 1000 {
			return spec{}, invalid(fmt.Sprintf("%s must be an integer in [2, 1000], not %s", k, show(v)))
		}
		bins[i] = int64(n)
	}
	chk := fmt.Sprintf("cramers_phi(%s, %s, %d, %d) <= %s", importers.Ident(a), importers.Ident(b), bins[0], bins[1], floatText(th))
	return spec{name: a + "." + b + ".cramers_phi", check: chk}, nil
}

// mostCommonTies translates …_most_common_value_to_be_in_set on every most
// common value (most_common_all): with ties_okay, one of them must be in
// the set; without, there must be one, in the set.
func mostCommonTies(t *translator, kw kwargs) (spec, error) {
	c, err := column(kw)
	if err != nil {
		return spec{}, err
	}
	vs, err := kw.list("value_set")
	if err != nil {
		return spec{}, err
	}
	lits := t.setLiterals(c, vs)
	sp := spec{name: c + ".most_common_in_set"}
	all := "most_common_all(" + importers.Ident(c) + ")"
	set := "[" + strings.Join(lits, ", ") + "]"
	switch {
	case len(lits) == 0:
		sp.check = "false"
	case kw.flag("ties_okay"):
		sp.check = all + ".exists(v, v in " + set + ")"
	default:
		sp.check = "size(" + all + ") == 1 && " + all + "[0] in " + set
	}
	return sp, nil
}
