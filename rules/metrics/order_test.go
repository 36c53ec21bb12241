package metrics_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules/metrics"
)

// column builds an Arrow array of int64, float64 or string values from Go
// values, nil for null.
func colOf(t *testing.T, mem memory.Allocator, vals ...any) arrow.Array {
	t.Helper()
	var b array.Builder
	switch {
	case len(vals) == 0:
		b = array.NewInt64Builder(mem)
	default:
		for _, v := range vals {
			switch v.(type) {
			case float64:
				b = array.NewFloat64Builder(mem)
			case string:
				b = array.NewStringBuilder(mem)
			case int:
				b = array.NewInt64Builder(mem)
			}
			if b != nil {
				break
			}
		}
	}
	require.NotNil(t, b, "no typed value")
	defer b.Release()
	for _, v := range vals {
		switch v := v.(type) {
		case nil:
			b.AppendNull()
		case int:
			b.(*array.Int64Builder).Append(int64(v))
		case float64:
			b.(*array.Float64Builder).Append(v)
		case string:
			b.(*array.StringBuilder).Append(v)
		}
	}
	return b.NewArray()
}

func resultOf(t *testing.T, sp metrics.Spec, cols ...arrow.Array) any {
	t.Helper()
	types := make([]arrow.DataType, len(cols))
	for i, c := range cols {
		types[i] = c.DataType()
	}
	s, err := metrics.New(sp, types)
	require.NoError(t, err)
	require.NoError(t, s.Update(cols))
	v, err := s.Result()
	require.NoError(t, err)
	return v
}

// TestOrderViolations pins the counts on Great Expectations' own vectors:
// each non-null value is compared with the non-null value before it.
func TestOrderViolations(t *testing.T) {
	tests := []struct {
		name string
		dir  string
		vals []any
		want int64
	}{
		{"increasing", metrics.OrderIncreasing, []any{2, 3, 4, 5, 6, 7, 8, 9, 10, nil}, 0},
		{"ties are increasing", metrics.OrderIncreasing, []any{1, 1, 1, 2, 2, 2, 3, 3, 3, 4}, 0},
		{"ties are not strictly increasing", metrics.OrderStrictlyIncreasing, []any{1, 1, 1, 2, 2, 2, 3, 3, 3, 4}, 6},
		{"down after up", metrics.OrderIncreasing, []any{1, 2, 3, 4, 5, 5, 4, 3, 2, 1}, 4},
		{"nulls between", metrics.OrderIncreasing, []any{nil, 0, nil, nil, 1, nil, nil, 2, nil, nil}, 0},
		{"down across nulls", metrics.OrderIncreasing, []any{nil, 0, nil, nil, 2, nil, nil, 1, nil, nil}, 1},
		{"decreasing", metrics.OrderDecreasing, []any{1, 2, 3, 7, 6, 5, 4, 3, 2, 1}, 3},
		{"strictly decreasing", metrics.OrderStrictlyDecreasing, []any{1, 1, 1, 2, 2, 2, 3, 3, 3, 4}, 9},
		{"NaN skipped", metrics.OrderIncreasing, []any{1.0, math.NaN(), 0.5, 2.0}, 1},
		{"strings", metrics.OrderIncreasing, []any{"a", "b", "c", "b", nil}, 1},
		{"empty", metrics.OrderDecreasing, []any{}, 0},
		{"only nulls", metrics.OrderDecreasing, []any{nil, nil, 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			arr := colOf(t, mem, tt.vals...)
			defer arr.Release()
			assert.Equal(t, tt.want, resultOf(t, spec("order_violations", tt.dir), arr))
		})
	}
}

// TestOrderViolationsMergeInOrder splits a column at random points, feeds
// each part to a state of its own, and merges them in row order, in a
// random order of neighbours: the count equals the whole column's, and an
// encoded state merges the same.
func TestOrderViolationsMergeInOrder(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 200 {
		n := rng.IntN(60)
		vals := make([]any, n)
		for i := range vals {
			if rng.IntN(4) > 0 {
				vals[i] = rng.IntN(5)
			}
		}
		arr := colOf(t, mem, append(vals, 0)...) // one typed value at least
		for _, dir := range []string{metrics.OrderIncreasing, metrics.OrderStrictlyDecreasing} {
			sp := spec("order_violations", dir)
			want := resultOf(t, sp, arr)
			var parts []metrics.State
			lo := int64(0)
			for lo <= int64(arr.Len()) {
				hi := min(int64(arr.Len()), lo+rng.Int64N(8))
				s, err := metrics.New(sp, []arrow.DataType{arr.DataType()})
				require.NoError(t, err)
				part := array.NewSlice(arr, lo, hi)
				require.NoError(t, s.Update([]arrow.Array{part}))
				part.Release()
				if rng.IntN(2) == 0 {
					s = roundTrip(t, s)
				}
				parts = append(parts, s)
				if hi == int64(arr.Len()) {
					break
				}
				lo = hi
			}
			for len(parts) > 1 {
				i := rng.IntN(len(parts) - 1)
				require.NoError(t, parts[i].Merge(parts[i+1]))
				parts = append(parts[:i+1], parts[i+2:]...)
			}
			got, err := parts[0].Result()
			require.NoError(t, err)
			assert.Equal(t, want, got, "round %d, %s", round, dir)
		}
		arr.Release()
	}
}

func TestOrderViolationsDirection(t *testing.T) {
	_, err := metrics.New(spec("order_violations", "upwards"), []arrow.DataType{arrow.PrimitiveTypes.Int64})
	require.ErrorIs(t, err, metrics.ErrArgs)
}

// TestZScores pins zscore_max and zscore_min on Great Expectations'
// vectors: the sample standard deviation, NaN when it is 0.
func TestZScores(t *testing.T) {
	mem := arrowtest.Allocator(t)
	arr := colOf(t, mem, -1, 0, 1, nil, nil)
	defer arr.Release()
	assert.InDelta(t, 1.0, resultOf(t, spec("zscore_max"), arr), 1e-15)
	assert.InDelta(t, -1.0, resultOf(t, spec("zscore_min"), arr), 1e-15)

	dist := colOf(t, mem, 1, 1, 1, 3, 3)
	defer dist.Release()
	// mean 1.8, sample sd sqrt(4.8/4)
	assert.InDelta(t, 1.2/math.Sqrt(1.2), resultOf(t, spec("zscore_max"), dist), 1e-12)
	assert.InDelta(t, -0.8/math.Sqrt(1.2), resultOf(t, spec("zscore_min"), dist), 1e-12)

	same := colOf(t, mem, 4, 4, 4)
	defer same.Release()
	assert.True(t, math.IsNaN(resultOf(t, spec("zscore_max"), same).(float64)))
	one := colOf(t, mem, 4)
	defer one.Release()
	assert.True(t, math.IsNaN(resultOf(t, spec("zscore_min"), one).(float64)))
	none := colOf(t, mem, nil, 1)
	defer none.Release()
	none2 := array.NewSlice(none, 0, 1)
	defer none2.Release()
	assert.Nil(t, resultOf(t, spec("zscore_max"), none2))
}

func phiSpec(binsA, binsB int64) metrics.Spec {
	return metrics.Spec{Func: "cramers_phi", Columns: []string{"a", "b"}, Args: []any{binsA, binsB}}
}

// TestCramersPhi pins cramers_phi on Great Expectations' vectors, whose
// observed values GX computed with pandas and scipy.
func TestCramersPhi(t *testing.T) {
	mem := arrowtest.Allocator(t)
	data := map[string][]any{
		"integer_1":             {1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4},
		"integer_2":             {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3},
		"string_1":              {"a", "a", "b", "b", "c", "c", "d", "d", "e", "e", "f", "f"},
		"string_2":              {"a", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"},
		"string_3":              {"a", "a", "a", "a", "c", "c", "c", "c", "d", "d", "d", "d"},
		"float":                 {1.0, 1.1, 1.2, 1.3, 2.0, 2.1, 2.2, 2.3, 3.0, 3.1, 3.2, 3.3},
		"float_with_missings_1": {nil, nil, nil, nil, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0},
		"float_with_missings_2": {nil, nil, nil, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0, 4.0, 4.0},
		"string_with_missings":  {nil, nil, nil, "a", "b", "c", "a", "b", "c", "a", "b", "c"},
	}
	cols := map[string]arrow.Array{}
	for k, v := range data {
		cols[k] = colOf(t, mem, v...)
		defer cols[k].Release()
	}
	tests := []struct {
		a, b         string
		binsA, binsB int64
		want         float64
	}{
		{"integer_1", "integer_1", 0, 0, 1},
		{"integer_1", "integer_2", 0, 0, 0},
		{"integer_1", "string_3", 0, 0, 0},
		{"string_1", "string_2", 0, 2, 0.8498365855987975},
		{"integer_1", "float", 0, 3, 0},
		{"integer_1", "float_with_missings_1", 0, 2, 0},
		{"float_with_missings_2", "string_with_missings", 3, 0, 0.5773502691896257},
	}
	for _, tt := range tests {
		t.Run(tt.a+"/"+tt.b, func(t *testing.T) {
			got := resultOf(t, phiSpec(tt.binsA, tt.binsB), cols[tt.a], cols[tt.b])
			assert.InDelta(t, tt.want, got, 1e-12)
		})
	}
}

// TestCramersPhiYates: a 2×2 table takes Yates' continuity correction, as
// scipy's chi2_contingency does. Table [[3, 1], [1, 3]]: every expected
// count is 2, |O - E| = 1 becomes 0.5, chi² = 4 · 0.25 / 2 = 0.5, phi =
// sqrt(0.5 / 8).
func TestCramersPhiYates(t *testing.T) {
	mem := arrowtest.Allocator(t)
	a := colOf(t, mem, "x", "x", "x", "x", "y", "y", "y", "y")
	defer a.Release()
	b := colOf(t, mem, "p", "p", "p", "q", "p", "q", "q", "q")
	defer b.Release()
	assert.InDelta(t, math.Sqrt(0.5/8), resultOf(t, phiSpec(0, 0), a, b), 1e-15)
}

// TestCramersPhiMerge: states of random parts, merged in any order and
// through their encoding, give the whole column's value.
func TestCramersPhiMerge(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for round := range 50 {
		n := 1 + rng.IntN(200)
		av, bv := make([]any, n), make([]any, n)
		for i := range n {
			if rng.IntN(8) > 0 {
				av[i] = float64(rng.IntN(7)) + rng.Float64()
			}
			if rng.IntN(8) > 0 {
				bv[i] = string(rune('a' + rng.IntN(13)))
			}
		}
		av[0], bv[0] = 0.5, "a"
		a, b := colOf(t, mem, av...), colOf(t, mem, bv...)
		sp := phiSpec(int64(2+rng.IntN(5)), int64(2+rng.IntN(12)))
		want := resultOf(t, sp, a, b)
		var parts []metrics.State
		for lo := 0; lo < n; {
			hi := min(n, lo+1+rng.IntN(40))
			s, err := metrics.New(sp, []arrow.DataType{a.DataType(), b.DataType()})
			require.NoError(t, err)
			pa, pb := array.NewSlice(a, int64(lo), int64(hi)), array.NewSlice(b, int64(lo), int64(hi))
			require.NoError(t, s.Update([]arrow.Array{pa, pb}))
			pa.Release()
			pb.Release()
			parts = append(parts, roundTrip(t, s))
			lo = hi
		}
		rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		for _, p := range parts[1:] {
			require.NoError(t, parts[0].Merge(p))
		}
		got, err := parts[0].Result()
		require.NoError(t, err)
		assert.InDelta(t, want, got, 1e-12, "round %d", round)
		a.Release()
		b.Release()
	}
}

func TestCramersPhiInfinity(t *testing.T) {
	mem := arrowtest.Allocator(t)
	a := colOf(t, mem, 1.0, math.Inf(1), 2.0)
	defer a.Release()
	b := colOf(t, mem, "x", "y", "x")
	defer b.Release()
	s, err := metrics.New(phiSpec(0, 0), []arrow.DataType{a.DataType(), b.DataType()})
	require.NoError(t, err)
	require.NoError(t, s.Update([]arrow.Array{a, b}))
	_, err = s.Result()
	require.ErrorIs(t, err, metrics.ErrUnsupported)
}

func TestCramersPhiArgs(t *testing.T) {
	types := []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String}
	for _, bad := range []any{int64(1), int64(-1), int64(1001), 2.5} {
		_, err := metrics.New(phiSpec(0, 0), types[:1])
		require.ErrorIs(t, err, metrics.ErrArgs)
		sp := phiSpec(0, 0)
		sp.Args[1] = bad
		_, err = metrics.New(sp, types)
		require.ErrorIs(t, err, metrics.ErrArgs, "%v", bad)
	}
}

// TestMostCommonAll: every value of a tie, ascending.
func TestMostCommonAll(t *testing.T) {
	mem := arrowtest.Allocator(t)
	x := colOf(t, mem, 1, 1, 2, 2, 3, nil, nil, nil, nil, nil)
	defer x.Release()
	assert.Equal(t, []any{int64(1), int64(2)}, resultOf(t, spec("most_common_all"), x))
	y := colOf(t, mem, "hello", "jello", "mello", "hello", "jello", "mello", "hello", "jello", "mello", "jello")
	defer y.Release()
	assert.Equal(t, []any{"jello"}, resultOf(t, spec("most_common_all"), y))
	empty := array.NewSlice(x, 5, 10)
	defer empty.Release()
	assert.Nil(t, resultOf(t, spec("most_common_all"), empty))
}
