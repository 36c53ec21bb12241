package main

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/builtin"
)

// copyDataset writes every row of from to the target to through the
// command's registry.
func copyDataset(t *testing.T, from, to string) {
	t.Helper()
	ctx := context.Background()
	src, err := builtin.Open(from, withURLs(builtin.Options{}))
	require.NoError(t, err)
	rdr, err := src.Open(ctx, connectors.ReadOptions{})
	require.NoError(t, err)
	defer rdr.Release()
	sink, err := builtin.Create(to, withURLs(builtin.Options{}))
	require.NoError(t, err)
	w, err := sink.Create(ctx, rdr.Schema())
	require.NoError(t, err)
	for rdr.Next() {
		require.NoError(t, w.Write(rdr.RecordBatch()))
	}
	require.NoError(t, rdr.Err())
	require.NoError(t, w.Commit(ctx))
}

// TestURLInputsGiveTheSameReport checks the orders in a SQLite table, a
// PostgreSQL table and an S3 object: the report is the CSV's, rule for
// rule. PostgreSQL and S3 need SLUICE_TEST_POSTGRES and SLUICE_TEST_S3
// (started by .ci/run) and are skipped without them.
func TestURLInputsGiveTheSameReport(t *testing.T) {
	const parquet = "../../testdata/orders/orders.parquet"
	const csv = "../../testdata/orders/orders.csv"
	report := func(t *testing.T, input string) jsonReport {
		t.Helper()
		code, out, stderr := sluice(t, "check", "--rules", ordersRules, "--format", "json", input)
		require.Equal(t, exitFail, code, stderr)
		r := decodeReport(t, out)
		require.NotEmpty(t, r.Rules)
		return r
	}
	// Sources that convert values to the declared types (text files,
	// SQLite, PostgreSQL) report type violations as <column>.type rules;
	// Parquet, typed already, has none.
	fromCSV, fromParquet := report(t, csv), report(t, parquet)
	check := func(t *testing.T, input string, want jsonReport) {
		t.Helper()
		code, out, stderr := sluice(t, "check", "--rules", ordersRules, "--format", "json", input)
		require.Equal(t, exitFail, code, stderr)
		got := decodeReport(t, out)
		assert.Equal(t, want.Status, got.Status)
		assert.Equal(t, want.RowsIn, got.RowsIn)
		assert.Equal(t, want.RowsQuarantined, got.RowsQuarantined)
		assert.Equal(t, want.Rules, got.Rules)
		assert.Equal(t, want.Privacy, got.Privacy)
	}

	t.Run("sqlite", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "shop.db")
		target := "sqlite://" + db + "?table=orders"
		copyDataset(t, parquet, target)
		check(t, target, fromCSV)
		// --out to a table: the gate fails, so the target is not written.
		code, _, stderr := sluice(t, "check", "--rules", ordersRules, "--out", "sqlite://"+db+"?table=clean", target)
		require.Equal(t, exitFail, code, stderr)
		code, _, _ = sluice(t, "schema", "sqlite://"+db+"?table=clean")
		assert.NotEqual(t, exitPass, code, "a failed gate leaves no clean table")
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("SLUICE_TEST_POSTGRES")
		if dsn == "" {
			t.Skip("SLUICE_TEST_POSTGRES is unset: start a server with tools/postgres/start.sh")
		}
		u, err := url.Parse(dsn)
		require.NoError(t, err)
		q := u.Query()
		q.Set("table", "public.orders_"+strings.ToLower(rand.Text()[:10]))
		u.RawQuery = q.Encode()
		copyDataset(t, parquet, u.String())
		check(t, u.String(), fromCSV)
	})
	t.Run("s3", func(t *testing.T) {
		ep := os.Getenv("SLUICE_TEST_S3")
		if ep == "" {
			t.Skip("SLUICE_TEST_S3 is unset: start a server with tools/s3/start.sh")
		}
		t.Setenv("AWS_ACCESS_KEY_ID", "sluice")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "sluice")
		q := url.Values{"endpoint": {ep}, "region": {"us-east-1"}, "use_path_style": {"true"}, "disable_https": {"true"}}.Encode()
		prefix := "s3://sluice-test/" + rand.Text()
		copyDataset(t, parquet, prefix+"/orders.parquet?"+q)
		check(t, prefix+"/orders.parquet?"+q, fromParquet)
		copyDataset(t, csv, prefix+"/orders.csv?"+q)
		check(t, prefix+"/orders.csv?"+q, fromCSV)
	})
}
