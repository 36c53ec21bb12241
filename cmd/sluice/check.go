package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/internal/atomicfile"
	"github.com/sluicedata/sluice/internal/textsafe"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/history"
	"github.com/sluicedata/sluice/quality/pipeline"
	"github.com/sluicedata/sluice/rules"
	"golang.org/x/term"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

type checkFlags struct {
	rules      string
	out        string
	quarantine string
	format     string
	html       string
	strict     bool
	nulls      stringList
	batchSize  int
	maxLine    int64
	// rowGroupRows and rowGroupBytes bound the row groups of Parquet
	// outputs (0: the sink's defaults).
	rowGroupRows, rowGroupBytes int64
	workers                     int
	samples                     int
	costLimit                   uint64
	engine                      string
	lineage                     lineageFlags
	zone                        string
	masks                       stringList
	maskKeyEnv                  string
	maskKeyFile                 string
	history                     string // the store's DSN; history.DefaultDSN unless --history moves it
	historySet                  bool   // --history was given
	noHistory                   bool
	partition                   string
	auditKey                    auditKeyFlag // audit.go

	store history.Store // opened from --history (or the default); nil with --no-history

	// resolved from the flags above
	maskSpecs map[string]quality.Mask
	maskKey   []byte
}

func (c *cli) check(ctx context.Context, args []string) (int, error) {
	var f checkFlags
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.StringVar(&f.rules, "rules", "", "rule file (YAML), required")
	fs.StringVar(&f.out, "out", "", "write the rows that pass to this file (committed only when the gate passes)")
	fs.StringVar(&f.quarantine, "quarantine", "", "write the rows that fail an error rule to this file, with _sluice_failed_rules")
	fs.StringVar(&f.format, "format", "text", "report format: text, json, junit or html (one self-contained page)")
	fs.StringVar(&f.html, "html", "", "also write the report as a self-contained HTML page to this file")
	fs.BoolVar(&f.strict, "strict", false, "fail the gate on warnings, and on rules not evaluated or errored")
	fs.Var(&f.nulls, "null", "extra token read as null in CSV input (repeatable); empty fields are always null")
	fs.IntVar(&f.batchSize, "batch-size", connectors.DefaultBatchSize, "rows per batch")
	fs.Int64Var(&f.rowGroupRows, "row-group-rows", 0, "most rows of a Parquet row group of --out and --quarantine (0: 1Mi)")
	fs.Int64Var(&f.rowGroupBytes, "row-group-bytes", 0, "compressed bytes at which a Parquet row group of --out and --quarantine is closed (0: 128 MiB)")
	fs.Int64Var(&f.maxLine, "max-line-bytes", connectors.DefaultMaxRecordBytes, "longest CSV record or JSON line (and JSON array element) read, in bytes; longer ones are an error")
	fs.IntVar(&f.workers, "workers", 0, "batches evaluated at once (0: one per core); the report is the same for any count")
	fs.IntVar(&f.samples, "samples", 5, "failing-row samples kept per rule")
	fs.Uint64Var(&f.costLimit, "cost-limit", 0, "maximum cost of one expression per row (0: the default)")
	fs.StringVar(&f.engine, "engine", rules.EngineAuto, "row rule engine: auto (vectorized where it applies) or interpreter (cel-go for every rule); the results are the same")
	f.lineage.register(fs)
	fs.StringVar(&f.history, "history", history.DefaultDSN, "record runs and audit records in this history store, a SQLite file (created with its directory; the default is relative to the working directory) or a postgres:// URL, and evaluate previous/change/anomaly/drift/schema checks against it")
	fs.BoolVar(&f.noHistory, "no-history", false, "record nothing in a history store; a rule file with previous/change/anomaly/drift/schema checks is then refused (exit 2)")
	fs.StringVar(&f.partition, "partition", "", "check INPUT as this partition of the dataset (e.g. a day): record it under KEY in the history store, replacing an earlier run of KEY, and evaluate the dataset checks over it merged with the stored states of the other partitions")
	f.auditKey.register(fs)
	fs.StringVar(&f.zone, "zone", quality.ZoneRestricted, "zone of the --out sink: restricted (anything), internal or public (what the rule file's privacy.allow lists)")
	fs.Var(&f.masks, "mask", "mask a column in the outputs: COLUMN=hmac|redact|null|truncate:N|generalize (repeatable; overrides the rule file)")
	fs.StringVar(&f.maskKeyEnv, "mask-key-env", "SLUICE_MASK_KEY", "environment variable holding the HMAC key of hmac masks")
	fs.StringVar(&f.maskKeyFile, "mask-key-file", "", "file holding the HMAC key of hmac masks (instead of --mask-key-env)")
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "usage: sluice check --rules R.yaml [flags] INPUT…")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass, nil
		}
		return exitUsage, usageErrorf("%v", err)
	}
	inputs := fs.Args()
	fs.Visit(func(fl *flag.Flag) { f.historySet = f.historySet || fl.Name == "history" })
	switch {
	case f.rules == "":
		return exitUsage, usageErrorf("check: --rules is required")
	case len(inputs) == 0:
		return exitUsage, usageErrorf("check: no INPUT given")
	case (f.out != "" || f.quarantine != "") && len(inputs) > 1:
		return exitUsage, usageErrorf("check: --out and --quarantine take one INPUT, got %d", len(inputs))
	case f.noHistory && f.historySet:
		return exitUsage, usageErrorf("check: --no-history and --history are exclusive: give one of them")
	case f.noHistory && f.partition != "":
		return exitUsage, usageErrorf("check: --partition needs a history store, not --no-history: the other partitions' states are read from it")
	case f.noHistory && f.auditKey.path != "":
		return exitUsage, usageErrorf("check: --audit-key signs the audit records of a history store, not --no-history")
	case f.partition != "" && len(inputs) > 1:
		return exitUsage, usageErrorf("check: --partition takes one INPUT, got %d", len(inputs))
	case f.format != "text" && f.format != "json" && f.format != "junit" && f.format != "html":
		return exitUsage, usageErrorf("check: --format must be text, json, junit or html, not %q", f.format)
	case f.engine != rules.EngineAuto && f.engine != rules.EngineInterpreter:
		return exitUsage, usageErrorf("check: --engine must be %s or %s, not %q", rules.EngineAuto, rules.EngineInterpreter, f.engine)
	case f.rowGroupRows < 0 || f.rowGroupBytes < 0:
		return exitUsage, usageErrorf("check: --row-group-rows and --row-group-bytes must not be negative")
	case f.maxLine <= 0:
		return exitUsage, usageErrorf("check: --max-line-bytes must be positive, not %d", f.maxLine)
	case f.lineage.timeout <= 0:
		return exitUsage, usageErrorf("check: --lineage-timeout must be positive, not %s", f.lineage.timeout)
	}
	if err := checkBatchSize("check", f.batchSize); err != nil {
		return exitUsage, err
	}
	// Before anything is opened; the reference datasets once compiled.
	if err := checkOutputs(&f, inputs, nil); err != nil {
		return exitUsage, err
	}

	switch f.zone {
	case quality.ZoneRestricted, quality.ZoneInternal, quality.ZonePublic:
	default:
		return exitUsage, usageErrorf("check: --zone must be restricted, internal or public, not %q", f.zone)
	}
	rs, err := rules.Load(f.rules)
	if err != nil {
		return exitUsage, err
	}
	if err := f.resolveMasks(rs); err != nil {
		return exitUsage, err
	}
	if f.noHistory {
		if names := rs.HistoryRules(); len(names) > 0 {
			return exitUsage, historyRulesError(f.rules, names)
		}
	} else {
		store, err := history.Open(ctx, f.history)
		if err != nil {
			return exitCode(err), fmt.Errorf("check: %s: %w", historyFlagText(&f), err)
		}
		defer store.Close()
		f.store = store
	}
	ls := c.setupLineage(ctx, &f.lineage)
	defer c.shutdownLineage(ctx, ls)
	p := f.pipeline(rs, ls)
	p.LineageError = func(err error) { c.warnf("%v", err) }
	var reports []*quality.Report
	code := exitPass
	for _, input := range inputs {
		rep, err := c.checkOne(ctx, p, input, &f)
		if err != nil {
			return exitCode(err), fmt.Errorf("%s: %w", input, err)
		}
		reports = append(reports, rep)
		if rep.Failed() {
			code = exitFail
		}
	}
	if err := writeReports(c.stdout, f.format, reports); err != nil {
		return exitRuntime, err
	}
	if f.html != "" {
		if err := writeHTMLFile(ctx, f.html, f.store, reports); err != nil {
			return exitRuntime, err
		}
	}
	return code, nil
}

// pipeline is the library pipeline the flags describe, for rs.
func (f *checkFlags) pipeline(rs *rules.RuleSet, ls *lineageSetup) *pipeline.Pipeline {
	p := &pipeline.Pipeline{
		RuleSet: rs, Out: f.out, Quarantine: f.quarantine, Zone: f.zone,
		Partition: f.partition,
		Job:       lineage.Job{Namespace: f.lineage.jobNamespace, Name: f.lineage.job},
		Masks:     f.maskSpecs, MaskKey: f.maskKey,
		Engine: f.engine, CostLimit: f.costLimit,
		Files: withURLs(builtin.Options{
			NullTokens:   f.nulls,
			Limits:       connectors.Limits{MaxRecordBytes: f.maxLine},
			RowGroupRows: f.rowGroupRows, RowGroupBytes: f.rowGroupBytes,
		}),
		Options: []quality.Option{
			quality.WithStrict(f.strict),
			quality.WithSampleLimit(f.samples),
			quality.WithBatchSize(f.batchSize),
			quality.WithWorkers(f.workers),
		},
	}
	p.History = f.store
	p.Lineage = ls.options()
	if ls.mp != nil {
		p.Options = append(p.Options, quality.WithMeterProvider(ls.mp))
	}
	return p
}

// checkOne checks one input with the pipeline p of the flags, with the
// checks that only the command makes (outputs that clash with the input or
// a reference, masks on absent columns) and a progress bar on a terminal.
func (c *cli) checkOne(ctx context.Context, p *pipeline.Pipeline, input string, f *checkFlags) (*quality.Report, error) {
	one := *p
	one.Verify = func(prog *rules.Program, schema *arrow.Schema) error {
		if err := checkOutputs(f, []string{input}, prog.References()); err != nil {
			return err
		}
		for col, m := range f.maskSpecs {
			if len(schema.FieldIndices(col)) == 0 {
				return usageErrorf("check: --mask %s: no column %q in %s", m, col, input)
			}
		}
		return nil
	}
	aopts, err := f.auditKey.options(f.store != nil)
	if err != nil {
		return nil, err
	}
	opts := aopts
	var bar *progress
	if c.isTerminal {
		bar = newProgress(c.stderr, filepath.Base(input), time.Now)
		opts = append(opts, quality.WithProgress(bar.update))
	}
	rep, err := one.Check(ctx, input, opts...)
	if bar != nil {
		bar.done()
	}
	return rep, err
}

// historyFlagText names the history store in messages: the flag that
// moved it, or the default and how to turn it off.
func historyFlagText(f *checkFlags) string {
	if f.historySet {
		return "--history"
	}
	return "the default history store " + f.history + " (--no-history runs without one)"
}

// historyRulesError refuses, on one line, a rule file whose history-aware
// rules (names) would have no store to compare with: reporting them not
// evaluated would let the gate pass without checking them.
func historyRulesError(file string, names []string) error {
	shown := names[:min(len(names), rules.MaxShownProblems)]
	list := make([]string, len(shown))
	for i, n := range shown {
		list[i] = textsafe.Escape(n)
	}
	more := ""
	if len(names) > len(shown) {
		more = fmt.Sprintf(" and %d more", len(names)-len(shown))
	}
	noun, verbs := "rules", "compare with earlier runs and need"
	if len(names) == 1 {
		noun, verbs = "rule", "compares with earlier runs and needs"
	}
	return &usageError{
		msg: fmt.Sprintf("check: %s: %s %s%s %s a history store: drop --no-history (the default store is %s) or give --history DSN",
			textsafe.Escape(file), noun, strings.Join(list, ", "), more, verbs, history.DefaultDSN),
		err: rules.ErrInvalid,
	}
}

// resolveMasks parses the --mask flags and, when an hmac mask is in play
// (flag or rule file), reads the key. The key is never printed.
func (f *checkFlags) resolveMasks(rs *rules.RuleSet) error {
	f.maskSpecs = map[string]quality.Mask{}
	hmac := false
	for _, spec := range f.masks {
		col, kind, ok := strings.Cut(spec, "=")
		if !ok || col == "" {
			return usageErrorf("check: --mask %q: want COLUMN=hmac|redact|null|truncate:N|generalize", spec)
		}
		m, err := quality.ParseMask(kind)
		if err != nil {
			return usageErrorf("check: --mask %s: %v", col, err)
		}
		f.maskSpecs[col] = m
		hmac = hmac || m.Kind == quality.MaskHMAC
	}
	for _, c := range rs.Columns {
		if _, overridden := f.maskSpecs[c.Name]; c.Mask == "hmac" && !overridden {
			hmac = true
		}
	}
	if !hmac {
		return nil
	}
	var err error
	if f.maskKeyFile != "" {
		f.maskKey, err = quality.KeyFromFile(f.maskKeyFile)
	} else {
		f.maskKey, err = quality.KeyFromEnv(f.maskKeyEnv)
	}
	if err != nil {
		return usageErrorf("check: hmac masks need a key (--mask-key-env NAME or --mask-key-file PATH): %v", err)
	}
	return nil
}

// referenceOpener opens reference datasets of missing_references checks
// with the built-in formats, projected to the referenced column.
func referenceOpener(opts builtin.Options) rules.ReferenceOpener {
	return pipeline.References(withURLs(opts))
}

func writeReports(w io.Writer, format string, reports []*quality.Report) error {
	switch format {
	case "json":
		return quality.WriteJSON(w, reports...)
	case "junit":
		return quality.WriteJUnit(w, reports...)
	case "html":
		return quality.WriteHTML(w, reports...)
	default:
		return quality.WriteText(w, reports...)
	}
}

// exitCode maps an error to the CLI's exit code.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitPass
	case errors.As(err, &ue), errors.Is(err, rules.ErrInvalid), errors.Is(err, quality.ErrConfig),
		errors.Is(err, history.ErrDSN):
		return exitUsage
	default:
		return exitRuntime
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// writeHTMLFile writes the HTML page of reports to path, whole or not at all.
// With a history store the page charts each metric's recent runs.
func writeHTMLFile(ctx context.Context, path string, store history.Store, reports []*quality.Report) error {
	var opts quality.HTMLOptions
	if store != nil {
		series, err := quality.HTMLHistory(ctx, store, reports...)
		if err != nil {
			return fmt.Errorf("check: --html: %w", err)
		}
		opts.History = series
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("check: --html: %w", err)
	}
	if err := quality.WriteHTMLWith(f, opts, reports...); err != nil {
		_ = f.Abort()
		return fmt.Errorf("check: --html %s: %w", path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("check: --html %s: %w", path, err)
	}
	return nil
}
