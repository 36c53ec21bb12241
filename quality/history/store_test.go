package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/rules/metrics"
)

// backend opens a fresh, empty store of one kind; dsn reopens it.
type backend struct {
	name string
	// fresh returns the DSN of a new, empty store.
	fresh func(t testing.TB) string
}

const pgEnv = "SLUICE_TEST_POSTGRES"

var backends = []backend{
	{"sqlite", func(t testing.TB) string { return filepath.Join(t.TempDir(), "sub", "history.db") }},
	{"postgres", freshPostgres},
}

// freshPostgres creates a database of its own on the server named by
// SLUICE_TEST_POSTGRES and drops it after the test.
func freshPostgres(t testing.TB) string {
	admin := os.Getenv(pgEnv)
	if admin == "" {
		t.Skipf("%s is not set: PostgreSQL tests skipped (start a server with tools/postgres/start.sh and set %s to the DSN it prints)", pgEnv, pgEnv)
	}
	db, err := sql.Open("pgx", admin)
	require.NoError(t, err)
	defer db.Close()
	name := fmt.Sprintf("sluice_test_%d_%d", time.Now().UnixNano(), rand.Uint32())
	_, err = db.Exec("CREATE DATABASE " + name)
	require.NoError(t, err, "creating a test database on %s", redact(admin))
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer db.Close()
		_, err = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		assert.NoError(t, err)
	})
	u, err := url.Parse(admin)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

func eachBackend(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b.fresh(t)) })
	}
}

func openT(t testing.TB, dsn string) Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Close()) })
	return s
}

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC)

func TestSaveRunAndSeries(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openT(t, dsn)
		for i := range 5 {
			require.NoError(t, s.SaveRun(ctx, RunRecord{
				RunID: fmt.Sprintf("r%d", i), Dataset: "orders",
				DatasetID: lineage.Dataset{Namespace: "file", Name: "/d/orders.csv"},
				StartedAt: t0.Add(time.Duration(i) * time.Hour), Status: "pass",
				Metrics: map[string]any{
					"row_count()":     int64(100 + i),
					"mean(amount)":    float64(i) / 2,
					"most_common(s)":  "paid",
					"fresh":           true,
					"max(ordered_at)": t0,
					"age":             90 * time.Second,
					"stddev(x)":       math.NaN(),
					"median(nothing)": nil,
				},
				SchemaFingerprint: "fp1", SchemaFields: json.RawMessage(`[{"name":"amount","type":"double"}]`),
			}))
		}
		require.NoError(t, s.SaveRun(ctx, RunRecord{RunID: "x", Dataset: "customers", StartedAt: t0, Status: "fail"}))

		err := s.SaveRun(ctx, RunRecord{RunID: "r1", Dataset: "orders", StartedAt: t0, Status: "pass"})
		assert.ErrorContains(t, err, "save run r1 of orders", "a run is saved once")

		ds, err := s.Datasets(ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"customers", "orders"}, ds)
		names, err := s.MetricNames(ctx, "orders")
		require.NoError(t, err)
		assert.Len(t, names, 8)

		pts, err := s.Metrics(ctx, "orders", "row_count()", 0)
		require.NoError(t, err)
		require.Len(t, pts, 5)
		for i, p := range pts {
			assert.Equal(t, float64(100+i), p.Value, "oldest first")
			assert.True(t, p.Numeric)
			assert.Equal(t, fmt.Sprintf("r%d", i), p.RunID)
			assert.True(t, t0.Add(time.Duration(i)*time.Hour).Equal(p.StartedAt), "nanosecond times survive")
		}
		pts, err = s.Metrics(ctx, "orders", "mean(amount)", 2)
		require.NoError(t, err)
		require.Len(t, pts, 2)
		assert.Equal(t, []float64{1.5, 2}, []float64{pts[0].Value, pts[1].Value}, "limit keeps the newest")

		tests := []struct {
			metric  string
			numeric bool
			value   float64
			json    string
		}{
			{"most_common(s)", false, 0, `"paid"`},
			{"fresh", true, 1, `true`},
			{"max(ordered_at)", true, float64(t0.UnixNano()) / 1e9, `"2025-06-01T12:00:00.123456789Z"`},
			{"age", true, 90, `"1m30s"`},
			{"stddev(x)", false, 0, `"NaN"`},
			{"median(nothing)", false, 0, `null`},
		}
		for _, tt := range tests {
			pts, err := s.Metrics(ctx, "orders", tt.metric, 1)
			require.NoError(t, err)
			require.Len(t, pts, 1, tt.metric)
			assert.Equal(t, tt.numeric, pts[0].Numeric, tt.metric)
			assert.Equal(t, tt.value, pts[0].Value, tt.metric)
			assert.JSONEq(t, tt.json, string(pts[0].JSON), tt.metric)
		}

		runs, err := s.Runs(ctx, "orders", 0)
		require.NoError(t, err)
		require.Len(t, runs, 5)
		assert.Equal(t, "r0", runs[0].RunID)
		assert.Equal(t, "fp1", runs[4].SchemaFingerprint)
		assert.JSONEq(t, `[{"name":"amount","type":"double"}]`, string(runs[4].SchemaFields))
		assert.Equal(t, json.Number("104"), runs[4].Metrics["row_count()"])
		assert.Equal(t, lineage.Dataset{Namespace: "file", Name: "/d/orders.csv"}, runs[4].DatasetID)
	})
}

// intStates builds encoded states of a few metrics over vals.
func intStates(t testing.TB, vals []int64) map[string][]byte {
	mem := arrowtest.Allocator(t)
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(vals, nil)
	arr := b.NewArray()
	defer arr.Release()
	out := map[string][]byte{}
	for _, sp := range stateSpecs {
		types := []arrow.DataType{arr.DataType()}
		if len(sp.Columns) == 0 {
			types = nil
		}
		st, err := metrics.New(sp, types)
		require.NoError(t, err)
		require.NoError(t, st.Update([]arrow.Array{arr}))
		enc, err := metrics.Encode(st)
		require.NoError(t, err)
		out[key(sp)] = enc
	}
	return out
}

var stateSpecs = []metrics.Spec{
	{Func: "row_count"},
	{Func: "sum", Columns: []string{"v"}},
	{Func: "distinct_count", Columns: []string{"v"}},
	{Func: "approx_distinct", Columns: []string{"v"}},
	{Func: "median", Columns: []string{"v"}},
	{Func: "max", Columns: []string{"v"}},
}

func key(sp metrics.Spec) string { return fmt.Sprintf("%s%v", sp.Func, sp.Columns) }

func TestStatesMergePartitions(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openT(t, dsn)
		rng := rand.New(rand.NewPCG(1, 2))
		var all []int64
		for p := range 4 {
			vals := make([]int64, 500)
			for i := range vals {
				vals[i] = rng.Int64N(3000)
			}
			if p == 2 {
				// A first, superseded run of partition 2.
				require.NoError(t, s.SaveRun(ctx, RunRecord{RunID: "old", Dataset: "d", Partition: "p2",
					StartedAt: t0, Status: "fail", States: intStates(t, []int64{1 << 50})}))
			}
			all = append(all, vals...)
			require.NoError(t, s.SaveRun(ctx, RunRecord{RunID: fmt.Sprintf("run%d", p), Dataset: "d",
				Partition: fmt.Sprintf("p%d", p), StartedAt: t0.Add(time.Hour), Status: "pass", States: intStates(t, vals)}))
		}
		parts, err := s.States(ctx, "d")
		require.NoError(t, err)
		require.Len(t, parts, 4)
		assert.Equal(t, "run2", parts[2].RunID, "the newest run of a partition wins")
		merged, err := MergeStates(parts)
		require.NoError(t, err)
		want := intStates(t, all)
		for _, sp := range stateSpecs {
			w, err := metrics.Decode(want[key(sp)])
			require.NoError(t, err)
			wv, err := w.Result()
			require.NoError(t, err)
			gv, err := merged[key(sp)].Result()
			require.NoError(t, err)
			if sp.Func == "median" { // 2000 values: exact either way
				assert.InDelta(t, wv.(float64), gv.(float64), 1e-9, key(sp))
				continue
			}
			assert.Equal(t, wv, gv, key(sp))
		}

		some, err := s.States(ctx, "d", "p1", "p3", "nope")
		require.NoError(t, err)
		require.Len(t, some, 2)
		assert.Equal(t, []string{"p1", "p3"}, []string{some[0].Partition, some[1].Partition})

		none, err := s.States(ctx, "unknown")
		require.NoError(t, err)
		assert.Empty(t, none)
	})
}

func TestMergeStatesCorrupt(t *testing.T) {
	_, err := MergeStates([]PartitionStates{{Partition: "p", RunID: "r", States: map[string][]byte{"m": []byte("junk")}}})
	assert.ErrorIs(t, err, metrics.ErrCorrupt)
	assert.ErrorContains(t, err, `partition "p"`)
}

func TestLastPassing(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openT(t, dsn)
		_, err := s.LastPassing(ctx, "d")
		assert.ErrorIs(t, err, ErrNotFound)
		require.NoError(t, s.SaveRun(ctx, RunRecord{RunID: "a", Dataset: "d", StartedAt: t0, Status: "pass", States: intStates(t, []int64{1, 2})}))
		require.NoError(t, s.SaveRun(ctx, RunRecord{RunID: "b", Dataset: "d", StartedAt: t0.Add(time.Minute), Status: "warn",
			Metrics: map[string]any{"row_count()": int64(3)}, States: intStates(t, []int64{1, 2, 3})}))
		require.NoError(t, s.SaveRun(ctx, RunRecord{RunID: "c", Dataset: "d", StartedAt: t0.Add(2 * time.Minute), Status: "fail"}))
		r, err := s.LastPassing(ctx, "d")
		require.NoError(t, err)
		assert.Equal(t, "b", r.RunID)
		assert.Equal(t, json.Number("3"), r.Metrics["row_count()"])
		st, err := metrics.Decode(r.States[key(stateSpecs[0])])
		require.NoError(t, err)
		n, err := st.Result()
		require.NoError(t, err)
		assert.Equal(t, int64(3), n)
	})
}

func TestReopenAndVersion(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s, err := Open(ctx, dsn)
		require.NoError(t, err)
		_, err = s.AppendAudit(ctx, AuditRecord{Dataset: "d", Decision: "pass"})
		require.NoError(t, err)
		_, err = s.(*sqlStore).db.Exec("UPDATE schema_version SET version = 99")
		require.NoError(t, err)
		require.NoError(t, s.Close())
		_, err = Open(ctx, dsn)
		assert.ErrorContains(t, err, "schema version 99 is newer")
	})
}

func appendN(t testing.TB, s Store, dataset string, n int) {
	for i := range n {
		_, err := s.AppendAudit(context.Background(), AuditRecord{
			RunID: fmt.Sprintf("%s-%d", dataset, i), Dataset: dataset, DatasetID: lineage.Dataset{Namespace: "file", Name: "/x/" + dataset},
			DatasetVersion: "sha256:abc", RuleFile: "r.yaml", RuleFileHash: "def", Owner: "o@example.com",
			Decision: []string{"pass", "fail", "warn"}[i%3],
			Summary:  json.RawMessage(fmt.Sprintf(`{"rows_in": %d, "failed_rules": ["b", "a"], "big": 12345678901234567890}`, i)),
		})
		require.NoError(t, err)
	}
}

func TestAuditChain(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openT(t, dsn)
		res, err := s.VerifyAudit(ctx)
		require.NoError(t, err)
		assert.True(t, res.OK, "an empty chain verifies")

		appendN(t, s, "orders", 3)
		appendN(t, s, "customers", 2)
		log, err := s.AuditLog(ctx, AuditFilter{})
		require.NoError(t, err)
		require.Len(t, log, 5)
		for i, r := range log {
			assert.Equal(t, int64(i+1), r.Seq)
			if i > 0 {
				assert.Equal(t, log[i-1].Hash, r.PrevHash)
			}
			h, err := r.ComputeHash()
			require.NoError(t, err)
			assert.Equal(t, h, r.Hash)
		}
		assert.JSONEq(t, `{"big":12345678901234567890,"failed_rules":["b","a"],"rows_in":0}`, string(log[0].Summary))
		//nolint:testifylint // the exact bytes are the point: the canonical form is hashed
		assert.Equal(t, `{"big":12345678901234567890,"failed_rules":["b","a"],"rows_in":0}`, string(log[0].Summary), "canonical: sorted keys, numbers kept")

		cust, err := s.AuditLog(ctx, AuditFilter{Dataset: "customers"})
		require.NoError(t, err)
		require.Len(t, cust, 2)
		assert.Equal(t, []int64{4, 5}, []int64{cust[0].Seq, cust[1].Seq})
		last, err := s.AuditLog(ctx, AuditFilter{Limit: 2})
		require.NoError(t, err)
		assert.Equal(t, []int64{4, 5}, []int64{last[0].Seq, last[1].Seq})

		res, err = s.VerifyAudit(ctx)
		require.NoError(t, err)
		assert.True(t, res.OK, res.Reason)
		assert.Equal(t, int64(5), res.Records)
		assert.Equal(t, log[4].Hash, res.Head)

		_, err = s.AppendAudit(ctx, AuditRecord{Summary: json.RawMessage(`{"a":`)})
		assert.ErrorContains(t, err, "audit summary")
	})
}

func TestAuditTamper(t *testing.T) {
	swap := `UPDATE audit SET run_id = CASE seq WHEN 2 THEN 'orders-3' ELSE 'orders-1' END,
		decision = CASE seq WHEN 2 THEN 'pass' ELSE 'fail' END,
		summary = CASE seq WHEN 2 THEN (SELECT summary FROM audit WHERE seq = 4) ELSE (SELECT summary FROM audit WHERE seq = 2) END,
		prev_hash = CASE seq WHEN 2 THEN (SELECT prev_hash FROM audit WHERE seq = 4) ELSE (SELECT prev_hash FROM audit WHERE seq = 2) END,
		hash = CASE seq WHEN 2 THEN (SELECT hash FROM audit WHERE seq = 4) ELSE (SELECT hash FROM audit WHERE seq = 2) END
		WHERE seq IN (2, 4)`
	tests := []struct {
		name     string
		sql      []string
		firstBad int64
		reason   string
	}{
		{"edited decision", []string{`UPDATE audit SET decision = 'pass' WHERE seq = 3`}, 3, "record 3 was edited"},
		{"edited summary", []string{`UPDATE audit SET summary = '{"rows_in":1}' WHERE seq = 2`}, 2, "record 2 was edited"},
		{"edited time", []string{`UPDATE audit SET at = at + 1 WHERE seq = 5`}, 5, "record 5 was edited"},
		{"deleted record", []string{`DELETE FROM audit WHERE seq = 3`}, 3, "record 3 is missing"},
		{"deleted last record", []string{`DELETE FROM audit WHERE seq = 5`}, 5, "record 5 is missing"},
		{"deleted first record", []string{`DELETE FROM audit WHERE seq = 1`}, 1, "record 1 is missing"},
		{"swapped records", []string{swap}, 2, "record 2 does not follow record 1"},
		{"renumbered records", []string{`UPDATE audit SET seq = seq + 100 WHERE seq = 2`, `UPDATE audit SET seq = 2 WHERE seq = 4`, `UPDATE audit SET seq = 4 WHERE seq = 102`}, 2, "record 2 does not follow record 1"},
		{"rehashed record", []string{`UPDATE audit SET decision = 'pass', hash = 'ffff' WHERE seq = 3`}, 3, "record 3 was edited"},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					ctx := context.Background()
					s := openT(t, b.fresh(t))
					appendN(t, s, "orders", 5)
					db := s.(*sqlStore).db
					for _, q := range tt.sql {
						_, err := db.Exec(q)
						require.NoError(t, err, q)
					}
					res, err := s.VerifyAudit(ctx)
					require.NoError(t, err)
					assert.False(t, res.OK)
					assert.Equal(t, tt.firstBad, res.FirstBad, res.Reason)
					assert.Contains(t, res.Reason, tt.reason)
				})
			}
		})
	}
}

// TestConcurrentWriters appends audit records and saves runs from several
// goroutines, each with a store of its own (separate connections), and
// from several processes at once; the chain verifies afterwards and holds
// every record exactly once.
func TestConcurrentWriters(t *testing.T) {
	const goroutines, procs, each = 6, 3, 15
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openT(t, dsn) // creates the tables
		exe, err := os.Executable()
		require.NoError(t, err)
		var wg sync.WaitGroup
		cmds := make([]*exec.Cmd, procs)
		for p := range procs {
			cmd := exec.Command(exe, "-test.run=^TestWriterProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), "HISTORY_WRITER_DSN="+dsn, "HISTORY_WRITER_NAME=proc"+strconv.Itoa(p), "HISTORY_WRITER_N="+strconv.Itoa(each))
			require.NoError(t, cmd.Start())
			cmds[p] = cmd
		}
		for g := range goroutines {
			wg.Go(func() {
				st, err := Open(ctx, dsn)
				if !assert.NoError(t, err) {
					return
				}
				defer st.Close()
				assert.NoError(t, write(ctx, st, "goroutine"+strconv.Itoa(g), each))
			})
		}
		wg.Wait()
		for _, cmd := range cmds {
			assert.NoError(t, cmd.Wait(), "writer process")
		}
		res, err := s.VerifyAudit(ctx)
		require.NoError(t, err)
		assert.True(t, res.OK, res.Reason)
		assert.Equal(t, int64((goroutines+procs)*each), res.Records)
		runs, err := s.Runs(ctx, "concurrent", 0)
		require.NoError(t, err)
		assert.Len(t, runs, (goroutines+procs)*each)
	})
}

func write(ctx context.Context, s Store, name string, n int) error {
	for i := range n {
		run := fmt.Sprintf("%s-%d", name, i)
		if _, err := s.AppendAudit(ctx, AuditRecord{RunID: run, Dataset: "concurrent", Decision: "pass", Owner: name}); err != nil {
			return err
		}
		if err := s.SaveRun(ctx, RunRecord{RunID: run, Dataset: "concurrent", Partition: name, Status: "pass",
			Metrics: map[string]any{"row_count()": int64(i)}, States: map[string][]byte{"x": {1, 2, 3}}}); err != nil {
			return err
		}
	}
	return nil
}

// TestWriterProcess is the body of a writer process of
// TestConcurrentWriters; run directly it does nothing.
func TestWriterProcess(t *testing.T) {
	dsn := os.Getenv("HISTORY_WRITER_DSN")
	if dsn == "" {
		t.Skip("run by TestConcurrentWriters as a separate process")
	}
	n, err := strconv.Atoi(os.Getenv("HISTORY_WRITER_N"))
	require.NoError(t, err)
	ctx := context.Background()
	s, err := Open(ctx, dsn)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, write(ctx, s, os.Getenv("HISTORY_WRITER_NAME"), n))
}

func TestDatasetVersion(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "data.csv")
	require.NoError(t, os.WriteFile(p, []byte("a,b\n1,2\n"), 0o644))
	v, err := DatasetVersion(p, 0)
	require.NoError(t, err)
	assert.Equal(t, "sha256:492d5ea496056f1a6a6592241032fab764c321596317930b4fa0e1e8bc3b7470", v)
	v, err = DatasetVersion(p, 3)
	require.NoError(t, err)
	assert.Regexp(t, `^size:8;mtime:\d{4}-`, v)
	_, err = DatasetVersion(filepath.Join(dir, "missing"), 0)
	assert.Error(t, err)
}

// A Parquet file's version is its footer's digest: it follows the file's
// rows and statistics without reading its pages; a file that only looks
// like Parquet is hashed whole.
func TestDatasetVersionParquet(t *testing.T) {
	dir := t.TempDir()
	orders, err := os.ReadFile(filepath.Join("..", "..", "testdata", "orders", "orders.parquet"))
	require.NoError(t, err)
	p := filepath.Join(dir, "orders.parquet")
	require.NoError(t, os.WriteFile(p, orders, 0o644))
	v, err := DatasetVersion(p, 0)
	require.NoError(t, err)
	assert.Regexp(t, `^parquet:sha256:[0-9a-f]{64};size:\d+$`, v)
	again, err := DatasetVersion(p, 1) // no full hash needed, whatever the limit
	require.NoError(t, err)
	assert.Equal(t, v, again)

	// A byte of the footer changed: another version.
	edited := append([]byte(nil), orders...)
	edited[len(edited)-10] ^= 0xff
	q := filepath.Join(dir, "edited.parquet")
	require.NoError(t, os.WriteFile(q, edited, 0o644))
	w, err := DatasetVersion(q, 0)
	require.NoError(t, err)
	assert.NotEqual(t, v, w)

	// PAR1 at both ends but an impossible footer length: hashed.
	fake := []byte("PAR1xxxxxxxx\xff\xff\xff\x7fPAR1")
	r := filepath.Join(dir, "fake.parquet")
	require.NoError(t, os.WriteFile(r, fake, 0o644))
	u, err := DatasetVersion(r, 0)
	require.NoError(t, err)
	assert.Regexp(t, `^sha256:`, u)
}

// A pipe has no content version: reading it would consume it.
func TestDatasetVersionPipe(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(p, 0o600))
	_, err := DatasetVersion(p, 0)
	require.ErrorIs(t, err, ErrNoVersion)
}

// TestRunReportMigration: a store of schema version 2 (no run_reports)
// opens as version 3; its old runs have no report, new runs keep theirs.
func TestRunReportMigration(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s, err := Open(ctx, dsn)
		require.NoError(t, err)
		require.NoError(t, s.SaveRun(ctx, RunRecord{RunID: "r1", Dataset: "d", Status: "pass"}))
		db := s.(*sqlStore).db
		_, err = db.Exec(`DROP TABLE run_reports`)
		require.NoError(t, err)
		_, err = db.Exec(`UPDATE schema_version SET version = 2`)
		require.NoError(t, err)
		require.NoError(t, s.Close())

		s = openT(t, dsn)
		_, err = s.RunReport(ctx, "d", "r1", "")
		require.ErrorIs(t, err, ErrNotFound)
		rep := json.RawMessage(`{"dataset":"d","status":"pass"}`)
		require.NoError(t, s.SaveRun(ctx, RunRecord{RunID: "r2", Dataset: "d", Status: "pass", Report: rep}))
		got, err := s.RunReport(ctx, "d", "r2", "")
		require.NoError(t, err)
		assert.Equal(t, ReportVersion, got.Version)
		assert.JSONEq(t, string(rep), string(got.JSON))
		require.Error(t, s.SaveRun(ctx, RunRecord{RunID: "r3", Dataset: "d", Status: "pass", Report: json.RawMessage(`{`)}))
	})
}
