package sqlitestore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/quality/history/sqlitestore"
)

func TestOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "history.db")
	s, err := sqlitestore.Open(context.Background(), path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.FileExists(t, path)
}
