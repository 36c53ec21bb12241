package csvconnector_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/csvconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

func TestBatchSizeAboveMax(t *testing.T) {
	path := writeTemp(t, "a\n1\n")
	for _, n := range []int{connectors.MaxBatchSize + 1, 1 << 31, -1} {
		_, err := csvconnector.NewSource(path).Open(context.Background(), connectors.ReadOptions{BatchSize: n})
		require.ErrorIs(t, err, connectors.ErrLimit)
	}
	_, rows, err := readAll(t, csvconnector.NewSource(path), connectors.ReadOptions{BatchSize: connectors.MaxBatchSize})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"1"}}, rows)
}

// A long line costs a small multiple of its size, counted in bytes
// allocated over the whole read (schema inference included).
func TestLongLineMemory(t *testing.T) {
	const n = 16 << 20
	path := filepath.Join(t.TempDir(), "long.csv")
	require.NoError(t, os.WriteFile(path, []byte("id,text\n1,"+strings.Repeat("x", n)+"\n"), 0o600))
	mem := arrowtest.Allocator(t)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	src := csvconnector.NewSource(path, csvconnector.WithLimits(connectors.Limits{MaxRecordBytes: 32 << 20}))
	rdr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem})
	require.NoError(t, err)
	for rdr.Next() {
		assert.Equal(t, n, rdr.RecordBatch().Column(1).(interface{ ValueLen(int) int }).ValueLen(0))
	}
	require.NoError(t, rdr.Err())
	rdr.Release()
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(24*n), "bytes allocated for a %d-byte line", n)
	t.Logf("allocated %.1fx the line", float64(after.TotalAlloc-before.TotalAlloc)/n)
}
