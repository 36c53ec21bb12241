package quality

import (
	"context"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/lineage"
)

// Filter returns a reader of the clean rows of reader and a function that
// returns the report.
//
// Ownership: Filter retains reader and releases it when the returned reader
// is released; the caller still releases its own reference. The returned
// reader is the caller's to Release. Its current batch belongs to the
// reader and is valid until the next call to Next or Release: Retain it to
// keep it. In ModeFilter it holds the rows passing every error-severity row
// rule (batches with no clean row are skipped); in ModeCheck every row. A
// WithQuarantine sink receives the failing rows; WithSink is not used
// (the caller writes the stream where it wants).
//
// When Next returns false at the end of the input, the dataset checks are
// evaluated, the quarantine is committed and the report is ready: the
// report function returns it, or the *RunError that stopped the stream
// (also given by the reader's Err). Called before the end, it returns
// ErrIncomplete. Releasing the reader before its end aborts the
// quarantine. The report function may be called from any goroutine once
// Next has returned false.
func (g *Gate) Filter(ctx context.Context, reader array.RecordReader) (array.RecordReader, func() (*Report, error)) {
	reader.Retain()
	rep := g.newReport(lineage.Dataset{})
	lin := g.startLineage(g.cfg.dataset, rep)
	lin.startCheck(ctx, rep)
	f := &filterReader{
		ctx:    ctx,
		g:      g,
		src:    reader,
		rep:    rep,
		s:      g.newSession(datasetLabel(rep)),
		st:     g.newStageClock(),
		schema: schemaWithoutInvalid(reader.Schema()),
		lin:    lin,
	}
	f.out = g.newOutputs(lin, f.st)
	f.refs.Store(1)
	f.s.noteSchema(reader.Schema())
	if err := g.priv.checkMasks(g.cfg.mem, f.schema); err != nil {
		f.err = runErr("create", datasetLabel(rep), err)
	} else if err := f.out.createQuarantine(ctx, reader.Schema()); err != nil {
		f.err = err
	}
	return f, f.report
}

type filterReader struct {
	refs   atomic.Int64
	ctx    context.Context
	g      *Gate
	src    array.RecordReader
	schema *arrow.Schema
	s      *session
	out    *outputs
	cur    arrow.RecordBatch
	lin    *lineageCall
	st     *stageClock // nil with metrics off

	rep   *Report
	err   error
	ended atomic.Bool // Next returned false: rep or err is final
}

func (f *filterReader) Retain() { f.refs.Add(1) }

func (f *filterReader) Release() {
	if f.refs.Add(-1) != 0 {
		return
	}
	if f.cur != nil {
		f.cur.Release()
		f.cur = nil
	}
	if !f.ended.Load() {
		f.err = runErr("read", f.s.dataset, errAbandoned)
		f.out.abort(f.ctx, f.err)
		f.lin.fail(f.err)
		f.ended.Store(true)
	}
	if f.src != nil {
		f.src.Release()
		f.src = nil
	}
}

func (f *filterReader) Schema() *arrow.Schema { return f.schema }

func (f *filterReader) RecordBatch() arrow.RecordBatch { return f.cur }

// Record returns the current batch.
//
// Deprecated: use RecordBatch.
func (f *filterReader) Record() arrow.RecordBatch { return f.cur }

func (f *filterReader) Err() error {
	if !f.ended.Load() {
		return nil
	}
	return f.err
}

func (f *filterReader) Next() bool {
	if f.cur != nil {
		f.cur.Release()
		f.cur = nil
	}
	if f.ended.Load() || f.src == nil {
		return false
	}
	if f.err != nil {
		f.fail(f.err)
		return false
	}
	// The scan counts the time inside Next, not the caller's between calls.
	scan0 := f.st.start()
	for f.nextSource() {
		batch := f.src.RecordBatch()
		sp, err := f.s.eval(f.ctx, batch, f.out.quar != nil)
		if err != nil {
			f.fail(err)
			return false
		}
		if err := f.out.write(f.ctx, f.s, batch, sp); err != nil {
			f.fail(err)
			return false
		}
		switch {
		case f.g.cfg.mode == ModeCheck || sp.nFailed == 0:
			f.cur = withoutInvalid(batch)
		case sp.nFailed == len(sp.failed):
			continue
		default:
			data := withoutInvalid(batch)
			clean, err := selectRows(f.ctx, f.g.cfg.mem, data, sp.failed, false)
			data.Release()
			if err != nil {
				f.fail(runErr("filter", f.s.dataset, err))
				return false
			}
			f.cur = clean
		}
		// The stream leaves the gate like any output: masked.
		masked, err := f.g.priv.maskBatch(f.g.cfg.mem, f.cur)
		f.cur.Release()
		f.cur = masked
		if err != nil {
			f.fail(runErr("mask", f.s.dataset, err))
			return false
		}
		f.st.add(stScan, scan0)
		return true
	}
	f.st.add(stScan, scan0)
	if err := f.src.Err(); err != nil {
		f.fail(runErr("read", f.s.dataset, err))
		return false
	}
	if err := f.ctx.Err(); err != nil {
		f.fail(runErr("read", f.s.dataset, err))
		return false
	}
	if err := f.out.flush(); err != nil {
		f.fail(err)
		return false
	}
	t0 := f.st.start()
	if err := f.s.finish(f.ctx, f.rep); err != nil {
		f.fail(err)
		return false
	}
	f.st.add(stFinish, t0)
	f.lin.endCheck(f.rep, nil)
	if err := f.out.commit(f.ctx, f.rep); err != nil {
		f.fail(err)
		return false
	}
	f.g.stop(f.rep)
	f.g.log(f.ctx, f.rep, f.st, f.g.sizes(f.g.cfg.dataset, f.out))
	f.ended.Store(true)
	return false
}

// nextSource advances the source, timed as the read stage.
func (f *filterReader) nextSource() bool {
	t0 := f.st.start()
	ok := f.src.Next()
	f.st.add(stRead, t0)
	return ok
}

func (f *filterReader) fail(err error) {
	f.out.abort(f.ctx, err)
	f.lin.fail(err)
	f.err = err
	f.rep = nil
	f.ended.Store(true)
}

func (f *filterReader) report() (*Report, error) {
	if !f.ended.Load() {
		return nil, runErr("read", f.s.dataset, ErrIncomplete)
	}
	if f.err != nil {
		return nil, f.err
	}
	return f.rep, nil
}
