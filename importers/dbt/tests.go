package dbt

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/sluicedata/sluice/importers"
	"github.com/sluicedata/sluice/importers/gx"
)

// configKeys are the keys of a test's body that dbt reads as config, not
// as arguments of the test.
var configKeys = map[string]bool{"severity": true, "where": true, "warn_if": true, "error_if": true,
	"limit": true, "store_failures": true, "store_failures_as": true, "fail_calc": true, "tags": true,
	"meta": true, "enabled": true, "alias": true, "schema": true, "database": true, "name": true}

// spec is what one dbt test translates to, before its severity and
// thresholds are applied.
type spec struct {
	name string
	// A row test fails on the rows where body is false: body, the
	// columns it reads, and whether it handles their nulls itself (else a
	// row with a null input is not counted, as SQL's UNKNOWN is not).
	body      string
	cols      []string
	testsNull bool
	mostly    float64
	// check passes exactly when dbt finds no failing row (dataset tests,
	// and row tests whose failures are counted by a metric).
	check string
	// count is dbt's failure count as a CEL int expression over metrics;
	// noCount says why there is none when thresholds need one.
	count   string
	noCount string
	// binary: the failure count is 0 or 1 (tests that return one row).
	binary bool
	// where reports that the spec already reads the where config.
	where bool
	// cond, when set, is the row condition of the test itself
	// (dbt_expectations' row_condition), which takes the where's place.
	cond    *sqlCondition
	partial []string
	// column, when set, is a columns: entry (dbt_expectations through GX).
	column *importers.Column
}

// threshold is a warn_if or error_if: the test warns or errors when the
// failure count compares so.
type threshold struct {
	op string
	n  int64
}

var thresholdRe = regexp.MustCompile(`^\s*(!=|<>|>=|<=|==|=|>|<)\s*(-?\d+)\s*$`)

func parseThreshold(s string) (threshold, error) {
	m := thresholdRe.FindStringSubmatch(s)
	if m == nil {
		return threshold{}, fmt.Errorf("the threshold %q is not a comparison with a whole number (\">10\", \"!=0\")", s)
	}
	n, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil {
		return threshold{}, fmt.Errorf("the threshold %q: %w", s, err)
	}
	op := m[1]
	switch op {
	case "<>":
		op = "!="
	case "=":
		op = "=="
	}
	return threshold{op, n}, nil
}

// fires reports whether the threshold holds for f failures.
func (th threshold) fires(f int64) bool {
	switch th.op {
	case "!=":
		return f != th.n
	case "==":
		return f == th.n
	case ">":
		return f > th.n
	case ">=":
		return f >= th.n
	case "<":
		return f < th.n
	case "<=":
		return f <= th.n
	}
	return false
}

// anyFailure reports whether the threshold fires exactly when there is a
// failure (dbt's default, "!=0").
func (th threshold) anyFailure() bool {
	return !th.fires(0) && th.fires(1) && th.monotone()
}

// monotone: once fired at f, it fires for every larger count.
func (th threshold) monotone() bool {
	switch th.op {
	case ">", ">=":
		return true
	case "!=":
		return th.n <= 0
	}
	return false
}

// passes returns the CEL that holds when count does not meet the threshold.
func (th threshold) passes(count string) string {
	inv := map[string]string{"!=": "==", "==": "!=", ">": "<=", ">=": "<", "<": ">=", "<=": ">"}[th.op]
	return fmt.Sprintf("%s %s %d", count, inv, th.n)
}

func (th threshold) String() string { return th.op + strconv.FormatInt(th.n, 10) }

// test translates one entry of a tests: (or data_tests:) list; what cannot
// be translated becomes a note naming its place in the schema file.
func (t *translator) test(f *importers.File, n ast.Node, col, desc string) {
	name, args, cfg := splitTest(n)
	src := fmt.Sprintf("%s: %s", t.pos(n), name)
	if col != "" {
		src += " on " + col
	}
	note := func(partial bool, format string, a ...any) {
		f.Notes = append(f.Notes, importers.Note{Source: src, Reason: fmt.Sprintf(format, a...), Partial: partial})
	}
	if name == "" {
		note(false, "a test without a name")
		return
	}
	if e, ok := cfg["enabled"].(bool); ok && !e {
		note(true, "disabled in dbt (enabled: false): not translated")
		return
	}
	if jinja(args) || jinja(cfg) {
		note(false, "Jinja ({{ … }}) in the test's arguments or config is not rendered: write the values out")
		return
	}
	if c, ok := args["column_name"].(string); ok && col == "" {
		if !plainColumn(c) {
			note(false, "column_name %q is an expression: write the test on a column, or as dbt_utils.expression_is_true", c)
			return
		}
		col = c
	}
	if fc, ok := cfg["fail_calc"]; ok && !strings.EqualFold(strings.ReplaceAll(fmt.Sprint(fc), " ", ""), "count(*)") {
		note(false, "fail_calc %q is not translated: Sluice counts failing rows", fc)
		return
	}

	// Severity and thresholds, as dbt applies them: with severity error
	// the test fails when error_if holds and else warns when warn_if
	// holds; with severity warn only warn_if counts.
	severity := "error"
	if s, ok := cfg["severity"]; ok {
		switch strings.ToLower(fmt.Sprint(s)) {
		case "warn":
			severity = "warn"
		case "error":
		default:
			note(false, "severity %q is neither warn nor error", s)
			return
		}
	}
	warnIf, errorIf := threshold{"!=", 0}, threshold{"!=", 0}
	for key, th := range map[string]*threshold{"warn_if": &warnIf, "error_if": &errorIf} {
		if v, ok := cfg[key]; ok {
			p, err := parseThreshold(fmt.Sprint(v))
			if err != nil {
				note(false, "%s: %v", key, err)
				return
			}
			*th = p
		}
	}

	var where *sqlCondition
	if w, ok := cfg["where"]; ok && w != nil {
		ws, ok := w.(string)
		if !ok {
			note(false, "where must be a SQL condition, not %v", w)
			return
		}
		c, err := t.translateSQL(ws, f.Dataset)
		if err != nil {
			note(false, "where %q: %v", ws, err)
			return
		}
		where = &c
	}

	sp, err := t.translate(f, name, col, args, where)
	if err != nil {
		note(false, "%v", err)
		return
	}
	if sp.cond != nil {
		where = sp.cond
	}
	if _, ok := cfg["limit"]; ok {
		sp.partial = append(sp.partial, "the config limit has no effect on the verdict (it bounds the failing rows dbt returns)")
	}
	for _, k := range []string{"store_failures", "store_failures_as"} {
		if _, ok := cfg[k]; ok {
			sp.partial = append(sp.partial, "the config "+k+" is ignored: Sluice keeps failing rows as samples in the report and, with --quarantine, in the quarantine")
		}
	}
	if where != nil && !sp.where && sp.body == "" && sp.column == nil {
		note(false, "the where config on %s is not translated: the metric it needs has no row filter", name)
		return
	}
	if sp.column != nil {
		if where != nil || !warnIf.anyFailure() || !errorIf.anyFailure() || severity == "warn" {
			note(false, "%s becomes a column declaration, which takes no where, thresholds or severity", name)
			return
		}
		c := f.Column(sp.column.Key)
		if sp.column.Type != "" {
			c.Type = sp.column.Type
		}
		c.Comment = strings.TrimPrefix(strings.Join([]string{c.Comment, "dbt test " + src}, "\n"), "\n")
		for _, p := range sp.partial {
			note(true, "%s", p)
		}
		return
	}

	type level struct {
		sev string
		th  threshold
	}
	levels := []level{{"error", errorIf}}
	if severity == "warn" {
		levels = []level{{"warn", warnIf}}
	} else if warnIf != errorIf && (!warnIf.anyFailure() || !errorIf.anyFailure()) {
		levels = append(levels, level{"warn", warnIf})
	}
	var out []importers.Rule
	for _, lv := range levels {
		r := importers.Rule{Name: sp.name, Description: desc, Comment: "dbt test " + src}
		if lv.sev == "warn" {
			r.Severity = "warn"
			if len(levels) > 1 {
				r.Name += "_warn"
				r.Comment += fmt.Sprintf(" (warn_if %s)", lv.th)
			}
		} else if len(levels) > 1 || lv.th != (threshold{"!=", 0}) {
			r.Comment += fmt.Sprintf(" (error_if %s)", lv.th)
		}
		th := lv.th
		if sp.binary {
			switch {
			case th.fires(0):
				note(false, "%s %s holds on a passing test too (the test returns 0 or 1 rows): not translated", lv.sev+"_if", th)
				return
			case !th.fires(1):
				note(true, "%s %s never holds (the test returns 0 or 1 rows): no %s rule", lv.sev+"_if", th, lv.sev)
				continue
			}
			th = threshold{"!=", 0}
		}
		switch {
		case th.anyFailure() && sp.body != "":
			r.Expr = sp.body
			if where != nil {
				guard := []string{andOperand(where.True)}
				if !sp.testsNull {
					guard = append(guard, notNullGuard(sp.cols)...)
				}
				r.Expr = strings.Join(guard, " && ") + " ? (" + sp.body + ") : dyn(null)"
				r.Comment += "\nrows outside the where config evaluate to null and are not counted"
			}
			if sp.mostly > 0 && sp.mostly < 1 {
				r.Mostly = sp.mostly
			}
		case sp.mostly > 0 && sp.mostly < 1:
			note(false, "mostly with warn_if/error_if thresholds is not translated")
			return
		case th.anyFailure():
			r.Check = sp.check
		default:
			count := sp.count
			if count == "" && sp.body != "" && sp.noCount == "" {
				count = rowFailures(sp, where)
			}
			if count == "" {
				reason := sp.noCount
				if reason == "" {
					reason = "no failure count to compare"
				}
				note(false, "%s %s is not translated: %s", lv.sev+"_if", lv.th, reason)
				return
			}
			r.Check = th.passes(count)
		}
		out = append(out, r)
	}
	for _, p := range sp.partial {
		note(true, "%s", p)
	}
	// The warn rule of a pair is named after its error rule as AddRule
	// made it unique: <name>_warn.
	base := ""
	for _, r := range out {
		for _, p := range sp.partial {
			r.Comment += "\nPARTIAL: " + p
		}
		if r.Severity == "warn" && len(out) > 1 && base != "" {
			r.Name = base + "_warn"
		}
		f.AddRule(r)
		if base == "" {
			base = f.Rules[len(f.Rules)-1].Name
		}
	}
}

// rowFailures is the number of rows a row test fails on, as count_if.
func rowFailures(sp spec, where *sqlCondition) string {
	var parts []string
	if where != nil {
		parts = append(parts, andOperand(where.True))
	}
	if !sp.testsNull {
		parts = append(parts, notNullGuard(sp.cols)...)
	}
	parts = append(parts, "!("+sp.body+")")
	return "count_if(" + strings.Join(parts, " && ") + ")"
}

// translate dispatches on the test's name.
func (t *translator) translate(f *importers.File, name, col string, args map[string]any, where *sqlCondition) (spec, error) {
	for _, k := range []string{"group_by_columns", "group_by"} {
		if _, ok := args[k]; ok {
			return spec{}, fmt.Errorf("%s is not translated: Sluice checks the dataset as a whole", k)
		}
	}
	short := name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		short = name[i+1:]
	}
	ruleName := short
	if col != "" {
		ruleName = col + "." + short
	}
	needCol := func() error {
		if col == "" {
			return errors.New("the test needs a column (column_name, or the test under a column)")
		}
		return nil
	}
	id := importers.Ident(col)
	switch {
	case name == "not_null":
		if err := needCol(); err != nil {
			return spec{}, err
		}
		sp := spec{name: ruleName, body: id + " != null", cols: []string{col}, testsNull: true, count: "null_count(" + id + ")"}
		if where != nil {
			sp.count = ""
		}
		return sp, nil
	case name == "unique":
		if err := needCol(); err != nil {
			return spec{}, err
		}
		// dbt counts the values that occur more than once: distinct
		// values minus those occurring once (duplicate_count counts the
		// rows of repeated values).
		return spec{
			name:  col + ".unique_non_null",
			check: fmt.Sprintf("distinct_count(%s) == row_count() - null_count(%s)", id, id),
			count: fmt.Sprintf("distinct_count(%s) - (row_count() - null_count(%s) - duplicate_count(%s))", id, id, id),
		}, nil
	case name == "accepted_values" || name == "dbt_utils.not_accepted_values":
		if err := needCol(); err != nil {
			return spec{}, err
		}
		vals, ok := args["values"].([]any)
		if !ok {
			return spec{}, errors.New("accepted_values without a values list")
		}
		quote := true
		if q, ok := args["quote"].(bool); ok {
			quote = q
		}
		lits := make([]string, 0, len(vals))
		for _, v := range vals {
			l, err := t.setLiteral(v, quote, col)
			if err != nil {
				return spec{}, err
			}
			lits = append(lits, l)
		}
		in := id + " in [" + strings.Join(lits, ", ") + "]"
		if name != "accepted_values" {
			return spec{name: ruleName, body: "!(" + in + ")", cols: []string{col},
				noCount: "dbt counts the distinct values in the list that occur, which no Sluice metric counts"}, nil
		}
		return spec{name: ruleName, body: in, cols: []string{col},
			noCount: "dbt counts the distinct values outside the list, which no Sluice metric counts"}, nil
	case name == "relationships":
		if err := needCol(); err != nil {
			return spec{}, err
		}
		to, _ := args["to"].(string)
		field, _ := args["field"].(string)
		target, ok := refName(to)
		if !ok || field == "" {
			return spec{}, errors.New("relationships wants to (ref('model') or source('source', 'table')) and field")
		}
		if t.opts.Ref == nil {
			return spec{}, fmt.Errorf("the dataset of %s is not known: give the data directory (--data DIR)", to)
		}
		p, err := t.opts.Ref(target)
		if err != nil {
			return spec{}, err
		}
		mr := fmt.Sprintf("missing_references(%s, %s, %s)", id, importers.CELString(p), importers.CELString(field))
		return spec{name: col + ".relationships", check: mr + " == 0", count: mr}, nil
	case strings.HasPrefix(name, "dbt_utils."):
		return t.dbtUtils(short, ruleName, col, args, where)
	case name == "dbt_expectations.expect_table_row_count_to_equal_other_table":
		for k := range args {
			if k != "compare_model" {
				return spec{}, fmt.Errorf("the argument %s is not translated", k)
			}
		}
		sp, err := t.dbtUtils("equal_rowcount", "row_count_equal_other_table", "", args, where)
		sp.name, sp.count = "row_count_equal_other_table", ""
		sp.noCount = "thresholds on dbt_expectations tests are not translated"
		return sp, err
	case strings.HasPrefix(name, "dbt_expectations."):
		return t.dbtExpectations(f, short, col, args, where)
	}
	return spec{}, fmt.Errorf("the test %s is not translated (a custom or package test Sluice does not know)", name)
}

func (t *translator) dbtUtils(short, ruleName, col string, args map[string]any, where *sqlCondition) (spec, error) {
	id := importers.Ident(col)
	needCol := func() error {
		if col == "" {
			return fmt.Errorf("dbt_utils.%s needs a column (column_name, or the test under a column)", short)
		}
		return nil
	}
	switch short {
	case "expression_is_true":
		expr, ok := args["expression"].(string)
		if !ok || strings.TrimSpace(expr) == "" {
			return spec{}, errors.New("expression_is_true without an expression")
		}
		sql := expr
		if col != "" {
			sql = sqlIdent(col) + " " + expr
		}
		c, err := t.translateSQL(sql, t.current)
		if err != nil {
			return spec{}, fmt.Errorf("expression %q: %w", expr, err)
		}
		// dbt selects the rows where not (expression) is TRUE: a row
		// fails when the expression is FALSE, not when it is NULL.
		return spec{name: ruleName, body: c.NotFalse, testsNull: true}, nil
	case "accepted_range":
		if err := needCol(); err != nil {
			return spec{}, err
		}
		inclusive := true
		if v, ok := args["inclusive"].(bool); ok {
			inclusive = v
		}
		eq := "="
		if !inclusive {
			eq = ""
		}
		var conds []string
		for _, b := range []struct{ key, op string }{{"min_value", ">" + eq}, {"max_value", "<" + eq}} {
			v, ok := args[b.key]
			if !ok || v == nil {
				continue
			}
			conds = append(conds, sqlIdent(col)+" "+b.op+" "+sqlValue(v))
		}
		if len(conds) == 0 {
			return spec{}, errors.New("accepted_range without min_value or max_value")
		}
		c, err := t.translateSQL(strings.Join(conds, " and "), t.current)
		if err != nil {
			return spec{}, err
		}
		return spec{name: ruleName, body: c.NotFalse, testsNull: true}, nil
	case "not_null_proportion":
		if err := needCol(); err != nil {
			return spec{}, err
		}
		lo, hi := 0.0, 1.0
		var parts []string
		sp := spec{name: ruleName, binary: true, where: true}
		for _, b := range []struct {
			key string
			v   *float64
		}{{"at_least", &lo}, {"at_most", &hi}} {
			if v, ok := args[b.key]; ok {
				x, ok := toFloat(v)
				if !ok {
					return spec{}, fmt.Errorf("%s must be a number, not %v", b.key, v)
				}
				*b.v = x
			}
		}
		if _, ok := args["at_least"]; !ok {
			return spec{}, errors.New("not_null_proportion without at_least")
		}
		if where == nil {
			parts = append(parts, "completeness("+id+") >= "+floatText(lo))
			if hi < 1 {
				parts = append(parts, "completeness("+id+") <= "+floatText(hi))
			}
		} else {
			in := "double(count_if(" + where.True + "))"
			nn := "double(count_if(" + andOperand(where.True) + " && " + id + " != null))"
			parts = append(parts, nn+" >= "+floatText(lo)+" * "+in)
			if hi < 1 {
				parts = append(parts, nn+" <= "+floatText(hi)+" * "+in)
			}
			sp.partial = append(sp.partial, "with no row inside where dbt divides by zero; Sluice passes")
		}
		sp.check = strings.Join(parts, " && ")
		return sp, nil
	case "at_least_one":
		if err := needCol(); err != nil {
			return spec{}, err
		}
		sp := spec{name: ruleName, binary: true, where: true, check: "row_count() - null_count(" + id + ") > 0"}
		if where != nil {
			sp.check = "count_if(" + andOperand(where.True) + " && " + id + " != null) > 0"
		}
		return sp, nil
	case "not_constant":
		if err := needCol(); err != nil {
			return spec{}, err
		}
		return spec{name: ruleName, binary: true, check: "distinct_count(" + id + ") != 1"}, nil
	case "unique_combination_of_columns":
		cols, ok := stringList(args["combination_of_columns"])
		if !ok || len(cols) == 0 {
			return spec{}, errors.New("unique_combination_of_columns wants combination_of_columns: a list of columns")
		}
		ids := make([]string, len(cols))
		for i, c := range cols {
			if !plainColumn(c) {
				return spec{}, fmt.Errorf("combination_of_columns: %q is an expression, not a column", c)
			}
			ids[i] = importers.Ident(c)
		}
		return spec{
			name:    strings.Join(cols, "_") + ".unique_combination",
			check:   "duplicate_count(" + strings.Join(ids, ", ") + ") == 0",
			noCount: "dbt counts the repeated combinations, which no Sluice metric counts",
			partial: []string{"duplicate_count leaves out rows with a null in any of the columns; dbt's GROUP BY compares them too"},
		}, nil
	case "recency":
		field, _ := args["field"].(string)
		if field == "" {
			field = col
		}
		if !plainColumn(field) {
			return spec{}, errors.New("recency wants field: a column")
		}
		if v, ok := args["ignore_time_component"].(bool); ok && v {
			return spec{}, errors.New("ignore_time_component (a threshold cast to a date) is not translated")
		}
		part, _ := args["datepart"].(string)
		n, ok := toFloat(args["interval"])
		if !ok || n != math.Trunc(n) || n < 0 {
			return spec{}, fmt.Errorf("interval must be a whole number, not %v", args["interval"])
		}
		unit := map[string]string{"second": "s", "minute": "m", "hour": "h", "day": "h", "week": "h"}[strings.ToLower(part)]
		if unit == "" {
			return spec{}, fmt.Errorf("datepart %q has no fixed length (calendar months and years vary): not translated", part)
		}
		mult := map[string]float64{"day": 24, "week": 168}[strings.ToLower(part)]
		if mult == 0 {
			mult = 1
		}
		d := strconv.FormatFloat(n*mult, 'f', -1, 64) + unit
		return spec{name: field + ".recency", binary: true,
			check: fmt.Sprintf("max(%s) >= now() - duration(%s)", importers.Ident(field), importers.CELString(d))}, nil
	case "equal_rowcount", "fewer_rows_than":
		to, _ := args["compare_model"].(string)
		target, ok := refName(to)
		if !ok {
			return spec{}, errors.New("compare_model must be ref('model') or source('source', 'table')")
		}
		if t.opts.Ref == nil {
			return spec{}, fmt.Errorf("the dataset of %s is not known: give the data directory (--data DIR)", to)
		}
		p, err := t.opts.Ref(target)
		if err != nil {
			return spec{}, err
		}
		other := "row_count(" + importers.CELString(p) + ")"
		if short == "fewer_rows_than" {
			return spec{name: short, binary: true, check: "row_count() < " + other}, nil
		}
		// dbt's failure count is the difference of the row counts.
		return spec{name: short, check: "row_count() == " + other,
			count: fmt.Sprintf("(row_count() >= %s ? row_count() - %s : %s - row_count())", other, other, other)}, nil
	case "equality":
		return spec{}, errors.New("it compares every row with another model's: Sluice reads another dataset only for its row count (row_count('path')) and its keys (missing_references)")
	case "cardinality_equality":
		return spec{}, errors.New("it compares how often each value occurs with another model: Sluice reads another dataset only for its row count (row_count('path')) and its keys (missing_references)")
	}
	return spec{}, fmt.Errorf("dbt_utils.%s is not translated", short)
}

// expectationArgs renames dbt_expectations arguments to the GX kwargs of
// the expectation of the same name.
func expectationArgs(col string, args map[string]any) (map[string]any, error) {
	kw := map[string]any{}
	for k, v := range args {
		switch k {
		case "column_name":
		case "row_condition":
		case "strictly":
			if b, ok := v.(bool); ok && b {
				kw["strict_min"], kw["strict_max"] = true, true
			}
		case "quote_values":
			if b, ok := v.(bool); ok && !b {
				return nil, errors.New("quote_values: false (values as SQL expressions) is not translated")
			}
		case "is_raw":
		case "flags":
			if s := fmt.Sprint(v); s != "" {
				return nil, fmt.Errorf("regex flags %q are not translated: write them into the pattern ((?i) …)", s)
			}
		case "column_type":
			kw["type_"] = v
		case "column_list":
			kw["column_list"] = v
		default:
			kw[k] = jsonNumbers(v)
		}
	}
	if col != "" {
		kw["column"] = col
	}
	return kw, nil
}

// jsonNumbers turns YAML numbers into json.Number, as GX suites carry them.
func jsonNumbers(v any) any {
	switch x := v.(type) {
	case uint64, int64, int, float64:
		return json.Number(fmt.Sprint(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonNumbers(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = jsonNumbers(e)
		}
		return out
	}
	return v
}

// dbtExpectations translates a dbt_expectations test through the GX
// importer's translation of the expectation of the same name.
func (t *translator) dbtExpectations(f *importers.File, short, col string, args map[string]any, where *sqlCondition) (spec, error) {
	switch short {
	case "expect_column_values_to_be_increasing", "expect_column_values_to_be_decreasing":
		// GX compares the rows in the order they are read, and so does
		// order_violations; dbt_expectations sorts them by sort_column
		// (the column itself by default) first.
		return spec{}, fmt.Errorf("%s: dbt_expectations compares the rows sorted by sort_column, not in the order they are read; order_violations(c, 'increasing') checks the order as read", short)
	}
	kw, err := expectationArgs(col, args)
	if err != nil {
		return spec{}, err
	}
	if rc, ok := args["row_condition"].(string); ok && strings.TrimSpace(rc) != "" {
		c, err := t.translateSQL(rc, f.Dataset)
		if err != nil {
			return spec{}, fmt.Errorf("row_condition %q: %w", rc, err)
		}
		if where != nil {
			return spec{}, errors.New("row_condition together with where is not translated")
		}
		where = &c
	}
	tmp := &importers.File{Dataset: f.Dataset}
	opts := gx.Options{}
	if t.opts.Schema != nil {
		opts.Schema = t.opts.Schema(f.Dataset)
	}
	if err := gx.TranslateOne(tmp, gx.Expectation{Type: short, Kwargs: kw}, opts); err != nil {
		return spec{}, fmt.Errorf("%s (as the GX expectation): %w", short, err)
	}
	var sp spec
	for _, n := range tmp.Notes {
		sp.partial = append(sp.partial, n.Reason)
	}
	switch {
	case len(tmp.Rules) == 1:
		r := tmp.Rules[0]
		sp.name = r.Name
		if r.Expr != "" {
			if where != nil && col == "" {
				return spec{}, errors.New("a row condition on a test without a column is not translated")
			}
			sp.body, sp.mostly, sp.cond = r.Expr, r.Mostly, where
			if col != "" {
				sp.cols = []string{col}
			}
			// As rules.Program decides it: a null literal in the
			// expression means it handles nulls itself.
			sp.testsNull = strings.Contains(r.Expr, "null") || strings.Contains(r.Expr, "has(")
			sp.noCount = "thresholds on dbt_expectations tests are not translated"
		} else {
			sp.check = r.Check
			sp.noCount = "thresholds on dbt_expectations tests are not translated"
			if where != nil {
				return spec{}, fmt.Errorf("a row condition on %s, a dataset-level expectation, is not translated", short)
			}
			sp.binary = true
		}
		return sp, nil
	case len(tmp.Rules) == 0 && len(tmp.Columns) == 1:
		c := tmp.Columns[0]
		sp.column = &c
		return sp, nil
	}
	return spec{}, fmt.Errorf("%s translates to %d rules: not translated", short, len(tmp.Rules))
}

// ---- small helpers ----

var plainColumnRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*$`)

func plainColumn(s string) bool { return plainColumnRe.MatchString(s) }

// sqlIdent quotes a column name for the SQL translator.
func sqlIdent(c string) string { return `"` + strings.ReplaceAll(c, `"`, `""`) + `"` }

// sqlValue writes an argument as the SQL text dbt would splice in.
func sqlValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case uint64:
		return float64(x), true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

func floatText(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

func stringList(v any) ([]string, bool) {
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for _, e := range l {
		s, ok := e.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func jinja(m map[string]any) bool {
	for _, v := range m {
		switch x := v.(type) {
		case string:
			if strings.Contains(x, "{{") || strings.Contains(x, "{%") {
				return true
			}
		case map[string]any:
			if jinja(x) {
				return true
			}
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok && (strings.Contains(s, "{{") || strings.Contains(s, "{%")) {
					return true
				}
			}
		}
	}
	return false
}

var (
	refRe    = regexp.MustCompile(`^\s*ref\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?\)\s*$`)
	sourceRe = regexp.MustCompile(`^\s*source\(\s*['"][^'"]+['"]\s*,\s*['"]([^'"]+)['"]\s*\)\s*$`)
)

// refName returns the dataset named by ref('x'), ref('pkg', 'x') or
// source('s', 'x').
func refName(s string) (string, bool) {
	if m := refRe.FindStringSubmatch(s); m != nil {
		if m[2] != "" {
			return m[2], true
		}
		return m[1], true
	}
	if m := sourceRe.FindStringSubmatch(s); m != nil {
		return m[1], true
	}
	return "", false
}

// splitTest returns a test's name, arguments and config, from any of the
// forms dbt accepts: a bare name, {name: {args…, config: {…}}},
// {name: {arguments: {…}, config: {…}}} and {test_name: name, …}.
func splitTest(n ast.Node) (string, map[string]any, map[string]any) {
	args, cfg := map[string]any{}, map[string]any{}
	v := value(n)
	if s, ok := v.(string); ok {
		return s, args, cfg
	}
	m, ok := v.(map[string]any)
	if !ok {
		return "", args, cfg
	}
	var name string
	var body map[string]any
	if tn, ok := m["test_name"].(string); ok {
		name, body = tn, m
	} else if len(m) == 1 {
		for k, b := range m {
			name = k
			body, _ = b.(map[string]any)
		}
	} else {
		return "", args, cfg
	}
	for k, x := range body {
		switch {
		case k == "test_name":
		case k == "arguments":
			if am, ok := x.(map[string]any); ok {
				for ak, av := range am {
					args[ak] = av
				}
			}
		case k == "config":
			if cm, ok := x.(map[string]any); ok {
				for ck, cv := range cm {
					cfg[ck] = cv
				}
			}
		case configKeys[k]:
			cfg[k] = x
		default:
			args[k] = x
		}
	}
	return name, args, cfg
}
