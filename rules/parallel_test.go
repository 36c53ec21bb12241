package rules_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

const parallelRules = `rules:
  - name: amount_positive
    expr: amount >= 0.0
  - name: qty_small
    expr: qty < 8 || amount > 900.0
    nulls: fail
  - name: ratio
    expr: 100 / qty > 10
  - name: email_domain
    expr: email.endsWith('.io') || email == null
  - name: rows
    check: row_count() > 0
  - name: present
    check: completeness(email) >= 0.5
  - name: dup
    check: duplicate_count(id) == 0
  - name: distinct_qty
    check: distinct_count(qty) <= 10
  - name: median
    check: quantile(amount, 0.5) > 0.0
  - name: ok_rate
    check: count_if(amount >= 0.0) >= 1
`

// randomOrders returns n rows of ordersSchema with nulls, negatives,
// zero divisors and duplicate ids.
func randomOrders(t *testing.T, mem memory.Allocator, n int, seed uint64) arrow.RecordBatch {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	b := array.NewRecordBuilder(mem, ordersSchema)
	defer b.Release()
	for i := range n {
		id := int64(i)
		if rng.IntN(50) == 0 {
			id = int64(rng.IntN(n))
		}
		b.Field(0).(*array.Int64Builder).Append(id)
		if rng.IntN(20) == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.Float64Builder).Append(rng.Float64()*1100 - 100)
		}
		if rng.IntN(15) == 0 {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.Int64Builder).Append(int64(rng.IntN(10)))
		}
		if rng.IntN(4) == 0 {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("u%d@x.%s", rng.IntN(100), []string{"io", "org"}[rng.IntN(2)]))
		}
		b.Field(4).(*array.Int64Builder).Append(int64(i))
		b.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(i) * 1e6))
	}
	return b.NewRecordBatch()
}

// slices cuts rec into batches of size rows (the last may be shorter).
func sliceBatches(rec arrow.RecordBatch, size int) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	for lo := int64(0); lo < rec.NumRows(); lo += int64(size) {
		out = append(out, rec.NewSlice(lo, min(lo+int64(size), rec.NumRows())))
	}
	return out
}

type parallelOutcome struct {
	outcomes [][]rules.Outcome // per row rule, every row in order
	kinds    []map[string]int64
	checks   map[string]rules.CheckResult
	calls    int
}

func evalParallel(t *testing.T, p *rules.Program, batches []arrow.RecordBatch, workers int) parallelOutcome {
	t.Helper()
	clock := func() time.Time { return time.Date(2024, 6, 2, 0, 0, 0, 0, time.UTC) }
	run := p.NewRun(rules.WithClock(clock))
	rdr, err := array.NewRecordReader(batches[0].Schema(), batches)
	require.NoError(t, err)
	defer rdr.Release()
	var got parallelOutcome
	err = run.EvalReader(context.Background(), rdr, workers, func(b arrow.RecordBatch, res *rules.BatchResult) error {
		require.Equal(t, batches[got.calls].NumRows(), b.NumRows(), "batches come back in order")
		got.calls++
		if got.outcomes == nil {
			got.outcomes = make([][]rules.Outcome, len(res.Outcomes))
			got.kinds = make([]map[string]int64, len(res.Outcomes))
		}
		for i, o := range res.Outcomes {
			got.outcomes[i] = append(got.outcomes[i], o...)
			for k, n := range res.ErrorKinds[i] {
				if got.kinds[i] == nil {
					got.kinds[i] = map[string]int64{}
				}
				got.kinds[i][k] += n
			}
		}
		return nil
	})
	require.NoError(t, err)
	checks, err := run.Finish(context.Background())
	require.NoError(t, err)
	got.checks = map[string]rules.CheckResult{}
	for _, c := range checks {
		got.checks[c.Rule.Name] = c
	}
	return got
}

func TestEvalReaderSameResultsForAnyWorkerCount(t *testing.T) {
	mem := arrowtest.Allocator(t)
	p := compile(t, parallelRules, ordersSchema)
	rec := randomOrders(t, mem, 20_000, 1)
	defer rec.Release()

	// The sequential reference: one Run, Eval batch after batch.
	ref := p.NewRun()
	var refOut [][]rules.Outcome
	whole, err := ref.Eval(context.Background(), rec)
	require.NoError(t, err)
	refOut = whole.Outcomes
	var errored int
	for _, o := range refOut[2] {
		if o == rules.Errored {
			errored++
		}
	}
	require.NotZero(t, errored, "the data must divide by zero somewhere")

	for _, size := range []int{997, 4096} {
		batches := sliceBatches(rec, size)
		seq := evalParallel(t, p, batches, 1)
		assert.Equal(t, len(batches), seq.calls)
		assert.Equal(t, refOut, seq.outcomes, "batch size %d: row outcomes as one batch", size)
		assert.Equal(t, whole.ErrorKinds, seq.kinds, "batch size %d", size)
		for _, workers := range []int{2, 3, 8} {
			got := evalParallel(t, p, batches, workers)
			assert.Equal(t, seq.outcomes, got.outcomes, "batch size %d, %d workers", size, workers)
			assert.Equal(t, seq.kinds, got.kinds, "batch size %d, %d workers", size, workers)
			for name, c := range seq.checks {
				assert.Equal(t, c.Outcome, got.checks[name].Outcome, "%s: batch size %d, %d workers", name, size, workers)
				assert.Equal(t, c.Metrics, got.checks[name].Metrics, "%s: batch size %d, %d workers", name, size, workers)
			}
		}
		for _, b := range batches {
			b.Release()
		}
	}
}

// failingReader yields its batches, then fails.
type failingReader struct {
	array.RecordReader
	err error
}

func (f *failingReader) Err() error { return f.err }

func TestEvalReaderErrors(t *testing.T) {
	mem := arrowtest.Allocator(t)
	p := compile(t, parallelRules, ordersSchema)
	rec := randomOrders(t, mem, 5000, 2)
	defer rec.Release()
	batches := sliceBatches(rec, 100)
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	reader := func() array.RecordReader {
		rdr, err := array.NewRecordReader(ordersSchema, batches)
		require.NoError(t, err)
		return rdr
	}

	t.Run("callback error stops the run", func(t *testing.T) {
		rdr := reader()
		defer rdr.Release()
		stop := errors.New("sink full")
		calls := 0
		err := p.NewRun().EvalReader(context.Background(), rdr, 2, func(arrow.RecordBatch, *rules.BatchResult) error {
			calls++
			if calls == 3 {
				return stop
			}
			return nil
		})
		require.ErrorIs(t, err, stop)
		assert.Equal(t, 3, calls, "no batch is handed over after the error")
	})
	t.Run("reader error names the batch", func(t *testing.T) {
		rdr := reader()
		defer rdr.Release()
		boom := errors.New("truncated file")
		calls := 0
		err := p.NewRun().EvalReader(context.Background(), &failingReader{RecordReader: rdr, err: boom}, 2,
			func(arrow.RecordBatch, *rules.BatchResult) error { calls++; return nil })
		require.ErrorIs(t, err, boom)
		assert.Contains(t, err.Error(), "read batch 50")
		assert.Equal(t, 50, calls, "every batch before the failure is handed over")
	})
	t.Run("cancelled context", func(t *testing.T) {
		rdr := reader()
		defer rdr.Release()
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		err := p.NewRun().EvalReader(ctx, rdr, 2, func(arrow.RecordBatch, *rules.BatchResult) error {
			calls++
			if calls == 2 {
				cancel()
			}
			return nil
		})
		require.ErrorIs(t, err, context.Canceled)
		assert.Less(t, calls, len(batches))
	})
}
