//go:build unix

package builtin_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

func TestRandomAccessFormatsRefuseAFIFO(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"in.parquet", "in.arrow", "in.arrows", "in.feather"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			require.NoError(t, syscall.Mkfifo(path, 0o600))
			_, err := builtin.Open(path, builtin.Options{}) // must not block
			require.ErrorIs(t, err, connectors.ErrUnsupported)
			assert.Contains(t, err.Error(), "named pipe (FIFO)")
			assert.Contains(t, err.Error(), "needs a regular file")
		})
	}
}

func TestDirectoryRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d.csv")
	require.NoError(t, os.Mkdir(dir, 0o700))
	src, err := builtin.Open(dir, builtin.Options{})
	require.NoError(t, err)
	_, err = src.Schema(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is a directory")

	_, err = builtin.Open(filepath.Join(t.TempDir(), "d.parquet"), builtin.Options{})
	require.NoError(t, err, "a missing file is reported when it is read")
}

func TestTextOptions(t *testing.T) {
	dir := t.TempDir()
	long := filepath.Join(dir, "long.csv")
	require.NoError(t, os.WriteFile(long, []byte("a\n"+strings.Repeat("x", 200)+"\n"), 0o600))
	bad := filepath.Join(dir, "bad.ndjson")
	require.NoError(t, os.WriteFile(bad, []byte("{\"email\":1}\n{\"email\":\"x@y.io\"}\n"), 0o600))
	redact := func(string, string) string { return "[redacted]" }
	hint := arrow.NewSchema([]arrow.Field{{Name: "email", Type: arrow.PrimitiveTypes.Int64}}, nil)
	tests := []struct {
		name, path string
		opts       builtin.Options
		contains   string
		is         error
	}{
		{"csv limit", long, builtin.Options{Limits: connectors.Limits{MaxRecordBytes: 100}}, "longer than 100 bytes", connectors.ErrLimit},
		{"json redact", bad, builtin.Options{Redact: redact, SchemaHint: hint}, `"[redacted]"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := builtin.Open(tt.path, tt.opts)
			require.NoError(t, err)
			rdr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: arrowtest.Allocator(t)})
			if err == nil {
				for rdr.Next() {
				}
				err = rdr.Err()
				rdr.Release()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.contains)
			assert.NotContains(t, err.Error(), "x@y.io")
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			}
		})
	}
}
