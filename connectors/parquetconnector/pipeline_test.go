package parquetconnector

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
)

func writeGroups(t *testing.T, groups []int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "groups.parquet")
	require.NoError(t, os.WriteFile(path, writeGoFile(t, groups), 0o600))
	return path
}

// readBatches reads path with workers row groups at once and returns its
// batches, retained.
func readBatches(t *testing.T, path string, workers, batch int, mem memory.Allocator) []arrow.RecordBatch {
	t.Helper()
	src, err := NewSource(path, WithRowGroupWorkers(workers))
	require.NoError(t, err)
	rr, err := src.Open(context.Background(), connectors.ReadOptions{BatchSize: batch, Allocator: mem})
	require.NoError(t, err)
	defer rr.Release()
	var out []arrow.RecordBatch
	for rr.Next() {
		rec := rr.RecordBatch()
		rec.Retain()
		out = append(out, rec)
	}
	require.NoError(t, rr.Err())
	return out
}

func TestRowGroupWorkersSameBatches(t *testing.T) {
	path := writeGroups(t, []int{1000, 1, 2500, 7, 3000, 640, 1, 1200, 333})
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	want := readBatches(t, path, 1, 640, mem)
	for _, workers := range []int{2, 3, 8} {
		got := readBatches(t, path, workers, 640, mem)
		require.Len(t, got, len(want), "workers %d", workers)
		rows := 0
		for i := range want {
			require.Equal(t, want[i].NumRows(), got[i].NumRows(), "workers %d batch %d", workers, i)
			assert.True(t, array.RecordEqual(want[i], got[i]), "workers %d batch %d", workers, i)
			rows += int(got[i].NumRows())
			got[i].Release()
		}
		assert.Equal(t, 8682, rows)
	}
	for _, r := range want {
		r.Release()
	}
}

func TestRowGroupWorkersBoundMemory(t *testing.T) {
	groups := make([]int, 16)
	for i := range groups {
		groups[i] = 4000
	}
	path := writeGroups(t, groups)
	const workers = 2
	src, err := NewSource(path, WithRowGroupWorkers(workers))
	require.NoError(t, err)
	if src.rowGroupWorkers(len(groups)) < workers {
		t.Skip("GOMAXPROCS is 1: row groups are decoded one after another")
	}
	// What one decoded row group holds: its batches, all retained.
	one := &peakAllocator{Allocator: memory.NewGoAllocator()}
	for _, r := range readBatches(t, writeGroups(t, groups[:1]), 1, 1000, one) {
		r.Release()
	}
	group := one.peak.Load()

	mem := &peakAllocator{Allocator: memory.NewGoAllocator()}
	rr, err := src.Open(context.Background(), connectors.ReadOptions{BatchSize: 1000, Allocator: mem})
	require.NoError(t, err)
	rows := 0
	for rr.Next() {
		rows += int(rr.RecordBatch().NumRows())
	}
	require.NoError(t, rr.Err())
	p := rr.(*reader).pipe
	require.NotNil(t, p)
	p.mu.Lock()
	maxIn := p.maxInflight
	p.mu.Unlock()
	rr.Release()
	assert.Equal(t, 64000, rows)
	assert.LessOrEqual(t, maxIn, workers)
	assert.Equal(t, int64(0), mem.cur.Load())
	// At most two row groups decoded, and the batch being returned: far
	// below the sixteen of the file.
	t.Logf("peak %d bytes; one row group %d bytes", mem.peak.Load(), group)
	assert.LessOrEqual(t, mem.peak.Load(), int64(workers+1)*group)
}

func TestRowGroupWorkersEarlyRelease(t *testing.T) {
	path := writeGroups(t, []int{3000, 3000, 3000, 3000, 3000})
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src, err := NewSource(path, WithRowGroupWorkers(4))
	require.NoError(t, err)
	rr, err := src.Open(context.Background(), connectors.ReadOptions{BatchSize: 500, Allocator: mem})
	require.NoError(t, err)
	require.True(t, rr.Next())
	// The batches decoded ahead are released with the reader.
	rr.Release()
}
