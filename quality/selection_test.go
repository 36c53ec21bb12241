package quality

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
)

func TestKeptRuns(t *testing.T) {
	tests := []struct {
		name string
		mask []bool
		keep bool
		want [][2]int
	}{
		{name: "empty", mask: nil, keep: true, want: nil},
		{name: "none kept", mask: []bool{false, false}, keep: true, want: nil},
		{name: "all kept", mask: []bool{true, true}, keep: true, want: [][2]int{{0, 2}}},
		{name: "alternating", mask: []bool{true, false, true}, keep: true, want: [][2]int{{0, 1}, {2, 3}}},
		{name: "keep false", mask: []bool{true, false, false, true}, keep: false, want: [][2]int{{1, 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, keptRuns(tt.mask, tt.keep))
		})
	}
}

func TestSelectRows(t *testing.T) {
	mem := arrowtest.Allocator(t)
	batches := batchesOf(t, mem, sixOrders, 6)
	batch := batches[0]
	defer batch.Release()
	tests := []struct {
		name string
		mask []bool
		want []int64
	}{
		{name: "none", mask: []bool{false, false, false, false, false, false}, want: []int64{}},
		{name: "one run", mask: []bool{false, true, true, true, false, false}, want: []int64{2, 3, 4}},
		{name: "scattered", mask: []bool{true, false, true, false, false, true}, want: []int64{1, 3, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := selectRows(context.Background(), mem, batch, tt.mask, true)
			require.NoError(t, err)
			defer got.Release()
			assert.Equal(t, tt.want, int64Column([]arrow.RecordBatch{got}, "order_id"))

			// The fallback gives the same rows, every column.
			runs := keptRuns(tt.mask, true)
			if len(runs) < 2 {
				return
			}
			alt, err := concatRuns(mem, batch, runs)
			require.NoError(t, err)
			defer alt.Release()
			assert.True(t, array.RecordEqual(got, alt))
		})
	}
}
