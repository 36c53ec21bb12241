// Command etl is an example ETL service embedding Sluice: it reads
// orders.parquet, gates it with a rule file in filter mode (failing rows go
// to a quarantine file), derives amount_eur, replaces the e-mail address by
// its SHA-256, writes the result as Parquet and records the lineage of the
// whole run as OpenLineage events (NDJSON file) and, when given a
// TracerProvider, OpenTelemetry spans. With -metrics-addr it runs as a
// service: the job every -every, its KPIs served to Prometheus on /metrics
// with exemplars linking to each run's trace.
//
//	go run ./examples/etl -in testdata/orders/orders.parquet -out /tmp/orders_eur.parquet
//	go run ./examples/etl -metrics-addr :9464 -every 1m
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/parquetconnector"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/rules"
)

// eurRates converts amounts to euros (fixed rates: this is an example).
var eurRates = map[string]float64{"EUR": 1, "USD": 0.92, "GBP": 1.17}

// Config is one run of the ETL job.
type Config struct {
	In          string // orders Parquet file
	Rules       string // rule file
	Out         string // transformed Parquet file, committed only when the gate passes
	Quarantine  string // Parquet file of the rows held back
	LineageFile string // NDJSON file the OpenLineage events are appended to
	// TracerProvider receives the spans; nil records none.
	TracerProvider trace.TracerProvider
	// MeterProvider receives the gate's and the lineage's KPIs; nil
	// records none.
	MeterProvider metric.MeterProvider
	// Mem allocates the Arrow buffers; nil is memory.DefaultAllocator.
	Mem memory.Allocator
}

// Job is the OpenLineage job of the example.
var Job = lineage.Job{Namespace: "shop", Name: "orders.etl"}

// outSchema is the schema of the output: email is replaced by its hash and
// amount by amount_eur.
var outSchema = arrow.NewSchema([]arrow.Field{
	{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "customer_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "email_sha256", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "amount_eur", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "currency", Type: arrow.BinaryTypes.String},
	{Name: "status", Type: arrow.BinaryTypes.String},
	{Name: "ordered_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
}, nil)

// copied are the input columns written unchanged.
var copied = []string{"order_id", "customer_id", "currency", "status", "ordered_at"}

// Result sums up a run.
type Result struct {
	Report     *quality.Report
	RowsOut    int64
	Committed  bool
	RunID      string
	LineageErr error // bookkeeping problems of the lineage run (not the outcome)
}

// Run runs the job once. A failed gate is a result (Committed false, the
// report says why); an error means the job could not run.
func Run(ctx context.Context, cfg Config) (res Result, err error) {
	mem := cfg.Mem
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	rs, err := rules.Load(cfg.Rules)
	if err != nil {
		return res, err
	}
	src, err := parquetconnector.NewSource(cfg.In)
	if err != nil {
		return res, err
	}
	schema, err := src.Schema(ctx)
	if err != nil {
		return res, err
	}
	prog, err := rs.Compile(schema)
	if err != nil {
		return res, err
	}
	if dir := filepath.Dir(cfg.LineageFile); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return res, fmt.Errorf("etl: lineage directory: %w", err)
		}
	}
	opts := []lineage.Option{lineage.WithOwner(rs.Owner), lineage.WithEmitter(lineage.NewFileEmitter(cfg.LineageFile))}
	if cfg.TracerProvider != nil {
		opts = append(opts, lineage.WithTracerProvider(cfg.TracerProvider))
	}
	if cfg.MeterProvider != nil {
		opts = append(opts, lineage.WithMeterProvider(cfg.MeterProvider))
	}
	ctx, run := lineage.Start(ctx, Job, opts...)
	res.RunID = run.ID().String()
	defer func() { res.LineageErr = run.End(ctx, firstErr(err, res.Report)) }()

	// Read: the span links to the producer of the file when a Sluice run
	// wrote it.
	in := src.Dataset()
	rctx, rd := run.Read(ctx, in, lineage.IOInfo{Path: in.Name, Metadata: metadataMap(schema)})
	reader, err := src.Open(rctx, connectors.ReadOptions{Allocator: mem})
	if err != nil {
		rd.End(0, -1, nil, err)
		return res, err
	}
	defer reader.Release()

	// Gate in filter mode: failing rows go to the quarantine.
	qsink, err := parquetconnector.NewSink(cfg.Quarantine)
	if err != nil {
		rd.End(0, -1, nil, err)
		return res, err
	}
	gate, err := quality.NewGate(prog, quality.WithDataset(in), quality.WithQuarantine(qsink),
		quality.WithAllocator(mem), quality.WithLineage(run), quality.WithMeterProvider(cfg.MeterProvider))
	if err != nil {
		rd.End(0, -1, nil, err)
		return res, err
	}
	clean, report := gate.Filter(ctx, reader)
	defer clean.Release()

	// Write the transformed rows; the producer metadata goes in the footer.
	sink, err := parquetconnector.NewSink(cfg.Out)
	if err != nil {
		rd.End(0, -1, nil, err)
		return res, err
	}
	out := sink.Dataset()
	wctx, wr := run.Write(ctx, out, lineage.IOInfo{Path: out.Name})
	w, err := sink.Create(wctx, outSchema)
	if err != nil {
		rd.End(0, -1, nil, err)
		wr.End(0, -1, outSchema, err)
		return res, err
	}
	if mw, ok := w.(connectors.MetadataWriter); ok {
		for k, v := range wr.ProducerMetadata() {
			mw.SetMetadata(k, v)
		}
	}
	fail := func(err error) (Result, error) {
		_ = w.Abort(context.WithoutCancel(ctx))
		rd.End(-1, -1, schema, err)
		wr.End(0, -1, outSchema, err)
		return res, err
	}
	for clean.Next() {
		batch, err := transform(mem, clean.RecordBatch())
		if err != nil {
			return fail(err)
		}
		err = w.Write(batch)
		res.RowsOut += batch.NumRows()
		batch.Release()
		if err != nil {
			return fail(err)
		}
	}
	rep, err := report()
	if err != nil {
		return fail(err)
	}
	res.Report = rep
	rd.End(rep.RowsIn, fileSize(cfg.In), schema, nil)

	// Column lineage of the output.
	for _, c := range copied {
		run.Derive(lineage.Field{Dataset: out, Name: c}, []lineage.Field{{Dataset: in, Name: c}}, lineage.Identity())
	}
	run.Derive(lineage.Field{Dataset: out, Name: "amount_eur"},
		[]lineage.Field{{Dataset: in, Name: "amount"}, {Dataset: in, Name: "currency"}},
		lineage.Transformation{Type: lineage.TransformDirect, Subtype: lineage.SubtypeTransformation, Description: "amount × EUR rate of currency"})
	run.Derive(lineage.Field{Dataset: out, Name: "email_sha256"},
		[]lineage.Field{{Dataset: in, Name: "email"}}, lineage.Masked("sha256 of the lower-cased address"))
	gate.FilterLineage(run, in, out)

	if !rep.Passed() {
		if err := w.Abort(ctx); err != nil {
			wr.End(0, -1, outSchema, err)
			return res, err
		}
		wr.End(0, -1, outSchema, rep.Err())
		res.RowsOut = 0
		return res, nil
	}
	if err := w.Commit(ctx); err != nil {
		wr.End(0, -1, outSchema, err)
		return res, err
	}
	res.Committed = true
	wr.End(res.RowsOut, fileSize(cfg.Out), outSchema, nil)
	return res, nil
}

// firstErr is the run's outcome for lineage: the runtime error, else the
// failed gate, else nil.
func firstErr(err error, rep *quality.Report) error {
	if err != nil {
		return err
	}
	if rep != nil {
		return rep.Err()
	}
	return nil
}

// transform turns a clean input batch (borrowed) into an output batch.
func transform(mem memory.Allocator, in arrow.RecordBatch) (arrow.RecordBatch, error) {
	col := func(name string) (arrow.Array, error) {
		idx := in.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("etl: input has no column %q", name)
		}
		return in.Column(idx[0]), nil
	}
	get := map[string]arrow.Array{}
	for _, name := range []string{"order_id", "customer_id", "email", "amount", "currency", "status", "ordered_at"} {
		a, err := col(name)
		if err != nil {
			return nil, err
		}
		get[name] = a
	}
	email, ok1 := get["email"].(*array.String)
	amount, ok2 := get["amount"].(*array.Float64)
	currency, ok3 := get["currency"].(*array.String)
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("etl: unexpected input types: email %s, amount %s, currency %s",
			get["email"].DataType(), get["amount"].DataType(), get["currency"].DataType())
	}
	n := int(in.NumRows())
	hb := array.NewStringBuilder(mem)
	defer hb.Release()
	eb := array.NewFloat64Builder(mem)
	defer eb.Release()
	for i := range n {
		if email.IsNull(i) {
			hb.AppendNull()
		} else {
			sum := sha256.Sum256([]byte(strings.ToLower(email.Value(i))))
			hb.Append(hex.EncodeToString(sum[:]))
		}
		rate, known := eurRates[currency.Value(i)]
		if amount.IsNull(i) || currency.IsNull(i) || !known {
			eb.AppendNull()
		} else {
			eb.Append(amount.Value(i) * rate)
		}
	}
	hashes := hb.NewArray()
	defer hashes.Release()
	eur := eb.NewArray()
	defer eur.Release()
	cols := []arrow.Array{get["order_id"], get["customer_id"], hashes, eur, get["currency"], get["status"], get["ordered_at"]}
	for i, f := range outSchema.Fields() {
		if !arrow.TypeEqual(cols[i].DataType(), f.Type) {
			return nil, fmt.Errorf("etl: column %s: type %s, want %s", f.Name, cols[i].DataType(), f.Type)
		}
	}
	return array.NewRecordBatch(outSchema, cols, int64(n)), nil
}

func metadataMap(s *arrow.Schema) map[string]string {
	md := s.Metadata()
	out := make(map[string]string, md.Len())
	for i, k := range md.Keys() {
		out[k] = md.Values()[i]
	}
	return out
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return fi.Size()
}

func main() {
	var cfg Config
	flag.StringVar(&cfg.In, "in", "testdata/orders/orders.parquet", "orders Parquet file")
	flag.StringVar(&cfg.Rules, "rules", "examples/etl/orders.yaml", "rule file")
	flag.StringVar(&cfg.Out, "out", "orders_eur.parquet", "output Parquet file")
	flag.StringVar(&cfg.Quarantine, "quarantine", "orders_quarantine.parquet", "quarantine Parquet file")
	flag.StringVar(&cfg.LineageFile, "lineage-file", filepath.Join(".sluice", "lineage.ndjson"), "OpenLineage events (NDJSON)")
	addr := flag.String("metrics-addr", "", "run as a service: serve Prometheus metrics on this address (/metrics)")
	every := flag.Duration("every", time.Minute, "with -metrics-addr, run the job this often")
	flag.Parse()
	if *addr != "" {
		if *every <= 0 {
			fmt.Fprintln(os.Stderr, "etl: -every must be positive")
			os.Exit(2)
		}
		if err := serve(cfg, *addr, *every); err != nil {
			fmt.Fprintln(os.Stderr, "etl:", err)
			os.Exit(3)
		}
		return
	}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "etl:", err)
		os.Exit(3)
	}
	if res.LineageErr != nil {
		fmt.Fprintln(os.Stderr, "etl: warning:", res.LineageErr)
	}
	rep := res.Report
	fmt.Printf("gate %s: %d rows in, %d written to %s, %d quarantined in %s (run %s)\n",
		rep.Status, rep.RowsIn, res.RowsOut, cfg.Out, rep.RowsQuarantined, cfg.Quarantine, res.RunID)
	if !res.Committed {
		os.Exit(1)
	}
}
