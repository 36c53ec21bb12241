package metrics_test

import (
	"math"
	"strings"
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

// batch builds one array of a test case.
type batch func(t *testing.T, mem memory.Allocator) arrow.Array

// js builds an array from JSON.
func js(dt arrow.DataType, text string) batch {
	return func(t *testing.T, mem memory.Allocator) arrow.Array {
		t.Helper()
		arr, _, err := array.FromJSON(mem, dt, strings.NewReader(text))
		require.NoError(t, err)
		return arr
	}
}

// sliced builds an array from JSON and slices it to [i, j).
func sliced(dt arrow.DataType, text string, i, j int64) batch {
	return func(t *testing.T, mem memory.Allocator) arrow.Array {
		t.Helper()
		whole := js(dt, text)(t, mem)
		defer whole.Release()
		return array.NewSlice(whole, i, j)
	}
}

// dict builds a dictionary array from JSON indices and values.
func dict(index, value arrow.DataType, indices, values string) batch {
	return func(t *testing.T, mem memory.Allocator) arrow.Array {
		t.Helper()
		dt := &arrow.DictionaryType{IndexType: index, ValueType: value}
		arr, err := array.DictArrayFromJSON(mem, dt, indices, values)
		require.NoError(t, err)
		return arr
	}
}

// slicedDict is dict sliced to [i, j).
func slicedDict(index, value arrow.DataType, indices, values string, i, j int64) batch {
	return func(t *testing.T, mem memory.Allocator) arrow.Array {
		t.Helper()
		whole := dict(index, value, indices, values)(t, mem)
		defer whole.Release()
		return array.NewSlice(whole, i, j)
	}
}

// floats builds a float64 array; NaN can't be written in JSON.
func floats(vals []float64, valid []bool) batch {
	return func(t *testing.T, mem memory.Allocator) arrow.Array {
		t.Helper()
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.AppendValues(vals, valid)
		return b.NewArray()
	}
}

// compute runs a state of spec over batches (each a list of columns) and
// returns its result.
func compute(t *testing.T, mem memory.Allocator, spec metrics.Spec, batches ...[]batch) any {
	t.Helper()
	var types []arrow.DataType
	s := (metrics.State)(nil)
	for bi, b := range batches {
		cols := make([]arrow.Array, len(b))
		for i, mk := range b {
			cols[i] = mk(t, mem)
			defer cols[i].Release()
		}
		if bi == 0 {
			for _, c := range cols {
				types = append(types, c.DataType())
			}
			if len(spec.Columns) == 0 {
				types = nil
			}
			var err error
			s, err = metrics.New(spec, types)
			require.NoError(t, err)
		}
		require.NoError(t, s.Update(cols))
	}
	require.NotNil(t, s, "no batches")
	got, err := s.Result()
	require.NoError(t, err)
	return got
}

func spec(fn string, args ...any) metrics.Spec {
	return metrics.Spec{Func: fn, Columns: []string{"c"}, Args: args}
}

// assertResult compares a result with its expected value; floats within
// 1e-12 relative.
func assertResult(t *testing.T, want, got any) {
	t.Helper()
	if w, ok := want.(float64); ok {
		g, ok := got.(float64)
		if !assert.True(t, ok, "got %T %v, want float64 %v", got, got, want) {
			return
		}
		if math.IsNaN(w) {
			assert.True(t, math.IsNaN(g), "got %v, want NaN", g)
			return
		}
		if math.IsInf(w, 0) || w == 0 {
			assert.Equal(t, w, g)
			return
		}
		assert.InEpsilon(t, w, g, 1e-12)
		return
	}
	assert.Equal(t, want, got)
}

func utc(s string) time.Time {
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return tm.UTC()
}

func TestResults(t *testing.T) {
	i64 := arrow.PrimitiveTypes.Int64
	str := arrow.BinaryTypes.String
	ints := js(i64, `[1, null, 3, 3, -2]`)
	allNull := js(i64, `[null, null]`)
	strs := js(str, `["b", "a", null, "héllo", "b", ""]`)
	nan := math.NaN()
	fl := floats([]float64{1.5, nan, math.Copysign(0, -1), 0, 7, 2.5}, []bool{true, true, true, true, false, true})
	dictStr := dict(arrow.PrimitiveTypes.Int8, str, `[0, 1, null, 1, 2]`, `["x", "y", null]`)
	dictInt := dict(arrow.PrimitiveTypes.Uint16, i64, `[2, 2, 0, null]`, `[10, 20, 30]`)
	slicedInts := sliced(i64, `[9, 1, null, 5, 9, 7]`, 1, 5) // [1, null, 5, 9]
	slicedStrs := sliced(str, `["zz", "a", "bb", null, "zzz"]`, 1, 4)
	slicedBools := sliced(arrow.FixedWidthTypes.Boolean, `[false, false, false, false, false, false, false, false, false, true, null, true, false, false]`, 9, 12)
	dec := js(&arrow.Decimal128Type{Precision: 10, Scale: 2}, `["1.25", "-3.50", null, "4.00"]`)
	ts := js(&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "America/New_York"},
		`["2024-01-02T03:04:05.123456Z", null, "2023-12-31T00:00:00Z", "2024-01-02T03:04:05.123456Z"]`)

	tests := []struct {
		name    string
		spec    metrics.Spec
		batches [][]batch
		want    any
	}{
		// row_count, null_count, completeness
		{"row_count", metrics.Spec{Func: "row_count"}, [][]batch{{ints}, {allNull}}, int64(7)},
		{"row_count empty", metrics.Spec{Func: "row_count"}, [][]batch{{js(i64, `[]`)}}, int64(0)},
		{"null_count", spec("null_count"), [][]batch{{ints}, {allNull}}, int64(3)},
		{"null_count empty", spec("null_count"), [][]batch{{js(i64, `[]`)}}, int64(0)},
		{"null_count struct", spec("null_count"), [][]batch{{js(arrow.StructOf(arrow.Field{Name: "a", Type: i64, Nullable: true}), `[{"a": 1}, null]`)}}, int64(1)},
		{"null_count null type", spec("null_count"), [][]batch{{js(arrow.Null, `[null, null, null]`)}}, int64(3)},
		{"null_count dictionary", spec("null_count"), [][]batch{{dictStr}}, int64(2)},
		{"completeness", spec("completeness"), [][]batch{{ints}}, 0.8},
		{"completeness all null", spec("completeness"), [][]batch{{allNull}}, 0.0},
		{"completeness empty", spec("completeness"), [][]batch{{js(i64, `[]`)}}, nil},
		{"completeness dictionary", spec("completeness"), [][]batch{{dictStr}}, 0.6},
		{"completeness float NaN not null", spec("completeness"), [][]batch{{fl}}, 5.0 / 6},

		// distinct, duplicates, unique_ratio, most_common
		{"distinct_count ints", spec("distinct_count"), [][]batch{{ints}}, int64(3)},
		{"distinct_count all null", spec("distinct_count"), [][]batch{{allNull}}, int64(0)},
		{"distinct_count floats", spec("distinct_count"), [][]batch{{fl}}, int64(4)}, // 1.5, NaN, 0 (= -0), 2.5
		{"distinct_count strings", spec("distinct_count"), [][]batch{{strs}}, int64(4)},
		{"distinct_count dictionary", spec("distinct_count"), [][]batch{{dictStr}}, int64(2)},
		{"distinct_count sliced", spec("distinct_count"), [][]batch{{slicedInts}}, int64(3)},
		{"distinct_count across batches", spec("distinct_count"), [][]batch{{ints}, {js(i64, `[3, 4]`)}}, int64(4)},
		{"approx_distinct ints", spec("approx_distinct"), [][]batch{{ints}}, int64(3)},
		{"approx_distinct strings", spec("approx_distinct"), [][]batch{{strs}}, int64(4)},
		{"approx_distinct empty", spec("approx_distinct"), [][]batch{{allNull}}, int64(0)},
		{"approx_distinct dictionary", spec("approx_distinct"), [][]batch{{dictStr}}, int64(2)},
		{"duplicate_count ints", spec("duplicate_count"), [][]batch{{ints}}, int64(2)},
		{"duplicate_count floats -0 is 0", spec("duplicate_count"), [][]batch{{fl}}, int64(2)},
		{"duplicate_count none", spec("duplicate_count"), [][]batch{{js(i64, `[1, 2, null, null]`)}}, int64(0)},
		{"duplicate_count across batches", spec("duplicate_count"), [][]batch{{ints}, {js(i64, `[1, 9]`)}}, int64(4)},
		{"duplicate_count dictionary", spec("duplicate_count"), [][]batch{{dictStr}}, int64(2)},
		{"unique_ratio ints", spec("unique_ratio"), [][]batch{{ints}}, 0.5},
		{"unique_ratio strings", spec("unique_ratio"), [][]batch{{strs}}, 0.6},
		{"unique_ratio all null", spec("unique_ratio"), [][]batch{{allNull}}, nil},
		{"most_common ints", spec("most_common"), [][]batch{{ints}}, int64(3)},
		{"most_common tie smallest", spec("most_common"), [][]batch{{js(i64, `[5, 4, 5, 4, 9]`)}}, int64(4)},
		{"most_common strings", spec("most_common"), [][]batch{{strs}}, "b"},
		{"most_common floats", spec("most_common"), [][]batch{{fl}}, 0.0},
		{"most_common float tie NaN last", spec("most_common"), [][]batch{{floats([]float64{nan, 3, nan, 3}, nil)}}, 3.0},
		{"most_common dictionary", spec("most_common"), [][]batch{{dictStr}}, "y"},
		{"most_common bool", spec("most_common"), [][]batch{{js(arrow.FixedWidthTypes.Boolean, `[true, false, true, null]`)}}, true},
		{"most_common uint tie", spec("most_common"), [][]batch{{js(arrow.PrimitiveTypes.Uint8, `[3, 1, null, 200]`)}}, uint64(1)},
		{"most_common all null", spec("most_common"), [][]batch{{allNull}}, nil},
		{"most_common binary", spec("most_common"), [][]batch{{js(arrow.BinaryTypes.Binary, `["YQ==", "Yg==", "Yg=="]`)}}, []byte("b")},
		{"most_common timestamp", spec("most_common"), [][]batch{{ts}}, utc("2024-01-02T03:04:05.123456Z")},

		// min, max
		{"min ints", spec("min"), [][]batch{{ints}}, int64(-2)},
		{"max ints", spec("max"), [][]batch{{ints}}, int64(3)},
		{"min all null", spec("min"), [][]batch{{allNull}}, nil},
		{"max across batches", spec("max"), [][]batch{{ints}, {allNull}, {js(i64, `[10]`)}}, int64(10)},
		{"min int8", spec("min"), [][]batch{{js(arrow.PrimitiveTypes.Int8, `[5, -128, 127]`)}}, int64(-128)},
		{"max uint64", spec("max"), [][]batch{{js(arrow.PrimitiveTypes.Uint64, `[1, 18446744073709551615, null]`)}}, uint64(math.MaxUint64)},
		{"min uint8", spec("min"), [][]batch{{js(arrow.PrimitiveTypes.Uint8, `[3, 1, null, 200]`)}}, uint64(1)},
		{"min floats NaN ignored", spec("min"), [][]batch{{floats([]float64{nan, 2, -1, nan}, nil)}}, -1.0},
		{"max floats NaN ignored", spec("max"), [][]batch{{fl}}, 2.5},
		{"max only NaN", spec("max"), [][]batch{{floats([]float64{nan}, nil)}}, nil},
		{"max float32", spec("max"), [][]batch{{js(arrow.PrimitiveTypes.Float32, `[0.5, 2.25, null]`)}}, 2.25},
		{"min strings", spec("min"), [][]batch{{strs}}, ""},
		{"max strings", spec("max"), [][]batch{{strs}}, "héllo"},
		{"max large_string", spec("max"), [][]batch{{js(arrow.BinaryTypes.LargeString, `["a", "c", null, "b"]`)}}, "c"},
		{"min binary", spec("min"), [][]batch{{js(arrow.BinaryTypes.Binary, `["Yg==", "YQ==", null]`)}}, []byte("a")},
		{"max large_binary", spec("max"), [][]batch{{js(arrow.BinaryTypes.LargeBinary, `["Yg==", "YQ==", null]`)}}, []byte("b")},
		{"min bool", spec("min"), [][]batch{{js(arrow.FixedWidthTypes.Boolean, `[true, null, false]`)}}, false},
		{"max bool", spec("max"), [][]batch{{js(arrow.FixedWidthTypes.Boolean, `[false, null, false]`)}}, false},
		{"min sliced bools", spec("min"), [][]batch{{slicedBools}}, true},
		{"min timestamp tz", spec("min"), [][]batch{{ts}}, utc("2023-12-31T00:00:00Z")},
		{"max timestamp tz", spec("max"), [][]batch{{ts}}, utc("2024-01-02T03:04:05.123456Z")},
		{"max timestamp s", spec("max"), [][]batch{{js(arrow.FixedWidthTypes.Timestamp_s, `["1970-01-01T00:00:10Z", null]`)}}, utc("1970-01-01T00:00:10Z")},
		{"max timestamp ns", spec("max"), [][]batch{{js(arrow.FixedWidthTypes.Timestamp_ns, `["2001-02-03T04:05:06.000000007Z"]`)}}, utc("2001-02-03T04:05:06.000000007Z")},
		{"min date32", spec("min"), [][]batch{{js(arrow.FixedWidthTypes.Date32, `["2024-02-29", null, "2020-01-01"]`)}}, utc("2020-01-01T00:00:00Z")},
		{"max date64", spec("max"), [][]batch{{js(arrow.FixedWidthTypes.Date64, `["2024-02-29", "1969-07-20"]`)}}, utc("2024-02-29T00:00:00Z")},
		{"min duration", spec("min"), [][]batch{{js(arrow.FixedWidthTypes.Duration_ms, `[1500, -3, null]`)}}, -3 * time.Millisecond},
		{"max duration", spec("max"), [][]batch{{js(arrow.FixedWidthTypes.Duration_s, `[1500, -3, null]`)}}, 1500 * time.Second},
		{"min decimal", spec("min"), [][]batch{{dec}}, -3.5},
		{"max dictionary strings", spec("max"), [][]batch{{dictStr}}, "y"},
		{"min dictionary ints", spec("min"), [][]batch{{dictInt}}, int64(10)},
		{"min sliced", spec("min"), [][]batch{{slicedInts}}, int64(1)},
		{"max sliced strings", spec("max"), [][]batch{{slicedStrs}}, "bb"},
		{"max sliced dictionary", spec("max"), [][]batch{{slicedDict(arrow.PrimitiveTypes.Int32, str, `[2, 0, 1, null, 2]`, `["a", "b", "c"]`, 1, 4)}}, "b"},

		// sum, mean, stddev
		{"sum ints", spec("sum"), [][]batch{{ints}}, 5.0},
		{"mean ints", spec("mean"), [][]batch{{ints}}, 1.25},
		{"stddev ints", spec("stddev"), [][]batch{{ints}}, math.Sqrt(16.75 / 4)},
		{"stddev one value", spec("stddev"), [][]batch{{js(i64, `[7, null]`)}}, 0.0},
		{"sum all null", spec("sum"), [][]batch{{allNull}}, nil},
		{"mean all null", spec("mean"), [][]batch{{allNull}}, nil},
		{"stddev empty", spec("stddev"), [][]batch{{js(i64, `[]`)}}, nil},
		{"sum floats NaN skipped", spec("sum"), [][]batch{{fl}}, 4.0},
		{"mean floats NaN skipped", spec("mean"), [][]batch{{fl}}, 1.0},
		{"mean only NaN", spec("mean"), [][]batch{{floats([]float64{nan, nan}, nil)}}, nil},
		{"sum infinities", spec("sum"), [][]batch{{floats([]float64{math.Inf(1), 1}, nil)}}, math.Inf(1)},
		{"sum uint64", spec("sum"), [][]batch{{js(arrow.PrimitiveTypes.Uint64, `[1, 2, null]`)}}, 3.0},
		{"mean int8", spec("mean"), [][]batch{{js(arrow.PrimitiveTypes.Int8, `[-128, 127, 1]`)}}, 0.0},
		{"sum decimal", spec("sum"), [][]batch{{dec}}, 1.75},
		{"mean decimal", spec("mean"), [][]batch{{dec}}, 1.75 / 3},
		{"sum dictionary", spec("sum"), [][]batch{{dictInt}}, 70.0},
		{"mean dictionary", spec("mean"), [][]batch{{dictInt}}, 70.0 / 3},
		{"sum sliced", spec("sum"), [][]batch{{slicedInts}}, 15.0},
		{"mean across batches", spec("mean"), [][]batch{{ints}, {allNull}, {js(i64, `[11]`)}}, 16.0 / 5},
		{"stddev across batches", spec("stddev"), [][]batch{{js(i64, `[2, 4]`)}, {js(i64, `[4, 4, 5]`)}, {js(i64, `[5, 7, 9]`)}}, 2.0},
		{"sum compensated", spec("sum"), [][]batch{{floats([]float64{1e100, 1, -1e100}, nil)}}, 1.0},

		// median, quantile
		{"median ints", spec("median"), [][]batch{{ints}}, 2.0},
		{"median odd", spec("median"), [][]batch{{js(i64, `[5, 1, 3]`)}}, 3.0},
		{"quantile 0.9", spec("quantile", 0.9), [][]batch{{ints}}, 3.0},
		{"quantile 0", spec("quantile", 0.0), [][]batch{{ints}}, -2.0},
		{"quantile 1 int arg", spec("quantile", int64(1)), [][]batch{{ints}}, 3.0},
		{"quantile 0.25 interpolated", spec("quantile", 0.25), [][]batch{{ints}}, 0.25},
		{"median all null", spec("median"), [][]batch{{allNull}}, nil},
		{"median floats NaN skipped", spec("median"), [][]batch{{fl}}, 0.75},
		{"median decimal", spec("median"), [][]batch{{dec}}, 1.25},
		{"median dictionary", spec("median"), [][]batch{{dictInt}}, 30.0},
		{"median sliced", spec("median"), [][]batch{{slicedInts}}, 5.0},
		{"median across batches", spec("median"), [][]batch{{js(i64, `[10, 20]`)}, {js(i64, `[30, null, 40]`)}}, 25.0},
		{"median infinities", spec("median"), [][]batch{{floats([]float64{math.Inf(1), math.Inf(1), math.Inf(-1)}, nil)}}, math.Inf(1)},

		// lengths
		{"min_length", spec("min_length"), [][]batch{{strs}}, int64(0)},
		{"max_length code points", spec("max_length"), [][]batch{{strs}}, int64(5)},
		{"mean_length", spec("mean_length"), [][]batch{{strs}}, 1.6},
		{"max_length all null", spec("max_length"), [][]batch{{js(str, `[null]`)}}, nil},
		{"mean_length large_string", spec("mean_length"), [][]batch{{js(arrow.BinaryTypes.LargeString, `["日本語", "ab", null]`)}}, 2.5},
		{"min_length dictionary", spec("min_length"), [][]batch{{dict(arrow.PrimitiveTypes.Int8, str, `[0, 1, 0]`, `["abc", "€€€€"]`)}}, int64(3)},
		{"max_length sliced", spec("max_length"), [][]batch{{slicedStrs}}, int64(2)},
		{"max_length across batches", spec("max_length"), [][]batch{{strs}, {js(str, `["seven77"]`)}}, int64(7)},
		{"min_length invalid utf8 byte counts one", spec("min_length"), [][]batch{{func(t *testing.T, mem memory.Allocator) arrow.Array {
			b := array.NewStringBuilder(mem)
			defer b.Release()
			b.Append("a\xffb")
			return b.NewArray()
		}}}, int64(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			assertResult(t, tt.want, compute(t, mem, tt.spec, tt.batches...))
		})
	}
}

func TestDuplicateCountColumns(t *testing.T) {
	i64, str := arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String
	tests := []struct {
		name    string
		batches [][]batch
		want    int64
	}{
		{"int and string", [][]batch{{js(i64, `[1, 1, 2, 2, null, 1]`), js(str, `["x", "x", "y", "z", "x", "x"]`)}}, 3},
		{"null in any column excluded", [][]batch{{js(i64, `[1, 1, 1]`), js(str, `["x", null, "x"]`)}}, 2},
		{"no ambiguity between columns", [][]batch{{js(str, `["ab", "a"]`), js(str, `["c", "bc"]`)}}, 0},
		{"across batches", [][]batch{
			{js(i64, `[1, 2]`), js(str, `["x", "y"]`)},
			{js(i64, `[1, 3]`), js(str, `["x", "y"]`)},
		}, 2},
		{"float bool dictionary sliced", [][]batch{{
			floats([]float64{0, math.Copysign(0, -1), math.NaN(), math.NaN(), 1}, nil),
			js(arrow.FixedWidthTypes.Boolean, `[true, true, false, false, false]`),
			slicedDict(arrow.PrimitiveTypes.Int16, str, `[0, 1, 1, 0, 0, 0]`, `["p", "q"]`, 1, 6), // q q p p p
		}}, 4},
		{"timestamp and decimal", [][]batch{{
			js(arrow.FixedWidthTypes.Timestamp_ms, `["2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z"]`),
			js(&arrow.Decimal128Type{Precision: 5, Scale: 1}, `["1.5", "1.5", "1.5"]`),
		}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			cols := make([]string, len(tt.batches[0]))
			for i := range cols {
				cols[i] = string(rune('a' + i))
			}
			got := compute(t, mem, metrics.Spec{Func: "duplicate_count", Columns: cols}, tt.batches...)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestStringsAreCopied checks that states keep no reference to the Arrow
// buffers of a batch: the batch's bytes are overwritten after Update.
func TestStringsAreCopied(t *testing.T) {
	for _, fn := range []string{"min", "max", "most_common", "distinct_count", "duplicate_count"} {
		t.Run(fn, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			arr := js(arrow.BinaryTypes.String, `["m", "b", "y", "b"]`)(t, mem)
			s, err := metrics.New(spec(fn), []arrow.DataType{arr.DataType()})
			require.NoError(t, err)
			require.NoError(t, s.Update([]arrow.Array{arr}))
			data := arr.Data().Buffers()[2].Bytes()
			for i := range data {
				data[i] = 'm'
			}
			arr.Release()
			arr2 := js(arrow.BinaryTypes.String, `["m"]`)(t, mem)
			defer arr2.Release()
			require.NoError(t, s.Update([]arrow.Array{arr2}))
			got, err := s.Result()
			require.NoError(t, err)
			want := map[string]any{"min": "b", "max": "y", "most_common": "b", "distinct_count": int64(3), "duplicate_count": int64(4)}[fn]
			assert.Equal(t, want, got)
		})
	}
}

func TestRowCountRows(t *testing.T) {
	s, err := metrics.New(metrics.Spec{Func: "row_count"}, nil)
	require.NoError(t, err)
	rc, ok := s.(metrics.RowCounter)
	require.True(t, ok)
	rc.UpdateRows(41)
	rc.UpdateRows(1)
	got, err := s.Result()
	require.NoError(t, err)
	assert.Equal(t, int64(42), got)
	assert.ErrorIs(t, s.Update(nil), metrics.ErrArgs)
}

func TestNoBatches(t *testing.T) {
	i64 := []arrow.DataType{arrow.PrimitiveTypes.Int64}
	want := map[string]any{
		"null_count": int64(0), "completeness": nil, "distinct_count": int64(0), "approx_distinct": int64(0),
		"duplicate_count": int64(0), "unique_ratio": nil, "min": nil, "max": nil, "sum": nil, "mean": nil,
		"stddev": nil, "median": nil, "most_common": nil,
	}
	for fn, w := range want {
		t.Run(fn, func(t *testing.T) {
			s, err := metrics.New(spec(fn), i64)
			require.NoError(t, err)
			got, err := s.Result()
			require.NoError(t, err)
			assert.Equal(t, w, got)
		})
	}
}

func TestCatalogHasStates(t *testing.T) {
	for _, f := range metrics.Catalog {
		t.Run(f.Name, func(t *testing.T) {
			sp := metrics.Spec{Func: f.Name}
			var types []arrow.DataType
			n := max(f.Columns, 1)
			if f.Columns == 0 {
				n = 0
			}
			for i := range n {
				sp.Columns = append(sp.Columns, string(rune('a'+i)))
				types = append(types, arrow.PrimitiveTypes.Int64)
				if f.Strings {
					types[i] = arrow.BinaryTypes.String
				}
			}
			for _, kind := range f.Args {
				switch {
				case kind == "int":
					sp.Args = append(sp.Args, int64(0))
				case kind == "string" && f.Name == "order_violations":
					sp.Args = append(sp.Args, metrics.OrderIncreasing)
				default:
					sp.Args = append(sp.Args, 0.5)
				}
			}
			s, err := metrics.New(sp, types)
			require.NoError(t, err)
			assert.Equal(t, sp, s.Spec())
		})
	}
}

func TestNewErrors(t *testing.T) {
	i64 := arrow.PrimitiveTypes.Int64
	str := arrow.BinaryTypes.String
	list := arrow.ListOf(i64)
	tests := []struct {
		name  string
		spec  metrics.Spec
		types []arrow.DataType
		want  error
	}{
		{"unknown function", spec("nope"), []arrow.DataType{i64}, metrics.ErrUnsupported},
		{"mean of string", spec("mean"), []arrow.DataType{str}, metrics.ErrUnsupported},
		{"sum of bool", spec("sum"), []arrow.DataType{arrow.FixedWidthTypes.Boolean}, metrics.ErrUnsupported},
		{"sum of timestamp", spec("sum"), []arrow.DataType{arrow.FixedWidthTypes.Timestamp_us}, metrics.ErrUnsupported},
		{"median of string", spec("median"), []arrow.DataType{str}, metrics.ErrUnsupported},
		{"min_length of int", spec("min_length"), []arrow.DataType{i64}, metrics.ErrUnsupported},
		{"max_length of binary", spec("max_length"), []arrow.DataType{arrow.BinaryTypes.Binary}, metrics.ErrUnsupported},
		{"min of list", spec("min"), []arrow.DataType{list}, metrics.ErrUnsupported},
		{"distinct_count of struct", spec("distinct_count"), []arrow.DataType{arrow.StructOf()}, metrics.ErrUnsupported},
		{"approx_distinct of float16", spec("approx_distinct"), []arrow.DataType{arrow.FixedWidthTypes.Float16}, metrics.ErrUnsupported},
		{"duplicate_count with a list", metrics.Spec{Func: "duplicate_count", Columns: []string{"a", "b"}}, []arrow.DataType{i64, list}, metrics.ErrUnsupported},
		{"mean of dictionary of strings", spec("mean"), []arrow.DataType{&arrow.DictionaryType{IndexType: i64, ValueType: str}}, metrics.ErrUnsupported},
		{"null_count of union", spec("null_count"), []arrow.DataType{arrow.SparseUnionOf(nil, nil)}, metrics.ErrUnsupported},
		{"quantile above 1", spec("quantile", 1.5), []arrow.DataType{i64}, metrics.ErrArgs},
		{"quantile below 0", spec("quantile", -0.1), []arrow.DataType{i64}, metrics.ErrArgs},
		{"quantile NaN", spec("quantile", math.NaN()), []arrow.DataType{i64}, metrics.ErrArgs},
		{"quantile string", spec("quantile", "0.5"), []arrow.DataType{i64}, metrics.ErrArgs},
		{"quantile missing q", spec("quantile"), []arrow.DataType{i64}, metrics.ErrArgs},
		{"mean with argument", spec("mean", 1.0), []arrow.DataType{i64}, metrics.ErrArgs},
		{"mean of two columns", metrics.Spec{Func: "mean", Columns: []string{"a", "b"}}, []arrow.DataType{i64, i64}, metrics.ErrArgs},
		{"row_count with a column", spec("row_count"), []arrow.DataType{i64}, metrics.ErrArgs},
		{"duplicate_count of nothing", metrics.Spec{Func: "duplicate_count"}, nil, metrics.ErrArgs},
		{"types do not match columns", spec("mean"), nil, metrics.ErrArgs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := metrics.New(tt.spec, tt.types)
			assert.ErrorIs(t, err, tt.want)
			assert.Nil(t, s)
		})
	}
}

func TestUpdateErrors(t *testing.T) {
	mem := arrowtest.Allocator(t)
	i64 := arrow.PrimitiveTypes.Int64
	a := js(i64, `[1, 2]`)(t, mem)
	defer a.Release()
	b := js(arrow.PrimitiveTypes.Int32, `[1, 2]`)(t, mem)
	defer b.Release()
	short := js(i64, `[1]`)(t, mem)
	defer short.Release()

	mean, err := metrics.New(spec("mean"), []arrow.DataType{i64})
	require.NoError(t, err)
	assert.ErrorIs(t, mean.Update([]arrow.Array{b}), metrics.ErrMismatch, "other type")
	assert.ErrorIs(t, mean.Update(nil), metrics.ErrArgs, "no columns")
	assert.ErrorIs(t, mean.Update([]arrow.Array{a, a}), metrics.ErrArgs, "two columns")
	assert.ErrorIs(t, mean.Update([]arrow.Array{nil}), metrics.ErrArgs, "nil column")

	dup, err := metrics.New(metrics.Spec{Func: "duplicate_count", Columns: []string{"a", "b"}}, []arrow.DataType{i64, i64})
	require.NoError(t, err)
	assert.ErrorIs(t, dup.Update([]arrow.Array{a, short}), metrics.ErrArgs, "different lengths")
}

func TestMergeErrors(t *testing.T) {
	i64 := []arrow.DataType{arrow.PrimitiveTypes.Int64}
	newState := func(sp metrics.Spec, types []arrow.DataType) metrics.State {
		s, err := metrics.New(sp, types)
		require.NoError(t, err)
		return s
	}
	tests := []struct {
		name string
		a, b metrics.State
		want error
	}{
		{"other column", newState(spec("mean"), i64), newState(metrics.Spec{Func: "mean", Columns: []string{"d"}}, i64), metrics.ErrMismatch},
		{"other function same state", newState(spec("mean"), i64), newState(spec("sum"), i64), metrics.ErrMismatch},
		{"other function", newState(spec("mean"), i64), newState(spec("min"), i64), metrics.ErrMismatch},
		{"other argument", newState(spec("quantile", 0.5), i64), newState(spec("quantile", 0.9), i64), metrics.ErrMismatch},
		{"other type", newState(spec("min"), i64), newState(spec("min"), []arrow.DataType{arrow.PrimitiveTypes.Int32}), metrics.ErrMismatch},
		{"other timestamp unit", newState(spec("max"), []arrow.DataType{arrow.FixedWidthTypes.Timestamp_ms}), newState(spec("max"), []arrow.DataType{arrow.FixedWidthTypes.Timestamp_us}), metrics.ErrMismatch},
		{"nil", newState(spec("approx_distinct"), i64), nil, metrics.ErrMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorIs(t, tt.a.Merge(tt.b), tt.want)
		})
	}
	t.Run("itself", func(t *testing.T) {
		s := newState(spec("mean"), i64)
		assert.ErrorIs(t, s.Merge(s), metrics.ErrArgs)
	})
}
