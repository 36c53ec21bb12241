package arrowconnector_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/arrowconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

// TestHostileLengths writes ff ff ff 7f (a length of 2^31-1) at every
// offset of a file and of a stream, the schema and the footer included:
// every read either succeeds or fails with a one-line ErrCorrupt, never
// panics, and allocates a bounded amount.
func TestHostileLengths(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []arrowconnector.Option
	}{
		{name: "file"},
		{name: "stream", opts: []arrowconnector.Option{arrowconnector.WithStreamFormat()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			good := filepath.Join(dir, "good.arrow")
			writeFile(t, good, 20, tt.opts...)
			data, err := os.ReadFile(good)
			require.NoError(t, err)
			bad := filepath.Join(dir, "bad.arrow")
			failures := 0
			for i := 0; i+4 <= len(data); i++ {
				damaged := append([]byte(nil), data...)
				copy(damaged[i:], []byte{0xff, 0xff, 0xff, 0x7f})
				require.NoError(t, os.WriteFile(bad, damaged, 0o600))
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				err := readErrAlloc(t, bad, arrowtest.Allocator(t))
				runtime.ReadMemStats(&after)
				require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "offset %d: bytes allocated", i)
				if err == nil {
					continue
				}
				failures++
				require.ErrorIs(t, err, connectors.ErrCorrupt, "offset %d", i)
				require.NotContains(t, err.Error(), "\n", "offset %d", i)
				require.Contains(t, err.Error(), bad, "offset %d", i)
			}
			assert.Positive(t, failures)
		})
	}
}

// TestHostileSchema holds the limits on the schema.
func TestHostileSchema(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "good.arrow")
	writeFile(t, path, 5)
	src := arrowconnector.NewSource(path, arrowconnector.WithLimits(arrowconnector.Limits{MaxFields: 1}))
	_, err := src.Schema(t.Context())
	require.ErrorIs(t, err, connectors.ErrCorrupt)
	assert.Contains(t, err.Error(), "more than 1 fields")
	assert.Contains(t, err.Error(), "offset ")
	assert.NotErrorIs(t, err, connectors.ErrUnsupported)
}
