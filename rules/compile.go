package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	"github.com/google/cel-go/common"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
)

// Compile type-checks every rule against schema and returns the program.
// All problems are returned at once in an Errors value.
func (rs *RuleSet) Compile(schema *arrow.Schema, opts ...CompileOption) (*Program, error) {
	cfg := compileConfig{costLimit: DefaultCostLimit, engine: EngineAuto}
	for _, o := range opts {
		o(&cfg)
	}
	if err := checkEngine(cfg.engine); err != nil {
		return nil, err
	}
	if schema == nil {
		return nil, fmt.Errorf("rules: compile %s: nil schema", rs.Dataset)
	}
	c := &compiler{rs: rs, cfg: cfg, file: rs.Path, ce: newColumnEnv(rs, schema)}
	if c.file == "" {
		c.file = "<rules>"
	}
	p := &Program{rs: rs, schema: schema, ce: c.ce}
	c.p = p

	// The declared schema contract is checked by newColumnEnv: a column
	// that is missing or retyped is a finding (Program.SchemaFindings), not
	// a problem of the rule file; the key must name known columns.
	c.checkKey()

	var err error
	c.rowEnv, err = cel.NewEnv(c.ce.baseOptions()...)
	if err != nil {
		return nil, fmt.Errorf("rules: CEL environment: %w", err)
	}
	c.checkEnv, err = c.rowEnv.Extend(metricDecls()...)
	if err != nil {
		return nil, fmt.Errorf("rules: CEL environment: %w", err)
	}

	var cols []string
	for i := range rs.Rules {
		r := rs.Rules[i]
		cr := &CompiledRule{Rule: r, Index: i, Engine: "interpreter"}
		if r.Severity == "" {
			cr.Severity = SeverityError
		}
		if r.Mostly == 0 {
			cr.Mostly = 1
		}
		if r.Nulls == "" && r.Kind() == KindRow {
			cr.Nulls = NullsSkip
		}
		p.rules = append(p.rules, cr)
		if why, cols := c.notEvaluated(i, cr); why != "" {
			// Checked against the declared types, never run.
			cr.NotEvaluated, cr.Columns = why, cols
			continue
		}
		if r.Kind() == KindRow {
			rp, slots := c.compileRow(i, cr)
			cr.Columns = c.names(slots)
			p.rowRules = append(p.rowRules, cr)
			p.rowProg = append(p.rowProg, rp)
		} else {
			cp, names := c.compileCheck(i, cr)
			cr.Columns = sortedUnique(names)
			p.checks = append(p.checks, cr)
			p.chkProg = append(p.chkProg, cp)
		}
		cols = append(cols, cr.Columns...)
	}
	p.columns = sortedUnique(cols)
	p.env, p.limit = c.rowEnv, c.cfg.costLimit
	if len(c.errs) > 0 {
		c.errs.sort()
		return nil, c.errs
	}
	return p, nil
}

type compiler struct {
	rs       *RuleSet
	cfg      compileConfig
	file     string
	ce       *columnEnv
	p        *Program
	rowEnv   *cel.Env
	checkEnv *cel.Env
	errs     Errors
	// fallbackIndex finds a fallback subexpression by source (vector.go).
	fallbackIndex map[string]int
}

func (c *compiler) problem(line, col int, rule, msg string) {
	c.errs = append(c.errs, Problem{File: c.file, Line: line, Column: col, Rule: rule, Msg: msg})
}

func (c *compiler) pos(i int) exprPos {
	if i < len(c.rs.pos) && c.rs.pos[i].Line > 0 {
		return c.rs.pos[i]
	}
	return exprPos{Line: c.rs.Rules[i].Line}
}

// at reports a problem at a rune offset of rule i's expression text.
func (c *compiler) at(i int, src string, offset int, msg string) {
	loc := offsetLocation(src, offset)
	c.atLoc(i, src, loc.line, loc.col, msg)
}

type location struct{ line, col int } // 1-based line, 0-based rune column

func offsetLocation(src string, offset int) location {
	loc := location{line: 1}
	for k, r := range []rune(src) {
		if k >= offset {
			break
		}
		if r == '\n' {
			loc.line++
			loc.col = 0
		} else {
			loc.col++
		}
	}
	return loc
}

// atLoc reports a problem at line (1-based) and col (0-based, runes) of
// rule i's expression, with a caret snippet.
func (c *compiler) atLoc(i int, src string, line, col int, msg string) {
	r := c.rs.Rules[i]
	pos := c.pos(i)
	fl, fc := pos.Line, 0
	if fl > 0 {
		fl += line - 1
		switch {
		case r.Generated:
			fl, fc = pos.Line, pos.Column // the shorthand's value
		case pos.Column > 0 && (line == 1 || pos.Block):
			fc = pos.Column + col
		}
	}
	lines := strings.Split(src, "\n")
	if line >= 1 && line <= len(lines) {
		text := strings.ReplaceAll(lines[line-1], "\t", " ")
		msg += "\n | " + text + "\n | " + strings.Repeat(".", max(col, 0)) + "^"
	}
	c.problem(fl, fc, r.Name, msg)
}

var undeclaredRE = regexp.MustCompile(`undeclared reference to '([^']+)'`)

// issues reports CEL issues of rule i.
func (c *compiler) issues(i int, src string, iss *cel.Issues, metricsAllowed bool) {
	for _, e := range iss.Errors() {
		msg, col := c.explain(src, e, metricsAllowed)
		c.atLoc(i, src, e.Location.Line(), col, msg)
	}
}

// explain rewrites CEL's message for unknown names, and returns the column
// (0-based, runes) to point at.
func (c *compiler) explain(src string, e *common.Error, metricsAllowed bool) (string, int) {
	col := e.Location.Column()
	m := undeclaredRE.FindStringSubmatch(e.Message)
	if m == nil {
		return e.Message, col
	}
	name := m[1]
	// CEL places an unknown call at its '(': point at the name instead.
	lines := strings.Split(src, "\n")
	rs := []rune(lines[min(max(e.Location.Line()-1, 0), len(lines)-1)])
	if col >= 0 && col < len(rs) && rs[col] == '(' {
		start := col
		for start > 0 && (rs[start-1] == ' ' || rs[start-1] == '\t') {
			start--
		}
		col = max(start-len([]rune(name)), 0)
		if !metricsAllowed && isMetricFunc(name) {
			return fmt.Sprintf("%s() is a metric function: use it in a dataset check (check:), not in a row rule (expr:)", name), col
		}
		return fmt.Sprintf("unknown function %s()", name), col
	}
	if dt, ok := c.ce.unsupported[name]; ok {
		return fmt.Sprintf("column %q has type %s, which rules cannot read", name, dt), col
	}
	return fmt.Sprintf("unknown column %q%s", name, c.ce.suggestColumn(name)), col
}

// names returns the sorted physical names of slots.
func (c *compiler) names(slots []int) []string {
	out := make([]string, 0, len(slots))
	for _, k := range slots {
		out = append(out, c.ce.slots[k].name)
	}
	return sortedUnique(out)
}

// compileRow compiles row rule i. It returns nil when the rule has problems.
func (c *compiler) compileRow(i int, cr *CompiledRule) (*rowProgram, []int) {
	src := cr.Expr
	rw, probs := c.ce.rewrite(src)
	for _, pr := range probs {
		c.at(i, src, pr.offset, pr.msg)
	}
	if len(probs) > 0 {
		return nil, nil
	}
	a, iss := c.rowEnv.Compile(rw)
	if iss != nil && iss.Err() != nil {
		c.issues(i, src, iss, false)
		return nil, nil
	}
	rp, err := c.rowProgram(a, cr.Nulls)
	if err != nil {
		c.atLoc(i, src, 1, 0, err.Error())
		return nil, nil
	}
	switch {
	case rp.vec == nil:
		cr.NotVectorized = rp.why
	case rp.vec.Fallbacks() > 0:
		cr.Engine = EngineMixed
	default:
		cr.Engine = EngineVectorized
	}
	return rp, rp.slots
}

// rowProgram checks the type and cost of a checked row expression and plans it.
func (c *compiler) rowProgram(a *cel.Ast, nulls NullPolicy) (*rowProgram, error) {
	out := a.OutputType()
	if out.Kind() != types.BoolKind && out.Kind() != types.DynKind {
		return nil, fmt.Errorf("a row rule must be a boolean expression; this one is %s", out)
	}
	est, err := c.rowEnv.EstimateCost(a, sizeEstimator{})
	if err != nil {
		return nil, fmt.Errorf("cannot estimate the cost: %w", err)
	}
	if est.Max > c.cfg.costLimit {
		return nil, fmt.Errorf("estimated cost %s per row exceeds the limit %d (simplify the expression or raise the limit)", costString(est.Max), c.cfg.costLimit)
	}
	prg, err := c.rowEnv.Program(a, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(c.cfg.costLimit))
	if err != nil {
		return nil, fmt.Errorf("cannot plan the expression: %w", err)
	}
	native := a.NativeRep()
	slots := c.referencedSlots(native)
	vec, why := c.vectorize(a, slots)
	return &rowProgram{
		prg:       prg,
		env:       c.rowEnv,
		ast:       a,
		slots:     slots,
		testsNull: testsNull(native.Expr()),
		nulls:     nulls,
		vec:       vec,
		why:       why,
	}, nil
}

func costString(n uint64) string {
	if n == ^uint64(0) {
		return "unbounded"
	}
	return fmt.Sprint(n)
}

// referencedSlots lists the columns an expression reads, in slot order.
func (c *compiler) referencedSlots(a *celast.AST) []int {
	seen := map[int]bool{}
	var out []int
	celast.PostOrderVisit(a.Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		if e.Kind() != celast.IdentKind {
			return
		}
		ref, ok := a.ReferenceMap()[e.ID()]
		if !ok || ref.Value != nil {
			return // comprehension variable or constant
		}
		if k, ok := c.ce.byIdent[ref.Name]; ok && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}))
	return out
}

// testsNull reports whether an expression has a null literal or has().
func testsNull(e celast.Expr) bool {
	found := false
	celast.PostOrderVisit(e, celast.NewExprVisitor(func(x celast.Expr) {
		switch x.Kind() {
		case celast.LiteralKind:
			if x.AsLiteral() == types.NullValue {
				found = true
			}
		case celast.SelectKind:
			if x.AsSelect().IsTestOnly() {
				found = true
			}
		}
	}))
	return found
}

// sizeEstimator bounds the sizes CEL cannot know: strings, bytes and lists
// read from columns.
type sizeEstimator struct{}

func (sizeEstimator) EstimateSize(n checker.AstNode) *checker.SizeEstimate {
	switch n.Type().Kind() {
	case types.StringKind, types.BytesKind:
		return &checker.SizeEstimate{Min: 0, Max: EstimatedStringSize}
	case types.ListKind, types.MapKind:
		return &checker.SizeEstimate{Min: 0, Max: EstimatedListSize}
	}
	return nil
}

func (sizeEstimator) EstimateCallCost(function, overloadID string, target *checker.AstNode, args []checker.AstNode) *checker.CallEstimate {
	return nil
}

// notEvaluated returns why rule i is not evaluated on this schema, and the
// physical columns it reads, when it type-checks and reads a column with a
// schema finding (a missing column is typed as declared); "" otherwise. A
// rule with problems is left to compileRow or compileCheck, which report
// them: a misspelt column is an error of the rule file whatever the data.
//
// The columns a rule reads are the variables of its checked AST, so
// row['…'] accesses, has(row.x), aliases and the arguments of metric
// functions all count.
func (c *compiler) notEvaluated(i int, cr *CompiledRule) (string, []string) {
	if !c.ce.affected {
		return "", nil
	}
	src, env := cr.Expr, c.rowEnv
	if cr.Kind() == KindDataset {
		src, env = cr.Check, c.checkEnv
	}
	rw, probs := c.ce.rewrite(src)
	if len(probs) > 0 {
		return "", nil
	}
	a, iss := env.Compile(rw)
	if iss != nil && iss.Err() != nil {
		return "", nil
	}
	slots := c.referencedSlots(a.NativeRep())
	var why []string
	for _, k := range slots {
		if f := c.ce.slots[k].finding; f != "" {
			why = append(why, f)
		}
	}
	if len(why) == 0 {
		return "", nil
	}
	return strings.Join(sortedUnique(why), "; "), c.names(slots)
}

// checkKey reports key: columns that are neither declared nor in the data,
// and key entries naming one column twice.
func (c *compiler) checkKey() {
	seen := map[string]string{}
	for i, k := range c.rs.Key {
		line := 0
		if i < len(c.rs.keyLines) {
			line = c.rs.keyLines[i]
		}
		name := c.rs.physical(k)
		_, declared := c.rs.ColumnByName(name)
		if !declared && len(c.ce.schema.FieldIndices(name)) == 0 {
			c.problem(line, 0, "", fmt.Sprintf("key: column %q is neither declared in columns: nor in the data%s", k, c.ce.suggestColumn(k)))
			continue
		}
		if first, dup := seen[name]; dup {
			c.problem(line, 0, "", fmt.Sprintf("key: %q and %q name the same column %q", first, k, name))
			continue
		}
		seen[name] = k
	}
}
