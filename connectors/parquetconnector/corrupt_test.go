package parquetconnector

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

// readAll reads every batch of path; it returns the first error.
func readAll(path string, mem memory.Allocator) (rows int64, err error) {
	src, err := NewSource(path)
	if err != nil {
		return 0, err
	}
	ctx := context.Background()
	if _, err := src.Schema(ctx); err != nil {
		return 0, err
	}
	if _, err := src.ColumnStats(ctx); err != nil {
		return 0, err
	}
	rr, err := src.Open(ctx, connectors.ReadOptions{Allocator: mem, BatchSize: 5})
	if err != nil {
		return 0, err
	}
	defer rr.Release()
	for rr.Next() {
		rows += rr.RecordBatch().NumRows()
	}
	return rows, rr.Err()
}

func sampleFile(t testing.TB, dir string) []byte {
	t.Helper()
	rec := allTypesRecord(t, arrowtest.Allocator(t), 4)
	defer rec.Release()
	path := filepath.Join(dir, "sample.parquet")
	writeFile(t, path, []arrow.RecordBatch{rec}, rec.Schema(), map[string]string{"k": "v"})
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func TestCorruptFiles(t *testing.T) {
	dir := t.TempDir()
	good := sampleFile(t, dir)
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"magic only", []byte("PAR1")},
		{"not parquet", []byte("hello, this is not a parquet file at all")},
		{"truncated footer", good[:len(good)-3]},
		{"truncated half", good[:len(good)/2]},
		{"footer length too large", append(append([]byte{}, good[:len(good)-8]...), 0xff, 0xff, 0xff, 0x7f, 'P', 'A', 'R', '1')},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			path := filepath.Join(t.TempDir(), "bad.parquet")
			require.NoError(t, os.WriteFile(path, tt.data, 0o600))
			_, err := readAll(path, mem)
			require.ErrorIs(t, err, connectors.ErrCorrupt)
			assert.Contains(t, err.Error(), path)
		})
	}
}

// TestDamagedPages flips bytes through the page data: every read either
// succeeds or fails with ErrCorrupt, and never panics.
func TestDamagedPages(t *testing.T) {
	dir := t.TempDir()
	good := sampleFile(t, dir)
	mem := arrowtest.Allocator(t)
	path := filepath.Join(dir, "bad.parquet")
	failures := 0
	for off := 4; off < len(good)-8; off += 7 {
		bad := append([]byte(nil), good...)
		bad[off] ^= 0xa5
		require.NoError(t, os.WriteFile(path, bad, 0o600))
		if _, err := readAll(path, mem); err != nil {
			failures++
			// Damage to the schema may also turn a type into a valid
			// but unsupported one.
			require.Truef(t, errors.Is(err, connectors.ErrCorrupt) || errors.Is(err, connectors.ErrUnsupported),
				"offset %d: %v", off, err)
		}
	}
	assert.Positive(t, failures, "some damage is detected")
}

func FuzzRead(f *testing.F) {
	dir := f.TempDir()
	good := sampleFile(f, dir)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("PAR1PAR1"))
	// One file rewritten in place: a new directory and file per
	// execution cost more than the read (a truncating rewrite flushes).
	scratch := newScratchFile(f, "f.parquet")
	f.Fuzz(func(t *testing.T, data []byte) {
		mem := arrowtest.Allocator(t)
		path := scratch.write(t, data)
		_, err := readAll(path, mem)
		if err != nil {
			assert.True(t, errors.Is(err, connectors.ErrCorrupt) || errors.Is(err, connectors.ErrUnsupported), "%v", err)
		}
	})
}
