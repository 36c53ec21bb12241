package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/internal/arrowtypes"
	"github.com/sluicedata/sluice/internal/synth"
	"github.com/sluicedata/sluice/internal/textsafe"
	"github.com/sluicedata/sluice/rules"
)

const benchUsage = "usage: sluice bench --rules R.yaml [INPUT… | --rows N] [--workers 1,2,…] [--engine auto,interpreter] [--reps R] [--batch-size N] [--per-rule=false] [--format text|json]"

// maxBenchWorkers bounds --workers: more goroutines than this measure the
// scheduler, not the rules.
const maxBenchWorkers = 1024

// benchConfig is a parsed bench command line.
type benchConfig struct {
	rules     string
	inputs    []string
	rows      int // synthetic rows; 0 with inputs
	seed      uint64
	workers   []int    // always starts with 1
	engines   []string // the set's engine first: auto, then interpreter when asked
	reps      int
	batchSize int
	format    string
	perRule   bool // time each rule alone
	mem       memory.Allocator
}

// bench measures the throughput of a rule set on the user's data or on
// synthetic data generated from the rule file's columns.
func (c *cli) bench(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	cfg := benchConfig{mem: memory.DefaultAllocator, perRule: true}
	fs.StringVar(&cfg.rules, "rules", "", "rule file (YAML), required")
	fs.IntVar(&cfg.rows, "rows", 0, "measure on N synthetic rows generated from the rule file's columns: (instead of INPUT)")
	fs.Uint64Var(&cfg.seed, "seed", synth.DefaultSeed, "seed of the synthetic data (--rows)")
	workers := fs.String("workers", defaultBenchWorkers(), "comma-separated worker counts to measure the scaling over; 1 is always measured")
	engines := fs.String("engine", rules.EngineAuto+","+rules.EngineInterpreter, "comma-separated engines: auto (vectorized where it applies) and interpreter (cel-go for every rule), for the speed-up")
	fs.IntVar(&cfg.reps, "reps", 5, "measured repetitions after one warm-up; the median is reported")
	fs.IntVar(&cfg.batchSize, "batch-size", connectors.DefaultBatchSize, "rows per batch")
	fs.StringVar(&cfg.format, "format", "text", "output format: text or json")
	fs.BoolVar(&cfg.perRule, "per-rule", true, "time each rule alone (one more measurement per rule); false lists the rules with their engines only")
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, benchUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass, nil
		}
		return exitUsage, usageErrorf("%v", err)
	}
	cfg.inputs = fs.Args()
	rowsSet := false
	fs.Visit(func(fl *flag.Flag) { rowsSet = rowsSet || fl.Name == "rows" })
	switch {
	case cfg.rules == "":
		return exitUsage, usageErrorf("bench: --rules is required\n%s", benchUsage)
	case rowsSet && len(cfg.inputs) > 0:
		return exitUsage, usageErrorf("bench: give INPUT or --rows N, not both")
	case !rowsSet && len(cfg.inputs) == 0:
		return exitUsage, usageErrorf("bench: no INPUT given: name the data to measure, or --rows N for synthetic data\n%s", benchUsage)
	case rowsSet && cfg.rows < 1:
		return exitUsage, usageErrorf("bench: --rows must be at least 1, not %d", cfg.rows)
	case cfg.reps < 1:
		return exitUsage, usageErrorf("bench: --reps must be at least 1, not %d", cfg.reps)
	case cfg.format != "text" && cfg.format != "json":
		return exitUsage, usageErrorf("bench: --format must be text or json, not %q", cfg.format)
	}
	if err := checkBatchSize("bench", cfg.batchSize); err != nil {
		return exitUsage, err
	}
	var err error
	if cfg.workers, err = parseBenchWorkers(*workers); err != nil {
		return exitUsage, err
	}
	if cfg.engines, err = parseBenchEngines(*engines); err != nil {
		return exitUsage, err
	}
	rep, err := runBench(ctx, &cfg)
	if err != nil {
		return exitCode(err), err
	}
	if cfg.format == "json" {
		err = writeBenchJSON(c.stdout, rep)
	} else {
		err = writeBenchText(c.stdout, rep)
	}
	if err != nil {
		return exitRuntime, err
	}
	return exitPass, nil
}

// defaultBenchWorkers is 1 and one worker per core.
func defaultBenchWorkers() string {
	if n := runtime.GOMAXPROCS(0); n > 1 {
		return "1," + strconv.Itoa(n)
	}
	return "1"
}

// parseBenchWorkers reads --workers: positive counts, deduplicated, 1
// first (the reference of the ratios and the count of the set's figures).
func parseBenchWorkers(s string) ([]int, error) {
	out := []int{1}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		n, err := strconv.Atoi(part)
		if err != nil || n < 1 || n > maxBenchWorkers {
			return nil, usageErrorf("bench: --workers %q: want a comma-separated list of worker counts between 1 and %d, got %q", s, maxBenchWorkers, part)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// parseBenchEngines reads --engine: the set's engine first (auto when
// listed), then the interpreter for the speed-up.
func parseBenchEngines(s string) ([]string, error) {
	var auto, interp bool
	for part := range strings.SplitSeq(s, ",") {
		switch strings.TrimSpace(part) {
		case rules.EngineAuto:
			auto = true
		case rules.EngineInterpreter:
			interp = true
		default:
			return nil, usageErrorf("bench: --engine %q: want %s, %s or both, comma-separated; got %q", s, rules.EngineAuto, rules.EngineInterpreter, part)
		}
	}
	var out []string
	if auto {
		out = append(out, rules.EngineAuto)
	}
	if interp {
		out = append(out, rules.EngineInterpreter)
	}
	return out, nil
}

// benchReport is the JSON document of sluice bench (docs/bench.md): fields
// may be added, never renamed.
type benchReport struct {
	SluiceVersion string         `json:"sluice_version"`
	RulesFile     string         `json:"rules_file"`
	Dataset       string         `json:"dataset"`
	Inputs        []string       `json:"inputs"`
	Synthetic     bool           `json:"synthetic"`
	Seed          uint64         `json:"seed"`
	Columns       []benchColumn  `json:"columns"`
	Rows          int64          `json:"rows"`
	Bytes         int64          `json:"bytes"`
	Batches       int            `json:"batches"`
	BatchSize     int            `json:"batch_size"`
	Reps          int            `json:"reps"`
	GOMAXPROCS    int            `json:"gomaxprocs"`
	PerRule       bool           `json:"per_rule"`
	Set           benchRun       `json:"set"`
	Interpreter   *benchInterp   `json:"interpreter"`
	Workers       []benchWorkers `json:"workers"`
	Read          *benchRead     `json:"read"`
	Evaluate      benchEvaluate  `json:"evaluate"`
	Rules         []benchRule    `json:"rules"`
}

// benchColumn is a column of the measured batches.
type benchColumn struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Inferred bool   `json:"inferred"`
}

// benchRun is one measured configuration of the whole rule set.
type benchRun struct {
	Engine    string  `json:"engine"`
	Workers   int     `json:"workers"`
	Seconds   float64 `json:"seconds"`
	RowsPerS  float64 `json:"rows_per_s"`
	BytesPerS float64 `json:"bytes_per_s"`
	NsPerRow  float64 `json:"ns_per_row"`
}

type benchInterp struct {
	benchRun
	Speedup float64 `json:"speedup"`
}

type benchWorkers struct {
	Workers  int     `json:"workers"`
	Seconds  float64 `json:"seconds"`
	RowsPerS float64 `json:"rows_per_s"`
	Ratio    float64 `json:"ratio"`
}

type benchRead struct {
	Seconds   float64 `json:"seconds"`
	RowsPerS  float64 `json:"rows_per_s"`
	FileBytes int64   `json:"file_bytes"`
	BytesPerS float64 `json:"bytes_per_s"`
}

type benchEvaluate struct {
	Seconds float64 `json:"seconds"`
	Engine  string  `json:"engine"`
	Workers int     `json:"workers"`
}

type benchRule struct {
	Name         string   `json:"name"`
	Kind         string   `json:"kind"`
	Engine       string   `json:"engine"`
	Columns      []string `json:"columns"`
	Seconds      float64  `json:"seconds"`
	NsPerRow     float64  `json:"ns_per_row"`
	Share        float64  `json:"share"`
	Why          string   `json:"why"`
	NotEvaluated string   `json:"not_evaluated"`
}

// benchData is the measured dataset, in memory.
type benchData struct {
	schema  *arrow.Schema // the compile schema
	batches []arrow.RecordBatch
	rows    int64
	bytes   int64
	plan    *synth.Plan // nil for inputs
	opener  rules.ReferenceOpener
	fopts   builtin.Options
	proj    []string
}

func (d *benchData) release() {
	for _, b := range d.batches {
		b.Release()
	}
	d.batches = nil
}

// runBench loads the data and measures the rule set.
func runBench(ctx context.Context, cfg *benchConfig) (*benchReport, error) {
	rs, err := rules.Load(cfg.rules)
	if err != nil {
		return nil, err
	}
	data, err := loadBenchData(ctx, cfg, rs)
	if err != nil {
		return nil, err
	}
	defer data.release()

	rep := &benchReport{
		SluiceVersion: version, RulesFile: cfg.rules, Dataset: rs.Dataset, Inputs: slices.Clone(cfg.inputs),
		Synthetic: data.plan != nil, Rows: data.rows, Bytes: data.bytes, Batches: len(data.batches),
		BatchSize: cfg.batchSize, Reps: cfg.reps, GOMAXPROCS: runtime.GOMAXPROCS(0), PerRule: cfg.perRule,
		Columns: []benchColumn{}, Workers: []benchWorkers{}, Rules: []benchRule{},
	}
	if rep.Inputs == nil {
		rep.Inputs = []string{}
	}
	if data.plan != nil {
		rep.Seed = cfg.seed
	}
	inferred := map[string]bool{}
	if data.plan != nil {
		for _, col := range data.plan.Columns() {
			inferred[col.Name] = col.Inferred
		}
	}
	if len(data.batches) > 0 {
		for _, f := range data.batches[0].Schema().Fields() {
			rep.Columns = append(rep.Columns, benchColumn{Name: f.Name, Type: arrowtypes.Describe(f.Type), Inferred: inferred[f.Name]})
		}
	}

	setEngine := cfg.engines[0]
	progs := map[string]*rules.Program{}
	for _, e := range cfg.engines {
		p, err := rs.Compile(data.schema, rules.WithEngine(e))
		if err != nil {
			return nil, err
		}
		progs[e] = p
	}

	// The set on every worker count; its figures are those of 1 worker.
	for _, w := range cfg.workers {
		d, err := measureBench(ctx, cfg, data, progs[setEngine], w)
		if err != nil {
			return nil, err
		}
		rep.Workers = append(rep.Workers, benchWorkers{Workers: w, Seconds: d.Seconds(), RowsPerS: perSecond(float64(data.rows), d)})
		if w == 1 {
			rep.Set = benchFigures(setEngine, 1, d, data)
		}
	}
	for i := range rep.Workers {
		rep.Workers[i].Ratio = ratio(rep.Workers[i].RowsPerS, rep.Set.RowsPerS)
	}
	rep.Evaluate = benchEvaluate{Seconds: rep.Set.Seconds, Engine: setEngine, Workers: 1}
	if setEngine != rules.EngineInterpreter && slices.Contains(cfg.engines, rules.EngineInterpreter) {
		d, err := measureBench(ctx, cfg, data, progs[rules.EngineInterpreter], 1)
		if err != nil {
			return nil, err
		}
		in := &benchInterp{benchRun: benchFigures(rules.EngineInterpreter, 1, d, data)}
		in.Speedup = ratio(rep.Set.RowsPerS, in.RowsPerS)
		rep.Interpreter = in
	}

	if rep.Rules, err = benchRules(ctx, cfg, rs, data, progs[setEngine], setEngine); err != nil {
		return nil, err
	}
	if data.plan == nil {
		if rep.Read, err = benchReads(ctx, cfg, data); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// loadBenchData reads the INPUTs into memory, or generates --rows rows.
func loadBenchData(ctx context.Context, cfg *benchConfig, rs *rules.RuleSet) (*benchData, error) {
	if len(cfg.inputs) == 0 {
		plan, err := synth.FromRuleSet(rs, synth.Options{Seed: cfg.seed})
		if err != nil {
			if errors.Is(err, synth.ErrNoType) || errors.Is(err, synth.ErrUnsupported) {
				return nil, &usageError{msg: fmt.Sprintf("bench: --rows: %v", err), err: err}
			}
			return nil, err
		}
		batches, err := plan.Generate(cfg.mem, cfg.rows, cfg.batchSize)
		if err != nil {
			return nil, err
		}
		d := &benchData{schema: plan.Schema(), batches: batches, plan: plan, opener: referenceOpener(builtin.Options{})}
		d.count()
		return d, nil
	}
	d := &benchData{fopts: builtin.Options{SchemaHint: rs.SchemaHint()}}
	d.opener = referenceOpener(d.fopts)
	for i, input := range cfg.inputs {
		src, err := builtin.Open(input, d.fopts)
		if err != nil {
			d.release()
			return nil, err
		}
		schema, err := src.Schema(ctx)
		if err != nil {
			d.release()
			return nil, fmt.Errorf("%s: %w", input, err)
		}
		if i == 0 {
			d.schema = schema
			prog, err := rs.Compile(schema)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", input, err)
			}
			d.proj = prog.Projection()
			if len(d.proj) == 0 {
				d.proj = nil // no column needed (row_count only): read all, as check does
			}
		} else if !schema.Equal(d.schema) {
			d.release()
			return nil, usageErrorf("bench: %s: its schema differs from that of %s; measure them one at a time",
				textsafe.Escape(input), textsafe.Escape(cfg.inputs[0]))
		}
		err = readBenchInput(ctx, cfg, d, src, func(b arrow.RecordBatch) {
			b.Retain()
			d.batches = append(d.batches, b)
		})
		if err != nil {
			d.release()
			return nil, fmt.Errorf("%s: %w", input, err)
		}
	}
	d.count()
	return d, nil
}

// count sets the rows and the Arrow buffer bytes of the batches.
func (d *benchData) count() {
	d.rows, d.bytes = 0, 0
	for _, b := range d.batches {
		d.rows += b.NumRows()
		for _, col := range b.Columns() {
			d.bytes += bufferBytes(col.Data())
		}
	}
}

// bufferBytes is the length of the Arrow buffers of an array, its
// children and its dictionary.
func bufferBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, buf := range d.Buffers() {
		if buf != nil {
			n += int64(buf.Len())
		}
	}
	for _, child := range d.Children() {
		n += bufferBytes(child)
	}
	if dict, ok := d.Dictionary().(*array.Data); ok && dict != nil {
		n += bufferBytes(dict)
	}
	return n
}

// readBenchInput reads src as check does — projected to what the rules
// read, values that do not parse as their type read as null — and hands
// each batch (borrowed) to each.
func readBenchInput(ctx context.Context, cfg *benchConfig, d *benchData, src connectors.Source, each func(arrow.RecordBatch)) error {
	rdr, err := src.Open(ctx, connectors.ReadOptions{
		Columns: d.proj, BatchSize: cfg.batchSize, Allocator: cfg.mem,
		Invalid: func(string) connectors.InvalidPolicy { return connectors.InvalidNull },
	})
	if err != nil {
		return err
	}
	defer rdr.Release()
	for rdr.Next() {
		each(rdr.RecordBatch())
	}
	return rdr.Err()
}

// measureBench times prog on the data with workers workers: one warm-up,
// then the median of cfg.reps runs. A run evaluates every batch and the
// dataset checks (Run.Finish).
func measureBench(ctx context.Context, cfg *benchConfig, d *benchData, prog *rules.Program, workers int) (time.Duration, error) {
	return medianOf(cfg.reps, func() error {
		var rdr array.RecordReader
		var err error
		if len(d.batches) > 0 {
			rdr, err = array.NewRecordReader(d.batches[0].Schema(), d.batches)
		} else {
			rdr, err = array.NewRecordReader(d.schema, nil)
		}
		if err != nil {
			return err
		}
		defer rdr.Release()
		run := prog.NewRun(rules.WithoutOutcomes(), rules.WithReferences(d.opener))
		if err := run.EvalReader(ctx, rdr, workers, nil); err != nil {
			return err
		}
		_, err = run.Finish(ctx)
		return err
	})
}

// medianOf runs f once to warm up, then reps times, and returns the median
// duration of the timed runs. Garbage is collected before each run so that
// one run's garbage is not charged to the next.
func medianOf(reps int, f func() error) (time.Duration, error) {
	ds := make([]time.Duration, 0, reps)
	for i := range reps + 1 {
		runtime.GC()
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		if i > 0 {
			ds = append(ds, time.Since(start))
		}
	}
	slices.Sort(ds)
	n := len(ds)
	if n%2 == 1 {
		return ds[n/2], nil
	}
	return (ds[n/2-1] + ds[n/2]) / 2, nil
}

// benchRules times each rule on its own: the rule file reduced to that
// rule, compiled on the same schema with the same engine, on 1 worker.
func benchRules(ctx context.Context, cfg *benchConfig, rs *rules.RuleSet, d *benchData, prog *rules.Program, engine string) ([]benchRule, error) {
	out := []benchRule{}
	total := 0.0
	for _, cr := range prog.Rules() {
		br := benchRule{Name: cr.Name, Kind: string(cr.Kind()), Columns: slices.Clone(cr.Columns), NotEvaluated: cr.NotEvaluated}
		if br.Columns == nil {
			br.Columns = []string{}
		}
		if cr.Kind() == rules.KindRow && cr.NotEvaluated == "" {
			br.Engine = cr.Engine
			br.Why = cr.NotVectorized
		}
		if cr.NotEvaluated == "" && cfg.perRule {
			one := *rs
			one.Rules = []rules.Rule{rs.Rules[cr.Index]}
			p, err := one.Compile(d.schema, rules.WithEngine(engine))
			if err != nil {
				return nil, fmt.Errorf("bench: rule %s alone: %w", cr.Name, err)
			}
			dur, err := measureBench(ctx, cfg, d, p, 1)
			if err != nil {
				return nil, fmt.Errorf("bench: rule %s: %w", cr.Name, err)
			}
			br.Seconds = dur.Seconds()
			br.NsPerRow = perRow(dur, d.rows)
			total += br.NsPerRow
		}
		out = append(out, br)
	}
	for i := range out {
		out[i].Share = ratio(out[i].NsPerRow, total)
	}
	return out, nil
}

// benchReads times re-reading every INPUT (the first read, which loaded
// the data, is the warm-up).
func benchReads(ctx context.Context, cfg *benchConfig, d *benchData) (*benchRead, error) {
	var fileBytes int64
	for _, input := range cfg.inputs {
		if fi, err := os.Stat(input); err == nil && fi.Mode().IsRegular() {
			fileBytes += fi.Size()
		}
	}
	first := true
	dur, err := medianOf(cfg.reps, func() error {
		if first { // the load was the warm-up
			first = false
			return nil
		}
		for _, input := range cfg.inputs {
			src, err := builtin.Open(input, d.fopts)
			if err != nil {
				return err
			}
			if err := readBenchInput(ctx, cfg, d, src, func(arrow.RecordBatch) {}); err != nil {
				return fmt.Errorf("%s: %w", input, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &benchRead{
		Seconds: dur.Seconds(), RowsPerS: perSecond(float64(d.rows), dur),
		FileBytes: fileBytes, BytesPerS: perSecond(float64(fileBytes), dur),
	}, nil
}

func benchFigures(engine string, workers int, d time.Duration, data *benchData) benchRun {
	return benchRun{
		Engine: engine, Workers: workers, Seconds: d.Seconds(),
		RowsPerS: perSecond(float64(data.rows), d), BytesPerS: perSecond(float64(data.bytes), d),
		NsPerRow: perRow(d, data.rows),
	}
}

// perSecond is n per second of d; 0 when d is 0 (JSON has no infinity).
func perSecond(n float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return n / d.Seconds()
}

// perRow is d in nanoseconds per row; 0 without rows.
func perRow(d time.Duration, rows int64) float64 {
	if rows == 0 {
		return 0
	}
	return float64(d.Nanoseconds()) / float64(rows)
}

// ratio is a/b; 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 || math.IsNaN(a) || math.IsNaN(b) {
		return 0
	}
	return a / b
}

func writeBenchJSON(w io.Writer, rep *benchReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

func writeBenchText(w io.Writer, rep *benchReport) error {
	var b strings.Builder
	what := "synthetic data (seed " + strconv.FormatUint(rep.Seed, 10) + ")"
	if !rep.Synthetic {
		quoted := make([]string, len(rep.Inputs))
		for i, in := range rep.Inputs {
			quoted[i] = textsafe.Escape(in)
		}
		what = strings.Join(quoted, ", ")
	}
	fmt.Fprintf(&b, "%s on %s: %d rows in %s, %s of Arrow buffers; median of %s after a warm-up\n",
		textsafe.Escape(rep.RulesFile), what, rep.Rows, plural(rep.Batches, "batch", "batches"),
		humanBytes(float64(rep.Bytes)), plural(rep.Reps, "rep", "reps"))
	var inferred []string
	for _, c := range rep.Columns {
		if c.Inferred {
			inferred = append(inferred, textsafe.Escape(c.Name)+" "+c.Type)
		}
	}
	if len(inferred) > 0 {
		fmt.Fprintf(&b, "note: types inferred from the rules, not declared: %s\n", strings.Join(inferred, ", "))
	}
	b.WriteString("\n")

	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE SET\tWORKERS\tROWS/S\tBYTES/S\tNS/ROW\tSPEED-UP")
	fmt.Fprintf(tw, "%s\t%d\t%s\t%s/s\t%.1f\t\n", rep.Set.Engine, rep.Set.Workers, humanCount(rep.Set.RowsPerS), humanBytes(rep.Set.BytesPerS), rep.Set.NsPerRow)
	if in := rep.Interpreter; in != nil {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s/s\t%.1f\t%s is %.2f× faster\n", in.Engine, in.Workers, humanCount(in.RowsPerS), humanBytes(in.BytesPerS), in.NsPerRow, rep.Set.Engine, in.Speedup)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "WORKERS (%s)\tROWS/S\tRATIO TO 1\n", rep.Set.Engine)
	for _, wk := range rep.Workers {
		fmt.Fprintf(tw, "%d\t%s\t%.2f\n", wk.Workers, humanCount(wk.RowsPerS), wk.Ratio)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	if rep.Read != nil {
		share := ratio(rep.Read.Seconds, rep.Read.Seconds+rep.Evaluate.Seconds)
		fmt.Fprintf(&b, "\nread %.3fs (%s rows/s, %s/s of files), evaluate %.3fs (%s, 1 worker): reading is %.0f%% of the two\n",
			rep.Read.Seconds, humanCount(rep.Read.RowsPerS), humanBytes(rep.Read.BytesPerS), rep.Evaluate.Seconds, rep.Evaluate.Engine, 100*share)
	}

	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tKIND\tENGINE\tNS/ROW\tSHARE")
	for _, r := range rep.Rules {
		name := textsafe.Escape(r.Name)
		if r.NotEvaluated != "" {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\tnot evaluated: %s\n", name, r.Kind, textsafe.Escape(r.NotEvaluated))
			continue
		}
		engine := r.Engine
		if r.Kind == string(rules.KindDataset) {
			engine = "check"
		}
		if !rep.PerRule {
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\n", name, r.Kind, engine)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%.1f%%\n", name, r.Kind, engine, r.NsPerRow, 100*r.Share)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !rep.PerRule {
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("\nEach rule is timed alone (the rule file reduced to it, 1 worker); the set decodes each column once and\n" +
		"shares subexpressions, so the rules' ns/row need not add up to the set's. Compare runs by ratios, not absolutes.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// plural is n with the singular or plural noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// humanCount prints n with a k, M or G suffix.
func humanCount(n float64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fG", n/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", n/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fk", n/1e3)
	}
	return fmt.Sprintf("%.0f", n)
}

// humanBytes prints n bytes in B, KiB, MiB or GiB.
func humanBytes(n float64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", n/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", n/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", n/(1<<10))
	}
	return fmt.Sprintf("%.0f B", n)
}
