package quality

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/rules"
)

func TestNewGateConfig(t *testing.T) {
	prog := compile(t, ordersRules, ordersSchema)
	tests := []struct {
		name string
		prog *rules.Program
		opts []Option
	}{
		{name: "nil program", prog: nil},
		{name: "negative sample limit", prog: prog, opts: []Option{WithSampleLimit(-1)}},
		{name: "unknown mode", prog: prog, opts: []Option{WithMode(Mode(7))}},
		{name: "negative batch size", prog: prog, opts: []Option{WithBatchSize(-1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewGate(tt.prog, tt.opts...)
			require.ErrorIs(t, err, ErrConfig)
		})
	}
}

func TestCheckSeveritiesAndCounts(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, ordersRules, ordersSchema)
	var progress []int64
	gate, err := NewGate(prog, WithClock(fixedClock()), WithProgress(func(n int64) { progress = append(progress, n) }))
	require.NoError(t, err)

	rep, err := gate.Check(context.Background(), readerOf(t, mem, sixOrders, 4))
	require.NoError(t, err)

	assert.Equal(t, []int64{4, 6}, progress)
	assert.Equal(t, StatusFail, rep.Status)
	assert.Equal(t, "orders", rep.Dataset)
	assert.Equal(t, "payments@example.com", rep.Owner)
	assert.Equal(t, []string{"amount_non_negative", "id_small", "qty_positive", "email_has_at"}, names(rep))

	tests := []struct {
		rule                               string
		status                             Status
		evaluated, passed, failed, skipped int64
		sampleRows                         []int64
	}{
		{"amount_non_negative", StatusFail, 5, 3, 2, 1, []int64{1, 4}},
		{"id_small", StatusFail, 6, 4, 2, 0, []int64{4, 5}},
		{"qty_positive", StatusWarn, 6, 4, 2, 0, []int64{2, 4}},
		{"email_has_at", StatusFail, 5, 4, 1, 1, []int64{3}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			rr := rep.Rule(tt.rule)
			require.NotNil(t, rr)
			assert.Equal(t, tt.status, rr.Status)
			assert.Equal(t, rules.KindRow, rr.Kind)
			assert.Equal(t, tt.evaluated, rr.Evaluated, "evaluated")
			assert.Equal(t, tt.passed, rr.Passed, "passed")
			assert.Equal(t, tt.failed, rr.Failed, "failed")
			assert.Equal(t, tt.skipped, rr.Skipped, "skipped")
			require.NotNil(t, rr.PassFraction)
			assert.InDelta(t, float64(tt.passed)/float64(tt.evaluated), *rr.PassFraction, 1e-12)
			var rows []int64
			for _, s := range rr.Samples {
				rows = append(rows, s.Row)
			}
			assert.Equal(t, tt.sampleRows, rows, "sample rows are global across batches")
		})
	}
	// The gate fails because of the error rules only; info is reported only.
	assert.Equal(t, []string{
		"error rule amount_non_negative: fail",
		"error rule id_small: fail",
		"warn rule qty_positive: warn",
	}, rep.Gate.Reasons)
	// Rows 1, 4, 5 fail an error rule.
	assert.Equal(t, int64(6), rep.RowsIn)
	assert.Equal(t, int64(3), rep.RowsClean)
	assert.Equal(t, int64(3), rep.RowsQuarantined)
	assert.Empty(t, rep.Gate.Clean, "Check writes nothing")
}

func TestCheckSamplesRedactPII(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, ordersRules, ordersSchema)
	gate, err := NewGate(prog)
	require.NoError(t, err)
	rep, err := gate.Check(context.Background(), readerOf(t, mem, sixOrders, 2))
	require.NoError(t, err)

	email := rep.Rule("email_has_at")
	require.Len(t, email.Samples, 1)
	assert.Equal(t, Sample{Row: 3, Values: map[string]any{"email": Redacted}}, email.Samples[0])

	amount := rep.Rule("amount_non_negative")
	require.Len(t, amount.Samples, 2)
	assert.Equal(t, Sample{Row: 1, Values: map[string]any{"amount": -5.0}}, amount.Samples[0])
	assert.Equal(t, Sample{Row: 4, Values: map[string]any{"amount": -1.0}}, amount.Samples[1])
}

func TestCheckSampleLimit(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, `version: 1
dataset: orders
owner: o@example.com
rules:
  - name: never
    expr: order_id < 0
`, ordersSchema)
	tests := []struct {
		name  string
		opts  []Option
		count int
	}{
		{name: "default", count: DefaultSampleLimit},
		{name: "two", opts: []Option{WithSampleLimit(2)}, count: 2},
		{name: "none", opts: []Option{WithSampleLimit(0)}, count: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gate, err := NewGate(prog, tt.opts...)
			require.NoError(t, err)
			rep, err := gate.Check(context.Background(), readerOf(t, mem, sixOrders, 4))
			require.NoError(t, err)
			rr := rep.Rule("never")
			assert.Equal(t, int64(6), rr.Failed)
			assert.Len(t, rr.Samples, tt.count)
			assert.NotNil(t, rr.Samples, "samples is [] in JSON, never null")
		})
	}
}

func TestCheckMostly(t *testing.T) {
	mem := arrowtest.Allocator(t)
	// amount_non_negative: 3 of 5 evaluated rows pass (0.6).
	tests := []struct {
		name   string
		mostly string
		want   Status
	}{
		{name: "met", mostly: "0.6", want: StatusPass},
		{name: "below", mostly: "0.61", want: StatusFail},
		{name: "default is 1", mostly: "1", want: StatusFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prog := compile(t, `version: 1
dataset: orders
owner: o@example.com
rules:
  - name: amount_non_negative
    expr: amount >= 0.0
    mostly: `+tt.mostly+"\n", ordersSchema)
			gate, err := NewGate(prog)
			require.NoError(t, err)
			rep, err := gate.Check(context.Background(), readerOf(t, mem, sixOrders, 6))
			require.NoError(t, err)
			rr := rep.Rule("amount_non_negative")
			assert.Equal(t, tt.want, rr.Status)
			assert.Equal(t, tt.want, rep.Status)
			// mostly decides the rule, not the rows: failing rows are
			// still held back.
			assert.Equal(t, int64(2), rep.RowsQuarantined)
			assert.Equal(t, int64(4), rep.RowsClean)
		})
	}
}

func TestCheckNotEvaluated(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, ordersRules, ordersSchema)
	gate, err := NewGate(prog)
	require.NoError(t, err)
	tests := []struct {
		name string
		rows []order
	}{
		{name: "no batches", rows: nil},
		{name: "all inputs null", rows: []order{{id: 1}, {id: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := gate.Check(context.Background(), readerOf(t, mem, tt.rows, 4))
			require.NoError(t, err)
			rr := rep.Rule("amount_non_negative")
			assert.Equal(t, StatusNotEvaluated, rr.Status, "never a silent pass")
			assert.Zero(t, rr.Evaluated)
			assert.Equal(t, int64(len(tt.rows)), rr.Skipped)
			assert.Nil(t, rr.PassFraction)
			assert.NotEmpty(t, rr.Message)
			assert.Equal(t, rep.RowsIn, rep.RowsClean+rep.RowsQuarantined)
		})
	}
}

func TestCheckStrict(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, `version: 1
dataset: orders
owner: o@example.com
rules:
  - name: qty_positive
    expr: qty > 0
    severity: warn
  - name: email_has_at
    expr: email.contains('@')
    severity: info
`, ordersSchema)
	tests := []struct {
		name   string
		strict bool
		want   Status
	}{
		{name: "warn passes", want: StatusWarn},
		{name: "strict fails", strict: true, want: StatusFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gate, err := NewGate(prog, WithStrict(tt.strict))
			require.NoError(t, err)
			rep, err := gate.Check(context.Background(), readerOf(t, mem, sixOrders, 6))
			require.NoError(t, err)
			assert.Equal(t, tt.want, rep.Status)
			assert.Equal(t, StatusWarn, rep.Rule("qty_positive").Status)
			assert.Equal(t, StatusFail, rep.Rule("email_has_at").Status)
			assert.Equal(t, tt.strict, rep.Gate.Strict)
			// Warn and info rules never hold rows back.
			assert.Equal(t, int64(6), rep.RowsClean)
			assert.Zero(t, rep.RowsQuarantined)
		})
	}
}

func TestCheckEvaluationErrors(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, `version: 1
dataset: orders
owner: o@example.com
rules:
  - name: ratio
    expr: 10 / qty >= 1
`, ordersSchema)
	gate, err := NewGate(prog)
	require.NoError(t, err)
	rep, err := gate.Check(context.Background(), readerOf(t, mem, sixOrders, 6))
	require.NoError(t, err, "evaluation errors never abort the run")
	rr := rep.Rule("ratio")
	assert.Equal(t, int64(2), rr.Failed, "rows 2 and 4 divide by zero")
	assert.Equal(t, int64(4), rr.Passed)
	var total int64
	for kind, n := range rr.Errors {
		assert.Contains(t, kind, "division by zero")
		total += n
	}
	assert.Equal(t, int64(2), total)
	assert.Equal(t, StatusFail, rr.Status)
	assert.Equal(t, int64(2), rep.RowsQuarantined)
}

func TestCheckDatasetChecks(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, `version: 1
dataset: orders
owner: o@example.com
rules:
  - name: email_present
    check: completeness(email) >= 0.9
    severity: warn
  - name: qty_max
    check: max(qty) <= 3
  - name: mean_amount
    check: mean(amount) > 0.0
`, ordersSchema)
	gate, err := NewGate(prog)
	require.NoError(t, err)

	t.Run("data", func(t *testing.T) {
		rep, err := gate.Check(context.Background(), readerOf(t, mem, sixOrders, 4))
		require.NoError(t, err)
		email := rep.Rule("email_present")
		assert.Equal(t, rules.KindDataset, email.Kind)
		assert.Equal(t, StatusWarn, email.Status)
		assert.InDelta(t, 5.0/6, email.Metrics["completeness(email)"], 1e-9)
		assert.Equal(t, int64(1), email.Evaluated)
		assert.Equal(t, int64(1), email.Failed)
		assert.Equal(t, StatusPass, rep.Rule("qty_max").Status)
		assert.Equal(t, int64(3), rep.Rule("qty_max").Metrics["max(qty)"])
		assert.Equal(t, StatusWarn, rep.Status)
	})
	t.Run("empty", func(t *testing.T) {
		rep, err := gate.Check(context.Background(), readerOf(t, mem, nil, 4))
		require.NoError(t, err)
		assert.Equal(t, StatusNotEvaluated, rep.Rule("mean_amount").Status, "the mean of no values is undefined")
		assert.Zero(t, rep.Rule("mean_amount").Evaluated)
	})
}

func TestCheckReaderError(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, ordersRules, ordersSchema)
	gate, err := NewGate(prog)
	require.NoError(t, err)
	src := newSliceSource(t, mem, sixOrders, 2)
	src.err, src.failAfter = connectors.ErrCorrupt, 1
	rdr, err := src.Open(context.Background(), connectors.ReadOptions{})
	require.NoError(t, err)
	rep, err := gate.Check(context.Background(), rdr)
	assert.Nil(t, rep)
	require.ErrorIs(t, err, connectors.ErrCorrupt)
	var re *RunError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "read", re.Stage)
}

func TestRunQuarantineOnFail(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, ordersRules, ordersSchema)
	clean, quar := newRecSink(t, "clean"), newRecSink(t, "quarantine")
	src := newSliceSource(t, mem, sixOrders, 4)
	gate, err := NewGate(prog, WithSink(clean), WithQuarantine(quar), WithAllocator(mem))
	require.NoError(t, err)

	rep, err := gate.Run(context.Background(), src)
	require.NoError(t, err, "a failed gate is a result")
	require.ErrorIs(t, rep.Err(), ErrGateFailed)

	assert.Equal(t, StatusFail, rep.Status)
	assert.Equal(t, "aborted", clean.State(), "the clean sink commits only when the gate passes")
	assert.Equal(t, "aborted", rep.Gate.Clean)
	assert.Equal(t, "committed", quar.State(), "the quarantine commits whenever the run completes")
	assert.Equal(t, "committed", rep.Gate.Quarantine)

	assert.Equal(t, []int64{2, 5, 6}, quar.ids())
	assert.Equal(t, [][]string{
		{"amount_non_negative"},
		{"amount_non_negative", "id_small"},
		{"id_small"},
	}, quar.failedRules())
	assert.Equal(t, int64(6), rep.RowsIn)
	assert.Equal(t, int64(3), rep.RowsQuarantined)
	assert.Equal(t, rep.RowsIn, rep.RowsClean+rep.RowsQuarantined)
	assert.Equal(t, &lineage.Dataset{Namespace: "test", Name: "orders"}, rep.DatasetID)

	// The quarantine schema is the input's plus the list column.
	f := quar.schema.Field(quar.schema.NumFields() - 1)
	assert.Equal(t, FailedRulesColumn, f.Name)
	assert.Equal(t, "list<item: utf8, nullable>", f.Type.String())
	require.Len(t, src.opts, 1)
	assert.Nil(t, src.opts[0].Columns, "with sinks every column is read")
}

func TestRunCommitsCleanOnPass(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, `version: 1
dataset: orders
owner: o@example.com
rules:
  - name: amount_non_negative
    expr: amount >= 0.0
  - name: qty_positive
    expr: qty > 0
    severity: warn
`, ordersSchema)
	good := []order{sixOrders[0], sixOrders[2], sixOrders[3], sixOrders[5]} // row 2 has qty 0: a warning

	tests := []struct {
		name      string
		opts      []Option
		status    Status
		cleanEnd  string
		cleanRows []int64
	}{
		{name: "warn commits", status: StatusWarn, cleanEnd: "committed", cleanRows: []int64{1, 3, 4, 6}},
		{name: "strict aborts", opts: []Option{WithStrict(true)}, status: StatusFail, cleanEnd: "aborted", cleanRows: []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clean, quar := newRecSink(t, "clean"), newRecSink(t, "quarantine")
			src := newSliceSource(t, mem, good, 3)
			gate, err := NewGate(prog, append(tt.opts, WithSink(clean), WithQuarantine(quar), WithAllocator(mem))...)
			require.NoError(t, err)
			rep, err := gate.Run(context.Background(), src)
			require.NoError(t, err)
			assert.Equal(t, tt.status, rep.Status)
			assert.Equal(t, tt.cleanEnd, clean.State())
			assert.Equal(t, tt.cleanRows, clean.ids())
			assert.Equal(t, "committed", quar.State())
			assert.Empty(t, quar.ids())
			assert.Equal(t, int64(4), rep.RowsClean)
			assert.Zero(t, rep.RowsQuarantined)
		})
	}
}

func TestRunFilterModes(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, `version: 1
dataset: orders
owner: o@example.com
rules:
  - name: amount_non_negative
    expr: amount >= 0.0
    mostly: 0.5
`, ordersSchema)
	tests := []struct {
		name      string
		mode      Mode
		cleanRows []int64
	}{
		{name: "filter", mode: ModeFilter, cleanRows: []int64{1, 3, 4, 6}},
		{name: "check", mode: ModeCheck, cleanRows: []int64{1, 2, 3, 4, 5, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clean, quar := newRecSink(t, "clean"), newRecSink(t, "quarantine")
			src := newSliceSource(t, mem, sixOrders, 4)
			gate, err := NewGate(prog, WithMode(tt.mode), WithSink(clean), WithQuarantine(quar), WithAllocator(mem))
			require.NoError(t, err)
			rep, err := gate.Run(context.Background(), src)
			require.NoError(t, err)
			assert.Equal(t, StatusPass, rep.Status, "3 of 5 pass, mostly 0.5")
			assert.Equal(t, tt.mode.String(), rep.Mode)
			assert.Equal(t, "committed", clean.State())
			assert.Equal(t, tt.cleanRows, clean.ids())
			assert.Equal(t, []int64{2, 5}, quar.ids())
			assert.Equal(t, int64(4), rep.RowsClean)
			assert.Equal(t, int64(2), rep.RowsQuarantined)
		})
	}
}

func TestRunProjection(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, ordersRules, ordersSchema)
	src := newSliceSource(t, mem, sixOrders, 6)
	gate, err := NewGate(prog)
	require.NoError(t, err)
	_, err = gate.Run(context.Background(), src)
	require.NoError(t, err)
	require.Len(t, src.opts, 1)
	assert.Equal(t, prog.Columns(), src.opts[0].Columns, "without sinks only the rule columns are read")
}

func TestRunRuntimeErrorsAbortBoth(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, ordersRules, ordersSchema)
	errDisk := errors.New("disk full")
	tests := []struct {
		name   string
		setup  func(src *sliceSource, clean, quar *recSink)
		ctx    func() context.Context
		stage  string
		target error
	}{
		{
			name:   "reader fails mid-way",
			setup:  func(src *sliceSource, _, _ *recSink) { src.err, src.failAfter = connectors.ErrCorrupt, 1 },
			stage:  "read",
			target: connectors.ErrCorrupt,
		},
		{
			name:   "open fails",
			setup:  func(src *sliceSource, _, _ *recSink) { src.openErr = connectors.ErrNoColumn },
			stage:  "open",
			target: connectors.ErrNoColumn,
		},
		{
			name:   "clean write fails",
			setup:  func(_ *sliceSource, clean, _ *recSink) { clean.failWrite = errDisk },
			stage:  "write",
			target: errDisk,
		},
		{
			name:   "quarantine write fails",
			setup:  func(_ *sliceSource, _, quar *recSink) { quar.failWrite = errDisk },
			stage:  "write",
			target: errDisk,
		},
		{
			name: "context cancelled",
			ctx: func() context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx
			},
			stage:  "evaluate",
			target: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clean, quar := newRecSink(t, "clean"), newRecSink(t, "quarantine")
			src := newSliceSource(t, mem, sixOrders, 2)
			if tt.setup != nil {
				tt.setup(src, clean, quar)
			}
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}
			gate, err := NewGate(prog, WithSink(clean), WithQuarantine(quar), WithAllocator(mem))
			require.NoError(t, err)
			rep, err := gate.Run(ctx, src)
			assert.Nil(t, rep)
			require.ErrorIs(t, err, tt.target)
			var re *RunError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.stage, re.Stage)
			if tt.stage == "open" {
				assert.Empty(t, clean.State(), "nothing created")
				assert.Empty(t, quar.State(), "nothing created")
				return
			}
			assert.Equal(t, "aborted", clean.State())
			assert.Equal(t, "aborted", quar.State())
		})
	}
}

func TestQuarantineSchemaReservedColumn(t *testing.T) {
	qsch, err := quarantineSchema(ordersSchema)
	require.NoError(t, err)
	assert.Equal(t, ordersSchema.NumFields()+1, qsch.NumFields())
	_, err = quarantineSchema(qsch)
	require.ErrorIs(t, err, ErrReservedColumn, "an input that already has the column")
}

func TestCheckWithDataset(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, ordersRules, ordersSchema)
	ds := lineage.Dataset{Namespace: "file", Name: "/data/orders.parquet"}
	gate, err := NewGate(prog, WithDataset(ds), WithMode(ModeCheck))
	require.NoError(t, err)
	rep, err := gate.Check(context.Background(), readerOf(t, mem, sixOrders, 6))
	require.NoError(t, err)
	assert.Equal(t, &ds, rep.DatasetID)
	assert.Equal(t, "check", rep.Mode)
	assert.Equal(t, "orders.yaml", rep.RuleFile)
}

func TestRunSameReportForAnyWorkerCount(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, ordersRules, ordersSchema)
	rng := rand.New(rand.NewPCG(3, 4))
	var rows []order
	for i := range 3000 {
		o := order{id: int64(i % 7)}
		if rng.IntN(10) > 0 {
			o.email = sp(fmt.Sprintf("u%d%s", i, []string{"@x.com", ""}[rng.IntN(2)]))
		}
		if rng.IntN(10) > 0 {
			o.amount = fp(rng.Float64()*100 - 10)
		}
		o.qty = ip(int64(rng.IntN(3)))
		rows = append(rows, o)
	}
	run := func(workers int) (*Report, *recSink) {
		quar := newRecSink(t, "quarantine")
		gate, err := NewGate(prog, WithQuarantine(quar), WithAllocator(mem), WithWorkers(workers),
			WithClock(func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }))
		require.NoError(t, err)
		rep, err := gate.Run(context.Background(), newSliceSource(t, mem, rows, 37))
		require.NoError(t, err)
		return rep, quar
	}
	want, wantQ := run(1)
	require.NotZero(t, want.RowsQuarantined)
	for _, workers := range []int{2, 5} {
		got, gotQ := run(workers)
		assert.Equal(t, want.Rules, got.Rules, "%d workers", workers)
		assert.Equal(t, want.RowsQuarantined, got.RowsQuarantined, "%d workers", workers)
		assert.Equal(t, wantQ.ids(), gotQ.ids(), "%d workers: quarantine rows in source order", workers)
		assert.Equal(t, wantQ.failedRules(), gotQ.failedRules(), "%d workers", workers)
	}
}

func TestNewGateRejectsNegativeWorkers(t *testing.T) {
	_, err := NewGate(compile(t, ordersRules, ordersSchema), WithWorkers(-1))
	require.ErrorIs(t, err, ErrConfig)
}
