package main

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
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

// copyParts writes the rows of from to the targets, split in order into
// as many parts as there are targets.
func copyParts(t *testing.T, from string, targets ...string) {
	t.Helper()
	ctx := context.Background()
	src, err := builtin.Open(from, withURLs(builtin.Options{}))
	require.NoError(t, err)
	rdr, err := src.Open(ctx, connectors.ReadOptions{})
	require.NoError(t, err)
	defer rdr.Release()
	var batches []arrow.RecordBatch
	var total int64
	for rdr.Next() {
		rdr.RecordBatch().Retain()
		batches = append(batches, rdr.RecordBatch())
		total += rdr.RecordBatch().NumRows()
	}
	require.NoError(t, rdr.Err())
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	for i, to := range targets {
		lo, hi := total*int64(i)/int64(len(targets)), total*int64(i+1)/int64(len(targets))
		sink, err := builtin.Create(to, withURLs(builtin.Options{}))
		require.NoError(t, err)
		w, err := sink.Create(ctx, rdr.Schema())
		require.NoError(t, err)
		var off int64
		for _, b := range batches {
			s, e := max(lo, off), min(hi, off+b.NumRows())
			if s < e {
				part := b.NewSlice(s-off, e-off)
				require.NoError(t, w.Write(part))
				part.Release()
			}
			off += b.NumRows()
		}
		require.NoError(t, w.Commit(ctx))
	}
}

// rounded returns rules with float metrics rounded to 12 significant
// digits: a dataset read in parts merges per-part states (a mean's sum),
// which may differ from one pass in the last bits.
func rounded(rules []jsonRule) []jsonRule {
	out := make([]jsonRule, len(rules))
	for i, r := range rules {
		out[i] = r
		if r.Metrics == nil {
			continue
		}
		out[i].Metrics = map[string]any{}
		for k, v := range r.Metrics {
			if approximate(k) {
				continue
			}
			if f, ok := v.(float64); ok {
				v, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 12, 64), 64)
			}
			out[i].Metrics[k] = v
		}
	}
	return out
}

func approximate(metric string) bool {
	return strings.HasPrefix(metric, "quantile(") || strings.HasPrefix(metric, "median(")
}

// TestURLInputsGiveTheSameReport checks the orders in a SQLite table, a
// PostgreSQL table, a glob of parts, a Hive-partitioned directory, an S3
// object and an S3 prefix: the report is the CSV's (or, for typed
// sources, the Parquet file's), rule for rule. PostgreSQL and S3 need SLUICE_TEST_POSTGRES and SLUICE_TEST_S3
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
		assert.Equal(t, rounded(want.Rules), rounded(got.Rules))
		// quantile and median come from a KLL sketch, whose answer depends
		// on how the rows were batched: within its error bound, not equal.
		for i, r := range want.Rules {
			for k, v := range r.Metrics {
				if f, ok := v.(float64); ok && approximate(k) && i < len(got.Rules) {
					g, _ := got.Rules[i].Metrics[k].(float64)
					assert.InEpsilon(t, f, g, 0.01, "%s: %s", r.Name, k)
				}
			}
		}
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
	t.Run("glob", func(t *testing.T) {
		dir := t.TempDir()
		copyParts(t, parquet, filepath.Join(dir, "part-0.parquet"), filepath.Join(dir, "part-1.parquet"), filepath.Join(dir, "part-2.parquet"))
		check(t, filepath.Join(dir, "part-*.parquet"), fromParquet)
	})
	t.Run("hive", func(t *testing.T) {
		dir := t.TempDir()
		var parts []string
		for _, p := range []string{"batch=1", "batch=2", "batch=3"} {
			require.NoError(t, os.Mkdir(filepath.Join(dir, p), 0o755))
			parts = append(parts, filepath.Join(dir, p, "orders.parquet"))
		}
		copyParts(t, parquet, parts...)
		check(t, dir, fromParquet)
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
		// A prefix of Hive partitions is one dataset, as a directory.
		copyParts(t, parquet, prefix+"/parts/day=2026-01-01/a.parquet?"+q, prefix+"/parts/day=2026-01-02/a.parquet?"+q)
		check(t, prefix+"/parts/?"+q, fromParquet)
	})
}
