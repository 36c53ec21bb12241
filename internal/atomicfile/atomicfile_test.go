package atomicfile_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/atomicfile"
)

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = e.Name()
	}
	return names
}

func TestWriteLifecycle(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	tests := []struct {
		name      string
		finish    error
		abort     bool
		wantFile  bool
		commitErr error
	}{
		{name: "commit", wantFile: true},
		{name: "abort", abort: true},
		{name: "failed finish", finish: boom, commitErr: boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.txt")
			w, err := atomicfile.Start(path, "test: "+path)
			require.NoError(t, err)
			_, err = w.WriteString("hello")
			require.NoError(t, err)
			assert.NoFileExists(t, path, "nothing is visible before Commit")
			w.Finish = func() error { return tt.finish }
			if tt.abort {
				require.NoError(t, w.Abort(ctx))
			} else {
				err := w.Commit(ctx)
				if tt.commitErr != nil {
					require.ErrorIs(t, err, tt.commitErr)
					assert.Contains(t, err.Error(), "test: "+path)
					require.NoError(t, w.Abort(ctx), "Abort after a failed Commit is a no-op")
				} else {
					require.NoError(t, err)
				}
			}
			if tt.wantFile {
				data, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Equal(t, "hello", string(data))
				assert.Equal(t, []string{"out.txt"}, entries(t, dir))
			} else {
				assert.Empty(t, entries(t, dir), "nothing may be left behind")
			}
			assert.ErrorIs(t, w.Open(), connectors.ErrClosed)
			assert.ErrorIs(t, w.Commit(ctx), connectors.ErrClosed)
			assert.ErrorIs(t, w.Abort(ctx), connectors.ErrClosed)
		})
	}
}

func TestCommitWithCancelledContextRemovesTheFile(t *testing.T) {
	dir := t.TempDir()
	w, err := atomicfile.Start(filepath.Join(dir, "out.txt"), "test")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, w.Commit(ctx), context.Canceled)
	assert.Empty(t, entries(t, dir))
}
