package parquetconnector

import (
	"context"
	"os"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

const flightsPath = "../../../shared/datasets/flights-3m.parquet"

func TestFlightsMatchesPQArrow(t *testing.T) {
	if _, err := os.Stat(flightsPath); err != nil {
		t.Skipf("flights-3m.parquet not available at %s (shared datasets absent): %v", flightsPath, err)
	}
	tests := []struct {
		name string
		cols []string
	}{
		{"all columns", nil},
		{"projection", []string{"destination", "delay"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			src, err := NewSource(flightsPath)
			require.NoError(t, err)
			got, err := src.Open(context.Background(), connectors.ReadOptions{Columns: tt.cols, BatchSize: 50_000, Allocator: mem})
			require.NoError(t, err)
			defer got.Release()
			want := openPQArrow(t, flightsPath, mem, tt.cols, 50_000)
			defer want.Release()
			rows := assertSameRows(t, want, got)
			assert.Equal(t, 3_000_000, rows)
		})
	}
}

func TestFlightsMetadata(t *testing.T) {
	if _, err := os.Stat(flightsPath); err != nil {
		t.Skipf("flights-3m.parquet not available at %s (shared datasets absent): %v", flightsPath, err)
	}
	ctx := context.Background()
	src, err := NewSource(flightsPath)
	require.NoError(t, err)
	n, err := src.NumRows(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(3_000_000), n)
	sc, err := src.Schema(ctx)
	require.NoError(t, err)
	require.Equal(t, 5, sc.NumFields())
	assert.Equal(t, arrow.TIMESTAMP, sc.Field(0).Type.ID())
	assert.Equal(t, arrow.DICTIONARY, sc.Field(3).Type.ID())
	stats, err := src.ColumnStats(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, stats)
	var total int64
	for _, rg := range stats {
		require.Len(t, rg, 5)
		total += rg[1].NumValues
		assert.NotNil(t, rg[1].Min)
		assert.IsType(t, "", rg[3].Min)
	}
	assert.Equal(t, int64(3_000_000), total)
}

// BenchmarkFlightsRowGroupWorkers reads every column of flights-3m with
// one row group at a time and with several decoded ahead.
func BenchmarkFlightsRowGroupWorkers(b *testing.B) {
	if _, err := os.Stat(flightsPath); err != nil {
		b.Skipf("flights-3m.parquet not available at %s: %v", flightsPath, err)
	}
	for _, workers := range []int{1, 2, 4} {
		b.Run("workers="+itoa(workers), func(b *testing.B) {
			src, err := NewSource(flightsPath, WithRowGroupWorkers(workers))
			require.NoError(b, err)
			for b.Loop() {
				rr, err := src.Open(context.Background(), connectors.ReadOptions{})
				require.NoError(b, err)
				for rr.Next() {
				}
				require.NoError(b, rr.Err())
				rr.Release()
			}
		})
	}
}
