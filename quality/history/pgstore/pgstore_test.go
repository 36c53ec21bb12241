package pgstore_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/quality/history/pgstore"
)

func TestOpen(t *testing.T) {
	dsn := os.Getenv("SLUICE_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("SLUICE_TEST_POSTGRES is not set: no PostgreSQL server to test against (tools/postgres/start.sh prints a DSN)")
	}
	s, err := pgstore.Open(context.Background(), dsn)
	require.NoError(t, err)
	require.NoError(t, s.Close())
}
