package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/atomicfile"
)

func TestIsTemp(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{".orders.csv.tmp-123456", true},
		{".a.tmp-1", true},
		{".a.b.tmp-4294967295", true},
		{"orders.csv.tmp-1", false},       // not hidden
		{".orders.csv.tmp-", false},       // no digits
		{".orders.csv.tmp-12a", false},    // not digits
		{".orders.csv.tmp-1.keep", false}, // something after
		{".tmp-1", false},                 // no destination name
		{".orders.csv", false},
		{".x.tmp-123456789012345678901", false}, // more digits than we write
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, atomicfile.IsTemp(tt.name), tt.name)
	}
}

func touch(t *testing.T, path string, age time.Duration) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte("x"), 0o600))
	old := time.Now().Add(-age)
	require.NoError(t, os.Chtimes(path, old, old))
}

// TestCreateRemovesStaleTempFiles: a write removes leftovers of its own
// pattern older than a day from its directory, and nothing else.
func TestCreateRemovesStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	const day = 24 * time.Hour
	touch(t, filepath.Join(dir, ".orders.csv.tmp-111"), 2*day)            // stale: removed
	touch(t, filepath.Join(dir, ".other.parquet.tmp-222"), 30*day)        // stale, other destination: removed
	touch(t, filepath.Join(dir, ".orders.csv.tmp-333"), time.Hour)        // a live write: kept
	touch(t, filepath.Join(dir, ".orders.csv.tmp-1.keep"), 30*day)        // not our pattern
	touch(t, filepath.Join(dir, "orders.csv.tmp-444"), 30*day)            // not hidden: not ours
	touch(t, filepath.Join(dir, ".orders.csv.tmp-abc"), 30*day)           // not digits
	touch(t, filepath.Join(dir, "orders.csv"), 30*day)                    // the destination itself
	require.NoError(t, os.Mkdir(filepath.Join(dir, ".d.tmp-555"), 0o755)) // a directory
	old := time.Now().Add(-30 * day)
	require.NoError(t, os.Chtimes(filepath.Join(dir, ".d.tmp-555"), old, old))
	target := filepath.Join(dir, "ext.txt")
	require.NoError(t, os.Symlink(target, filepath.Join(dir, ".link.tmp-666"))) // a symlink
	touch(t, target, 30*day)

	f, err := atomicfile.Create(filepath.Join(dir, "orders.csv"))
	require.NoError(t, err)
	require.NoError(t, f.Abort())

	assert.ElementsMatch(t, []string{
		".orders.csv.tmp-333", ".orders.csv.tmp-1.keep", "orders.csv.tmp-444", ".orders.csv.tmp-abc",
		"orders.csv", ".d.tmp-555", ".link.tmp-666", "ext.txt",
	}, entries(t, dir))
}

func TestRemoveStaleReportsWhatItRemoved(t *testing.T) {
	dir := t.TempDir()
	touch(t, filepath.Join(dir, ".a.tmp-1"), 25*time.Hour)
	touch(t, filepath.Join(dir, ".b.tmp-2"), 23*time.Hour)
	assert.Equal(t, []string{".a.tmp-1"}, atomicfile.RemoveStale(dir, time.Now()))
	assert.Equal(t, []string{".b.tmp-2"}, atomicfile.RemoveStale(dir, time.Now().Add(2*time.Hour)))
	assert.Empty(t, atomicfile.RemoveStale(filepath.Join(dir, "missing"), time.Now()))
}

func TestCreateRefusesADirectoryPath(t *testing.T) {
	_, err := atomicfile.Create(t.TempDir() + string(filepath.Separator))
	require.Error(t, err)
}
