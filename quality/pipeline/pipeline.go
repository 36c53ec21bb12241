package pipeline

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/history"
	"github.com/sluicedata/sluice/rules"
)

// Pipeline is one check of files against a rule file: where the clean and
// the quarantined rows go, the history store, the lineage run and the
// masks. The zero value of every field but Rules (or RuleSet) is a working
// default. A Pipeline is not changed by Check and may be reused.
type Pipeline struct {
	// Rules is the path of the rule file, loaded on every Check unless
	// RuleSet is set.
	Rules string
	// RuleSet is a rule file already loaded (rules.Load); it wins over
	// Rules.
	RuleSet *rules.RuleSet

	// Out receives the rows that pass, committed only when the gate passes;
	// Quarantine the rows that fail an error rule, with
	// quality.FailedRulesColumn. Either is a path in a built-in format
	// ("" writes nothing).
	Out, Quarantine string
	// Zone is the zone of Out (quality.WithZone); "" is
	// quality.ZoneRestricted.
	Zone string

	// History records the run and evaluates previous/change/anomaly/drift/
	// schema checks (nil: no store, and such rules are not evaluated).
	History history.Store
	// Partition checks the input as this partition of the dataset
	// (quality.WithPartition); it needs History.
	Partition string

	// Lineage, when not nil, starts one lineage run per Check with these
	// options (an emitter, a tracer provider) and the rule file's owner,
	// and ends it COMPLETE or FAIL with the outcome of the check.
	Lineage []lineage.Option
	// Job names the lineage job; the zero value is "check.<dataset>".
	Job lineage.Job
	// LineageError receives the error of ending the lineage run: lineage
	// never changes the outcome of a check (nil drops it).
	LineageError func(error)

	// Masks mask columns of the outputs, overriding the rule file, and
	// MaskKey is the key of hmac masks.
	Masks   map[string]quality.Mask
	MaskKey []byte

	// Engine is the row rule engine (rules.EngineAuto when ""), and
	// CostLimit the most an expression may cost per row (0: the default).
	Engine    string
	CostLimit uint64

	// Files is how inputs, references and outputs are opened: null tokens,
	// limits, row groups. Its SchemaHint and Redact are set from the rule
	// file.
	Files builtin.Options

	// Verify, when not nil, is called with the compiled program and the
	// input's schema before anything is written; an error stops the check.
	Verify func(prog *rules.Program, schema *arrow.Schema) error

	// Options are further gate options (quality.WithStrict,
	// quality.WithWorkers, …), applied after the pipeline's own.
	Options []quality.Option
}

// CheckFile checks input against the rule file at rulesPath, with the
// pipeline defaults: no outputs, no history store, no lineage run. opts are
// gate options. A failed gate is a result: rep.Failed(), rep.Err().
func CheckFile(ctx context.Context, rulesPath, input string, opts ...quality.Option) (*quality.Report, error) {
	p := Pipeline{Rules: rulesPath}
	return p.Check(ctx, input, opts...)
}

// Check checks input: it loads the rule file, opens input with the rule
// file's schema hint, compiles the rules for its schema and runs the gate,
// writing the outputs and recording history and lineage as configured.
// opts are applied after p.Options.
func (p *Pipeline) Check(ctx context.Context, input string, opts ...quality.Option) (rep *quality.Report, err error) {
	rs := p.RuleSet
	if rs == nil {
		if p.Rules == "" {
			return nil, fmt.Errorf("%w: %w: no rule file", ErrConfig, quality.ErrConfig)
		}
		if rs, err = rules.Load(p.Rules); err != nil {
			return nil, err
		}
	}
	if p.Lineage != nil {
		job := p.Job
		if job.Name == "" {
			job.Name = "check." + rs.Dataset
		}
		var run *lineage.Run
		lopts := append([]lineage.Option{lineage.WithOwner(rs.Owner)}, p.Lineage...)
		ctx, run = lineage.Start(ctx, job, lopts...)
		opts = append([]quality.Option{quality.WithLineage(run)}, opts...)
		defer func() {
			runErr := err
			if runErr == nil {
				runErr = rep.Err()
			}
			if lerr := run.End(ctx, runErr); lerr != nil && p.LineageError != nil {
				p.LineageError(lerr)
			}
		}()
	}
	return p.check(ctx, rs, input, opts)
}

func (p *Pipeline) check(ctx context.Context, rs *rules.RuleSet, input string, opts []quality.Option) (*quality.Report, error) {
	// Cell values in read errors pass the same redaction as the report.
	red := quality.NewRedactor(rs, p.Masks).WithMaskKey(p.MaskKey)
	fopts := p.Files
	fopts.SchemaHint = rs.SchemaHint()
	fopts.Redact = red.Func()
	src, err := builtin.Open(input, fopts)
	if err != nil {
		return nil, err
	}
	schema, err := src.Schema(ctx)
	if err != nil {
		return nil, err
	}
	engine := p.Engine
	if engine == "" {
		engine = rules.EngineAuto
	}
	copts := []rules.CompileOption{rules.WithEngine(engine)}
	if p.CostLimit > 0 {
		copts = append(copts, rules.WithCostLimit(p.CostLimit))
	}
	prog, err := rs.Compile(schema, copts...)
	if err != nil {
		return nil, err
	}
	if p.Verify != nil {
		if err := p.Verify(prog, schema); err != nil {
			return nil, err
		}
	}

	gopts := []quality.Option{quality.WithReferences(References(fopts))}
	if p.History != nil {
		gopts = append(gopts, quality.WithHistory(p.History))
		if _, hashes := src.(connectors.ContentVersioner); !hashes {
			// CSV and JSON sources hash the file as the gate reads it;
			// others are versioned from metadata (a Parquet footer).
			gopts = append(gopts, quality.WithDatasetVersion(datasetVersion(input)))
		}
		if p.Partition != "" {
			gopts = append(gopts, quality.WithPartition(p.Partition))
		}
	}
	for col, m := range p.Masks {
		if len(schema.FieldIndices(col)) == 0 {
			return nil, fmt.Errorf("%w: %w: mask %s: no column %q in %s", ErrConfig, quality.ErrConfig, m, col, input)
		}
		gopts = append(gopts, quality.WithMask(col, m))
	}
	if p.MaskKey != nil {
		gopts = append(gopts, quality.WithMaskKey(p.MaskKey))
	}
	if p.Out != "" {
		zone := p.Zone
		if zone == "" {
			zone = quality.ZoneRestricted
		}
		sink, err := builtin.Create(p.Out, fopts)
		if err != nil {
			return nil, err
		}
		gopts = append(gopts, quality.WithZone(zone), quality.WithSink(sink))
	}
	if p.Quarantine != "" {
		sink, err := builtin.Create(p.Quarantine, fopts)
		if err != nil {
			return nil, err
		}
		gopts = append(gopts, quality.WithQuarantine(sink))
	}
	gopts = append(gopts, p.Options...)
	gopts = append(gopts, opts...)
	gate, err := quality.NewGate(prog, gopts...)
	if err != nil {
		return nil, err
	}
	return gate.Run(ctx, src)
}

// References opens the reference datasets of missing_references checks
// with the built-in formats, projected to the referenced column. Only the
// null tokens, limits and redaction of opts apply: a reference dataset has
// its own schema.
func References(opts builtin.Options) rules.ReferenceOpener {
	return func(ctx context.Context, ref rules.Reference) (array.RecordReader, error) {
		src, err := builtin.Open(ref.Dataset, builtin.Options{NullTokens: opts.NullTokens, Limits: opts.Limits, Redact: opts.Redact, Registry: opts.Registry})
		if err != nil {
			return nil, err
		}
		var cols []string // row_count('dataset') reads every column
		if ref.Column != "" {
			cols = []string{ref.Column}
		}
		return src.Open(ctx, connectors.ReadOptions{Columns: cols})
	}
}

// datasetVersion is the content version of input recorded in the audit
// trail (history.DatasetVersion), "" for inputs that have none: a database
// URL, and a FIFO or a device (history.ErrNoVersion), which a hash would
// drain or never finish reading before the gate reads them.
func datasetVersion(input string) string {
	version, err := history.DatasetVersion(input, 0)
	if err != nil {
		return ""
	}
	return version
}
