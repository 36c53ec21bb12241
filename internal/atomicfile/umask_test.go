//go:build unix

package atomicfile_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/atomicfile"
)

// withUmask runs fn under umask; the tests of this package do not run in
// parallel, the umask being the process's.
func withUmask(t *testing.T, umask int, fn func()) {
	t.Helper()
	old := syscall.Umask(umask)
	defer syscall.Umask(old)
	fn()
}

// TestModesFollowTheUmask: temporary and committed files get 0666 &^ umask.
func TestModesFollowTheUmask(t *testing.T) {
	for _, tt := range []struct {
		umask int
		want  os.FileMode
	}{
		{0o022, 0o644},
		{0o077, 0o600},
		{0o002, 0o664},
	} {
		t.Run(os.FileMode(tt.umask).String(), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.csv")
			withUmask(t, tt.umask, func() {
				w, err := atomicfile.Start(path, "test")
				require.NoError(t, err)
				info, err := w.Stat()
				require.NoError(t, err)
				assert.Equal(t, tt.want, info.Mode().Perm(), "temporary file")
				_, err = w.WriteString("a\n")
				require.NoError(t, err)
				require.NoError(t, w.Commit(context.Background()))
			})
			info, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, tt.want, info.Mode().Perm(), "committed file")
			assert.Equal(t, []string{"out.csv"}, entries(t, dir))
		})
	}
}
