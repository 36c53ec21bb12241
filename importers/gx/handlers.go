package gx

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/sluicedata/sluice/importers"
)

type handler func(t *translator, kw kwargs) (spec, error)

// handlers maps each translated expectation type to its translation.
var handlers map[string]handler

// unsupportedTypes explains the expectation types that are not translated.
var unsupportedTypes = map[string]string{
	"expect_column_kl_divergence_to_be_less_than": "the KL divergence is taken against a partition_object (bins and weights) given in the suite or built by GX's profiler; " +
		"Sluice's drift metrics compare with the last passing run (drift(c, 'psi'), ks(c) with --history), not with a fixed distribution",
	"expect_column_chisquare_test_p_value_to_be_greater_than": "a chi-square p-value against a partition_object of expected weights: no metric compares a column's " +
		"frequencies with fixed weights; compare with the last passing run with drift(c, 'psi') instead",
	"expect_column_bootstrapped_ks_test_p_value_to_be_greater_than": "a bootstrapped KS p-value (random resamples) against a partition_object: not reproducible " +
		"from mergeable states; ks(c) with --history gives the KS distance to the last passing run",
	"expect_column_parameterized_distribution_ks_test_p_value_to_be_greater_than": "a KS p-value against a parameterized scipy distribution: Sluice has no " +
		"distribution library; ks(c) with --history gives the KS distance to the last passing run",
}

func init() {
	// A map literal referring to methods of translator would be an
	// initialization cycle through handlers; assign here.
	handlers = map[string]handler{
		"expect_column_values_to_not_be_null":                     notNull,
		"expect_column_values_to_be_null":                         isNull,
		"expect_column_values_to_be_in_set":                       inSet(false),
		"expect_column_values_to_not_be_in_set":                   inSet(true),
		"expect_column_values_to_be_between":                      valuesBetween,
		"expect_column_values_to_be_between_tz_naive":             valuesBetween,
		"expect_column_value_lengths_to_be_between":               lengthsBetween,
		"expect_column_value_lengths_to_equal":                    lengthsEqual,
		"expect_column_values_to_match_regex":                     matchRegex(false),
		"expect_column_values_to_not_match_regex":                 matchRegex(true),
		"expect_column_values_to_match_regex_list":                matchRegexList(false),
		"expect_column_values_to_not_match_regex_list":            matchRegexList(true),
		"expect_column_values_to_match_like_pattern":              matchLike(false),
		"expect_column_values_to_not_match_like_pattern":          matchLike(true),
		"expect_column_values_to_match_like_pattern_list":         matchLikeList(false),
		"expect_column_values_to_not_match_like_pattern_list":     matchLikeList(true),
		"expect_column_values_to_be_unique":                       unique,
		"expect_compound_columns_to_be_unique":                    compoundUnique,
		"expect_select_column_values_to_be_unique_within_record":  uniqueWithinRecord,
		"expect_multicolumn_sum_to_equal":                         multicolumnSum,
		"expect_column_values_to_be_of_type":                      ofType,
		"expect_column_max_to_be_between":                         aggregateBetween("max", "max"),
		"expect_column_min_to_be_between":                         aggregateBetween("min", "min"),
		"expect_column_mean_to_be_between":                        aggregateBetween("mean", "mean"),
		"expect_column_median_to_be_between":                      aggregateBetween("median", "median"),
		"expect_column_sum_to_be_between":                         aggregateBetween("sum", "sum"),
		"expect_column_stdev_to_be_between":                       stdevBetween,
		"expect_column_unique_value_count_to_be_between":          aggregateBetween("distinct_count", "unique_value_count"),
		"expect_column_proportion_of_unique_values_to_be_between": aggregateBetween("proportion_unique", "proportion_of_unique_values"),
		"expect_column_quantile_values_to_be_between":             quantiles,
		"expect_column_distinct_values_to_be_in_set":              distinctSet(true, false),
		"expect_column_distinct_values_to_contain_set":            distinctSet(false, true),
		"expect_column_distinct_values_to_equal_set":              distinctSet(true, true),
		"expect_table_row_count_to_be_between":                    rowCountBetween,
		"expect_table_row_count_to_equal":                         rowCountEqual,
	}
}

// Supported lists the expectation types Translate handles, sorted.
func Supported() []string {
	s := importers.SortedKeys(handlers)
	return s
}

func column(kw kwargs) (string, error) { return kw.str("column") }

func rowRule(name, col, expr string, testsNull bool) spec {
	return spec{name: col + "." + name, expr: expr, cols: []string{col}, testsNull: testsNull}
}

func notNull(t *translator, kw kwargs) (spec, error) {
	c, err := column(kw)
	if err != nil {
		return spec{}, err
	}
	return rowRule("not_null", c, importers.Ident(c)+" != null", true), nil
}

func isNull(t *translator, kw kwargs) (spec, error) {
	c, err := column(kw)
	if err != nil {
		return spec{}, err
	}
	return rowRule("null", c, importers.Ident(c)+" == null", true), nil
}

// setLiterals formats a value set for equality with column c; values that
// can never equal one of its values are dropped.
func (t *translator) setLiterals(c string, values []any) []string {
	k := t.kind(c)
	out := make([]string, 0, len(values))
	for _, v := range values {
		if v == nil {
			continue
		}
		if s, ok := literal(v, k, true); ok && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func inSet(negate bool) handler {
	return func(t *translator, kw kwargs) (spec, error) {
		c, err := column(kw)
		if err != nil {
			return spec{}, err
		}
		vs, err := kw.list("value_set")
		if err != nil {
			return spec{}, err
		}
		lits := t.setLiterals(c, vs)
		id := importers.Ident(c)
		if negate {
			if len(lits) == 0 {
				return rowRule("not_in_set", c, id+" == "+id, false), nil
			}
			return rowRule("not_in_set", c, "!("+id+" in ["+strings.Join(lits, ", ")+"])", false), nil
		}
		if len(lits) == 0 {
			return rowRule("in_set", c, id+" != "+id, false), nil
		}
		return rowRule("in_set", c, id+" in ["+strings.Join(lits, ", ")+"]", false), nil
	}
}

// bounds builds "x >= lo && x <= hi" from min_value/max_value and
// strict_min/strict_max.
func (t *translator) bounds(x string, k kind, kw kwargs) (string, error) {
	var parts []string
	if kw.has("min_value") {
		lo, err := boundLiteral(kw["min_value"], k)
		if err != nil {
			return "", err
		}
		op := " >= "
		if kw.flag("strict_min") {
			op = " > "
		}
		parts = append(parts, x+op+lo)
	}
	if kw.has("max_value") {
		hi, err := boundLiteral(kw["max_value"], k)
		if err != nil {
			return "", err
		}
		op := " <= "
		if kw.flag("strict_max") {
			op = " < "
		}
		parts = append(parts, x+op+hi)
	}
	if len(parts) == 0 {
		return "", invalid("min_value and max_value are both missing")
	}
	return strings.Join(parts, " && "), nil
}

// orderedBounds fails when min_value > max_value, as GX does for value
// ranges and row counts.
func orderedBounds(kw kwargs) error {
	lo, lok := number(kw["min_value"])
	hi, hok := number(kw["max_value"])
	if lok && hok && lo > hi {
		return invalid("min_value is greater than max_value")
	}
	return nil
}

// wholeBounds fails unless the bounds that are given are whole numbers.
func wholeBounds(kw kwargs) error {
	for _, k := range []string{"min_value", "max_value"} {
		if kw.has(k) {
			if f, ok := number(kw[k]); !ok || f != float64(int64(f)) {
				return invalid(fmt.Sprintf("%s must be an integer", k))
			}
		}
	}
	return nil
}

func valuesBetween(t *translator, kw kwargs) (spec, error) {
	c, err := column(kw)
	if err != nil {
		return spec{}, err
	}
	if err := orderedBounds(kw); err != nil {
		return spec{}, err
	}
	e, err := t.bounds(importers.Ident(c), t.kind(c), kw)
	if err != nil {
		return spec{}, err
	}
	if strings.Contains(e, "now()") {
		return t.nowBetween(c, kw)
	}
	return rowRule("between", c, e, false), nil
}

// nowBetween translates value bounds that read now(): now() exists only in
// dataset checks, so every value is within the bounds when the smallest is
// above the lower bound and the largest below the upper one. That is
// exact without mostly; with mostly < 1 the check is refused (by add).
func (t *translator) nowBetween(c string, kw kwargs) (spec, error) {
	id := importers.Ident(c)
	var parts []string
	for _, b := range []struct{ metric, bound, strict string }{{"min", "min_value", "strict_min"}, {"max", "max_value", "strict_max"}} {
		if !kw.has(b.bound) {
			continue
		}
		e, err := t.bounds(b.metric+"("+id+")", t.kind(c), kwargs{b.bound: kw[b.bound], b.strict: kw[b.strict]})
		if err != nil {
			return spec{}, err
		}
		parts = append(parts, e)
	}
	if kw.has("mostly") {
		if m, ok := number(kw["mostly"]); ok && m < 1 {
			return spec{}, unsupported("now() is a dataset-check function in Sluice, not available per row, and mostly cannot be applied to min(" + c + ")/max(" + c + ")")
		}
	}
	return spec{name: c + ".between", check: strings.Join(parts, " && ")}, nil
}

func lengthsBetween(t *translator, kw kwargs) (spec, error) {
	c, err := column(kw)
	if err != nil {
		return spec{}, err
	}
	if err := wholeBounds(kw); err != nil {
		return spec{}, err
	}
	e, err := t.bounds("size("+importers.Ident(c)+")", kindInt, kw)
	if err != nil {
		return spec{}, err
	}
	return rowRule("length_between", c, e, false), nil
}

func lengthsEqual(t *translator, kw kwargs) (spec, error) {
	c, err := column(kw)
	if err != nil {
		return spec{}, err
	}
	v, ok := literal(kw["value"], kindInt, true)
	if !ok || v == "null" {
		return spec{}, invalid("value must be a whole number")
	}
	return rowRule("length_equal", c, "size("+importers.Ident(c)+") == "+v, false), nil
}

func checkRegex(re string) error {
	if _, err := regexp.Compile(re); err != nil {
		return unsupported(fmt.Sprintf("regex %q is not RE2 syntax (Python-only features such as lookarounds or backreferences): %v", re, err))
	}
	return nil
}

func matchRegex(negate bool) handler {
	return func(t *translator, kw kwargs) (spec, error) {
		c, err := column(kw)
		if err != nil {
			return spec{}, err
		}
		re, err := kw.str("regex")
		if err != nil {
			return spec{}, err
		}
		if err := checkRegex(re); err != nil {
			return spec{}, err
		}
		e := importers.Ident(c) + ".matches(" + importers.CELString(re) + ")"
		if negate {
			return rowRule("not_match_regex", c, "!"+e, false), nil
		}
		return rowRule("match_regex", c, e, false), nil
	}
}

func regexListExpr(c string, res []string, all bool) string {
	parts := make([]string, len(res))
	for i, re := range res {
		parts[i] = importers.Ident(c) + ".matches(" + importers.CELString(re) + ")"
	}
	op := " || "
	if all {
		op = " && "
	}
	return strings.Join(parts, op)
}

func matchOnAll(kw kwargs) (bool, error) {
	if !kw.has("match_on") {
		return false, nil
	}
	switch m, _ := kw["match_on"].(string); m {
	case "any":
		return false, nil
	case "all":
		return true, nil
	default:
		return false, invalid(fmt.Sprintf("match_on must be any or all, not %s", show(kw["match_on"])))
	}
}

func matchRegexList(negate bool) handler {
	return func(t *translator, kw kwargs) (spec, error) {
		c, err := column(kw)
		if err != nil {
			return spec{}, err
		}
		res, err := kw.strings("regex_list")
		if err != nil {
			return spec{}, err
		}
		if len(res) == 0 {
			return spec{}, invalid("regex_list is empty")
		}
		for _, re := range res {
			if err := checkRegex(re); err != nil {
				return spec{}, err
			}
		}
		if negate {
			// GX: a value fails when it matches any regex of the list.
			return rowRule("not_match_regex_list", c, "!("+regexListExpr(c, res, false)+")", false), nil
		}
		all, err := matchOnAll(kw)
		if err != nil {
			return spec{}, err
		}
		return rowRule("match_regex_list", c, regexListExpr(c, res, all), false), nil
	}
}

// LikeToRegex turns a SQL LIKE pattern into an anchored RE2 regex: % is
// any run of characters, _ one character; [..] classes are kept (as SQL
// Server reads them).
func LikeToRegex(like string) string {
	var b strings.Builder
	b.WriteString("^")
	inClass := false
	for _, r := range like {
		switch {
		case inClass:
			b.WriteRune(r)
			if r == ']' {
				inClass = false
			}
		case r == '%':
			b.WriteString("(?s:.*)")
		case r == '_':
			b.WriteString("(?s:.)")
		case r == '[':
			inClass = true
			b.WriteRune(r)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return b.String()
}

func matchLike(negate bool) handler {
	return func(t *translator, kw kwargs) (spec, error) {
		c, err := column(kw)
		if err != nil {
			return spec{}, err
		}
		p, err := kw.str("like_pattern")
		if err != nil {
			return spec{}, err
		}
		e := importers.Ident(c) + ".matches(" + importers.CELString(LikeToRegex(p)) + ")"
		if negate {
			return rowRule("not_match_like", c, "!"+e, false), nil
		}
		return rowRule("match_like", c, e, false), nil
	}
}

func matchLikeList(negate bool) handler {
	return func(t *translator, kw kwargs) (spec, error) {
		c, err := column(kw)
		if err != nil {
			return spec{}, err
		}
		ps, err := kw.strings("like_pattern_list")
		if err != nil {
			return spec{}, err
		}
		if len(ps) == 0 {
			return spec{}, invalid("like_pattern_list is empty")
		}
		res := make([]string, len(ps))
		for i, p := range ps {
			res[i] = LikeToRegex(p)
		}
		if negate {
			return rowRule("not_match_like_list", c, "!("+regexListExpr(c, res, false)+")", false), nil
		}
		all, err := matchOnAll(kw)
		if err != nil {
			return spec{}, err
		}
		return rowRule("match_like_list", c, regexListExpr(c, res, all), false), nil
	}
}

// mostlyCheck folds mostly into a dataset check over a count of failing
// rows: bad rows <= (1 - mostly) * evaluated rows.
func mostlyCheck(kw kwargs, bad, evaluated string) (string, error) {
	m := 1.0
	if kw.has("mostly") {
		var ok bool
		if m, ok = number(kw["mostly"]); !ok || m < 0 || m > 1 {
			return "", invalid(fmt.Sprintf("mostly must be a number in [0, 1], not %s", show(kw["mostly"])))
		}
	}
	if m == 1 {
		return bad + " == 0", nil
	}
	return fmt.Sprintf("double(%s) <= (1.0 - %s) * double(%s)", bad, floatText(m), evaluated), nil
}

func unique(t *translator, kw kwargs) (spec, error) {
	c, err := column(kw)
	if err != nil {
		return spec{}, err
	}
	id := importers.Ident(c)
	chk, err := mostlyCheck(kw, "duplicate_count("+id+")", "row_count() - null_count("+id+")")
	if err != nil {
		return spec{}, err
	}
	return spec{name: c + ".unique", check: chk, mostlyDone: true}, nil
}

func columnList(kw kwargs) ([]string, error) {
	cols, err := kw.strings("column_list")
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, invalid("column_list is empty")
	}
	return cols, nil
}

func ignoreRowIf(kw kwargs, dflt string) (string, error) {
	if !kw.has("ignore_row_if") {
		return dflt, nil
	}
	s, _ := kw["ignore_row_if"].(string)
	switch s {
	case "all_values_are_missing", "any_value_is_missing", "never", "both_values_are_missing", "either_value_is_missing", "neither":
		return s, nil
	}
	return "", invalid(fmt.Sprintf("unknown ignore_row_if %s", show(kw["ignore_row_if"])))
}

func compoundUnique(t *translator, kw kwargs) (spec, error) {
	cols, err := columnList(kw)
	if err != nil {
		return spec{}, err
	}
	ids := make([]string, len(cols))
	for i, c := range cols {
		ids[i] = importers.Ident(c)
	}
	ign, err := ignoreRowIf(kw, "all_values_are_missing")
	if err != nil {
		return spec{}, err
	}
	sp := spec{name: strings.Join(cols, "_") + ".unique", mostlyDone: true}
	if ign != "any_value_is_missing" {
		sp.partial = "duplicate_count() ignores keys with any null part; GX (ignore_row_if: " + ign + ") also compares keys with some null parts"
	}
	evaluated := "row_count() - count_if(" + strings.Join(mapStrings(ids, func(s string) string { return s + " == null" }), " || ") + ")"
	sp.check, err = mostlyCheck(kw, "duplicate_count("+strings.Join(ids, ", ")+")", evaluated)
	return sp, err
}

func mapStrings(s []string, f func(string) string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = f(x)
	}
	return out
}

func uniqueWithinRecord(t *translator, kw kwargs) (spec, error) {
	cols, err := columnList(kw)
	if err != nil {
		return spec{}, err
	}
	ign, err := ignoreRowIf(kw, "all_values_are_missing")
	if err != nil {
		return spec{}, err
	}
	var parts []string
	for i := range cols {
		for j := i + 1; j < len(cols); j++ {
			a, b := t.operands(cols[i], cols[j])
			parts = append(parts, a+" != "+b)
		}
	}
	if len(parts) == 0 {
		return spec{}, invalid("column_list needs two or more columns")
	}
	sp := spec{name: strings.Join(cols, "_") + ".unique_within_record", expr: strings.Join(parts, " && "), cols: cols}
	// GX counts distinct values with missing ones as one more value (two
	// missing values are equal): so does CEL's null != value.
	allNull := strings.Join(mapStrings(cols, func(c string) string { return importers.Ident(c) + " == null" }), " && ")
	switch ign {
	case "all_values_are_missing":
		sp.ignore, sp.testsNull = allNull, true
	case "never":
		sp.expr, sp.testsNull = allNull+" ? false : ("+sp.expr+")", true
	case "any_value_is_missing":
		// A row with a null input is not evaluated: the rule's default.
	default:
		return spec{}, invalid(fmt.Sprintf("ignore_row_if of a column list is all_values_are_missing, any_value_is_missing or never, not %q", ign))
	}
	return sp, nil
}

func multicolumnSum(t *translator, kw kwargs) (spec, error) {
	cols, err := columnList(kw)
	if err != nil {
		return spec{}, err
	}
	total, ok := number(kw["sum_total"])
	if !ok {
		return spec{}, invalid("sum_total must be a number")
	}
	allInt := total == float64(int64(total))
	for _, c := range cols {
		if k := t.kind(c); k != kindInt {
			allInt = false
		}
	}
	terms := make([]string, len(cols))
	for i, c := range cols {
		terms[i] = importers.Ident(c)
		if !allInt {
			terms[i] = "double(" + terms[i] + ")"
		}
	}
	var tot string
	if allInt {
		tot = fmt.Sprint(int64(total))
	} else {
		tot = floatText(total)
	}
	return spec{name: strings.Join(cols, "_") + ".sum", expr: strings.Join(terms, " + ") + " == " + tot, cols: cols}, nil
}

// gxTypes maps GX and backend type names to Sluice column types.
var gxTypes = map[string]string{
	"int": "int64", "int64": "int64", "Int64": "int64", "Int64Dtype": "int64", "INTEGER": "int64", "BIGINT": "int64", "int32": "int32", "Int32": "int32",
	"float": "double", "float64": "double", "Float64": "double", "FLOAT": "double", "DOUBLE": "double", "DOUBLE_PRECISION": "double", "float32": "float32", "REAL": "float32",
	"str": "string", "object": "string", "O": "string", "object_": "string", "string": "string", "STRING": "string", "VARCHAR": "string", "TEXT": "string", "StringDtype": "string",
	"bool": "bool", "boolean": "bool", "BOOLEAN": "bool", "BOOL": "bool",
	"datetime64": "timestamp", "datetime64[ns]": "timestamp", "Timestamp": "timestamp", "TIMESTAMP": "timestamp", "datetime": "timestamp",
	"date": "date", "DATE": "date",
}

func ofType(t *translator, kw kwargs) (spec, error) {
	c, err := column(kw)
	if err != nil {
		return spec{}, err
	}
	name, err := kw.str("type_")
	if err != nil {
		return spec{}, err
	}
	st, ok := gxTypes[name]
	if !ok {
		return spec{}, unsupported(fmt.Sprintf("type %q has no Sluice column type", name))
	}
	return spec{column: &importers.Column{Key: c, Type: st},
		partial: "becomes the column's declared type: a mismatch is a schema error when the rules are compiled (exit 2), not a failed rule"}, nil
}

func aggregateBetween(metric, short string) handler {
	return func(t *translator, kw kwargs) (spec, error) {
		c, err := column(kw)
		if err != nil {
			return spec{}, err
		}
		id := importers.Ident(c)
		k := kindDouble
		x := metric + "(" + id + ")"
		switch metric {
		case "min", "max":
			k = t.kind(c)
		case "distinct_count":
			k = kindInt
		case "proportion_unique":
			x = "double(distinct_count(" + id + ")) / double(row_count() - null_count(" + id + "))"
		case "mean":
			if t.kind(c) == kindBool {
				// GX averages booleans as 0 and 1.
				x = "double(count_if(" + id + ")) / double(row_count() - null_count(" + id + "))"
			}
		}
		if !kw.has("min_value") && !kw.has("max_value") {
			if metric == "min" || metric == "sum" {
				return spec{}, invalid("min_value and max_value cannot both be None")
			}
			// GX passes vacuously; the check still computes the metric.
			return spec{name: c + "." + short, check: x + " == " + x}, nil
		}
		e, err := t.bounds(x, k, kw)
		if err != nil {
			return spec{}, err
		}
		return spec{name: c + "." + short, check: e}, nil
	}
}

func stdevBetween(t *translator, kw kwargs) (spec, error) {
	c, err := column(kw)
	if err != nil {
		return spec{}, err
	}
	id := importers.Ident(c)
	n := "double(row_count() - null_count(" + id + "))"
	// GX reports the sample standard deviation (n-1); Sluice's stddev is the
	// population one. Compare variances so no square root is needed.
	variance := "stddev(" + id + ") * stddev(" + id + ") * " + n + " / (" + n + " - 1.0)"
	var parts []string
	if kw.has("min_value") {
		lo, ok := number(kw["min_value"])
		if !ok {
			return spec{}, invalid("min_value must be a number")
		}
		op := " >= "
		if kw.flag("strict_min") {
			op = " > "
		}
		if lo > 0 || (lo == 0 && op == " > ") {
			parts = append(parts, variance+op+floatText(lo*lo*(1-varianceTolerance)))
		}
	}
	if kw.has("max_value") {
		hi, ok := number(kw["max_value"])
		if !ok {
			return spec{}, invalid("max_value must be a number")
		}
		op := " <= "
		if kw.flag("strict_max") {
			op = " < "
		}
		if hi < 0 {
			parts = append(parts, "false")
		} else {
			parts = append(parts, variance+op+floatText(hi*hi*(1+varianceTolerance)))
		}
	}
	if len(parts) == 0 {
		// No bound (or only one that always holds): GX passes vacuously.
		parts = append(parts, variance+" >= 0.0")
	}
	return spec{name: c + ".stdev", check: strings.Join(parts, " && "),
		partial: ""}, nil
}

// varianceTolerance widens stdev bounds by a relative 1e-9 so that a bound
// written from GX's own (rounded) observed value still holds after the
// square.
const varianceTolerance = 1e-9

func quantiles(t *translator, kw kwargs) (spec, error) {
	c, err := column(kw)
	if err != nil {
		return spec{}, err
	}
	qr, ok := kw["quantile_ranges"].(map[string]any)
	if !ok {
		return spec{}, invalid("quantile_ranges must be {quantiles: [...], value_ranges: [[min, max], ...]}")
	}
	qs, _ := qr["quantiles"].([]any)
	vr, _ := qr["value_ranges"].([]any)
	if len(qs) == 0 || len(qs) != len(vr) {
		return spec{}, invalid("quantile_ranges: quantiles and value_ranges must have the same, non-zero length")
	}
	var parts []string
	for i, qv := range qs {
		q, ok := number(qv)
		if !ok || q < 0 || q > 1 {
			return spec{}, invalid(fmt.Sprintf("quantile %s is not in [0, 1]", show(qv)))
		}
		r, _ := vr[i].([]any)
		if len(r) != 2 {
			return spec{}, invalid(fmt.Sprintf("value_ranges[%d] must be [min, max]", i))
		}
		x := fmt.Sprintf("quantile(%s, %s)", importers.Ident(c), floatText(q))
		sub := kwargs{"min_value": r[0], "max_value": r[1]}
		e, err := t.bounds(x, kindDouble, sub)
		if err != nil {
			if r[0] == nil && r[1] == nil {
				continue
			}
			return spec{}, err
		}
		parts = append(parts, e)
	}
	if len(parts) == 0 {
		return spec{}, invalid("no bounds in value_ranges")
	}
	return spec{name: c + ".quantiles", check: strings.Join(parts, " && ")}, nil
}

func distinctSet(subset, superset bool) handler {
	return func(t *translator, kw kwargs) (spec, error) {
		c, err := column(kw)
		if err != nil {
			return spec{}, err
		}
		if subset && !superset && !kw.has("value_set") {
			// GX: no value set is the universal set.
			return spec{name: c + ".distinct_in_set", check: "distinct_count(" + importers.Ident(c) + ") >= 0"}, nil
		}
		vs, err := kw.list("value_set")
		if err != nil {
			return spec{}, err
		}
		lits := t.setLiterals(c, vs)
		id := importers.Ident(c)
		var parts []string
		if subset {
			if len(lits) == 0 {
				parts = append(parts, "count_if("+id+" == "+id+") == 0")
			} else {
				parts = append(parts, "count_if(!("+id+" in ["+strings.Join(lits, ", ")+"])) == 0")
			}
		}
		if superset {
			if len(lits) < countNonNull(vs) {
				// A value of the set that no column value can equal.
				parts = append(parts, "false")
			}
			for _, l := range lits {
				parts = append(parts, "count_if("+id+" == "+l+") > 0")
			}
		}
		if len(parts) == 0 {
			parts = append(parts, "true")
		}
		name := map[[2]bool]string{{true, false}: "distinct_in_set", {false, true}: "distinct_contain_set", {true, true}: "distinct_equal_set"}[[2]bool{subset, superset}]
		return spec{name: c + "." + name, check: strings.Join(parts, " && ")}, nil
	}
}

func countNonNull(vs []any) int {
	seen := map[string]bool{}
	for _, v := range vs {
		if v != nil {
			seen[show(v)] = true
		}
	}
	return len(seen)
}

func rowCountBetween(t *translator, kw kwargs) (spec, error) {
	if err := wholeBounds(kw); err != nil {
		return spec{}, err
	}
	if err := orderedBounds(kw); err != nil {
		return spec{}, err
	}
	if !kw.has("min_value") && !kw.has("max_value") {
		return spec{name: "table.row_count", check: "row_count() >= 0"}, nil
	}
	e, err := t.bounds("row_count()", kindInt, kw)
	if err != nil {
		return spec{}, err
	}
	return spec{name: "table.row_count", check: e}, nil
}

func rowCountEqual(t *translator, kw kwargs) (spec, error) {
	v, ok := literal(kw["value"], kindInt, true)
	if !ok || v == "null" {
		return spec{}, invalid("value must be a whole number")
	}
	return spec{name: "table.row_count", check: "row_count() == " + v}, nil
}
