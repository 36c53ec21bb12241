package rules

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

// countKeys keys every column as the per-row valueKey loop does, on its
// fast paths (dictionaries with and without nulls, sliced, strings, int64)
// and on the others.
func TestCountKeysAgreesWithValueKey(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	dictOf := func(idx arrow.DataType, vals []string, nulls []bool) arrow.Array {
		b := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: idx, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
		defer b.Release()
		for i, v := range vals {
			if nulls != nil && nulls[i] {
				b.AppendNull()
				continue
			}
			require.NoError(t, b.AppendString(v))
		}
		return b.NewArray()
	}
	vals := []string{"JFK", "LAX", "JFK", "SFO", "", "LAX", "JFK", "ORD"}
	nulls := []bool{false, true, false, false, false, false, true, false}
	strs := func() arrow.Array {
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.AppendValues(vals, invert(nulls))
		return b.NewArray()
	}
	ints := func() arrow.Array {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.AppendValues([]int64{3, 1, 3, 7, 0, 1, 3, 9}, invert(nulls))
		return b.NewArray()
	}
	int32s := func() arrow.Array {
		b := array.NewInt32Builder(mem)
		defer b.Release()
		b.AppendValues([]int32{3, 1, 3, 7, 0, 1, 3, 9}, invert(nulls))
		return b.NewArray()
	}
	for _, tc := range []struct {
		name string
		arr  func() arrow.Array
	}{
		{"dictionary int32", func() arrow.Array { return dictOf(arrow.PrimitiveTypes.Int32, vals, nil) }},
		{"dictionary int8 with nulls", func() arrow.Array { return dictOf(arrow.PrimitiveTypes.Int8, vals, nulls) }},
		{"dictionary uint16 with nulls", func() arrow.Array { return dictOf(arrow.PrimitiveTypes.Uint16, vals, nulls) }},
		{"dictionary sliced", func() arrow.Array {
			d := dictOf(arrow.PrimitiveTypes.Int32, vals, nulls)
			defer d.Release()
			return array.NewSlice(d, 2, 7)
		}},
		{"string with nulls", strs},
		{"string sliced", func() arrow.Array { s := strs(); defer s.Release(); return array.NewSlice(s, 1, 6) }},
		{"int64 with nulls", ints},
		{"int64 sliced", func() arrow.Array { s := ints(); defer s.Release(); return array.NewSlice(s, 3, 8) }},
		{"int32 (generic path)", int32s},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arr := tc.arr()
			defer arr.Release()
			c, err := newColReader(arr)
			require.NoError(t, err)
			want := map[any]int64{}
			for i := range arr.Len() {
				if !c.null(i) {
					want[valueKey(c.get(i))]++
				}
			}
			got := map[any]int64{}
			require.NoError(t, countKeys(c, arr.Len(), got))
			require.NotEmpty(t, want)
			require.Equal(t, want, got)
			// Counting twice adds up.
			require.NoError(t, countKeys(c, arr.Len(), got))
			for k, n := range want {
				require.Equal(t, 2*n, got[k], "key %v", k)
			}
		})
	}
}

func invert(b []bool) []bool {
	out := make([]bool, len(b))
	for i, v := range b {
		out[i] = !v
	}
	return out
}
