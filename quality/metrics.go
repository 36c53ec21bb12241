package quality

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// MeterName is the instrumentation scope of the gate's metrics.
const MeterName = "github.com/sluicedata/sluice/quality"

// WithMeterProvider sets the OpenTelemetry MeterProvider the gate records
// its KPIs with (default: none recorded). Measurements are taken once per
// run, never per row, and carry only bounded attributes: dataset (the rule
// file's logical name), rule, severity, outcome and verdict; never values.
//
// Instruments: sluice.rows.read, sluice.rows.checked, sluice.rows.clean,
// sluice.rows.quarantined ({row}, counters), sluice.rule.outcomes ({row},
// counter by rule, severity, outcome=passed|failed|skipped),
// sluice.gate.decisions ({decision}, counter by dataset, verdict) and
// sluice.gate.duration (s, histogram by dataset, verdict),
// sluice.gate.stage.duration (s, histogram by dataset, stage=open|scan|
// read|write|finish|commit), sluice.io.read.bytes and
// sluice.io.written.bytes (By, counters by dataset; written also by
// output=clean|quarantine; only for inputs and outputs that are local
// files). Lineage emission failures are counted by the lineage package
// (lineage.WithMeterProvider).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) {
		if mp == nil {
			c.kpi = nil
			return
		}
		c.kpi = newKPIs(mp.Meter(MeterName))
	}
}

type kpis struct {
	rowsRead, rowsChecked, rowsClean, rowsQuarantined metric.Int64Counter
	ruleOutcomes, decisions                           metric.Int64Counter
	gateDuration, stageDuration                       metric.Float64Histogram
	bytesRead, bytesWritten                           metric.Int64Counter
}

// newKPIs creates the instruments. The names and units are constants, so
// the API cannot reject them; on a provider error the API still returns a
// usable no-op instrument, which is what is kept.
func newKPIs(m metric.Meter) *kpis {
	k := &kpis{}
	k.rowsRead, _ = m.Int64Counter("sluice.rows.read", metric.WithUnit("{row}"),
		metric.WithDescription("Rows read by the quality gate."))
	k.rowsChecked, _ = m.Int64Counter("sluice.rows.checked", metric.WithUnit("{row}"),
		metric.WithDescription("Rows evaluated against the row rules."))
	k.rowsClean, _ = m.Int64Counter("sluice.rows.clean", metric.WithUnit("{row}"),
		metric.WithDescription("Rows passing every error-severity row rule."))
	k.rowsQuarantined, _ = m.Int64Counter("sluice.rows.quarantined", metric.WithUnit("{row}"),
		metric.WithDescription("Rows failing at least one error-severity row rule."))
	k.ruleOutcomes, _ = m.Int64Counter("sluice.rule.outcomes", metric.WithUnit("{row}"),
		metric.WithDescription("Rule evaluations by rule, severity and outcome."))
	k.decisions, _ = m.Int64Counter("sluice.gate.decisions", metric.WithUnit("{decision}"),
		metric.WithDescription("Gate decisions by dataset and verdict."))
	k.gateDuration, _ = m.Float64Histogram("sluice.gate.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of a gate run, from start to decision."))
	k.stageDuration, _ = m.Float64Histogram("sluice.gate.stage.duration", metric.WithUnit("s"),
		metric.WithDescription("Time of a gate run spent in one stage: open, scan, finish and commit follow one another; read and write are the time in the source and the sinks, summed over batches."))
	k.bytesRead, _ = m.Int64Counter("sluice.io.read.bytes", metric.WithUnit("By"),
		metric.WithDescription("Bytes of the input files read by the gate."))
	k.bytesWritten, _ = m.Int64Counter("sluice.io.written.bytes", metric.WithUnit("By"),
		metric.WithDescription("Bytes of the output files committed by the gate, by output."))
	return k
}

// record adds the run's totals, its stage times (st, nil when not timed)
// and sizes; called once per decided run.
func (k *kpis) record(ctx context.Context, rep *Report, st *stageClock, io ioSizes) {
	if k == nil || rep == nil {
		return
	}
	ds := attribute.String("dataset", rep.Dataset)
	set := metric.WithAttributeSet(attribute.NewSet(ds))
	k.rowsRead.Add(ctx, rep.RowsIn, set)
	k.rowsChecked.Add(ctx, rep.RowsClean+rep.RowsQuarantined, set)
	k.rowsClean.Add(ctx, rep.RowsClean, set)
	k.rowsQuarantined.Add(ctx, rep.RowsQuarantined, set)
	for _, r := range rep.Rules {
		for _, o := range []struct {
			outcome string
			n       int64
		}{{"passed", r.Passed}, {"failed", r.Failed}, {"skipped", r.Skipped}} {
			if o.n == 0 {
				continue
			}
			k.ruleOutcomes.Add(ctx, o.n, metric.WithAttributeSet(attribute.NewSet(ds,
				attribute.String("rule", r.Name),
				attribute.String("severity", string(r.Severity)),
				attribute.String("outcome", o.outcome))))
		}
	}
	verdict := metric.WithAttributeSet(attribute.NewSet(ds, attribute.String("verdict", string(rep.Status))))
	k.decisions.Add(ctx, 1, verdict)
	k.gateDuration.Record(ctx, float64(rep.DurationMS)/1000, verdict)
	if st != nil {
		for i, name := range stageNames {
			if st.seen[i] {
				k.stageDuration.Record(ctx, st.d[i].Seconds(),
					metric.WithAttributeSet(attribute.NewSet(ds, attribute.String("stage", name))))
			}
		}
	}
	if io.read >= 0 {
		k.bytesRead.Add(ctx, io.read, set)
	}
	for _, o := range []struct {
		name string
		n    int64
	}{{"clean", io.clean}, {"quarantine", io.quarantine}} {
		if o.n >= 0 {
			k.bytesWritten.Add(ctx, o.n, metric.WithAttributeSet(attribute.NewSet(ds, attribute.String("output", o.name))))
		}
	}
}

// Stages of a gate run timed by sluice.gate.stage.duration. open, scan,
// finish and commit follow one another; read and write are the time spent
// in the source and in the sinks, summed over the batches and the outputs,
// and overlap scan (batches are read ahead, evaluated on several workers
// and written on goroutines of their own).
const (
	stageOpen   = "open"
	stageScan   = "scan"
	stageRead   = "read"
	stageWrite  = "write"
	stageFinish = "finish"
	stageCommit = "commit"
)

var stageNames = [...]string{stageOpen, stageScan, stageRead, stageWrite, stageFinish, stageCommit}

type stage int

const (
	stOpen stage = iota
	stScan
	stRead
	stWrite
	stFinish
	stCommit
	nStages
)

// stageClock sums the time of one call's stages. A nil clock (metrics off)
// reads no time at all: every method is a no-op.
type stageClock struct {
	d    [nStages]time.Duration
	seen [nStages]bool
}

func (g *Gate) newStageClock() *stageClock {
	if g.cfg.kpi == nil {
		return nil
	}
	return &stageClock{}
}

// start returns the time a stage starts; the zero time without a clock.
func (c *stageClock) start() time.Time {
	if c == nil {
		return time.Time{}
	}
	return time.Now()
}

// add counts the time since t0 to st.
func (c *stageClock) add(st stage, t0 time.Time) {
	if c == nil {
		return
	}
	c.d[st] += time.Since(t0)
	c.seen[st] = true
}

// addWrites counts the write time of the pipes (nil: no such output) once
// they have returned.
func (c *stageClock) addWrites(pipes ...*pipe) {
	if c == nil {
		return
	}
	for _, p := range pipes {
		if p != nil {
			c.d[stWrite] += p.busy
			c.seen[stWrite] = true
		}
	}
}

// timed wraps reader so that the time spent in its Next counts to the read
// stage; without a clock it is reader itself. The wrapper is used by one
// goroutine at a time, as a RecordReader is.
func (c *stageClock) timed(reader array.RecordReader) array.RecordReader {
	if c == nil {
		return reader
	}
	return &timedReader{RecordReader: reader, c: c}
}

type timedReader struct {
	array.RecordReader
	c *stageClock
}

func (r *timedReader) Next() bool {
	t0 := time.Now()
	ok := r.RecordReader.Next()
	r.c.add(stRead, t0)
	return ok
}

// ioSizes are the bytes of a call's input and outputs, -1 when unknown (a
// source or sink that is not a local file).
type ioSizes struct {
	read              int64
	clean, quarantine int64
}

func unknownSizes() ioSizes { return ioSizes{read: -1, clean: -1, quarantine: -1} }
