package quality

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/rules"
)

// Gate evaluates a rule program over Arrow data and decides whether the
// data may pass. It is immutable and safe for concurrent use.
type Gate struct {
	prog *rules.Program
	cfg  config
	priv *privacyPlan
}

// NewGate returns a gate for prog. Errors wrap ErrConfig.
func NewGate(prog *rules.Program, opts ...Option) (*Gate, error) {
	if prog == nil {
		return nil, fmt.Errorf("quality: nil program: %w", ErrConfig)
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.clock == nil {
		cfg.clock = time.Now
	}
	if cfg.logger == nil {
		cfg.logger = defaultConfig().logger
	}
	if cfg.mem == nil {
		cfg.mem = defaultConfig().mem
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if rs := prog.RuleSet(); rs != nil && rs.Strict {
		cfg.strict = true // strict: true in the rule file
	}
	priv, err := newPrivacyPlan(prog.RuleSet(), &cfg)
	if err != nil {
		return nil, err
	}
	return &Gate{prog: prog, cfg: cfg, priv: priv}, nil
}

// Program returns the gate's program.
func (g *Gate) Program() *rules.Program { return g.prog }

func (g *Gate) newReport(ds lineage.Dataset) *Report {
	rep := &Report{
		Mode:      g.cfg.mode.String(),
		StartedAt: g.cfg.clock().UTC(),
		Rules:     []RuleResult{},
	}
	if rs := g.prog.RuleSet(); rs != nil {
		rep.Dataset, rep.Owner, rep.RuleFile = rs.Dataset, rs.Owner, rs.Path
	}
	if !g.cfg.dataset.IsZero() {
		ds = g.cfg.dataset
	}
	if !ds.IsZero() {
		rep.DatasetID = &ds
	}
	return rep
}

func (g *Gate) stop(rep *Report) {
	rep.DurationMS = g.cfg.clock().Sub(rep.StartedAt).Milliseconds()
	if rep.DurationMS < 0 {
		rep.DurationMS = 0
	}
}

func datasetLabel(rep *Report) string {
	if rep.DatasetID != nil {
		return rep.DatasetID.String()
	}
	return rep.Dataset
}

// Check evaluates every rule over reader (borrowed: the caller still
// releases it) and returns the report. It writes nothing, whatever sinks
// the gate has. rows_clean and rows_quarantined count the rows passing and
// failing the error-severity row rules.
func (g *Gate) Check(ctx context.Context, reader array.RecordReader) (*Report, error) {
	rep := g.newReport(lineage.Dataset{})
	lin := g.startLineage(g.cfg.dataset, rep)
	lin.startCheck(ctx, rep)
	s := g.newSession(datasetLabel(rep))
	s.noteSchema(reader.Schema())
	st := g.newStageClock()
	t0 := st.start()
	if err := s.evalReader(ctx, st.timed(reader), false, nil); err != nil {
		lin.fail(err)
		return nil, err
	}
	st.add(stScan, t0)
	t0 = st.start()
	if err := s.finish(ctx, rep); err != nil {
		lin.fail(err)
		return nil, err
	}
	st.add(stFinish, t0)
	lin.endCheck(rep, nil)
	g.stop(rep)
	g.log(ctx, rep, st, g.sizes(g.cfg.dataset, nil))
	return rep, nil
}

func (g *Gate) log(ctx context.Context, rep *Report, st *stageClock, io ioSizes) {
	g.cfg.logger.InfoContext(ctx, "quality: gate decided",
		"dataset", rep.Dataset, "status", string(rep.Status), "rows_in", rep.RowsIn,
		"rows_clean", rep.RowsClean, "rows_quarantined", rep.RowsQuarantined)
	g.cfg.kpi.record(ctx, rep, st, io)
}

// sizes returns the bytes of the input in and of the committed outputs of
// out (nil: none), as far as they are local files; only with metrics on.
func (g *Gate) sizes(in lineage.Dataset, out *outputs) ioSizes {
	io := unknownSizes()
	if g.cfg.kpi == nil {
		return io
	}
	if n := fileSize(filePath(in)); n >= 0 {
		io.read = n
	}
	if out != nil {
		io.clean, io.quarantine = out.cleanBytes, out.quarBytes
	}
	return io
}

// Run reads src through the gate. Without sinks it reads only the columns
// the rules need (Program.Columns); with sinks it reads every column.
//
// Rows go to the WithSink sink per the mode and to the WithQuarantine sink
// when they fail an error-severity row rule. When the input is read to the
// end, the quarantine is committed (pass or fail) and then the clean sink
// is committed if the gate passed (Report.Passed) or aborted if it failed;
// the report is returned with a nil error in both cases. On a runtime
// error — the source fails, a rule cannot be evaluated, a sink fails, ctx
// is cancelled — both sinks are aborted and a *RunError is returned.
func (g *Gate) Run(ctx context.Context, src connectors.Source) (rep *Report, err error) {
	rep = g.newReport(src.Dataset())
	label := datasetLabel(rep)
	var in lineage.Dataset
	if rep.DatasetID != nil {
		in = *rep.DatasetID
	}
	lin := g.startLineage(in, rep)
	var cols []string
	var stats map[string][]rules.ChunkStats
	if g.cfg.sink == nil && g.cfg.quarantine == nil && len(g.priv.detectors) == 0 {
		cols = g.projection()
		cols, stats = g.statsProjection(ctx, src, cols)
		if _, counts := src.(connectors.RowCounter); len(cols) == 0 && counts {
			// No column needed (row_count() alone, or every metric
			// answered by statistics) and the format knows its rows
			// from metadata: read no column pages at all.
			cols = []string{}
		}
	}
	rctx := lin.startRead(ctx)
	st := g.newStageClock()
	t0 := st.start()
	reader, err := src.Open(rctx, connectors.ReadOptions{
		Columns: cols, BatchSize: g.cfg.batchSize, Allocator: g.cfg.mem, Invalid: g.invalidPolicy,
	})
	st.add(stOpen, t0)
	if err != nil {
		err = runErr("open", label, err)
		lin.fail(err)
		return nil, err
	}
	defer reader.Release()
	// The data's schema: what the reader gives less the marks of values
	// that did not parse (InvalidColumn), which only the quarantine gets.
	schema := schemaWithoutInvalid(reader.Schema())
	lin.opened(schema)
	lin.startCheck(ctx, rep)
	s := g.newSession(label)
	s.noteSchema(reader.Schema())
	if err := s.useStats(stats); err != nil {
		err = runErr("evaluate", label, err)
		lin.fail(err)
		return nil, err
	}
	out := g.newOutputs(lin, st)
	defer func() {
		if err != nil {
			out.abort(ctx, err)
			lin.fail(err)
			rep = nil
		}
	}()
	if g.cfg.sink != nil || g.cfg.quarantine != nil {
		if err := g.priv.checkMasks(g.cfg.mem, schema); err != nil {
			return nil, runErr("create", label, err)
		}
	}
	if err := out.create(ctx, reader.Schema()); err != nil {
		return nil, err
	}
	if g.cfg.sink != nil {
		s.priv.out = schema
	}
	t0 = st.start()
	err = s.evalReader(ctx, st.timed(reader), out.quar != nil, func(batch arrow.RecordBatch, sp *split) error {
		if lin != nil {
			lin.rows += batch.NumRows()
		}
		return out.write(ctx, s, batch, sp)
	})
	if err != nil {
		return nil, err
	}
	// The last writes finish before the read and the check end: a write
	// error fails them as it would have mid-stream.
	if err := out.flush(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, runErr("read", label, err)
	}
	st.add(stScan, t0)
	if lin != nil {
		lin.endRead(lin.rows, schema, nil)
	}
	if cv, ok := src.(connectors.ContentVersioner); ok && s.version == "" {
		if v, ok := cv.ContentVersion(); ok {
			s.version = v
		}
	}
	t0 = st.start()
	if err := s.finish(ctx, rep); err != nil {
		return nil, err
	}
	st.add(stFinish, t0)
	lin.endCheck(rep, nil)
	if err := out.commit(ctx, rep); err != nil {
		return nil, err
	}
	g.stop(rep)
	g.log(ctx, rep, st, g.sizes(in, out))
	return rep, nil
}

// outputs holds the writers of one Run or Filter.
type outputs struct {
	g     *Gate
	clean connectors.Writer // nil without a sink, or once closed
	quar  connectors.Writer // nil without a quarantine, or once closed
	qsch  *arrow.Schema
	// pclean and pquar write clean and quar on goroutines of their own.
	pclean, pquar *pipe

	lin    *lineageCall   // nil without lineage
	lclean *lineageWriter // write span of the clean sink
	lquar  *lineageWriter // write span of the quarantine

	st                    *stageClock // nil with metrics off
	cleanBytes, quarBytes int64       // committed file sizes, -1 unknown
	writesTimed           bool        // the pipes' write times are in st
}

func (g *Gate) newOutputs(lin *lineageCall, st *stageClock) *outputs {
	return &outputs{g: g, lin: lin, st: st, cleanBytes: -1, quarBytes: -1}
}

// committedSize returns the size of sink's file once committed, when
// metrics are on and the sink is a local file; -1 otherwise.
func (o *outputs) committedSize(sink connectors.Sink) int64 {
	if o.st == nil {
		return -1
	}
	return fileSize(filePath(sink.Dataset()))
}

// create starts the writers of a read whose batches have schema: the
// clean sink gets it without InvalidColumn, the quarantine with it.
func (o *outputs) create(ctx context.Context, schema *arrow.Schema) error {
	if o.g.cfg.sink != nil {
		clean := schemaWithoutInvalid(schema)
		wctx, lw := o.lin.startWrite(ctx, o.g.cfg.sink, clean)
		w, err := o.g.cfg.sink.Create(wctx, clean)
		if err != nil {
			err = runErr("create", o.g.cfg.sink.Dataset().String(), err)
			lw.end(err)
			return err
		}
		o.clean, o.lclean = w, lw
		o.lin.created(lw, w, fieldNames(clean), o.g.cfg.mode == ModeFilter, "")
		o.pclean = newPipe(w, o.st != nil)
	}
	return o.createQuarantine(ctx, schema)
}

func (o *outputs) createQuarantine(ctx context.Context, schema *arrow.Schema) error {
	if o.g.cfg.quarantine == nil {
		return nil
	}
	name := o.g.cfg.quarantine.Dataset().String()
	qsch, err := quarantineSchema(schema)
	if err != nil {
		return runErr("create", name, err)
	}
	wctx, lw := o.lin.startWrite(ctx, o.g.cfg.quarantine, qsch)
	w, err := o.g.cfg.quarantine.Create(wctx, qsch)
	if err != nil {
		err = runErr("create", name, err)
		lw.end(err)
		return err
	}
	o.quar, o.qsch, o.lquar = w, qsch, lw
	o.lin.created(lw, w, fieldNames(schemaWithoutInvalid(schema)), true, FailedRulesColumn)
	o.pquar = newPipe(w, o.st != nil)
	return nil
}

// write sends batch (borrowed) to the writers according to sp: the clean
// sink without InvalidColumn, the quarantine with it, redacted.
func (o *outputs) write(ctx context.Context, s *session, batch arrow.RecordBatch, sp *split) error {
	mem := o.g.cfg.mem
	if o.clean != nil {
		data := withoutInvalid(batch)
		defer data.Release()
		var clean arrow.RecordBatch
		if o.g.cfg.mode == ModeCheck || sp.nFailed == 0 {
			data.Retain()
			clean = data
		} else if sp.nFailed < len(sp.failed) {
			var err error
			if clean, err = selectRows(ctx, mem, data, sp.failed, false); err != nil {
				return runErr("filter", o.g.cfg.sink.Dataset().String(), err)
			}
		}
		if clean != nil {
			masked, err := o.g.priv.maskBatch(mem, clean)
			clean.Release()
			if err != nil {
				return runErr("mask", o.g.cfg.sink.Dataset().String(), err)
			}
			clean = masked
			o.lclean.wrote(clean.NumRows())
			if err := o.pclean.write(clean); err != nil {
				return runErr("write", o.g.cfg.sink.Dataset().String(), err)
			}
		}
	}
	if o.quar != nil && sp.nFailed > 0 {
		marked, err := s.redactInvalid(mem, batch)
		if err != nil {
			return runErr("filter", o.g.cfg.quarantine.Dataset().String(), err)
		}
		raw, err := quarantineBatch(ctx, mem, o.qsch, marked, sp)
		marked.Release()
		if err != nil {
			return runErr("filter", o.g.cfg.quarantine.Dataset().String(), err)
		}
		q, err := o.g.priv.maskBatch(mem, raw)
		raw.Release()
		if err != nil {
			return runErr("mask", o.g.cfg.quarantine.Dataset().String(), err)
		}
		o.lquar.wrote(q.NumRows())
		if err := o.pquar.write(q); err != nil {
			return runErr("write", o.g.cfg.quarantine.Dataset().String(), err)
		}
	}
	return nil
}

// commit commits the quarantine, then commits or aborts the clean sink
// according to the report.
func (o *outputs) commit(ctx context.Context, rep *Report) error {
	if err := o.flush(); err != nil {
		return err
	}
	defer o.st.add(stCommit, o.st.start())
	if o.quar != nil {
		w := o.quar
		o.quar = nil
		lw := o.lquar
		o.lquar = nil
		if err := w.Commit(ctx); err != nil {
			_ = w.Abort(context.WithoutCancel(ctx))
			err = runErr("commit", o.g.cfg.quarantine.Dataset().String(), err)
			lw.end(err)
			return err
		}
		lw.end(nil)
		o.quarBytes = o.committedSize(o.g.cfg.quarantine)
		rep.Gate.Quarantine = "committed"
	}
	if o.clean != nil {
		w := o.clean
		o.clean = nil
		lw := o.lclean
		o.lclean = nil
		if !rep.Passed() {
			if err := w.Abort(context.WithoutCancel(ctx)); err != nil {
				err = runErr("commit", o.g.cfg.sink.Dataset().String(), fmt.Errorf("abort: %w", err))
				lw.end(err)
				return err
			}
			lw.end(errCleanAborted)
			rep.Gate.Clean = "aborted"
			return nil
		}
		if err := w.Commit(ctx); err != nil {
			_ = w.Abort(context.WithoutCancel(ctx))
			err = runErr("commit", o.g.cfg.sink.Dataset().String(), err)
			lw.end(err)
			return err
		}
		lw.end(nil)
		o.cleanBytes = o.committedSize(o.g.cfg.sink)
		rep.Gate.Clean = "committed"
	}
	return nil
}

// flush waits for the batches sent to both writers; an error is a write
// error of the output it names.
func (o *outputs) flush() error {
	var errc, errq error
	if o.pclean != nil {
		errc = o.pclean.flush()
	}
	if o.pquar != nil {
		errq = o.pquar.flush()
	}
	if !o.writesTimed {
		// The pipes have returned: their busy times are final.
		o.writesTimed = true
		o.st.addWrites(o.pclean, o.pquar)
	}
	switch {
	case errc != nil:
		return runErr("write", o.g.cfg.sink.Dataset().String(), errc)
	case errq != nil:
		return runErr("write", o.g.cfg.quarantine.Dataset().String(), errq)
	}
	return nil
}

// abort aborts the writers still open; errors are dropped in favour of the
// error that caused the abort (cause), which also ends their write spans.
func (o *outputs) abort(ctx context.Context, cause error) {
	ctx = context.WithoutCancel(ctx)
	if o.pclean != nil {
		_ = o.pclean.flush()
	}
	if o.pquar != nil {
		_ = o.pquar.flush()
	}
	o.lclean.end(cause)
	o.lquar.end(cause)
	o.lclean, o.lquar = nil, nil
	if o.clean != nil {
		if err := o.clean.Abort(ctx); err != nil {
			o.g.cfg.logger.WarnContext(ctx, "quality: abort clean sink", "error", err)
		}
		o.clean = nil
	}
	if o.quar != nil {
		if err := o.quar.Abort(ctx); err != nil {
			o.g.cfg.logger.WarnContext(ctx, "quality: abort quarantine sink", "error", err)
		}
		o.quar = nil
	}
}

func quarantineSchema(schema *arrow.Schema) (*arrow.Schema, error) {
	if len(schema.FieldIndices(FailedRulesColumn)) > 0 {
		return nil, fmt.Errorf("input column %q: %w", FailedRulesColumn, ErrReservedColumn)
	}
	fields := append(append([]arrow.Field{}, schema.Fields()...),
		arrow.Field{Name: FailedRulesColumn, Type: arrow.ListOf(arrow.BinaryTypes.String)})
	if at := invalidIndex(schema); at >= 0 {
		// In the quarantine the marks are data: read back, they are not
		// marks of that read.
		fields[at].Metadata = arrow.Metadata{}
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md), nil
}

// errAbandoned is the cause given to a quarantine aborted because a
// filtered reader was released before its end.
var errAbandoned = errors.New("filtered reader released before its end")

// projection returns the columns a measuring run reads: those the rules read
// and those the rule file declares, so a declared type is checked against
// the data even when no rule reads the column. Nil means every column.
func (g *Gate) projection() []string {
	// The evaluated rules' columns, the declared columns the data has and
	// the key: never a column the data lacks (a schema finding says so).
	cols := g.prog.Projection()
	if len(cols) == 0 {
		return nil // no column needed (row_count only): read all rather than none
	}
	return cols
}

func fieldNames(schema *arrow.Schema) []string {
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		names[i] = f.Name
	}
	return names
}
