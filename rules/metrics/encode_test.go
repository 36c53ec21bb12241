package metrics_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules/metrics"
)

// sameResult asserts two results are identical (NaN equal to NaN).
func sameResult(t *testing.T, want, got any, msg string) {
	t.Helper()
	if w, ok := want.(float64); ok && math.IsNaN(w) {
		g, ok := got.(float64)
		assert.True(t, ok && math.IsNaN(g), "%s: got %v, want NaN", msg, got)
		return
	}
	if w, ok := want.([]any); ok { // most_common_all
		g, ok := got.([]any)
		if assert.True(t, ok, "%s: got %T", msg, got) && assert.Len(t, g, len(w), msg) {
			for i := range w {
				sameResult(t, w[i], g[i], msg)
			}
		}
		return
	}
	assert.Equal(t, want, got, msg)
}

func roundTrip(t *testing.T, s metrics.State) metrics.State {
	t.Helper()
	enc, err := metrics.Encode(s)
	require.NoError(t, err)
	dec, err := metrics.Decode(enc)
	require.NoError(t, err)
	again, err := metrics.Encode(dec)
	require.NoError(t, err)
	assert.Equal(t, enc, again, "re-encoding a decoded state gives the same bytes")
	return dec
}

// TestEncodeRoundTrip checks, for every Catalog function on random data,
// that a decoded state has the spec and result of the original, and that
// merging the decoded states of two halves gives the result of the whole:
// exactly for exact metrics, within the documented bounds for sketches.
func TestEncodeRoundTrip(t *testing.T) {
	for _, g := range generators {
		for _, n := range []int{0, 1, 300, 5000, 9000} {
			t.Run(fmt.Sprintf("%s/n=%d", g.name, n), func(t *testing.T) {
				mem := arrowtest.Allocator(t)
				rng := rand.New(rand.NewPCG(uint64(n), 7))
				arr, vals := g.make(rng, mem, n)
				defer arr.Release()
				for _, f := range metrics.Catalog {
					if !applies(f, g) {
						continue
					}
					for _, sp := range specsOf(f) {
						checkRoundTrip(t, rng, sp, arr, vals)
					}
				}
			})
		}
	}
}

func checkRoundTrip(t *testing.T, rng *rand.Rand, sp metrics.Spec, arr arrow.Array, vals []any) {
	t.Helper()
	name := fmt.Sprintf("%s%v", sp.Func, sp.Args)
	types := []arrow.DataType{arr.DataType()}
	if len(sp.Columns) == 0 {
		types = nil
	}
	newState := func() metrics.State {
		s, err := metrics.New(sp, types)
		require.NoError(t, err)
		return s
	}
	whole := newState()
	feed(t, rng, whole, arr)
	dec := roundTrip(t, whole)
	assert.Equal(t, whole.Spec(), dec.Spec(), name)
	want, err := whole.Result()
	require.NoError(t, err)
	got, err := dec.Result()
	require.NoError(t, err)
	sameResult(t, want, got, name+": decode(encode(s))")

	// The decoded states of two halves, merged.
	n := int64(arr.Len())
	cut := rng.Int64N(n + 1)
	halves := make([]metrics.State, 2)
	for i, r := range [][2]int64{{0, cut}, {cut, n}} {
		part := array.NewSlice(arr, r[0], r[1])
		s := newState()
		feed(t, rng, s, part)
		part.Release()
		halves[i] = roundTrip(t, s)
	}
	require.NoError(t, halves[0].Merge(halves[1]), name)
	merged, err := halves[0].Result()
	require.NoError(t, err)
	switch sp.Func {
	case "sum", "mean", "stddev", "zscore_max", "zscore_min":
		if want == nil {
			assert.Nil(t, merged, name)
			return
		}
		w := want.(float64)
		if math.IsNaN(w) {
			sameResult(t, w, merged, name)
			return
		}
		assert.InDelta(t, w, merged.(float64), 1e-9*max(1, math.Abs(w)), name)
	case "median", "quantile":
		q := 0.5
		if sp.Func == "quantile" {
			q = sp.Args[0].(float64)
		}
		sorted := sortedNumbers(vals)
		if len(sorted) <= 4096 || q == 0 || q == 1 {
			sameResult(t, want, merged, name+": merged halves")
			return
		}
		assert.LessOrEqual(t, rankError(sorted, merged.(float64), q), metrics.RankErrorQuantile, "%s: merged halves: %v", name, merged)
	default: // exact metrics, and approx_distinct whose merge is exact
		sameResult(t, want, merged, name+": merged halves")
	}
}

// TestEncodeCanonical checks that states with the same content encode to
// the same bytes whatever the order the values came in.
func TestEncodeCanonical(t *testing.T) {
	for _, fn := range []string{"distinct_count", "most_common", "approx_distinct", "min", "max", "null_count", "duplicate_count"} {
		t.Run(fn, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			b := array.NewStringBuilder(mem)
			defer b.Release()
			b.AppendValues([]string{"b", "a", "c", "a"}, nil)
			fwd := b.NewArray()
			defer fwd.Release()
			b.AppendValues([]string{"a", "c", "a", "b"}, nil)
			rev := b.NewArray()
			defer rev.Release()
			var encs [][]byte
			for _, arr := range []arrow.Array{fwd, rev} {
				s, err := metrics.New(spec(fn), []arrow.DataType{arrow.BinaryTypes.String})
				require.NoError(t, err)
				require.NoError(t, s.Update([]arrow.Array{arr}))
				enc, err := metrics.Encode(s)
				require.NoError(t, err)
				encs = append(encs, enc)
			}
			assert.Equal(t, encs[0], encs[1])
		})
	}
}

// TestEncodeTypes checks that column types survive the encoding: a decoded
// state merges with a fresh state over the same types (Merge compares
// them) and not with one over other types.
func TestEncodeTypes(t *testing.T) {
	tests := []struct {
		name string
		fn   string
		typ  arrow.DataType
	}{
		{"timestamp with zone", "min", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Europe/Paris"}},
		{"timestamp", "max", &arrow.TimestampType{Unit: arrow.Nanosecond}},
		{"date32", "min", arrow.FixedWidthTypes.Date32},
		{"duration", "max", &arrow.DurationType{Unit: arrow.Millisecond}},
		{"decimal128", "mean", &arrow.Decimal128Type{Precision: 12, Scale: 3}},
		{"uint16", "most_common", arrow.PrimitiveTypes.Uint16},
		{"bool", "distinct_count", arrow.FixedWidthTypes.Boolean},
		{"binary", "max", arrow.BinaryTypes.Binary},
		{"large_string", "max_length", arrow.BinaryTypes.LargeString},
		{"dictionary", "approx_distinct", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String, Ordered: true}},
		{"list", "null_count", arrow.ListOfField(arrow.Field{Name: "item", Type: arrow.PrimitiveTypes.Int32, Nullable: true})},
		{"struct", "completeness", arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int8}, arrow.Field{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true})},
		{"map", "null_count", arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64)},
		{"fixed_size_list", "null_count", arrow.FixedSizeListOf(3, arrow.PrimitiveTypes.Float32)},
		{"fixed_size_binary", "null_count", &arrow.FixedSizeBinaryType{ByteWidth: 16}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := spec(tt.fn)
			s, err := metrics.New(sp, []arrow.DataType{tt.typ})
			require.NoError(t, err)
			dec := roundTrip(t, s)
			fresh, err := metrics.New(sp, []arrow.DataType{tt.typ})
			require.NoError(t, err)
			assert.NoError(t, fresh.Merge(dec), "types survive the encoding")
			other, err := metrics.New(spec("null_count"), []arrow.DataType{arrow.PrimitiveTypes.Int64})
			require.NoError(t, err)
			if tt.fn == "null_count" {
				assert.ErrorIs(t, other.Merge(dec), metrics.ErrMismatch)
			}
		})
	}
}

func TestEncodeMultiColumnAndArgs(t *testing.T) {
	mem := arrowtest.Allocator(t)
	a := array.NewInt64Builder(mem)
	defer a.Release()
	a.AppendValues([]int64{1, 1, 2, 3, 3, 3}, nil)
	ia := a.NewArray()
	defer ia.Release()
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.AppendValues([]string{"x", "x", "y", "z", "z", "w"}, []bool{true, true, true, true, true, false})
	sa := b.NewArray()
	defer sa.Release()

	dup, err := metrics.New(metrics.Spec{Func: "duplicate_count", Columns: []string{"a", "b"}},
		[]arrow.DataType{ia.DataType(), sa.DataType()})
	require.NoError(t, err)
	require.NoError(t, dup.Update([]arrow.Array{ia, sa}))
	dec := roundTrip(t, dup)
	got, err := dec.Result()
	require.NoError(t, err)
	assert.Equal(t, int64(4), got)

	for _, arg := range []any{0.25, float32(0.5), int64(1), int(0)} {
		q, err := metrics.New(spec("quantile", arg), []arrow.DataType{ia.DataType()})
		require.NoError(t, err, "%T", arg)
		require.NoError(t, q.Update([]arrow.Array{ia}))
		dec := roundTrip(t, q)
		assert.Equal(t, q.Spec(), dec.Spec(), "argument %T survives", arg)
	}
}

func TestDecodeCorrupt(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rng := rand.New(rand.NewPCG(1, 2))
	var seeds [][]byte
	for _, g := range generators {
		arr, _ := g.make(rng, mem, 5000)
		for _, f := range metrics.Catalog {
			if !applies(f, g) {
				continue
			}
			for _, sp := range specsOf(f)[:1] {
				types := []arrow.DataType{arr.DataType()}
				if len(sp.Columns) == 0 {
					types = nil
				}
				s, err := metrics.New(sp, types)
				require.NoError(t, err)
				feed(t, rng, s, arr)
				enc, err := metrics.Encode(s)
				require.NoError(t, err)
				seeds = append(seeds, enc)
			}
		}
		arr.Release()
	}
	t.Run("truncated", func(t *testing.T) {
		for _, enc := range seeds {
			for _, n := range []int{0, 3, 4, 5, len(enc) / 3, len(enc) / 2, len(enc) - 1} {
				_, err := metrics.Decode(enc[:n])
				assert.ErrorIs(t, err, metrics.ErrCorrupt, "%d of %d bytes", n, len(enc))
			}
		}
	})
	t.Run("trailing", func(t *testing.T) {
		_, err := metrics.Decode(append(bytes.Clone(seeds[0]), 0))
		assert.ErrorIs(t, err, metrics.ErrCorrupt)
	})
	t.Run("magic and version", func(t *testing.T) {
		bad := bytes.Clone(seeds[0])
		bad[0] = 'X'
		_, err := metrics.Decode(bad)
		assert.ErrorIs(t, err, metrics.ErrCorrupt)
		bad = bytes.Clone(seeds[0])
		bad[4] = 99
		_, err = metrics.Decode(bad)
		assert.ErrorContains(t, err, "version 99")
	})
	t.Run("flipped bytes never panic", func(t *testing.T) {
		for _, enc := range seeds {
			for range 200 {
				bad := bytes.Clone(enc)
				for range 1 + rng.IntN(3) {
					bad[rng.IntN(len(bad))] ^= byte(1 + rng.IntN(255))
				}
				decodeNoPanic(t, bad)
			}
		}
	})
}

// decodeNoPanic decodes data; a state it accepts must encode, and compute
// its result, without panicking.
func decodeNoPanic(t *testing.T, data []byte) {
	t.Helper()
	s, err := metrics.Decode(data)
	if err != nil {
		return
	}
	_, err = s.Result()
	_ = err // a decoded state may hold values whose result is an error
	_, err = metrics.Encode(s)
	assert.NoError(t, err)
}

func FuzzDecode(f *testing.F) {
	mem := arrowtest.Allocator(f)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, g := range generators {
		arr, _ := g.make(rng, mem, 200)
		for _, fn := range metrics.Catalog {
			if !applies(fn, g) {
				continue
			}
			sp := specsOf(fn)[0]
			types := []arrow.DataType{arr.DataType()}
			if len(sp.Columns) == 0 {
				types = nil
			}
			s, err := metrics.New(sp, types)
			if err != nil {
				f.Fatal(err)
			}
			if err := s.Update([]arrow.Array{arr}); err != nil {
				f.Fatal(err)
			}
			enc, err := metrics.Encode(s)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(enc)
		}
		arr.Release()
	}
	// A two-column state: cramers_phi over numbers and strings.
	a, _ := generators[0].make(rng, mem, 200)
	b, _ := generators[2].make(rng, mem, 200)
	phi, err := metrics.New(metrics.Spec{Func: "cramers_phi", Columns: []string{"a", "b"}, Args: []any{int64(0), int64(3)}},
		[]arrow.DataType{a.DataType(), b.DataType()})
	if err != nil {
		f.Fatal(err)
	}
	if err := phi.Update([]arrow.Array{a, b}); err != nil {
		f.Fatal(err)
	}
	enc, err := metrics.Encode(phi)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc)
	a.Release()
	b.Release()
	f.Add([]byte("SLMS\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeNoPanic(t, data)
	})
}
