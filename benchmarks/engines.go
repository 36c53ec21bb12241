package benchmarks

// This file holds the data and the rules of the engine cases a–d (issue #3's
// benchmark protocol): every rule is one small expression tree that renders
// itself as CEL (Sluice, cel-go), SQL (DuckDB), arrow compute calls and a
// hand-written bitmap loop, so every engine evaluates the same rules.

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// EngineBatchRows is the batch size of the generated engine data.
const EngineBatchRows = 64 * 1024

// Statuses are the values of the status column; the rules accept a subset.
var Statuses = []string{"new", "paid", "shipped", "cancelled", "refunded", "unknown"}

// Countries are the values of the country column.
var Countries = []string{"US", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "SE", "NO",
	"DK", "FI", "PL", "PT", "IE", "AT", "CH", "CZ", "JP", "BR"}

// Channels are the values of the channel column.
var Channels = []string{"web", "store", "app", "phone"}

var dictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// CaseABatches generates with mem rows rows of (amount double, status string) in
// batches of EngineBatchRows, with status dictionary-encoded when dict is
// true (the same values either way). Amounts have 1% nulls and 2%
// negatives. The caller releases the batches.
func CaseABatches(mem memory.Allocator, rows int, dict bool) []arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(1, 2))
	stType := arrow.DataType(arrow.BinaryTypes.String)
	if dict {
		stType = dictString
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "status", Type: stType},
	}, nil)
	values := stringArray(mem, Statuses)
	defer values.Release()
	var out []arrow.RecordBatch
	for done := 0; done < rows; {
		n := min(EngineBatchRows, rows-done)
		am := array.NewFloat64Builder(mem)
		st := newStringCol(mem, dict, values)
		for range n {
			switch r := rng.IntN(100); {
			case r == 0:
				am.AppendNull()
			case r < 3:
				am.Append(-rng.Float64() * 100)
			default:
				am.Append(rng.Float64() * 1000)
			}
			st.append(rng.IntN(len(Statuses)), Statuses)
		}
		out = append(out, batchOf(schema, n, am, st))
		done += n
	}
	return out
}

// WideSchema is the schema of WideBatches: ten columns of an orders table.
var WideSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "customer_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "quantity", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "discount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "age", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "status", Type: dictString},
	{Name: "country", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "email", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "channel", Type: dictString, Nullable: true},
}, nil)

// WideBatches generates with mem rows rows of WideSchema in batches of
// EngineBatchRows: unique ids, a few percent of nulls and of values that
// break the rules in every checked column. The caller releases the batches.
func WideBatches(mem memory.Allocator, rows int) []arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(3, 4))
	statuses, channels := stringArray(mem, Statuses), stringArray(mem, Channels)
	defer statuses.Release()
	defer channels.Release()
	var out []arrow.RecordBatch
	for done := 0; done < rows; {
		n := min(EngineBatchRows, rows-done)
		id := array.NewInt64Builder(mem)
		cust := array.NewInt64Builder(mem)
		amount := array.NewFloat64Builder(mem)
		qty := array.NewInt32Builder(mem)
		disc := array.NewFloat64Builder(mem)
		age := array.NewInt64Builder(mem)
		status := newStringCol(mem, true, statuses)
		country := array.NewStringBuilder(mem)
		email := array.NewStringBuilder(mem)
		channel := newStringCol(mem, true, channels)
		var buf []byte
		for i := range n {
			id.Append(int64(done + i + 1))
			if rng.IntN(200) == 0 {
				cust.AppendNull()
			} else {
				cust.Append(1 + rng.Int64N(1_000_000))
			}
			switch r := rng.IntN(100); {
			case r == 0:
				amount.AppendNull()
			case r < 3:
				amount.Append(-rng.Float64() * 100)
			default:
				amount.Append(rng.Float64() * 1000)
			}
			if rng.IntN(100) == 0 {
				qty.AppendNull()
			} else {
				qty.Append(int32(rng.IntN(105)))
			}
			if rng.IntN(50) == 0 {
				disc.AppendNull()
			} else {
				disc.Append(rng.Float64() * 0.55)
			}
			if rng.IntN(100) == 0 {
				age.AppendNull()
			} else {
				age.Append(int64(10 + rng.IntN(115)))
			}
			status.append(rng.IntN(len(Statuses)), Statuses)
			if rng.IntN(500) == 0 {
				country.AppendNull()
			} else {
				country.Append(Countries[rng.IntN(len(Countries))])
			}
			switch r := rng.IntN(200); {
			case r == 0:
				email.AppendNull()
			case r == 1:
				email.Append("user" + strconv.Itoa(rng.IntN(1_000_000)) + "@invalid")
			default:
				buf = append(buf[:0], "user"...)
				buf = strconv.AppendInt(buf, int64(rng.IntN(1_000_000)), 10)
				buf = append(buf, "@example.com"...)
				email.BinaryBuilder.Append(buf)
			}
			if rng.IntN(100) == 0 {
				channel.appendNull()
			} else {
				channel.append(rng.IntN(len(Channels)), Channels)
			}
		}
		out = append(out, batchOf(WideSchema, n, id, cust, amount, qty, disc, age, status, country, email, channel))
		done += n
	}
	return out
}

// ReleaseAll releases every batch.
func ReleaseAll(batches []arrow.RecordBatch) {
	for _, b := range batches {
		b.Release()
	}
}

func stringArray(mem memory.Allocator, vals []string) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.AppendValues(vals, nil)
	return b.NewArray()
}

// stringCol builds a string column, plain or dictionary-encoded over a
// fixed dictionary.
type stringCol struct {
	plain  *array.StringBuilder
	idx    *array.Int32Builder
	values arrow.Array
}

func newStringCol(mem memory.Allocator, dict bool, values arrow.Array) *stringCol {
	if dict {
		return &stringCol{idx: array.NewInt32Builder(mem), values: values}
	}
	return &stringCol{plain: array.NewStringBuilder(mem)}
}

func (c *stringCol) append(k int, vals []string) {
	if c.plain != nil {
		c.plain.Append(vals[k])
		return
	}
	c.idx.Append(int32(k))
}

func (c *stringCol) appendNull() {
	if c.plain != nil {
		c.plain.AppendNull()
		return
	}
	c.idx.AppendNull()
}

func (c *stringCol) NewArray() arrow.Array {
	if c.plain != nil {
		return c.plain.NewArray()
	}
	idx := c.idx.NewArray()
	defer idx.Release()
	return array.NewDictionaryArray(dictString, idx, c.values)
}

func (c *stringCol) Release() {
	if c.plain != nil {
		c.plain.Release()
		return
	}
	c.idx.Release()
}

type arrayBuilder interface {
	NewArray() arrow.Array
	Release()
}

func batchOf(schema *arrow.Schema, n int, bs ...arrayBuilder) arrow.RecordBatch {
	cols := make([]arrow.Array, len(bs))
	for i, b := range bs {
		cols[i] = b.NewArray()
		b.Release()
	}
	rec := array.NewRecordBatch(schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// Op is the operator of an expression node.
type Op int

// The operators of the engine cases' rules.
const (
	OpGE      Op = iota // column >= literal
	OpLE                // column <= literal
	OpLT                // column < literal
	OpGT                // column > literal
	OpIn                // column in [string literals]
	OpNotNull           // column != null
	OpMatches           // column matches a regular expression
	OpAnd
	OpOr
)

// Expr is a node of a row rule: a comparison of a column with a literal, a
// set membership, a null test, a regular expression or a conjunction or
// disjunction of two nodes.
type Expr struct {
	Op   Op
	Col  string
	Lit  any      // float64 or int64 for comparisons, the pattern for OpMatches
	Set  []string // OpIn
	L, R *Expr
}

// GE is col >= lit.
func GE(col string, lit any) *Expr { return &Expr{Op: OpGE, Col: col, Lit: lit} }

// LE is col <= lit.
func LE(col string, lit any) *Expr { return &Expr{Op: OpLE, Col: col, Lit: lit} }

// LT is col < lit.
func LT(col string, lit any) *Expr { return &Expr{Op: OpLT, Col: col, Lit: lit} }

// GT is col > lit.
func GT(col string, lit any) *Expr { return &Expr{Op: OpGT, Col: col, Lit: lit} }

// In is col in [set...].
func In(col string, set ...string) *Expr { return &Expr{Op: OpIn, Col: col, Set: set} }

// NotNull is col != null.
func NotNull(col string) *Expr { return &Expr{Op: OpNotNull, Col: col} }

// Matches is col.matches(pattern).
func Matches(col, pattern string) *Expr { return &Expr{Op: OpMatches, Col: col, Lit: pattern} }

// And is l && r.
func And(l, r *Expr) *Expr { return &Expr{Op: OpAnd, L: l, R: r} }

// Or is l || r.
func Or(l, r *Expr) *Expr { return &Expr{Op: OpOr, L: l, R: r} }

// RowRule is one row rule of an engine case.
type RowRule struct {
	Name string
	Expr *Expr
}

// Columns returns the columns the rule reads, in first-use order.
func (r RowRule) Columns() []string {
	var out []string
	var walk func(e *Expr)
	walk = func(e *Expr) {
		if e.L != nil {
			walk(e.L)
			walk(e.R)
			return
		}
		for _, c := range out {
			if c == e.Col {
				return
			}
		}
		out = append(out, e.Col)
	}
	walk(r.Expr)
	return out
}

// TestsNull reports whether the rule tests for null itself: then a null
// input is evaluated instead of skipped.
func (r RowRule) TestsNull() bool {
	var walk func(e *Expr) bool
	walk = func(e *Expr) bool {
		if e.L != nil {
			return walk(e.L) || walk(e.R)
		}
		return e.Op == OpNotNull
	}
	return walk(r.Expr)
}

// Guarded returns the columns whose nulls skip the row: none when the rule
// tests for null itself, else every column it reads.
func (r RowRule) Guarded() []string {
	if r.TestsNull() {
		return nil
	}
	return r.Columns()
}

func lit(v any) string {
	switch v := v.(type) {
	case float64:
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		return s
	case int64:
		return strconv.FormatInt(v, 10)
	}
	panic(fmt.Sprintf("benchmarks: literal %T", v))
}

func quoteList(set []string) string {
	q := make([]string, len(set))
	for i, s := range set {
		q[i] = "'" + s + "'"
	}
	return strings.Join(q, ", ")
}

var cmpOps = map[Op]string{OpGE: ">=", OpLE: "<=", OpLT: "<", OpGT: ">"}

// CEL renders e as a CEL expression.
func (e *Expr) CEL() string {
	switch e.Op {
	case OpAnd:
		return "(" + e.L.CEL() + " && " + e.R.CEL() + ")"
	case OpOr:
		return "(" + e.L.CEL() + " || " + e.R.CEL() + ")"
	case OpIn:
		return e.Col + " in [" + quoteList(e.Set) + "]"
	case OpNotNull:
		return e.Col + " != null"
	case OpMatches:
		return e.Col + ".matches(r'" + e.Lit.(string) + "')"
	}
	return e.Col + " " + cmpOps[e.Op] + " " + lit(e.Lit)
}

// SQL renders e as a DuckDB boolean expression.
func (e *Expr) SQL() string {
	switch e.Op {
	case OpAnd:
		return "(" + e.L.SQL() + " AND " + e.R.SQL() + ")"
	case OpOr:
		return "(" + e.L.SQL() + " OR " + e.R.SQL() + ")"
	case OpIn:
		return e.Col + " IN (" + quoteList(e.Set) + ")"
	case OpNotNull:
		return e.Col + " IS NOT NULL"
	case OpMatches:
		return "regexp_matches(" + e.Col + ", '" + e.Lit.(string) + "')"
	}
	return e.Col + " " + cmpOps[e.Op] + " " + lit(e.Lit)
}

// HasKernels reports whether arrow compute (arrow-go v18.8.0) has a kernel
// for every node of e; it has none for regular expressions.
func (e *Expr) HasKernels() bool {
	if e.L != nil {
		return e.L.HasKernels() && e.R.HasKernels()
	}
	return e.Op != OpMatches
}

// RuleFile renders row rules and dataset checks as a Sluice rule file.
func RuleFile(rows []RowRule, checks []Check) []byte {
	var b strings.Builder
	b.WriteString("version: 1\ndataset: bench\nowner: bench@example.com\nrules:\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "  - name: %s\n    expr: %q\n", r.Name, r.Expr.CEL())
	}
	for _, c := range checks {
		fmt.Fprintf(&b, "  - name: %s\n    check: %q\n", c.Name, c.CEL)
	}
	return []byte(b.String())
}

// Counts are the outcomes of one row rule over a run: rows where it held,
// and rows it was evaluated on (the others had a null input and were
// skipped).
type Counts struct {
	Pass, Evaluated int64
}

// CaseARule is the rule of case a.
var CaseARule = RowRule{Name: "a", Expr: And(GE("amount", 0.0), In("status", "new", "paid", "shipped"))}

// EmailPattern is the regular expression of case b's e-mail rule.
const EmailPattern = `^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$`

// CaseBRules are the row rules of case b, a suite shaped like PyDeequ's
// published benchmark: completeness, ranges, set membership, a pattern.
var CaseBRules = []RowRule{
	{"customer_id_complete", NotNull("customer_id")},
	{"amount_non_negative", GE("amount", 0.0)},
	{"quantity_range", And(GE("quantity", int64(1)), LE("quantity", int64(100)))},
	{"discount_range", And(GE("discount", 0.0), LE("discount", 0.5))},
	{"age_range", And(GE("age", int64(18)), LE("age", int64(120)))},
	{"status_values", In("status", "new", "paid", "shipped", "cancelled", "refunded")},
	{"country_values", In("country", Countries[:15]...)},
	{"channel_values", In("channel", "web", "store", "app")},
	{"email_pattern", Matches("email", EmailPattern)},
	{"country_complete", NotNull("country")},
}

// Check is a dataset check of case b, in CEL over Sluice's metric
// functions.
type Check struct {
	Name string
	CEL  string
}

// CaseBChecks are the dataset checks of case b: completeness, uniqueness,
// mean, standard deviation, a quantile and a minimum.
var CaseBChecks = []Check{
	{"amount_completeness", "completeness(amount) >= 0.98"},
	{"id_unique", "duplicate_count(id) == 0"},
	{"amount_mean", "mean(amount) > 400.0 && mean(amount) < 600.0"},
	{"amount_stddev", "stddev(amount) < 400.0"},
	{"amount_median", "quantile(amount, 0.5) > 300.0"},
	{"age_min", "min(age) >= 0"},
}

// CaseBMetrics are the metrics case b's checks read, as Sluice labels them.
var CaseBMetrics = []string{"completeness(amount)", "duplicate_count(id)", "mean(amount)",
	"stddev(amount)", "quantile(amount, 0.5)", "min(age)"}

// CaseCRules returns n realistic row rules over WideSchema: ranges with
// different thresholds, set memberships, null tests, and conjunctions that
// share a subexpression (amount >= 0.0, status in [...]).
func CaseCRules(n int) []RowRule {
	okStatus := In("status", "new", "paid", "shipped")
	nonNeg := GE("amount", 0.0)
	out := make([]RowRule, 0, n)
	for i := 0; len(out) < n; i++ {
		k := float64(i)
		var e *Expr
		switch i % 10 {
		case 0:
			e = And(nonNeg, okStatus)
		case 1:
			e = LE("amount", 500.0+10*k)
		case 2:
			e = And(GE("quantity", int64(1+i%5)), LE("quantity", int64(90+i%11)))
		case 3:
			e = LT("discount", 0.3+0.002*k)
		case 4:
			e = And(GE("age", int64(16+i%5)), LE("age", int64(100+i%21)))
		case 5:
			e = In("country", Countries[i%5:10+i%10]...)
		case 6:
			e = NotNull([]string{"customer_id", "country", "email"}[i/10%3])
		case 7:
			e = Or(In("channel", "web", "app"), GT("amount", 100.0+k))
		case 8:
			e = And(nonNeg, LE("discount", 0.4+0.001*k))
		case 9:
			e = And(okStatus, GE("customer_id", int64(1+i*100)))
		}
		out = append(out, RowRule{Name: fmt.Sprintf("r%03d", i), Expr: e})
	}
	return out
}
