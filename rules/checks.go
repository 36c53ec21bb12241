package rules

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/cel-go/cel"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/parser"

	"github.com/sluicedata/sluice/rules/metrics"
)

// metricKind tells how a metric of a check is computed.
type metricKind uint8

const (
	metricState   metricKind = iota // a metrics.State
	metricCountIf                   // count_if(row_expr)
	metricFracIf                    // fraction_if(row_expr)
	metricMissing                   // missing_references(col, dataset, column)
	metricNow                       // now()
	metricHistory                   // previous, change, anomaly, drift, ks, schema functions (history.go)
	metricSchema                    // column_count(), columns() (tablefuncs.go)
	metricRowsOf                    // row_count('dataset') (tablefuncs.go)
)

// metricDef is one distinct metric of a program.
type metricDef struct {
	kind  metricKind
	ident string // the CEL variable that replaces the call
	key   string // canonical form, for dedup
	typ   *cel.Type
	spec  metrics.Spec
	types []arrow.DataType
	slots []int // columns fed to the state
	// hidden indexes Program.hidden for count_if and fraction_if.
	hidden int
	ref    Reference
	// name is the canonical name the metric is recorded under in history
	// ("" for metrics not recorded).
	name string
	// history-aware metrics: the function, the metric it reads (index into
	// Program.metrics), the anomaly detector and the drift method.
	fn       string
	inner    int
	detector *detector
	method   string
}

// checkProgram is a compiled dataset check.
type checkProgram struct {
	prg cel.Program
	// uses are the metrics the check reads, with their labels as written.
	uses []metricUse
}

type metricUse struct {
	def   int // index into Program.metrics
	label string
}

// extraFuncs are the functions checks know besides metrics.Catalog.
var extraFuncs = []string{"count_if", "fraction_if", "missing_references", "now", "column_count", "columns"}

func isMetricFunc(name string) bool {
	for _, f := range metrics.Catalog {
		if f.Name == name {
			return true
		}
	}
	for _, f := range extraFuncs {
		if f == name {
			return true
		}
	}
	return isHistoryFunc(name)
}

func catalogFunc(name string) (metrics.Func, bool) {
	for _, f := range metrics.Catalog {
		if f.Name == name {
			return f, true
		}
	}
	return metrics.Func{}, false
}

// maxKeyColumns bounds duplicate_count's columns.
const maxKeyColumns = 8

// metricDecls declares the metric functions for type-checking. Columns are
// type parameters: the column type rules are checked by the compiler with
// clearer messages than overload resolution gives.
func metricDecls() []cel.EnvOption {
	var opts []cel.EnvOption
	argType := func(kind string) []*cel.Type {
		switch kind {
		case "double":
			return []*cel.Type{cel.DoubleType, cel.IntType}
		case "int":
			return []*cel.Type{cel.IntType}
		}
		return []*cel.Type{cel.StringType}
	}
	for _, f := range metrics.Catalog {
		var result *cel.Type
		switch f.Result {
		case metrics.ResultInt:
			result = cel.IntType
		case metrics.ResultDouble:
			result = cel.DoubleType
		case metrics.ResultListOfColumn:
			result = cel.ListType(cel.TypeParamType("A0"))
		default:
			result = cel.TypeParamType("A0")
		}
		var overloads []cel.FunctionOpt
		ncols := []int{f.Columns}
		if f.Columns < 0 {
			ncols = nil
			for n := 1; n <= maxKeyColumns; n++ {
				ncols = append(ncols, n)
			}
		}
		for _, n := range ncols {
			params := make([]*cel.Type, 0, n+len(f.Args))
			for k := range n {
				params = append(params, cel.TypeParamType("A"+strconv.Itoa(k)))
			}
			variants := [][]*cel.Type{params}
			for _, a := range f.Args {
				var next [][]*cel.Type
				for _, v := range variants {
					for _, t := range argType(a) {
						next = append(next, append(append([]*cel.Type(nil), v...), t))
					}
				}
				variants = next
			}
			for vi, v := range variants {
				id := fmt.Sprintf("sluice_%s_%d_%d", f.Name, n, vi)
				overloads = append(overloads, cel.Overload(id, v, result))
			}
		}
		opts = append(opts, cel.Function(f.Name, overloads...))
	}
	opts = append(opts,
		cel.Function("count_if", cel.Overload("sluice_count_if", []*cel.Type{cel.BoolType}, cel.IntType)),
		cel.Function("fraction_if", cel.Overload("sluice_fraction_if", []*cel.Type{cel.BoolType}, cel.DoubleType)),
		cel.Function("missing_references", cel.Overload("sluice_missing_references",
			[]*cel.Type{cel.TypeParamType("A"), cel.StringType, cel.StringType}, cel.IntType)),
		cel.Function("now", cel.Overload("sluice_now", nil, cel.TimestampType)),
	)
	opts = append(opts, tableDecls()...)
	return append(opts, historyDecls()...)
}

// compileCheck compiles dataset check i; it returns the physical columns
// the check reads.
func (c *compiler) compileCheck(i int, cr *CompiledRule) (*checkProgram, []string) {
	src := cr.Check
	rw, probs := c.ce.rewrite(src)
	for _, pr := range probs {
		c.at(i, src, pr.offset, pr.msg)
	}
	if len(probs) > 0 {
		return nil, nil
	}
	a, iss := c.checkEnv.Compile(rw)
	if iss != nil && iss.Err() != nil {
		c.issues(i, src, iss, true)
		return nil, nil
	}
	if k := a.OutputType().Kind(); k != types.BoolKind && k != types.DynKind {
		c.atLoc(i, src, 1, 0, fmt.Sprintf("a dataset check must be a boolean expression; this one is %s", a.OutputType()))
		return nil, nil
	}
	rep := &metricReplacer{c: c, rule: i, src: src, rw: []rune(rw), orig: []rune(src)}
	opt, err := cel.NewStaticOptimizer(rep)
	if err != nil {
		c.atLoc(i, src, 1, 0, err.Error())
		return nil, nil
	}
	before := len(c.errs)
	optAst, iss := opt.Optimize(c.checkEnv, a)
	if len(c.errs) > before {
		return nil, nil
	}
	if iss != nil && iss.Err() != nil {
		c.issues(i, src, iss, true)
		return nil, nil
	}
	// Columns left outside metric functions have no single value.
	native := optAst.NativeRep()
	bad := false
	visitFree(native.Expr(), nil, func(e celast.Expr) {
		ref, ok := native.ReferenceMap()[e.ID()]
		if !ok || ref.Value != nil {
			return
		}
		if k, ok := c.ce.byIdent[ref.Name]; ok {
			bad = true
			c.atLoc(i, src, 1, 0, fmt.Sprintf("column %s is read outside a metric function; a check reads metrics such as min(%s) or completeness(%s)",
				spell(c.ce.slots[k].name), spell(c.ce.slots[k].name), spell(c.ce.slots[k].name)))
		}
	})
	if bad {
		return nil, nil
	}
	var decls []cel.EnvOption
	var names []string
	for _, u := range rep.uses {
		d := c.p.metrics[u.def]
		decls = append(decls, cel.Variable(d.ident, d.typ))
		for _, k := range d.slots {
			names = append(names, c.ce.slots[k].name)
		}
		if d.kind == metricCountIf || d.kind == metricFracIf {
			for _, k := range c.p.hidden[d.hidden].slots {
				names = append(names, c.ce.slots[k].name)
			}
		}
	}
	env, err := c.checkEnv.Extend(decls...)
	if err == nil {
		var est uint64
		est, err = estimate(env, optAst)
		if err == nil && est > c.cfg.costLimit {
			err = fmt.Errorf("estimated cost %s exceeds the limit %d", costString(est), c.cfg.costLimit)
		}
	}
	var prg cel.Program
	if err == nil {
		prg, err = env.Program(optAst, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(c.cfg.costLimit))
	}
	if err != nil {
		c.atLoc(i, src, 1, 0, err.Error())
		return nil, nil
	}
	return &checkProgram{prg: prg, uses: rep.uses}, names
}

func estimate(env *cel.Env, a *cel.Ast) (uint64, error) {
	est, err := env.EstimateCost(a, sizeEstimator{})
	if err != nil {
		return 0, err
	}
	return est.Max, nil
}

// metricReplacer replaces each metric call of a check with a variable.
type metricReplacer struct {
	c    *compiler
	rule int
	src  string
	rw   []rune
	orig []rune
	uses []metricUse
}

func (m *metricReplacer) Optimize(ctx *cel.OptimizerContext, a *celast.AST) *celast.AST {
	var visit func(e celast.Expr)
	visit = func(e celast.Expr) {
		switch e.Kind() {
		case celast.CallKind:
			call := e.AsCall()
			if !call.IsMemberFunction() && isMetricFunc(call.FunctionName()) {
				if d, ok := m.define(a, e); ok {
					md := m.c.p.metrics[d]
					if err := ctx.ExtendEnv(cel.Variable(md.ident, md.typ)); err != nil {
						m.fail(a, e.ID(), err.Error())
						return
					}
					ctx.UpdateExpr(e, ctx.NewIdent(md.ident))
				}
				return
			}
			if call.IsMemberFunction() {
				visit(call.Target())
			}
			for _, arg := range call.Args() {
				visit(arg)
			}
		case celast.SelectKind:
			visit(e.AsSelect().Operand())
		case celast.ListKind:
			for _, x := range e.AsList().Elements() {
				visit(x)
			}
		case celast.MapKind:
			for _, en := range e.AsMap().Entries() {
				visit(en.AsMapEntry().Key())
				visit(en.AsMapEntry().Value())
			}
		case celast.StructKind:
			for _, f := range e.AsStruct().Fields() {
				visit(f.AsStructField().Value())
			}
		case celast.ComprehensionKind:
			cp := e.AsComprehension()
			visit(cp.IterRange())
			visit(cp.AccuInit())
			visit(cp.LoopCondition())
			visit(cp.LoopStep())
			visit(cp.Result())
		}
	}
	visit(a.Expr())
	return a
}

// fail reports a problem at the call with id.
func (m *metricReplacer) fail(a *celast.AST, id int64, msg string) {
	loc := a.SourceInfo().GetStartLocation(id)
	m.c.atLoc(m.rule, m.src, max(loc.Line(), 1), max(loc.Column(), 0), msg)
}

// label returns the call as written in the rule.
func (m *metricReplacer) label(a *celast.AST, e celast.Expr) string {
	name := e.AsCall().FunctionName()
	r, ok := a.SourceInfo().GetOffsetRange(e.ID())
	paren := int(r.Start)
	if !ok || paren < 0 || paren >= len(m.orig) || m.orig[paren] != '(' {
		s, err := parser.Unparse(e, a.SourceInfo())
		if err != nil {
			return name + "(…)"
		}
		return s
	}
	start := paren
	for start > 0 && (m.orig[start-1] == ' ' || m.orig[start-1] == '\t' || m.orig[start-1] == '\n') {
		start--
	}
	start -= len([]rune(name))
	start = max(start, 0)
	depth, end := 0, len(m.orig)
	for k := paren; k < len(m.orig); k++ {
		switch m.orig[k] {
		case '"', '\'':
			k = skipString(m.orig, k) - 1
		case '(', '[':
			depth++
		case ')', ']':
			depth--
			if depth == 0 {
				end = k + 1
				k = len(m.orig)
			}
		}
	}
	return strings.Join(strings.Fields(string(m.orig[start:end])), " ")
}

// define validates one metric call and returns its index in
// Program.metrics, shared by identical calls.
func (m *metricReplacer) define(a *celast.AST, e celast.Expr) (int, bool) {
	call := e.AsCall()
	name := call.FunctionName()
	args := call.Args()
	label := m.label(a, e)
	d := &metricDef{}
	if handled, ok := m.tableDef(a, e, d); handled && !ok {
		return 0, false
	}
	switch {
	case d.kind == metricSchema || d.kind == metricRowsOf:
		// filled by tableDef
	case isHistoryFunc(name):
		if !m.historyDef(a, e, d) {
			return 0, false
		}
	case name == "now":
		d.kind, d.key, d.typ = metricNow, "now()", cel.TimestampType
	case name == "count_if" || name == "fraction_if":
		inner := args[0]
		nested := false
		celast.PostOrderVisit(inner, celast.NewExprVisitor(func(x celast.Expr) {
			if x.Kind() == celast.CallKind && !x.AsCall().IsMemberFunction() && isMetricFunc(x.AsCall().FunctionName()) {
				nested = true
			}
		}))
		if nested {
			m.fail(a, e.ID(), name+"() takes a row expression; metric functions cannot be used inside it")
			return 0, false
		}
		text, err := parser.Unparse(inner, a.SourceInfo())
		if err != nil {
			m.fail(a, e.ID(), fmt.Sprintf("%s(): %v", name, err))
			return 0, false
		}
		h, err := m.c.hidden(text)
		if err != nil {
			m.fail(a, e.ID(), fmt.Sprintf("%s(): %v", name, err))
			return 0, false
		}
		d.hidden = h
		if name == "count_if" {
			d.kind, d.typ = metricCountIf, cel.IntType
		} else {
			d.kind, d.typ = metricFracIf, cel.DoubleType
		}
		d.key = name + "(" + text + ")"
		d.name = d.key
	case name == "missing_references":
		k, ok := m.column(a, args[0])
		ds, ok1 := stringLiteral(args[1])
		col, ok2 := stringLiteral(args[2])
		if !ok || !ok1 || !ok2 {
			m.fail(a, e.ID(), "missing_references(column, 'dataset path', 'reference column') takes a column and two string constants")
			return 0, false
		}
		if !strings.Contains(ds, "://") && !filepath.IsAbs(ds) && m.c.rs.Path != "" {
			ds = filepath.Join(filepath.Dir(m.c.rs.Path), ds)
		}
		d.kind, d.typ = metricMissing, cel.IntType
		d.slots = []int{k}
		d.ref = Reference{Dataset: ds, Column: col}
		d.key = fmt.Sprintf("missing_references(%q,%q,%q)", m.c.ce.slots[k].name, ds, col)
	default:
		f, _ := catalogFunc(name)
		ncols := f.Columns
		if ncols < 0 {
			ncols = len(args) - len(f.Args)
		}
		spec := metrics.Spec{Func: name}
		for ai, arg := range args {
			if ai < ncols {
				k, ok := m.column(a, arg)
				if !ok {
					m.fail(a, e.ID(), fmt.Sprintf("%s(): argument %d must be a column (a name or row['…']), not an expression", name, ai+1))
					return 0, false
				}
				s := m.c.ce.slots[k]
				fam := arrowFamily(s.typ)
				switch {
				case f.Numeric && fam != "int" && fam != "uint" && fam != "float":
					m.fail(a, e.ID(), fmt.Sprintf("%s() needs a numeric column; %s is %s", name, spell(s.name), s.typ))
					return 0, false
				case f.Ordered && fam != "int" && fam != "uint" && fam != "float" && fam != "string" && fam != "timestamp" && fam != "duration" && fam != "binary":
					m.fail(a, e.ID(), fmt.Sprintf("%s() needs an ordered column (number, string, time); %s is %s", name, spell(s.name), s.typ))
					return 0, false
				case f.Strings && fam != "string":
					m.fail(a, e.ID(), fmt.Sprintf("%s() needs a string column; %s is %s", name, spell(s.name), s.typ))
					return 0, false
				}
				d.slots = append(d.slots, k)
				d.types = append(d.types, s.typ)
				spec.Columns = append(spec.Columns, s.name)
				continue
			}
			v, ok := constant(arg, f.Args[ai-ncols])
			if !ok {
				m.fail(a, e.ID(), fmt.Sprintf("%s(): argument %d must be a constant %s", name, ai+1, f.Args[ai-ncols]))
				return 0, false
			}
			spec.Args = append(spec.Args, v)
		}
		if _, err := metrics.New(spec, d.types); err != nil {
			m.fail(a, e.ID(), fmt.Sprintf("%s: %v", label, err))
			return 0, false
		}
		d.kind, d.spec = metricState, spec
		switch f.Result {
		case metrics.ResultInt:
			d.typ = cel.IntType
		case metrics.ResultDouble:
			d.typ = cel.DoubleType
		case metrics.ResultListOfColumn:
			d.typ = cel.ListType(m.c.ce.slots[d.slots[0]].cel)
		default:
			d.typ = m.c.ce.slots[d.slots[0]].cel
		}
		d.key = fmt.Sprintf("%s%q%v", name, spec.Columns, spec.Args)
		d.name = canonicalName(spec)
	}
	idx := -1
	for k, other := range m.c.p.metrics {
		if other.key == d.key {
			idx = k
			break
		}
	}
	if idx < 0 {
		idx = len(m.c.p.metrics)
		d.ident = "__m" + strconv.Itoa(idx)
		m.c.p.metrics = append(m.c.p.metrics, d)
		if d.kind == metricMissing || d.kind == metricRowsOf {
			m.c.p.refs = append(m.c.p.refs, d.ref)
		}
	}
	dup := false
	for _, u := range m.uses {
		if u.def == idx {
			dup = true
		}
	}
	if !dup {
		m.uses = append(m.uses, metricUse{def: idx, label: label})
	}
	return idx, true
}

// column resolves a column argument to a slot.
func (m *metricReplacer) column(a *celast.AST, e celast.Expr) (int, bool) {
	if e.Kind() != celast.IdentKind {
		return 0, false
	}
	ref, ok := a.ReferenceMap()[e.ID()]
	name := e.AsIdent()
	if ok {
		if ref.Value != nil {
			return 0, false
		}
		name = ref.Name
	}
	k, ok := m.c.ce.byIdent[name]
	return k, ok
}

func stringLiteral(e celast.Expr) (string, bool) {
	if e.Kind() != celast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().(types.String)
	return string(s), ok
}

// constant reads a constant argument of a metric: a literal, possibly negated.
func constant(e celast.Expr, kind string) (any, bool) {
	neg := false
	if e.Kind() == celast.CallKind && e.AsCall().FunctionName() == "-_" && len(e.AsCall().Args()) == 1 {
		neg = true
		e = e.AsCall().Args()[0]
	}
	if e.Kind() != celast.LiteralKind {
		return nil, false
	}
	switch v := e.AsLiteral().(type) {
	case types.Double:
		if kind != "double" {
			return nil, false
		}
		if neg {
			v = -v
		}
		return float64(v), true
	case types.Int:
		if neg {
			v = -v
		}
		if kind == "double" {
			return float64(v), true
		}
		if kind == "int" {
			return int64(v), true
		}
	case types.String:
		if kind == "string" && !neg {
			return string(v), true
		}
	}
	return nil, false
}

// hidden compiles the row expression of count_if or fraction_if once.
func (c *compiler) hidden(text string) (int, error) {
	for k, h := range c.p.hidden {
		if h.text == text {
			return k, nil
		}
	}
	a, iss := c.rowEnv.Compile(text)
	if iss != nil && iss.Err() != nil {
		return 0, iss.Err()
	}
	rp, err := c.rowProgram(a, NullsSkip)
	if err != nil {
		return 0, err
	}
	rp.text = text
	c.p.hidden = append(c.p.hidden, rp)
	return len(c.p.hidden) - 1, nil
}

// Duplicate is one key a failing duplicate_count check found in more than
// one row (metrics.Duplicate): the physical names of the key's columns, in
// the order the check names them, a value per column, and the number of
// rows that have the key.
type Duplicate = metrics.Duplicate

// MaxDuplicateSamples is the number of keys CheckResult.Duplicates holds at
// most.
const MaxDuplicateSamples = 20

// duplicates returns the CheckResult.Duplicates of check i (an index into
// Program.checks) given its outcome: up to MaxDuplicateSamples keys from
// the state of the one duplicate_count metric the check reads, when the
// check failed; nil otherwise, without touching a state. A
// duplicate_count read only through a history function (change,
// previous, …) does not count. Call it after the last Merge or
// MergeStates.
func (r *Run) duplicates(i int, outcome Outcome) []Duplicate {
	if outcome != Fail || r.err != nil || i < 0 || i >= len(r.p.chkProg) || r.p.chkProg[i] == nil {
		return nil
	}
	k := -1
	for _, u := range r.p.chkProg[i].uses {
		if d := r.p.metrics[u.def]; d.kind != metricState || d.spec.Func != "duplicate_count" {
			continue
		}
		if k >= 0 {
			return nil // two keys: which one failed is not known
		}
		k = u.def
	}
	if k < 0 {
		return nil
	}
	ds, ok := r.states[k].(metrics.DuplicateSampler)
	if !ok {
		return nil
	}
	return ds.Duplicates(MaxDuplicateSamples)
}

// visitFree calls f on every identifier of e that is not bound by an
// enclosing comprehension (the variable of all(), exists(), map(), …), so
// that columns().all(c, c in [...]) does not read a column named c. bound
// holds the names bound around e.
func visitFree(e celast.Expr, bound map[string]bool, f func(celast.Expr)) {
	switch e.Kind() {
	case celast.IdentKind:
		if !bound[e.AsIdent()] {
			f(e)
		}
	case celast.CallKind:
		call := e.AsCall()
		if call.IsMemberFunction() {
			visitFree(call.Target(), bound, f)
		}
		for _, a := range call.Args() {
			visitFree(a, bound, f)
		}
	case celast.SelectKind:
		visitFree(e.AsSelect().Operand(), bound, f)
	case celast.ListKind:
		for _, x := range e.AsList().Elements() {
			visitFree(x, bound, f)
		}
	case celast.MapKind:
		for _, en := range e.AsMap().Entries() {
			visitFree(en.AsMapEntry().Key(), bound, f)
			visitFree(en.AsMapEntry().Value(), bound, f)
		}
	case celast.StructKind:
		for _, fl := range e.AsStruct().Fields() {
			visitFree(fl.AsStructField().Value(), bound, f)
		}
	case celast.ComprehensionKind:
		cp := e.AsComprehension()
		visitFree(cp.IterRange(), bound, f)
		visitFree(cp.AccuInit(), bound, f)
		inner := make(map[string]bool, len(bound)+3)
		for k := range bound {
			inner[k] = true
		}
		inner[cp.IterVar()] = true
		if cp.HasIterVar2() {
			inner[cp.IterVar2()] = true
		}
		inner[cp.AccuVar()] = true
		visitFree(cp.LoopCondition(), inner, f)
		visitFree(cp.LoopStep(), inner, f)
		visitFree(cp.Result(), inner, f)
	}
}
