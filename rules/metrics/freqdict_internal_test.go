package metrics

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
)

// addDict takes a short dictionary without nulls, and leaves a long one,
// one with a null entry or an index out of range to the per-row path.
func TestAddDictApplies(t *testing.T) {
	mem := arrowtest.Allocator(t)
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	for _, tc := range []struct {
		indices, values string
		want            bool
	}{
		{`[0, 1, 1, null]`, `["a", "b"]`, true},
		{`[0]`, `["a", "b"]`, false},          // longer than the column
		{`[0, 1, 1]`, `["a", null]`, false},   // a null entry
		{`[0, 1, 7, 1]`, `["a", "b"]`, false}, // out of range
	} {
		var arr arrow.Array
		var err error
		if tc.indices == `[0, 1, 7, 1]` {
			ib := array.NewInt32Builder(mem)
			ib.AppendValues([]int32{0, 1, 7, 1}, nil)
			idx := ib.NewArray()
			ib.Release()
			vals, _, verr := array.FromJSON(mem, arrow.BinaryTypes.String, stringsReader(tc.values))
			require.NoError(t, verr)
			arr = array.NewDictionaryArray(dt, idx, vals)
			idx.Release()
			vals.Release()
		} else {
			arr, err = array.DictArrayFromJSON(mem, dt, tc.indices, tc.values)
			require.NoError(t, err)
		}
		s, err := New(Spec{Func: "distinct_count", Columns: []string{"c"}}, []arrow.DataType{dt})
		require.NoError(t, err)
		require.Equal(t, tc.want, s.(*freq[string]).addDict(arr.(*array.Dictionary)), "%s %s", tc.indices, tc.values)
		arr.Release()
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
