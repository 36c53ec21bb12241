package rules

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/cel-go/cel"

	"github.com/sluicedata/sluice/rules/engine"
)

// DefaultCostLimit is the default cap on the cost of one expression: per row
// for row rules, per run for dataset checks. It is checked statically (the
// estimate, with strings of up to EstimatedStringSize characters and lists
// of up to EstimatedListSize elements) and at run time (an evaluation over
// the limit is an error on that row).
const DefaultCostLimit = 1_000_000

// Sizes the static cost estimate assumes for values of unknown size.
const (
	EstimatedStringSize = 1024
	EstimatedListSize   = 1024
)

// CompileOption tunes Compile.
type CompileOption func(*compileConfig)

type compileConfig struct {
	costLimit uint64
	engine    string
}

// WithCostLimit caps the estimated and actual cost of each expression
// (DefaultCostLimit otherwise).
func WithCostLimit(n uint64) CompileOption { return func(c *compileConfig) { c.costLimit = n } }

// Program is a compiled rule set. Immutable and safe for concurrent use.
type Program struct {
	rs       *RuleSet
	schema   *arrow.Schema
	rules    []*CompiledRule
	rowRules []*CompiledRule
	checks   []*CompiledRule
	columns  []string
	refs     []Reference

	ce      *columnEnv
	env     *cel.Env        // the row environment, for per-batch cost bounds
	limit   uint64          // the cost limit
	rowProg []*rowProgram   // parallel to rowRules
	chkProg []*checkProgram // parallel to checks
	metrics []*metricDef    // distinct metrics of all checks
	// hidden are the row expressions of count_if and fraction_if.
	hidden []*rowProgram
	// vset holds every row expression the vectorized engine runs, for one
	// pass per batch; fallbacks are the subexpressions it leaves to the
	// interpreter, by the index the engine knows them by.
	vset      *engine.Set
	fallbacks []cel.Program
}

// rowProgram is one row expression ready to run.
type rowProgram struct {
	// prg meters the cost of every evaluation against the limit; the
	// unmetered program (unmetered) does not. That one runs a batch when
	// the cost estimate with the batch's actual value sizes is within the
	// limit, so metering cannot fail there. It is planned on first use: a
	// vectorized rule needs it only for the rows the engine marks as
	// errors, and the plan of prg already checked the expression.
	prg      cel.Program
	env      *cel.Env
	fastOnce sync.Once
	fast     cel.Program
	ast      *cel.Ast
	// slots are the columns the expression reads (indexes into ce.slots).
	slots []int
	// testsNull is true when the expression itself tests for null (a null
	// literal or has()): null inputs are passed to it instead of applying
	// the nulls policy.
	testsNull bool
	nulls     NullPolicy
	text      string // source of a hidden expression
	// why is why vec is nil (CompiledRule.NotVectorized).
	why string
	// vec is the expression compiled for the vectorized engine; nil when
	// the interpreter runs it.
	vec *engine.Program
	// safe holds value sizes (per slot of slots) for which the cost
	// estimate is within the limit; shared by every run (Run.program).
	safe atomic.Pointer[[]uint64]
}

// unmetered returns the unmetered program, planned on the first call.
// Should its plan fail, which the plan of prg rules out, it is prg.
func (rp *rowProgram) unmetered() cel.Program {
	rp.fastOnce.Do(func() {
		fast, err := rp.env.Program(rp.ast, cel.EvalOptions(cel.OptOptimize))
		if err != nil {
			fast = rp.prg
		}
		rp.fast = fast
	})
	return rp.fast
}

// RuleSet returns the rule set the program was compiled from.
func (p *Program) RuleSet() *RuleSet { return p.rs }

// Rules returns every rule in file order.
func (p *Program) Rules() []*CompiledRule { return slices.Clone(p.rules) }

// RowRules returns the row rules in file order; BatchResult.Outcomes is
// indexed like this slice.
func (p *Program) RowRules() []*CompiledRule { return slices.Clone(p.rowRules) }

// Checks returns the dataset checks in file order.
func (p *Program) Checks() []*CompiledRule { return slices.Clone(p.checks) }

// Columns returns the physical columns any rule reads, sorted: the
// projection a source needs.
func (p *Program) Columns() []string { return slices.Clone(p.columns) }

// References returns the reference datasets missing_references checks read.
func (p *Program) References() []Reference { return slices.Clone(p.refs) }

// RunOption tunes NewRun.
type RunOption func(*runConfig)

type runConfig struct {
	noOutcomes  bool       // WithoutOutcomes
	sampleLimit int        // WithSamples
	sampleFill  SampleFunc // WithSamples
	offset      int64      // WithRowOffset
	refs        ReferenceOpener
	now         func() time.Time
	history     History
	// fromStats marks the metrics (by Program.metrics index) answered by
	// Run.UseStats: batches do not feed them.
	fromStats []bool
}

// WithReferences gives the run a way to open reference datasets.
func WithReferences(open ReferenceOpener) RunOption { return func(c *runConfig) { c.refs = open } }

// WithoutOutcomes leaves BatchResult.Outcomes nil: a caller that needs
// only the counts and the failing rows (BatchResult.Failing), as a quality
// gate does, spares the expansion of every rule's result to a byte per row.
func WithoutOutcomes() RunOption { return func(c *runConfig) { c.noOutcomes = true } }

// WithClock sets the time now() returns in checks (default time.Now).
func WithClock(now func() time.Time) RunOption { return func(c *runConfig) { c.now = now } }

func (p *Program) String() string {
	return fmt.Sprintf("rules.Program(%s: %d row rules, %d checks)", p.rs.Dataset, len(p.rowRules), len(p.checks))
}
