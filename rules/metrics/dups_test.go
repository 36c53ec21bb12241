package metrics_test

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules/metrics"
)

// stateOf runs a state of spec over batches (each a list of columns).
func stateOf(t *testing.T, mem memory.Allocator, sp metrics.Spec, batches ...[]batch) metrics.State {
	t.Helper()
	var s metrics.State
	for bi, b := range batches {
		cols := make([]arrow.Array, len(b))
		for i, mk := range b {
			cols[i] = mk(t, mem)
			defer cols[i].Release()
		}
		if bi == 0 {
			types := make([]arrow.DataType, len(cols))
			for i, c := range cols {
				types[i] = c.DataType()
			}
			var err error
			s, err = metrics.New(sp, types)
			require.NoError(t, err)
		}
		require.NoError(t, s.Update(cols))
	}
	require.NotNil(t, s, "no batches")
	return s
}

// dupSpec is duplicate_count over n columns a, b, ….
func dupSpec(n int) metrics.Spec {
	sp := metrics.Spec{Func: "duplicate_count"}
	for i := range n {
		sp.Columns = append(sp.Columns, string(rune('a'+i)))
	}
	return sp
}

// duplicates returns the duplicates of s, which must be a DuplicateSampler.
func duplicates(t *testing.T, s metrics.State, limit int) []metrics.Duplicate {
	t.Helper()
	ds, ok := s.(metrics.DuplicateSampler)
	require.True(t, ok, "%T is not a DuplicateSampler", s)
	return ds.Duplicates(limit)
}

// dup is a Duplicate of count n and values vals.
func dup(n int64, vals ...any) metrics.Duplicate { return metrics.Duplicate{Values: vals, Count: n} }

// assertDuplicates compares the values and counts of duplicates, with NaN
// equal to NaN.
func assertDuplicates(t *testing.T, want, got []metrics.Duplicate) {
	t.Helper()
	if !assert.Len(t, got, len(want), "got %v", got) {
		return
	}
	for i := range want {
		assert.Equal(t, want[i].Count, got[i].Count, "count of duplicate %d", i)
		if !assert.Len(t, got[i].Values, len(want[i].Values), "values of duplicate %d", i) {
			continue
		}
		for j, w := range want[i].Values {
			sameResult(t, w, got[i].Values[j], "duplicate "+strconv.Itoa(i)+" value "+strconv.Itoa(j))
		}
	}
}

func TestDuplicates(t *testing.T) {
	i64, str := arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String
	nan := math.NaN()
	tests := []struct {
		name    string
		batches [][]batch
		limit   int
		want    []metrics.Duplicate
	}{
		{"int64", [][]batch{{js(i64, `[3, 1, 3, 2, 1, 3, 4]`)}}, 20,
			[]metrics.Duplicate{dup(3, int64(3)), dup(2, int64(1))}},
		{"string", [][]batch{{js(str, `["b", "a", "b", "", "a", ""]`)}}, 20,
			[]metrics.Duplicate{dup(2, ""), dup(2, "a"), dup(2, "b")}},
		{"float with NaN last and -0 as 0", [][]batch{{floats(
			[]float64{nan, 2.5, math.Copysign(0, -1), 0, nan, 2.5, -1, -1}, nil)}}, 20,
			[]metrics.Duplicate{dup(2, -1.0), dup(2, 0.0), dup(2, 2.5), dup(2, nan)}},
		{"timestamp as time.Time in UTC", [][]batch{{js(&arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "Europe/Paris"},
			`["2024-01-01T00:00:00.5Z", "2023-06-01T12:00:00Z", "2024-01-01T00:00:00.5Z", "2023-06-01T12:00:00Z", "2025-01-01T00:00:00Z"]`)}}, 20,
			[]metrics.Duplicate{dup(2, utc("2023-06-01T12:00:00Z")), dup(2, utc("2024-01-01T00:00:00.5Z"))}},
		{"date32 as time.Time", [][]batch{{js(arrow.FixedWidthTypes.Date32, `["2024-02-29", "2024-02-29"]`)}}, 20,
			[]metrics.Duplicate{dup(2, utc("2024-02-29T00:00:00Z"))}},
		{"duration", [][]batch{{js(arrow.FixedWidthTypes.Duration_ms, `[1500, 1500, 2]`)}}, 20,
			[]metrics.Duplicate{dup(2, 1500*time.Millisecond)}},
		{"bool", [][]batch{{js(arrow.FixedWidthTypes.Boolean, `[true, false, true, false, true]`)}}, 20,
			[]metrics.Duplicate{dup(3, true), dup(2, false)}},
		{"uint", [][]batch{{js(arrow.PrimitiveTypes.Uint8, `[255, 255, 0]`)}}, 20,
			[]metrics.Duplicate{dup(2, uint64(255))}},
		{"binary as []byte", [][]batch{{js(arrow.BinaryTypes.Binary, `["AAE=", "AAE=", "Ag=="]`)}}, 20,
			[]metrics.Duplicate{dup(2, []byte{0, 1})}},
		{"decimal as float64", [][]batch{{js(&arrow.Decimal128Type{Precision: 5, Scale: 2}, `["1.25", "1.25"]`)}}, 20,
			[]metrics.Duplicate{dup(2, 1.25)}},
		{"dictionary of strings", [][]batch{{dict(arrow.PrimitiveTypes.Int8, str, `[0, 1, 1, null, null, 0, 2]`, `["x", "y", null]`)}}, 20,
			[]metrics.Duplicate{dup(2, "x"), dup(2, "y")}},
		{"nulls are not counted", [][]batch{{js(i64, `[null, 7, null, null, 8]`)}}, 20, nil},
		{"no repeated key", [][]batch{{js(i64, `[1, 2, 3]`)}}, 20, nil},
		{"empty", [][]batch{{js(i64, `[]`)}}, 20, nil},
		{"across batches", [][]batch{{js(str, `["x", "y"]`)}, {js(str, `["y", "x", "y"]`)}}, 20,
			[]metrics.Duplicate{dup(3, "y"), dup(2, "x")}},
		{"limit", [][]batch{{js(i64, `[5, 4, 4, 3, 3, 3, 2, 2, 2, 1, 1, 1, 5]`)}}, 3,
			[]metrics.Duplicate{dup(3, int64(1)), dup(3, int64(2)), dup(3, int64(3))}},
		{"limit 1", [][]batch{{js(i64, `[5, 4, 4, 5, 5]`)}}, 1,
			[]metrics.Duplicate{dup(3, int64(5))}},
		{"limit 0", [][]batch{{js(i64, `[5, 5]`)}}, 0, nil},
		{"negative limit", [][]batch{{js(i64, `[5, 5]`)}}, -1, nil},

		{"two columns int and string", [][]batch{{js(i64, `[1, 1, 2, 2, 1, 2, 1]`), js(str, `["x", "x", "y", "y", "z", "y", "x"]`)}}, 20,
			[]metrics.Duplicate{dup(3, int64(1), "x"), dup(3, int64(2), "y")}},
		{"two columns: a null in either column is not counted", [][]batch{{js(i64, `[1, 1, null, null, 3, 3]`), js(str, `["x", null, "y", "y", "z", "z"]`)}}, 20,
			[]metrics.Duplicate{dup(2, int64(3), "z")}},
		{"two columns ordered by value, negative numbers first", [][]batch{{js(i64, `[1, -1, 1, -1, 0, 0, -1, -1]`), js(str, `["a", "b", "a", "b", "c", "c", "a", "a"]`)}}, 20,
			[]metrics.Duplicate{dup(2, int64(-1), "a"), dup(2, int64(-1), "b"), dup(2, int64(0), "c"), dup(2, int64(1), "a")}},
		{"two columns ordered by the second after the first", [][]batch{{js(str, `["k", "k", "k", "k"]`), js(str, `["b", "ab", "b", "ab"]`)}}, 20,
			[]metrics.Duplicate{dup(2, "k", "ab"), dup(2, "k", "b")}},
		{"three columns of every domain", [][]batch{{
			js(arrow.FixedWidthTypes.Timestamp_us, `["2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"]`),
			floats([]float64{nan, nan, 1}, nil),
			js(arrow.FixedWidthTypes.Boolean, `[true, true, true]`),
		}}, 20, []metrics.Duplicate{dup(2, utc("2024-01-01T00:00:00Z"), nan, true)}},
		{"two columns limit", [][]batch{{js(i64, `[1, 1, 2, 2, 2, 3, 3]`), js(i64, `[0, 0, 0, 0, 0, 0, 0]`)}}, 2,
			[]metrics.Duplicate{dup(3, int64(2), int64(0)), dup(2, int64(1), int64(0))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			sp := dupSpec(len(tt.batches[0]))
			s := stateOf(t, mem, sp, tt.batches...)
			got := duplicates(t, s, tt.limit)
			assertDuplicates(t, tt.want, got)
			for _, d := range got {
				assert.Equal(t, sp.Columns, d.Columns)
			}
			if len(tt.want) == 0 {
				assert.Nil(t, got)
			}
			// The counts of the duplicates sum to duplicate_count when all are returned.
			if tt.limit >= 20 {
				var sum int64
				for _, d := range got {
					sum += d.Count
				}
				res, err := s.Result()
				require.NoError(t, err)
				assert.Equal(t, res, sum, "counts sum to duplicate_count")
			}
		})
	}
}

// TestDuplicatesOtherExactStates checks that the exact value counts of
// distinct_count, unique_ratio and most_common sample duplicates too.
func TestDuplicatesOtherExactStates(t *testing.T) {
	for _, fn := range []string{"distinct_count", "unique_ratio", "most_common"} {
		t.Run(fn, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			s := stateOf(t, mem, spec(fn), []batch{js(arrow.BinaryTypes.String, `["a", "b", "a"]`)})
			assertDuplicates(t, []metrics.Duplicate{dup(2, "a")}, duplicates(t, s, 5))
		})
	}
}

// TestDuplicatesLeavesStateAlone checks that Duplicates neither changes the
// state nor hands out memory the state keeps.
func TestDuplicatesLeavesStateAlone(t *testing.T) {
	mem := arrowtest.Allocator(t)
	s := stateOf(t, mem, dupSpec(2), []batch{
		js(arrow.BinaryTypes.Binary, `["AAE=", "AAE=", "AAE="]`), js(arrow.PrimitiveTypes.Int64, `[1, 1, 2]`)})
	before, err := metrics.Encode(s)
	require.NoError(t, err)
	first := duplicates(t, s, 1)
	require.Len(t, first, 1)
	first[0].Values[0].([]byte)[0] = 0xff
	first[0].Values[1] = "changed"
	first[0].Columns[0] = "changed"
	after, err := metrics.Encode(s)
	require.NoError(t, err)
	assert.Equal(t, before, after)
	again := duplicates(t, s, 1)
	assertDuplicates(t, []metrics.Duplicate{dup(2, []byte{0, 1}, int64(1))}, again)
	assert.Equal(t, []string{"a", "b"}, again[0].Columns)
	assert.Equal(t, []string{"a", "b"}, s.Spec().Columns)
}

// randomKeys builds n rows of a key of skewed frequency: an int64 column
// and a string column, with nulls.
func randomKeys(rng *rand.Rand, mem memory.Allocator, n int) (ints, strs arrow.Array) {
	ib := array.NewInt64Builder(mem)
	defer ib.Release()
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	for range n {
		// Squaring skews the distribution: small keys repeat often.
		k := rng.IntN(40)
		k = k * k / 8
		if rng.IntN(50) == 0 {
			ib.AppendNull()
		} else {
			ib.Append(int64(k) - 50)
		}
		if rng.IntN(50) == 0 {
			sb.AppendNull()
		} else {
			sb.Append(strconv.Itoa(k % 7))
		}
	}
	return ib.NewArray(), sb.NewArray()
}

// oracleDuplicates counts the keys of the rows without a null (the
// columns are int64 or string) and returns the repeated ones in the order of
// DuplicateSampler, by a full sort.
func oracleDuplicates(names []string, cols ...arrow.Array) []metrics.Duplicate {
	counts := map[string]int64{}
	values := map[string][]any{}
rows:
	for r := range cols[0].Len() {
		var vals []any
		for _, c := range cols {
			if c.IsNull(r) {
				continue rows
			}
			switch a := c.(type) {
			case *array.Int64:
				vals = append(vals, a.Value(r))
			case *array.String:
				vals = append(vals, a.Value(r))
			}
		}
		k := fmt.Sprintf("%#v", vals)
		counts[k]++
		values[k] = vals
	}
	var out []metrics.Duplicate
	for k, n := range counts {
		if n > 1 {
			out = append(out, metrics.Duplicate{Columns: names, Values: values[k], Count: n})
		}
	}
	slices.SortFunc(out, func(a, b metrics.Duplicate) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		for i := range a.Values {
			var c int
			switch x := a.Values[i].(type) {
			case int64:
				c = cmp.Compare(x, b.Values[i].(int64))
			case string:
				c = cmp.Compare(x, b.Values[i].(string))
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	return out
}

// TestDuplicatesMatchOracle checks the bounded selection against a full
// sort, for one and two columns, at limits around the number of keys, on a
// single state and on the merge of partition states in either order, and
// through an encoded state, as partitions store them.
func TestDuplicatesMatchOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	mem := arrowtest.Allocator(t)
	ints, strs := randomKeys(rng, mem, 3000)
	defer ints.Release()
	defer strs.Release()
	for _, cols := range [][]arrow.Array{{ints}, {strs}, {ints, strs}, {strs, ints}} {
		sp := dupSpec(len(cols))
		oracle := oracleDuplicates(sp.Columns, cols...)
		require.Greater(t, len(oracle), 5, "the data has repeated keys")
		types := make([]arrow.DataType, len(cols))
		for i, c := range cols {
			types[i] = c.DataType()
		}
		newState := func() metrics.State {
			s, err := metrics.New(sp, types)
			require.NoError(t, err)
			return s
		}
		// The whole data in one state, and in three partitions of uneven size.
		whole := newState()
		require.NoError(t, whole.Update(cols))
		cuts := []int64{0, 1000, 1100, int64(cols[0].Len())}
		parts := make([]metrics.State, len(cuts)-1)
		for p := range parts {
			parts[p] = newState()
			slice := make([]arrow.Array, len(cols))
			for i, c := range cols {
				slice[i] = array.NewSlice(c, cuts[p], cuts[p+1])
				defer slice[i].Release()
			}
			require.NoError(t, parts[p].Update(slice))
		}
		forward, backward := newState(), newState()
		for p := range parts {
			require.NoError(t, forward.Merge(parts[p]))
			require.NoError(t, backward.Merge(parts[len(parts)-1-p]))
		}
		stored := roundTrip(t, forward)

		for _, limit := range []int{1, 2, 5, len(oracle) - 1, len(oracle), len(oracle) + 1, 1 << 20} {
			name := strconv.Itoa(len(cols)) + " columns, limit " + strconv.Itoa(limit)
			want := oracle[:min(limit, len(oracle))]
			got := duplicates(t, whole, limit)
			assert.Equal(t, want, got, name)
			assert.Equal(t, got, duplicates(t, forward, limit), name+": merged")
			assert.Equal(t, got, duplicates(t, backward, limit), name+": merged in reverse")
			assert.Equal(t, got, duplicates(t, stored, limit), name+": decoded")
		}
	}
}

// TestDuplicatesOfCorruptStates checks that a state decoded from damaged
// bytes that Decode still accepts never makes Duplicates panic, and that
// whatever it returns is well-formed.
func TestDuplicatesOfCorruptStates(t *testing.T) {
	mem := arrowtest.Allocator(t)
	for _, s := range []metrics.State{
		stateOf(t, mem, dupSpec(2), []batch{js(arrow.PrimitiveTypes.Int64, `[1, 1, 2, 2]`), js(arrow.BinaryTypes.String, `["ab", "ab", "c", "c"]`)}),
		stateOf(t, mem, dupSpec(1), []batch{js(arrow.BinaryTypes.String, `["ab", "ab", "c", "c"]`)}),
	} {
		enc, err := metrics.Encode(s)
		require.NoError(t, err)
		accepted := 0
		for i := range enc {
			for _, damaged := range [][]byte{enc[:i], flip(enc, i, 0x01), flip(enc, i, 0x80), flip(enc, i, 0xff)} {
				dec, err := metrics.Decode(damaged)
				if err != nil {
					continue
				}
				accepted++
				ds, ok := dec.(metrics.DuplicateSampler)
				require.True(t, ok, "%T is not a DuplicateSampler", dec)
				var got []metrics.Duplicate
				require.NotPanics(t, func() { got = ds.Duplicates(10) })
				for _, d := range got {
					assert.GreaterOrEqual(t, d.Count, int64(2))
					assert.Len(t, d.Values, len(dec.Spec().Columns))
				}
			}
		}
		assert.Positive(t, accepted, "some damaged bytes still decode")
	}
}

// flip returns a copy of b with byte i xor-ed with mask.
func flip(b []byte, i int, mask byte) []byte {
	c := slices.Clone(b)
	c[i] ^= mask
	return c
}

// BenchmarkDuplicates samples the duplicates of states over 1M rows with
// 100k distinct keys (benchColumns), nearly all repeated, at the limit a
// failing check reports.
func BenchmarkDuplicates(b *testing.B) {
	mem := memory.NewGoAllocator()
	cols := benchColumns(b, mem)
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	cases := []struct {
		name string
		cols []string
	}{
		{"int64", []string{"int64"}},
		{"string", []string{"string"}},
		{"int64,string", []string{"int64", "string"}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			arrs := make([]arrow.Array, len(tc.cols))
			types := make([]arrow.DataType, len(tc.cols))
			for i, c := range tc.cols {
				arrs[i], types[i] = cols[c], cols[c].DataType()
			}
			s, err := metrics.New(dupSpec(len(arrs)), types)
			require.NoError(b, err)
			require.NoError(b, s.Update(arrs))
			ds, ok := s.(metrics.DuplicateSampler)
			require.True(b, ok)
			b.ReportAllocs()
			for b.Loop() {
				if len(ds.Duplicates(20)) != 20 {
					b.Fatal("want 20 duplicates")
				}
			}
			b.ReportMetric(float64(b.N)*100_000/b.Elapsed().Seconds(), "keys/s")
		})
	}
}
