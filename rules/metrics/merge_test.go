package metrics_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules/metrics"
)

// generator makes a random column: the Arrow array and the same values in
// Go (nil for null).
type generator struct {
	name string
	make func(rng *rand.Rand, mem memory.Allocator, n int) (arrow.Array, []any)
}

var pool = []string{"", "a", "b", "héllo", "日本", "zz", "Zürich", "x y", "€", "q"}

var generators = []generator{
	{"int64", func(rng *rand.Rand, mem memory.Allocator, n int) (arrow.Array, []any) {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		vals := make([]any, n)
		spread := []int64{5, 1000, 1 << 40}[rng.IntN(3)]
		for i := range n {
			if rng.IntN(10) == 0 {
				b.AppendNull()
				continue
			}
			v := rng.Int64N(2*spread) - spread
			b.Append(v)
			vals[i] = v
		}
		return b.NewArray(), vals
	}},
	{"float64", func(rng *rand.Rand, mem memory.Allocator, n int) (arrow.Array, []any) {
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		vals := make([]any, n)
		for i := range n {
			var v float64
			switch rng.IntN(20) {
			case 0:
				b.AppendNull()
				continue
			case 1:
				v = math.NaN()
			case 2:
				v = float64(rng.IntN(3)) // repeated values
			default:
				v = rng.NormFloat64()*100 + 7
			}
			b.Append(v)
			vals[i] = v
		}
		return b.NewArray(), vals
	}},
	{"string", func(rng *rand.Rand, mem memory.Allocator, n int) (arrow.Array, []any) {
		b := array.NewStringBuilder(mem)
		defer b.Release()
		vals := make([]any, n)
		for i := range n {
			switch rng.IntN(10) {
			case 0:
				b.AppendNull()
				continue
			case 1, 2:
				v := fmt.Sprintf("s%d", rng.IntN(n+1))
				b.Append(v)
				vals[i] = v
			default:
				v := pool[rng.IntN(len(pool))]
				b.Append(v)
				vals[i] = v
			}
		}
		return b.NewArray(), vals
	}},
	{"dictionary", func(rng *rand.Rand, mem memory.Allocator, n int) (arrow.Array, []any) {
		db := array.NewStringBuilder(mem)
		defer db.Release()
		db.AppendValues(pool, nil)
		db.AppendNull() // a null dictionary entry
		dict := db.NewArray()
		defer dict.Release()
		ib := array.NewInt32Builder(mem)
		defer ib.Release()
		vals := make([]any, n)
		for i := range n {
			if rng.IntN(10) == 0 {
				ib.AppendNull()
				continue
			}
			k := rng.IntN(len(pool) + 1)
			ib.Append(int32(k))
			if k < len(pool) {
				vals[i] = pool[k]
			}
		}
		idx := ib.NewArray()
		defer idx.Release()
		dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
		return array.NewDictionaryArray(dt, idx, dict), vals
	}},
	{"bool", func(rng *rand.Rand, mem memory.Allocator, n int) (arrow.Array, []any) {
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		vals := make([]any, n)
		for i := range n {
			if rng.IntN(4) == 0 {
				b.AppendNull()
				continue
			}
			v := rng.IntN(3) == 0
			b.Append(v)
			vals[i] = v
		}
		return b.NewArray(), vals
	}},
}

// feed updates s with arr cut at random points into sliced batches.
func feed(t *testing.T, rng *rand.Rand, s metrics.State, arr arrow.Array) {
	t.Helper()
	n := int64(arr.Len())
	for lo := int64(0); lo < n || lo == 0; {
		hi := min(n, lo+1+rng.Int64N(max(n/3, 1)))
		part := array.NewSlice(arr, lo, hi)
		err := s.Update([]arrow.Array{part})
		part.Release()
		require.NoError(t, err)
		if hi == n {
			break
		}
		lo = hi
	}
}

// applies reports whether f applies to the generator's type.
func applies(f metrics.Func, g generator) bool {
	numeric := g.name == "int64" || g.name == "float64"
	strs := g.name == "string" || g.name == "dictionary"
	// Two-column functions (cramers_phi) have tests of their own.
	return (!f.Numeric || numeric) && (!f.Strings || strs) && f.Columns != 2
}

// TestMergeProperty checks, on random data, that the state of the whole
// data equals the merge of states of random parts, merged in random order,
// and both equal the exact value computed here (within the documented
// bounds for approx_distinct and quantiles).
func TestMergeProperty(t *testing.T) {
	sizes := []int{0, 1, 17, 1000, 4096, 4097, 12000}
	for seed := range uint64(2) {
		for _, g := range generators {
			for _, n := range sizes {
				t.Run(fmt.Sprintf("%s/n=%d/seed=%d", g.name, n, seed), func(t *testing.T) {
					mem := arrowtest.Allocator(t)
					rng := rand.New(rand.NewPCG(seed, uint64(n)))
					arr, vals := g.make(rng, mem, n)
					defer arr.Release()
					for _, f := range metrics.Catalog {
						if !applies(f, g) {
							continue
						}
						for _, sp := range specsOf(f) {
							checkMerge(t, rng, sp, arr, vals)
						}
					}
				})
			}
		}
	}
}

func specsOf(f metrics.Func) []metrics.Spec {
	switch f.Name {
	case "row_count":
		return []metrics.Spec{{Func: f.Name}}
	case "quantile":
		var out []metrics.Spec
		for _, q := range []float64{0, 0.01, 0.1, 0.9, 0.99, 1} {
			out = append(out, spec("quantile", q))
		}
		return out
	case "order_violations":
		var out []metrics.Spec
		for _, d := range []string{metrics.OrderIncreasing, metrics.OrderDecreasing, metrics.OrderStrictlyIncreasing, metrics.OrderStrictlyDecreasing} {
			out = append(out, spec("order_violations", d))
		}
		return out
	}
	return []metrics.Spec{spec(f.Name)}
}

func checkMerge(t *testing.T, rng *rand.Rand, sp metrics.Spec, arr arrow.Array, vals []any) {
	t.Helper()
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

	// Random parts, each fed in random batches, merged in random order.
	n := int64(arr.Len())
	cuts := []int64{0, n}
	for range rng.IntN(7) {
		cuts = append(cuts, rng.Int64N(n+1))
	}
	slices.Sort(cuts)
	var parts []metrics.State
	for i := 1; i < len(cuts); i++ {
		part := array.NewSlice(arr, cuts[i-1], cuts[i])
		s := newState()
		feed(t, rng, s, part)
		part.Release()
		parts = append(parts, s)
	}
	for len(parts) > 1 && sp.Func == "order_violations" {
		// Row order matters: merge neighbours, the earlier one taking in
		// the later, in random order of pairs.
		i := rng.IntN(len(parts) - 1)
		require.NoError(t, parts[i].Merge(parts[i+1]))
		parts = slices.Delete(parts, i+1, i+2)
	}
	for len(parts) > 1 {
		i := rng.IntN(len(parts))
		j := rng.IntN(len(parts) - 1)
		if j >= i {
			j++
		}
		require.NoError(t, parts[i].Merge(parts[j]))
		parts = slices.Delete(parts, j, j+1)
	}
	merged := parts[0]

	gotWhole, err := whole.Result()
	require.NoError(t, err)
	gotMerged, err := merged.Result()
	require.NoError(t, err)
	want := oracle(sp, vals)
	name := fmt.Sprintf("%s%v", sp.Func, sp.Args)

	switch sp.Func {
	case "approx_distinct":
		assert.Equal(t, gotWhole, gotMerged, "%s: the merge of sketches is exact", name)
		exact := float64(want.(int64))
		assert.InDelta(t, exact, float64(gotWhole.(int64)), 1+3*metrics.StdErrorApproxDistinct*exact, name)
	case "median", "quantile":
		q := 0.5
		if sp.Func == "quantile" {
			q = sp.Args[0].(float64)
		}
		sorted := sortedNumbers(vals)
		if len(sorted) <= 4096 || q == 0 || q == 1 {
			assertResult(t, want, gotWhole)
			assertResult(t, want, gotMerged)
			return
		}
		for _, got := range []any{gotWhole, gotMerged} {
			assert.LessOrEqual(t, rankError(sorted, got.(float64), q), metrics.RankErrorQuantile, "%s of %d values: %v", name, len(sorted), got)
		}
	case "sum", "mean", "stddev", "zscore_max", "zscore_min":
		if want == nil {
			assert.Nil(t, gotWhole, name)
			assert.Nil(t, gotMerged, name)
			return
		}
		w := want.(float64)
		if math.IsNaN(w) {
			assert.True(t, math.IsNaN(gotWhole.(float64)), "%s: %v", name, gotWhole)
			assert.True(t, math.IsNaN(gotMerged.(float64)), "%s: %v", name, gotMerged)
			return
		}
		assert.InDelta(t, w, gotWhole.(float64), 1e-9*max(1, math.Abs(w)), name)
		assert.InDelta(t, w, gotMerged.(float64), 1e-9*max(1, math.Abs(w)), name)
	case "most_common_all":
		sameResult(t, want, gotWhole, name)
		sameResult(t, want, gotMerged, name)
	default:
		assertResult(t, want, gotWhole)
		assertResult(t, want, gotMerged)
	}
}

// oracle computes a metric from Go values, plainly.
func oracle(sp metrics.Spec, vals []any) any {
	var present []any // non-null
	for _, v := range vals {
		if v != nil {
			present = append(present, v)
		}
	}
	numbers := sortedNumbers(vals)
	switch sp.Func {
	case "row_count":
		return int64(len(vals))
	case "null_count":
		return int64(len(vals) - len(present))
	case "completeness":
		if len(vals) == 0 {
			return nil
		}
		return float64(len(present)) / float64(len(vals))
	}
	counts := map[any]int64{}
	for _, v := range present {
		counts[key(v)]++
	}
	switch sp.Func {
	case "distinct_count", "approx_distinct":
		return int64(len(counts))
	case "duplicate_count":
		var d int64
		for _, c := range counts {
			if c > 1 {
				d += c
			}
		}
		return d
	case "unique_ratio":
		if len(present) == 0 {
			return nil
		}
		var once int64
		for _, c := range counts {
			if c == 1 {
				once++
			}
		}
		return float64(once) / float64(len(present))
	case "most_common":
		var best any
		var bc int64
		for _, v := range present {
			k := key(v)
			if c := counts[k]; c > bc || c == bc && less(k, key(best)) {
				best, bc = v, c
			}
		}
		if f, ok := best.(float64); ok && f == 0 {
			best = 0.0 // -0 counts as 0
		}
		return widen(best)
	case "most_common_all":
		var bc int64
		for _, c := range counts {
			bc = max(bc, c)
		}
		if bc == 0 {
			return nil
		}
		var best []any
		seen := map[any]bool{}
		for _, v := range present {
			if k := key(v); counts[k] == bc && !seen[k] {
				seen[k] = true
				best = append(best, k)
			}
		}
		slices.SortFunc(best, func(a, b any) int {
			switch {
			case less(a, b):
				return -1
			case less(b, a):
				return 1
			}
			return 0
		})
		for i, v := range best {
			best[i] = widen(v)
		}
		return best
	case "order_violations":
		var prev any
		var n int64
		for _, v := range present {
			if f, ok := v.(float64); ok && f != f {
				continue
			}
			if prev != nil {
				var bad bool
				switch sp.Args[0] {
				case metrics.OrderIncreasing:
					bad = less(v, prev)
				case metrics.OrderDecreasing:
					bad = less(prev, v)
				case metrics.OrderStrictlyIncreasing:
					bad = !less(prev, v)
				default:
					bad = !less(v, prev)
				}
				if bad {
					n++
				}
			}
			prev = v
		}
		return n
	case "zscore_max", "zscore_min":
		if len(numbers) == 0 {
			return nil
		}
		var sum, m2 float64
		for _, x := range numbers {
			sum += x
		}
		mean := sum / float64(len(numbers))
		for _, x := range numbers {
			m2 += (x - mean) * (x - mean)
		}
		if len(numbers) < 2 || m2 == 0 {
			return math.NaN()
		}
		sd := math.Sqrt(m2 / float64(len(numbers)-1))
		if sp.Func == "zscore_min" {
			return (numbers[0] - mean) / sd
		}
		return (numbers[len(numbers)-1] - mean) / sd
	case "min", "max":
		var m any
		for _, v := range present {
			if f, ok := v.(float64); ok && f != f {
				continue
			}
			if m == nil || sp.Func == "min" && less(v, m) || sp.Func == "max" && less(m, v) {
				m = v
			}
		}
		return widen(m)
	case "sum", "mean", "stddev":
		if len(numbers) == 0 {
			return nil
		}
		var sum float64
		for _, x := range numbers {
			sum += x
		}
		mean := sum / float64(len(numbers))
		switch sp.Func {
		case "sum":
			return sum
		case "mean":
			return mean
		}
		var m2 float64
		for _, x := range numbers {
			m2 += (x - mean) * (x - mean)
		}
		return math.Sqrt(m2 / float64(len(numbers)))
	case "median", "quantile":
		if len(numbers) == 0 {
			return nil
		}
		q := 0.5
		if sp.Func == "quantile" {
			q = sp.Args[0].(float64)
		}
		pos := q * float64(len(numbers)-1)
		i := int(pos)
		if i+1 >= len(numbers) || pos == float64(i) {
			return numbers[i]
		}
		return numbers[i] + (pos-float64(i))*(numbers[i+1]-numbers[i])
	case "min_length", "max_length", "mean_length":
		if len(present) == 0 {
			return nil
		}
		var lo, hi, sum int64 = math.MaxInt64, 0, 0
		for _, v := range present {
			l := int64(utf8.RuneCountInString(v.(string)))
			lo, hi, sum = min(lo, l), max(hi, l), sum+l
		}
		switch sp.Func {
		case "min_length":
			return lo
		case "max_length":
			return hi
		}
		return float64(sum) / float64(len(present))
	}
	panic("oracle: " + sp.Func)
}

// key maps a value to its identity for counting: every NaN is one value,
// -0 is 0.
func key(v any) any {
	if f, ok := v.(float64); ok {
		if f != f {
			return "NaN"
		}
		if f == 0 {
			return 0.0
		}
	}
	return v
}

// less orders keys: NaN last among floats, false before true.
func less(a, b any) bool {
	switch a := a.(type) {
	case int64:
		return a < b.(int64)
	case string:
		if a == "NaN" {
			return false
		}
		if _, ok := b.(float64); ok {
			return false
		}
		return a < b.(string)
	case float64:
		if s, ok := b.(string); ok && s == "NaN" {
			return true
		}
		return a < b.(float64)
	case bool:
		return !a && b.(bool)
	}
	return false
}

func widen(v any) any {
	if s, ok := v.(string); ok && s == "NaN" {
		return math.NaN()
	}
	return v
}

// sortedNumbers returns the non-null, non-NaN numbers of vals, sorted.
func sortedNumbers(vals []any) []float64 {
	var out []float64
	for _, v := range vals {
		switch v := v.(type) {
		case int64:
			out = append(out, float64(v))
		case float64:
			if v == v {
				out = append(out, v)
			}
		}
	}
	slices.Sort(out)
	return out
}

// rankError returns how far q is from the normalized rank range of v in
// sorted: 0 when v's rank covers q·n.
func rankError(sorted []float64, v, q float64) float64 {
	n := float64(len(sorted))
	lo, _ := slices.BinarySearch(sorted, v)
	hi := lo
	for hi < len(sorted) && sorted[hi] == v {
		hi++
	}
	target := q * n
	switch {
	case target < float64(lo):
		return (float64(lo) - target) / n
	case target > float64(hi):
		return (target - float64(hi)) / n
	}
	return 0
}

// TestApproxDistinctAccuracy checks the HyperLogLog estimate against exact
// counts over several cardinalities, for integers and strings, whole and
// merged from parts.
func TestApproxDistinctAccuracy(t *testing.T) {
	for _, distinct := range []int{10, 100, 1000, 10_000, 100_000, 300_000} {
		for _, strs := range []bool{false, true} {
			t.Run(fmt.Sprintf("n=%d/strings=%v", distinct, strs), func(t *testing.T) {
				mem := arrowtest.Allocator(t)
				var arr arrow.Array
				if strs {
					b := array.NewStringBuilder(mem)
					for i := range distinct {
						b.Append(fmt.Sprintf("user-%d@example.com", i))
						b.Append(fmt.Sprintf("user-%d@example.com", i/2)) // repeats
					}
					arr = b.NewArray()
					b.Release()
				} else {
					b := array.NewInt64Builder(mem)
					for i := range distinct {
						b.Append(int64(i) * 7919)
						b.Append(int64(i/2) * 7919)
					}
					arr = b.NewArray()
					b.Release()
				}
				defer arr.Release()
				sp := spec("approx_distinct")
				merged, err := metrics.New(sp, []arrow.DataType{arr.DataType()})
				require.NoError(t, err)
				parts := 5
				step := int64(arr.Len() / parts)
				for p := range parts {
					s, err := metrics.New(sp, []arrow.DataType{arr.DataType()})
					require.NoError(t, err)
					hi := int64(arr.Len())
					if p < parts-1 {
						hi = int64(p+1) * step
					}
					part := array.NewSlice(arr, int64(p)*step, hi)
					require.NoError(t, s.Update([]arrow.Array{part}))
					part.Release()
					require.NoError(t, merged.Merge(s))
				}
				got, err := merged.Result()
				require.NoError(t, err)
				rel := math.Abs(float64(got.(int64))-float64(distinct)) / float64(distinct)
				// 3 standard errors: a failure here is a bug, not bad luck
				// (the hash is fixed, so the outcome is too).
				assert.LessOrEqual(t, rel, 3*metrics.StdErrorApproxDistinct, "estimate %v of %d", got, distinct)
			})
		}
	}
}

// TestQuantileAccuracy checks KLL quantiles against exact ranks over
// distributions and value orders that stress sketches.
func TestQuantileAccuracy(t *testing.T) {
	const n = 100_000
	dists := map[string]func(rng *rand.Rand, i int) float64{
		"uniform":    func(rng *rand.Rand, _ int) float64 { return rng.Float64() },
		"normal":     func(rng *rand.Rand, _ int) float64 { return rng.NormFloat64() },
		"exp":        func(rng *rand.Rand, _ int) float64 { return rng.ExpFloat64() },
		"ascending":  func(_ *rand.Rand, i int) float64 { return float64(i) },
		"descending": func(_ *rand.Rand, i int) float64 { return float64(n - i) },
		"few values": func(rng *rand.Rand, _ int) float64 { return float64(rng.IntN(7)) },
	}
	qs := []float64{0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999}
	for name, dist := range dists {
		t.Run(name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			rng := rand.New(rand.NewPCG(1, 2))
			b := array.NewFloat64Builder(mem)
			vals := make([]float64, n)
			for i := range vals {
				vals[i] = dist(rng, i)
			}
			b.AppendValues(vals, nil)
			arr := b.NewArray()
			b.Release()
			defer arr.Release()
			sorted := slices.Sorted(slices.Values(vals))
			for _, q := range qs {
				sp := spec("quantile", q)
				whole, err := metrics.New(sp, []arrow.DataType{arr.DataType()})
				require.NoError(t, err)
				require.NoError(t, whole.Update([]arrow.Array{arr}))
				merged, err := metrics.New(sp, []arrow.DataType{arr.DataType()})
				require.NoError(t, err)
				for p := range int64(16) {
					s, err := metrics.New(sp, []arrow.DataType{arr.DataType()})
					require.NoError(t, err)
					part := array.NewSlice(arr, p*n/16, (p+1)*n/16)
					require.NoError(t, s.Update([]arrow.Array{part}))
					part.Release()
					require.NoError(t, merged.Merge(s))
				}
				for _, s := range []metrics.State{whole, merged} {
					got, err := s.Result()
					require.NoError(t, err)
					assert.LessOrEqual(t, rankError(sorted, got.(float64), q), metrics.RankErrorQuantile, "q=%v got %v", q, got)
				}
			}
		})
	}
}

// TestQuantileExactUpTo4096 checks that small inputs give exact,
// interpolated quantiles, also when merged.
func TestQuantileExactUpTo4096(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rng := rand.New(rand.NewPCG(3, 4))
	vals := make([]float64, 4096)
	for i := range vals {
		vals[i] = rng.NormFloat64()
	}
	b := array.NewFloat64Builder(mem)
	b.AppendValues(vals, nil)
	arr := b.NewArray()
	b.Release()
	defer arr.Release()
	sorted := slices.Sorted(slices.Values(vals))
	for _, q := range []float64{0.001, 0.37, 0.5, 0.999} {
		sp := spec("quantile", q)
		a, err := metrics.New(sp, []arrow.DataType{arr.DataType()})
		require.NoError(t, err)
		c, err := metrics.New(sp, []arrow.DataType{arr.DataType()})
		require.NoError(t, err)
		first, second := array.NewSlice(arr, 0, 1000), array.NewSlice(arr, 1000, 4096)
		require.NoError(t, a.Update([]arrow.Array{first}))
		require.NoError(t, c.Update([]arrow.Array{second}))
		first.Release()
		second.Release()
		require.NoError(t, a.Merge(c))
		got, err := a.Result()
		require.NoError(t, err)
		pos := q * 4095
		i := int(pos)
		want := sorted[i] + (pos-float64(i))*(sorted[i+1]-sorted[i])
		assert.Equal(t, want, got, "q=%v", q)
	}
}

// TestDeterministic checks that sketches give the same result for the
// same input, so reports are reproducible.
func TestDeterministic(t *testing.T) {
	mem := arrowtest.Allocator(t)
	b := array.NewFloat64Builder(mem)
	rng := rand.New(rand.NewPCG(5, 6))
	for range 50_000 {
		b.Append(rng.Float64())
	}
	arr := b.NewArray()
	b.Release()
	defer arr.Release()
	for _, sp := range []metrics.Spec{spec("median"), spec("approx_distinct")} {
		var results []any
		for range 2 {
			s, err := metrics.New(sp, []arrow.DataType{arr.DataType()})
			require.NoError(t, err)
			require.NoError(t, s.Update([]arrow.Array{arr}))
			got, err := s.Result()
			require.NoError(t, err)
			results = append(results, got)
		}
		assert.Equal(t, results[0], results[1], sp.Func)
	}
}

// TestDuplicateCountColumnsMerge checks duplicate_count over two columns:
// whole, and merged from random parts, against an exact count.
func TestDuplicateCountColumnsMerge(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			rng := rand.New(rand.NewPCG(seed, 7))
			n := 1 + rng.IntN(5000)
			ib := array.NewInt64Builder(mem)
			sb := array.NewStringBuilder(mem)
			keys := map[string]int64{}
			for range n {
				a, b := rng.Int64N(30), pool[rng.IntN(len(pool))]
				nullA, nullB := rng.IntN(15) == 0, rng.IntN(15) == 0
				if nullA {
					ib.AppendNull()
				} else {
					ib.Append(a)
				}
				if nullB {
					sb.AppendNull()
				} else {
					sb.Append(b)
				}
				if !nullA && !nullB {
					keys[fmt.Sprintf("%d|%s", a, b)]++
				}
			}
			ints, strs := ib.NewArray(), sb.NewArray()
			ib.Release()
			sb.Release()
			defer ints.Release()
			defer strs.Release()
			var want int64
			for _, c := range keys {
				if c > 1 {
					want += c
				}
			}
			sp := metrics.Spec{Func: "duplicate_count", Columns: []string{"a", "b"}}
			types := []arrow.DataType{ints.DataType(), strs.DataType()}
			update := func(s metrics.State, lo, hi int64) {
				a, b := array.NewSlice(ints, lo, hi), array.NewSlice(strs, lo, hi)
				defer a.Release()
				defer b.Release()
				require.NoError(t, s.Update([]arrow.Array{a, b}))
			}
			whole, err := metrics.New(sp, types)
			require.NoError(t, err)
			update(whole, 0, int64(n))
			merged, err := metrics.New(sp, types)
			require.NoError(t, err)
			for lo := int64(0); lo < int64(n); {
				hi := min(int64(n), lo+1+rng.Int64N(int64(n)/2+1))
				part, err := metrics.New(sp, types)
				require.NoError(t, err)
				update(part, lo, hi)
				require.NoError(t, part.Merge(merged)) // merge in either direction
				merged = part
				lo = hi
			}
			for _, s := range []metrics.State{whole, merged} {
				got, err := s.Result()
				require.NoError(t, err)
				assert.Equal(t, want, got)
			}
		})
	}
}
