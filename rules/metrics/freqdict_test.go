package metrics_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
)

// The exact-count metrics count a dictionary column per entry; the results
// equal those over the same values written plainly: with null rows, unused
// and repeated entries, slices, several batches, strings and ints.
func TestFreqDictionaryEqualsPlain(t *testing.T) {
	str, i64, i32 := arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int32
	cases := []struct {
		name        string
		dictBatches [][]batch
		plain       [][]batch
	}{
		{"strings with null rows and an unused entry",
			[][]batch{{dict(i32, str, `[0, 1, null, 1, 2, 1, 0]`, `["x", "y", "z", "unused"]`)}},
			[][]batch{{js(str, `["x", "y", null, "y", "z", "y", "x"]`)}}},
		{"a dictionary that repeats a value",
			[][]batch{{dict(arrow.PrimitiveTypes.Int8, str, `[0, 1, 2, 2]`, `["a", "b", "a"]`)}},
			[][]batch{{js(str, `["a", "b", "a", "a"]`)}}},
		{"sliced, two batches",
			[][]batch{
				{slicedDict(i32, str, `[3, 0, 1, 1, 2, 0]`, `["p", "q", "r", "s"]`, 1, 5)},
				{dict(i32, str, `[1, 1, 0]`, `["q", "t"]`)},
			},
			[][]batch{{js(str, `["p", "q", "q", "r"]`)}, {js(str, `["t", "t", "q"]`)}}},
		{"ints",
			[][]batch{{dict(i32, i64, `[2, 2, 0, null, 1]`, `[10, 20, 30]`)}},
			[][]batch{{js(i64, `[30, 30, 10, null, 20]`)}}},
	}
	for _, fn := range []string{"distinct_count", "duplicate_count", "unique_ratio", "most_common"} {
		for _, tc := range cases {
			t.Run(fn+"/"+tc.name, func(t *testing.T) {
				mem := arrowtest.Allocator(t)
				want := compute(t, mem, spec(fn), tc.plain...)
				got := compute(t, mem, spec(fn), tc.dictBatches...)
				require.NotNil(t, want)
				require.Equal(t, want, got)
			})
		}
	}
}
