package metrics

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
)

// A batch's exact-count state holds its values uncounted until it is
// merged; the merged state, its keys' order of first occurrence and its
// encoding are those of one state that counted every batch itself, and
// past maxPending a state counts as it goes.
func TestFreqPendingCountedOnceAtMerge(t *testing.T) {
	mem := arrowtest.Allocator(t)
	spec := Spec{Func: "duplicate_count", Columns: []string{"id"}}
	types := []arrow.DataType{arrow.PrimitiveTypes.Int64}
	batch := func(lo, n int) arrow.Array {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		for i := range n {
			if i%7 == 3 {
				b.AppendNull()
				continue
			}
			b.Append(int64((lo + i) % 5000)) // repeats across batches
		}
		return b.NewArray()
	}
	whole, err := New(spec, types)
	require.NoError(t, err)
	merged, err := New(spec, types)
	require.NoError(t, err)
	for j := range 4 {
		arr := batch(j*3000, 3000)
		require.NoError(t, whole.Update([]arrow.Array{arr}))
		child, err := New(spec, types)
		require.NoError(t, err)
		require.NoError(t, child.Update([]arrow.Array{arr}))
		require.NotEmpty(t, child.(*freq[int64]).pending)
		require.Empty(t, child.(*freq[int64]).keys)
		require.NoError(t, merged.Merge(child))
		require.NotEmpty(t, child.(*freq[int64]).pending, "the merge leaves its argument as it was")
		arr.Release()
	}
	w, m := whole.(*freq[int64]), merged.(*freq[int64])
	wantRes, err := w.Result()
	require.NoError(t, err)
	gotRes, err := m.Result()
	require.NoError(t, err)
	require.Equal(t, wantRes, gotRes)
	require.Equal(t, w.keys, m.keys)
	require.Equal(t, w.counts, m.counts)
	wantEnc, err := Encode(w)
	require.NoError(t, err)
	gotEnc, err := Encode(m)
	require.NoError(t, err)
	require.Equal(t, wantEnc, gotEnc)

	big, err := New(spec, types)
	require.NoError(t, err)
	arr := batch(0, maxPending+maxPending/4) // more values than maxPending, nulls aside
	defer arr.Release()
	require.NoError(t, big.Update([]arrow.Array{arr}))
	require.Empty(t, big.(*freq[int64]).pending)
	res, err := big.Result()
	require.NoError(t, err)
	require.Positive(t, res)
}
