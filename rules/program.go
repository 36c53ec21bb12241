package rules

// The bodies in this file are placeholders with the final signatures; the
// compiler and evaluator replace them.

import (
	"context"
	"errors"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

var errTODO = errors.New("rules: not implemented yet")

// Load reads and validates the rule file at path. Every problem is reported
// at once in an Errors value, with file:line and rule name.
func Load(path string) (*RuleSet, error) { return nil, errTODO }

// Parse validates a rule file's bytes; filename is used in messages.
func Parse(filename string, data []byte) (*RuleSet, error) { return nil, errTODO }

// SchemaHint returns the declared column types as an Arrow schema (physical
// names, nullable unless required) for readers that must be told types, such
// as CSV and JSON. Columns without a declared type are absent.
func (rs *RuleSet) SchemaHint() *arrow.Schema { return nil }

// ColumnTags returns the tags of the physical column name.
func (rs *RuleSet) ColumnTags(column string) []string { return nil }

// IsPII reports whether the physical column carries a pii.* tag (its values
// are redacted in samples).
func (rs *RuleSet) IsPII(column string) bool { return false }

// CompileOption tunes Compile.
type CompileOption func(*compileConfig)

type compileConfig struct{ costLimit uint64 }

// WithCostLimit caps the estimated and actual cost of each expression.
func WithCostLimit(n uint64) CompileOption { return func(c *compileConfig) { c.costLimit = n } }

// Compile type-checks every rule against schema and returns the program.
// All problems are returned at once in an Errors value.
func (rs *RuleSet) Compile(schema *arrow.Schema, opts ...CompileOption) (*Program, error) {
	return nil, errTODO
}

// Program is a compiled rule set. Immutable and safe for concurrent use.
type Program struct{}

// RuleSet returns the rule set the program was compiled from.
func (p *Program) RuleSet() *RuleSet { return nil }

// Rules returns every rule in file order.
func (p *Program) Rules() []*CompiledRule { return nil }

// RowRules returns the row rules in file order; BatchResult.Outcomes is
// indexed like this slice.
func (p *Program) RowRules() []*CompiledRule { return nil }

// Checks returns the dataset checks in file order.
func (p *Program) Checks() []*CompiledRule { return nil }

// Columns returns the physical columns any rule reads, sorted: the
// projection a source needs.
func (p *Program) Columns() []string { return nil }

// References returns the reference datasets missing_references checks read.
func (p *Program) References() []Reference { return nil }

// RunOption tunes NewRun.
type RunOption func(*runConfig)

type runConfig struct {
	refs ReferenceOpener
	now  func() time.Time
}

// WithReferences gives the run a way to open reference datasets.
func WithReferences(open ReferenceOpener) RunOption { return func(c *runConfig) { c.refs = open } }

// WithClock sets the time now() returns in checks (default time.Now).
func WithClock(now func() time.Time) RunOption { return func(c *runConfig) { c.now = now } }

// NewRun starts the per-run state: metric states of the dataset checks.
func (p *Program) NewRun(opts ...RunOption) *Run { return &Run{} }

// Run is the state of one evaluation. Not safe for concurrent use.
type Run struct{}

// Eval evaluates every row rule on batch (borrowed for the call) and folds
// the batch into the metric states.
func (r *Run) Eval(ctx context.Context, batch arrow.RecordBatch) (*BatchResult, error) {
	return nil, errTODO
}

// Merge folds another run of the same program into r.
func (r *Run) Merge(other *Run) error { return errTODO }

// Finish evaluates the dataset checks on the merged metric states.
func (r *Run) Finish(ctx context.Context) ([]CheckResult, error) { return nil, errTODO }
