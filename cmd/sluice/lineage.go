package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sluicedata/sluice/internal/textsafe"
	"github.com/sluicedata/sluice/lineage"
)

// defaultLineageFile is where sluice check appends OpenLineage events,
// relative to the working directory.
var defaultLineageFile = filepath.Join(".sluice", "lineage.ndjson")

// tracerShutdownTimeout bounds the flush of spans before the CLI exits.
const tracerShutdownTimeout = 10 * time.Second

// Standard OpenTelemetry exporter variables the CLI looks at; the exporters
// read the rest (headers, timeouts, TLS) themselves.
const (
	envOTLPEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	envOTLPTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	envOTLPProtocol       = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envOTLPTracesProtocol = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
)

// otlpProtocol returns the OTLP protocol of traces per the specification:
// the traces variable, then the general one, then http/protobuf.
func otlpProtocol(getenv func(string) string) string {
	if p := strings.TrimSpace(getenv(envOTLPTracesProtocol)); p != "" {
		return p
	}
	if p := strings.TrimSpace(getenv(envOTLPProtocol)); p != "" {
		return p
	}
	return "http/protobuf"
}

// newTracerProvider returns a provider exporting spans over OTLP with a
// batch span processor when an OTLP endpoint variable is set, or nil.
func newTracerProvider(ctx context.Context, getenv func(string) string) (*sdktrace.TracerProvider, error) {
	if getenv(envOTLPEndpoint) == "" && getenv(envOTLPTracesEndpoint) == "" {
		return nil, nil
	}
	var (
		exp sdktrace.SpanExporter
		err error
	)
	switch p := otlpProtocol(getenv); p {
	case "grpc":
		exp, err = otlptracegrpc.New(ctx)
	case "http/protobuf":
		exp, err = otlptracehttp.New(ctx)
	default:
		return nil, fmt.Errorf("OTLP protocol %q: want grpc or http/protobuf", p)
	}
	if err != nil {
		return nil, fmt.Errorf("OTLP exporter: %w", err)
	}
	res, err := newResource(ctx)
	if err != nil && res == nil {
		_ = exp.Shutdown(ctx)
		return nil, err
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// newResource is the resource of the CLI's spans and metrics. Later
// options win: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the
// defaults. A partial resource comes with the error.
func newResource(ctx context.Context) (*resource.Resource, error) {
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(
			attribute.String("service.name", "sluice"),
			attribute.String("service.version", version),
		),
		resource.WithFromEnv(),
	)
	if err != nil {
		return res, fmt.Errorf("OTLP resource: %w", err)
	}
	return res, nil
}

// lineageFlags are the lineage flags of sluice check.
type lineageFlags struct {
	file         string
	url          string
	off          bool
	timeout      time.Duration
	jobNamespace string
	job          string
}

func (f *lineageFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.file, "lineage-file", defaultLineageFile, "append OpenLineage events to this NDJSON file")
	fs.StringVar(&f.url, "lineage-url", "", "send OpenLineage events over HTTP to this lineage API (POST {url}/api/v1/lineage) instead of the file")
	fs.DurationVar(&f.timeout, "lineage-timeout", lineage.DefaultHTTPTimeout, "give up sending one OpenLineage event over HTTP after this long, retries included (the run goes on with a warning)")
	fs.BoolVar(&f.off, "no-lineage", false, "emit no OpenLineage events")
	fs.StringVar(&f.jobNamespace, "job-namespace", "sluice", "OpenLineage job namespace")
	fs.StringVar(&f.job, "job", "", "OpenLineage job name (default check.<dataset of the rule file>)")
}

// lineageSetup is what the CLI hands to every lineage run of one command:
// the tracer provider (nil: no spans) and the emitter (nil: no events).
type lineageSetup struct {
	tp      *sdktrace.TracerProvider
	mp      *sdkmetric.MeterProvider // nil: no metrics
	emitter lineage.Emitter
}

// setupLineage builds the tracer provider and the emitter. Problems are
// warnings: lineage never changes the outcome of a check.
func (c *cli) setupLineage(ctx context.Context, f *lineageFlags) *lineageSetup {
	ls := &lineageSetup{}
	tp, err := newTracerProvider(ctx, os.Getenv)
	if err != nil {
		c.warnf("spans not exported: %v", err)
	}
	ls.tp = tp
	mp, err := newMeterProvider(ctx, os.Getenv, c.stderr)
	if err != nil {
		c.metricsWarnf("metrics not exported: %v", err)
	}
	ls.mp = mp
	switch {
	case f.off:
	case f.url != "":
		em, err := lineage.NewHTTPEmitter(f.url, lineage.WithTimeout(f.timeout))
		if err != nil {
			c.warnf("lineage events not sent: %v", err)
			break
		}
		ls.emitter = em
	case f.file != "":
		if dir := filepath.Dir(f.file); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				c.warnf("lineage events not written: %v", err)
				break
			}
		}
		ls.emitter = lineage.NewFileEmitter(f.file)
	}
	return ls
}

// options are the lineage options of the runs, nil when there is nothing
// to record to (no run is started then).
func (ls *lineageSetup) options() []lineage.Option {
	if ls.tp == nil && ls.emitter == nil {
		return nil
	}
	var opts []lineage.Option
	if ls.tp != nil {
		opts = append(opts, lineage.WithTracerProvider(ls.tp))
	}
	if ls.mp != nil {
		opts = append(opts, lineage.WithMeterProvider(ls.mp))
	}
	if ls.emitter != nil {
		opts = append(opts, lineage.WithEmitter(ls.emitter))
	}
	return opts
}

// shutdown flushes the spans and exports the metrics, bounded by
// tracerShutdownTimeout.
func (c *cli) shutdownLineage(ctx context.Context, ls *lineageSetup) {
	if ls == nil || (ls.tp == nil && ls.mp == nil) {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tracerShutdownTimeout)
	defer cancel()
	if ls.tp != nil {
		if err := ls.tp.Shutdown(sctx); err != nil {
			c.warnf("spans not flushed: %v", err)
		}
	}
	if ls.mp != nil {
		if err := ls.mp.Shutdown(sctx); err != nil {
			c.metricsWarnf("metrics not exported: %v", err)
		}
	}
}

// metricsWarnf prints a metrics warning on one escaped line.
func (c *cli) metricsWarnf(format string, args ...any) {
	fmt.Fprintf(c.stderr, "sluice: warning: metrics: %s\n", textsafe.Escape(fmt.Sprintf(format, args...)))
}

// warnf prints a lineage warning on one escaped line.
func (c *cli) warnf(format string, args ...any) {
	fmt.Fprintf(c.stderr, "sluice: warning: lineage: %s\n", textsafe.Escape(fmt.Sprintf(format, args...)))
}

const lineageUsage = "usage: sluice lineage show [--file PATH] [--format text|dot|mermaid]"

// lineageCmd runs `sluice lineage show`.
func (c *cli) lineageCmd(_ context.Context, args []string) (int, error) {
	if len(args) == 0 || args[0] != "show" {
		return exitUsage, usageErrorf("%s", lineageUsage)
	}
	fs := flag.NewFlagSet("lineage show", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	file := fs.String("file", defaultLineageFile, "NDJSON file of OpenLineage events")
	format := fs.String("format", "text", "output format: text, dot or mermaid")
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, lineageUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass, nil
		}
		return exitUsage, usageErrorf("%v", err)
	}
	if fs.NArg() > 0 {
		return exitUsage, usageErrorf("lineage show: unexpected argument %q", fs.Arg(0))
	}
	var draw func(io.Writer, *lineageGraph) error
	switch *format {
	case "text":
		draw = drawText
	case "dot":
		draw = drawDOT
	case "mermaid":
		draw = drawMermaid
	default:
		return exitUsage, usageErrorf("lineage show: --format must be text, dot or mermaid, not %q", *format)
	}
	f, err := os.Open(*file)
	if err != nil {
		return exitRuntime, fmt.Errorf("lineage show: %w", err)
	}
	defer f.Close()
	g, err := readLineageGraph(f, *file)
	if err != nil {
		return exitRuntime, err
	}
	if err := draw(c.stdout, g); err != nil {
		return exitRuntime, fmt.Errorf("lineage show: %w", err)
	}
	return exitPass, nil
}

// lineageGraph is the graph of the events of a file: datasets and runs in
// order of first appearance.
type lineageGraph struct {
	runs     []*lineageRun
	datasets []lineage.Dataset
	dsIndex  map[lineage.Dataset]int
}

type lineageRun struct {
	id       string
	job      lineage.Job
	status   string // START (still running or lost), COMPLETE, FAIL, …
	time     string // time of the last event
	inputs   []lineage.Dataset
	outputs  []lineage.Dataset
	passed   int
	failed   int
	failures []string // names of failed assertions
	errMsg   string
}

func (g *lineageGraph) dataset(ds lineage.Dataset) int {
	if i, ok := g.dsIndex[ds]; ok {
		return i
	}
	g.dsIndex[ds] = len(g.datasets)
	g.datasets = append(g.datasets, ds)
	return len(g.datasets) - 1
}

// readLineageGraph reads NDJSON RunEvents; the last event of a run gives its
// status, and its inputs and outputs are united over its events.
func readLineageGraph(r io.Reader, name string) (*lineageGraph, error) {
	g := &lineageGraph{dsIndex: map[lineage.Dataset]int{}}
	byID := map[string]*lineageRun{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var ev lineage.RunEvent
		if err := json.Unmarshal([]byte(text), &ev); err != nil {
			return nil, fmt.Errorf("lineage show: %s:%d: %w", name, line, err)
		}
		if ev.Run.RunID == "" {
			return nil, fmt.Errorf("lineage show: %s:%d: event without run.runId", name, line)
		}
		run := byID[ev.Run.RunID]
		if run == nil {
			run = &lineageRun{id: ev.Run.RunID}
			byID[ev.Run.RunID] = run
			g.runs = append(g.runs, run)
		}
		run.job = lineage.Job{Namespace: ev.Job.Namespace, Name: ev.Job.Name}
		run.status, run.time = ev.EventType, ev.EventTime
		for _, d := range ev.Inputs {
			run.inputs = addDataset(g, run.inputs, d)
		}
		for _, d := range ev.Outputs {
			run.outputs = addDataset(g, run.outputs, d)
		}
		if ev.EventType == "START" {
			continue
		}
		// A terminal event repeats every input with its assertions.
		run.passed, run.failed, run.failures = 0, 0, nil
		for _, d := range ev.Inputs {
			raw := d.InputFacets["dataQualityAssertions"]
			if raw == nil {
				continue
			}
			var f struct {
				Assertions []struct {
					Assertion string `json:"assertion"`
					Name      string `json:"name"`
					Success   bool   `json:"success"`
				} `json:"assertions"`
			}
			if err := json.Unmarshal(raw, &f); err != nil {
				return nil, fmt.Errorf("lineage show: %s:%d: dataQualityAssertions: %w", name, line, err)
			}
			for _, a := range f.Assertions {
				if a.Success {
					run.passed++
				} else {
					run.failed++
					name := a.Name
					if name == "" {
						name = a.Assertion
					}
					run.failures = append(run.failures, name)
				}
			}
		}
		if raw := ev.Run.Facets["errorMessage"]; raw != nil {
			var f struct {
				Message string `json:"message"`
			}
			if json.Unmarshal(raw, &f) == nil {
				run.errMsg = f.Message
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("lineage show: %s: %w", name, err)
	}
	return g, nil
}

func addDataset(g *lineageGraph, list []lineage.Dataset, d lineage.EventDataset) []lineage.Dataset {
	ds := lineage.Dataset{Namespace: d.Namespace, Name: d.Name}
	g.dataset(ds)
	for _, x := range list {
		if x == ds {
			return list
		}
	}
	return append(list, ds)
}

// quality returns "COMPLETE, 3 assertions passed, 1 failed" and the like.
func (r *lineageRun) quality() string {
	s := r.status
	if s == "START" {
		s = "RUNNING" // no terminal event (yet)
	}
	if r.passed+r.failed > 0 {
		s += fmt.Sprintf(", assertions %d passed, %d failed", r.passed, r.failed)
	}
	return s
}

func jobLabel(j lineage.Job) string { return j.Namespace + "/" + j.Name }

// esc escapes text read from a lineage file for the terminal: any process
// that can append to the file chooses these names.
func esc(s string) string { return textsafe.Escape(s) }

func drawText(w io.Writer, g *lineageGraph) error {
	bw := bufio.NewWriter(w)
	if len(g.runs) == 0 {
		fmt.Fprintln(bw, "no lineage events")
		return bw.Flush()
	}
	for i, r := range g.runs {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		fmt.Fprintf(bw, "%s  run %s  %s\n", esc(jobLabel(r.job)), esc(r.id), esc(r.time))
		fmt.Fprintf(bw, "  status: %s\n", esc(r.quality()))
		if len(r.failures) > 0 {
			fmt.Fprintf(bw, "  failed: %s\n", esc(strings.Join(r.failures, ", ")))
		}
		if r.errMsg != "" {
			fmt.Fprintf(bw, "  error:  %s\n", esc(r.errMsg))
		}
		for _, d := range r.inputs {
			fmt.Fprintf(bw, "  in   %s\n", esc(d.String()))
		}
		for _, d := range r.outputs {
			fmt.Fprintf(bw, "  out  %s\n", esc(d.String()))
		}
	}
	return bw.Flush()
}

// dotQuote quotes s as a DOT string.
func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

func drawDOT(w io.Writer, g *lineageGraph) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph lineage {")
	fmt.Fprintln(bw, "  rankdir=LR;")
	fmt.Fprintln(bw, `  node [fontname="Helvetica"];`)
	for i, d := range g.datasets {
		fmt.Fprintf(bw, "  d%d [shape=cylinder, label=%s];\n", i, dotQuote(esc(d.String())))
	}
	for i, r := range g.runs {
		color := "black"
		switch r.status {
		case "COMPLETE":
			color = "darkgreen"
		case "FAIL", "ABORT":
			color = "red"
		}
		label := esc(jobLabel(r.job)) + "\n" + esc(r.quality())
		fmt.Fprintf(bw, "  r%d [shape=box, style=rounded, color=%s, label=%s];\n", i, color, dotQuote(label))
	}
	for i, r := range g.runs {
		for _, d := range r.inputs {
			fmt.Fprintf(bw, "  d%d -> r%d;\n", g.dsIndex[d], i)
		}
		for _, d := range r.outputs {
			fmt.Fprintf(bw, "  r%d -> d%d;\n", i, g.dsIndex[d])
		}
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

// mermaidQuote makes s safe inside a quoted Mermaid label.
func mermaidQuote(s string) string {
	return `"` + strings.NewReplacer(`"`, "#quot;", "\n", "<br/>").Replace(s) + `"`
}

func drawMermaid(w io.Writer, g *lineageGraph) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "flowchart LR")
	for i, d := range g.datasets {
		fmt.Fprintf(bw, "  d%d[(%s)]\n", i, mermaidQuote(esc(d.String())))
	}
	for i, r := range g.runs {
		fmt.Fprintf(bw, "  r%d[%s]\n", i, mermaidQuote(esc(jobLabel(r.job))+"\n"+esc(r.quality())))
	}
	for i, r := range g.runs {
		for _, d := range r.inputs {
			fmt.Fprintf(bw, "  d%d --> r%d\n", g.dsIndex[d], i)
		}
		for _, d := range r.outputs {
			fmt.Fprintf(bw, "  r%d --> d%d\n", i, g.dsIndex[d])
		}
	}
	var ok, bad []string
	for i, r := range g.runs {
		switch r.status {
		case "COMPLETE":
			ok = append(ok, fmt.Sprintf("r%d", i))
		case "FAIL", "ABORT":
			bad = append(bad, fmt.Sprintf("r%d", i))
		}
	}
	fmt.Fprintln(bw, "  classDef complete stroke:#2e7d32,stroke-width:2px")
	fmt.Fprintln(bw, "  classDef fail stroke:#c62828,stroke-width:2px")
	if len(ok) > 0 {
		fmt.Fprintf(bw, "  class %s complete\n", strings.Join(ok, ","))
	}
	if len(bad) > 0 {
		fmt.Fprintf(bw, "  class %s fail\n", strings.Join(bad, ","))
	}
	return bw.Flush()
}
