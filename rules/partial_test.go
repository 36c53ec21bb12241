package rules_test

import (
	"context"
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

const partialRules = parallelRules + `  - name: ok_share
    check: fraction_if(qty < 5) > 0.1
  - name: known_qty
    check: missing_references(qty, 'known.parquet', 'id') < 100
  - name: spread
    check: stddev(amount) > 0.0
  - name: range
    check: min(qty) >= 0 && max(amount) < 1000.0
`

// knownRefs is a reference of the qty values 0 to 5.
func knownRefs(mem memory.Allocator) rules.ReferenceOpener {
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	return func(context.Context, rules.Reference) (array.RecordReader, error) {
		b := array.NewRecordBuilder(mem, schema)
		defer b.Release()
		b.Field(0).(*array.Int64Builder).AppendValues([]int64{0, 1, 2, 3, 4, 5}, nil)
		rec := b.NewRecordBatch()
		defer rec.Release()
		return array.NewRecordReader(schema, []arrow.RecordBatch{rec})
	}
}

// sampleID records the id of a failing row.
func sampleID(batch arrow.RecordBatch, _, row int) (map[string]any, map[string]any) {
	return map[string]any{"id": batch.Column(0).(*array.Int64).Value(row)}, nil
}

var partialClock = rules.WithClock(func() time.Time { return time.Date(2024, 6, 2, 0, 0, 0, 0, time.UTC) })

// roundTrip encodes and decodes part.
func roundTrip(t *testing.T, part *rules.Partial) *rules.Partial {
	t.Helper()
	b, err := part.MarshalBinary()
	require.NoError(t, err)
	var out rules.Partial
	require.NoError(t, out.UnmarshalBinary(b))
	again, err := out.MarshalBinary()
	require.NoError(t, err)
	require.Equal(t, b, again, "equal Partials encode to equal bytes")
	return &out
}

// evalPart evaluates batches as one run whose first row is offset.
func evalPart(t *testing.T, p *rules.Program, batches []arrow.RecordBatch, offset int64) *rules.Partial {
	t.Helper()
	run := p.NewRun(rules.WithoutOutcomes(), rules.WithRowOffset(offset), rules.WithSamples(5, sampleID))
	for _, b := range batches {
		_, err := run.Eval(context.Background(), b)
		require.NoError(t, err)
	}
	part, err := run.Partial()
	require.NoError(t, err)
	return part
}

// TestPartialMergeEqualsWhole: random batches cut into random parts,
// each evaluated on its own, encoded, decoded and merged in a random order,
// give the state and the check results of one run over all of them —
// exactly, but for the quantile sketch, within its bound.
func TestPartialMergeEqualsWhole(t *testing.T) {
	mem := arrowtest.Allocator(t)
	p := compile(t, partialRules, ordersSchema)
	refs := rules.WithReferences(knownRefs(mem))
	for seed := uint64(1); seed <= 6; seed++ {
		rng := rand.New(rand.NewPCG(seed, 99))
		rec := randomOrders(t, mem, 200+rng.IntN(1500), seed)
		var batches []arrow.RecordBatch
		for off := int64(0); off < rec.NumRows(); {
			n := min(int64(1+rng.IntN(300)), rec.NumRows()-off)
			batches = append(batches, rec.NewSlice(off, off+n))
			off += n
		}
		whole := evalPart(t, p, batches, 0)
		wantChecks, err := p.Finish(context.Background(), whole, partialClock, refs)
		require.NoError(t, err)
		wantRules := roundTrip(t, whole).Rules()

		// Random parts of consecutive batches, merged in a random order.
		var parts []*rules.Partial
		var at int64
		for i := 0; i < len(batches); {
			n := 1 + rng.IntN(len(batches)-i)
			part := evalPart(t, p, batches[i:i+n], at)
			for _, b := range batches[i : i+n] {
				at += b.NumRows()
			}
			parts = append(parts, roundTrip(t, part))
			i += n
		}
		rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		merged, err := p.NewPartial()
		require.NoError(t, err)
		for _, part := range parts {
			require.NoError(t, merged.Merge(part))
		}
		assert.Equal(t, whole.Rows(), merged.Rows(), "seed %d", seed)
		assert.Equal(t, wantRules, roundTrip(t, merged).Rules(), "seed %d: counts, error kinds and samples", seed)
		for i, r := range merged.Rules() {
			if r.Counts[rules.Fail]+r.Counts[rules.Errored] >= 5 {
				assert.Len(t, r.Samples, 5, "seed %d rule %s", seed, r.Name)
			}
			for j := 1; j < len(r.Samples); j++ {
				assert.Less(t, r.Samples[j-1].Row, r.Samples[j].Row, "seed %d rule %d", seed, i)
			}
		}

		gotChecks, err := p.Finish(context.Background(), merged, partialClock, refs)
		require.NoError(t, err)
		require.Len(t, gotChecks, len(wantChecks))
		for i, want := range wantChecks {
			got := gotChecks[i]
			name := want.Rule.Name
			require.Equal(t, want.Err, got.Err, "seed %d %s", seed, name)
			for label, w := range want.Metrics {
				g := got.Metrics[label]
				wf, isFloat := w.(float64)
				switch {
				case label == "quantile(amount, 0.5)":
					// The sketch's rank error, over values spread on 1100.
					assert.InDelta(t, wf, g, 0.03*1100, "seed %d %s", seed, label)
				case isFloat:
					assert.InEpsilon(t, wf, g, 1e-9, "seed %d %s", seed, label)
				default:
					assert.Equal(t, w, g, "seed %d %s", seed, label)
				}
			}
			if name != "median" {
				assert.Equal(t, want.Outcome, got.Outcome, "seed %d %s", seed, name)
			}
		}
		rec.Release()
		for _, b := range batches {
			b.Release()
		}
	}
}

// TestPartialEvalReaderSamples: EvalReader's batch states carry their
// dataset positions, so the samples are those of a sequential run for any
// number of workers.
func TestPartialEvalReaderSamples(t *testing.T) {
	mem := arrowtest.Allocator(t)
	p := compile(t, partialRules, ordersSchema)
	rec := randomOrders(t, mem, 2000, 3)
	defer rec.Release()
	batches := sliceBatches(rec, 97)
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	want := evalPart(t, p, batches, 10).Rules()
	for _, workers := range []int{1, 3} {
		run := p.NewRun(rules.WithoutOutcomes(), rules.WithRowOffset(10), rules.WithSamples(5, sampleID))
		rdr, err := array.NewRecordReader(ordersSchema, batches)
		require.NoError(t, err)
		require.NoError(t, run.EvalReader(context.Background(), rdr, workers, nil))
		rdr.Release()
		part, err := run.Partial()
		require.NoError(t, err)
		assert.Equal(t, want, part.Rules(), "workers %d", workers)
		assert.Equal(t, int64(2000), part.Rows())
	}
	// The samples are at their global positions.
	ids := rec.Column(0).(*array.Int64)
	for _, r := range want {
		for _, smp := range r.Samples {
			assert.Equal(t, ids.Value(int(smp.Row-10)), smp.Values["id"], r.Name)
		}
	}
}

func TestPartialErrors(t *testing.T) {
	mem := arrowtest.Allocator(t)
	p := compile(t, partialRules, ordersSchema)
	rec := randomOrders(t, mem, 300, 1)
	defer rec.Release()
	part := evalPart(t, p, []arrow.RecordBatch{rec}, 0)
	b, err := part.MarshalBinary()
	require.NoError(t, err)

	// Another program's Partial neither merges nor finishes.
	other := compile(t, parallelRules, ordersSchema)
	op, err := other.NewPartial()
	require.NoError(t, err)
	assert.Error(t, op.Merge(part))
	_, err = p.Finish(context.Background(), op)
	assert.Error(t, err)

	// An unknown version, bad magic, every truncation and trailing bytes
	// are errors.
	bad := append([]byte{}, b...)
	bad[4] = 9
	var q rules.Partial
	err = q.UnmarshalBinary(bad)
	require.ErrorIs(t, err, rules.ErrCorruptPartial)
	assert.Contains(t, err.Error(), "unknown version 9")
	assert.ErrorIs(t, q.UnmarshalBinary([]byte("XXXX\x01")), rules.ErrCorruptPartial)
	for n := range len(b) {
		assert.Error(t, q.UnmarshalBinary(b[:n]), "truncated at %d", n)
	}
	assert.ErrorIs(t, q.UnmarshalBinary(append(append([]byte{}, b...), 0)), rules.ErrCorruptPartial)
}

func FuzzPartialUnmarshal(f *testing.F) {
	mem := memory.NewGoAllocator()
	rs, err := rules.Parse("fuzz.yaml", []byte(header+partialRules))
	if err != nil {
		f.Fatal(err)
	}
	p, err := rs.Compile(ordersSchema)
	if err != nil {
		f.Fatal(err)
	}
	t := &testing.T{}
	rec := randomOrders(t, mem, 200, 1)
	run := p.NewRun(rules.WithSamples(3, sampleID))
	if _, err := run.Eval(context.Background(), rec); err != nil {
		f.Fatal(err)
	}
	rec.Release()
	part, err := run.Partial()
	if err != nil {
		f.Fatal(err)
	}
	b, err := part.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("SLRP\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var q rules.Partial
		if q.UnmarshalBinary(data) != nil {
			return
		}
		if _, err := q.MarshalBinary(); err != nil {
			return
		}
		_ = q.Merge(part)
		_, _ = p.Finish(context.Background(), &q)
	})
}
