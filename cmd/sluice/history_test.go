package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/quality/history"
)

// historyStore makes a SQLite store with five runs of "orders" and their
// audit records.
func historyStore(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := history.Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	t0 := time.Date(2025, 5, 1, 3, 0, 0, 0, time.UTC)
	for i, rows := range []int64{1000, 1040, 990, 1100, 20} {
		run := fmt.Sprintf("run-%d", i)
		status := "pass"
		var failed []string
		if rows < 100 {
			status, failed = "fail", []string{"enough_rows"}
		}
		require.NoError(t, s.SaveRun(ctx, history.RunRecord{RunID: run, Dataset: "orders", StartedAt: t0.AddDate(0, 0, i), Status: status,
			Metrics: map[string]any{"row_count()": rows, "most_common(status)": "paid"}}))
		sum, err := json.Marshal(history.Summary{RowsIn: rows, FailedRules: failed})
		require.NoError(t, err)
		_, err = s.AppendAudit(ctx, history.AuditRecord{Time: t0.AddDate(0, 0, i), RunID: run, Dataset: "orders",
			DatasetVersion: "sha256:0123456789abcdef0123", RuleFile: "orders.yaml", RuleFileHash: "ab",
			Owner: "payments@example.com", Decision: status, Summary: sum})
		require.NoError(t, err)
	}
	return path
}

func TestHistoryCommand(t *testing.T) {
	path := historyStore(t)
	code, out, errOut := sluiceRaw(t, "history", "--history", path, "orders", "row_count()")
	require.Equal(t, exitPass, code, errOut)
	assert.Contains(t, out, "orders  row_count()  (5 values)")
	assert.Contains(t, out, "run-4")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 7)
	assert.Contains(t, lines[5], "██████████████████████████████", "the largest value has the full bar")
	assert.Contains(t, out, "▇█▇█▁", "sparkline of the series")

	code, out, errOut = sluiceRaw(t, "history", "orders", "--history", path)
	require.Equal(t, exitPass, code, errOut)
	assert.Contains(t, out, "orders: 2 metrics")
	assert.Regexp(t, `row_count\(\)\s+20\s+20\s+1100\s+▇█▇█▁`, out)
	assert.Regexp(t, `most_common\(status\)\s+paid`, out)

	code, _, errOut = sluiceRaw(t, "history", "--history", path, "customers")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `no metrics recorded for dataset "customers" (datasets: orders)`)

	code, _, errOut = sluiceRaw(t, "history", "--history", path, "orders", "nope()")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "metrics: most_common(status), row_count()")

	code, _, errOut = sluiceRaw(t, "history", "--history", filepath.Join(t.TempDir(), "none.db"), "orders")
	assert.Equal(t, exitRuntime, code)
	assert.Contains(t, errOut, "no history store at")

	code, _, _ = sluiceRaw(t, "history")
	assert.Equal(t, exitUsage, code)
}

func TestAuditCommands(t *testing.T) {
	path := historyStore(t)
	code, out, errOut := sluiceRaw(t, "audit", "log", "--history", path)
	require.Equal(t, exitPass, code, errOut)
	assert.Contains(t, out, "SEQ")
	assert.Regexp(t, `5\s+2025-05-05 03:00:00Z\s+orders\s+FAIL\s+payments@example.com\s+run-4\s+sha256:0123456789ab…\s+rows_in=20 failed=enough_rows`, out)

	code, out, errOut = sluiceRaw(t, "audit", "log", "--history", path, "--format", "json", "--dataset", "orders", "--limit", "2")
	require.Equal(t, exitPass, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2)
	var rec history.AuditRecord
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &rec))
	assert.Equal(t, int64(5), rec.Seq)
	assert.Equal(t, "fail", rec.Decision)
	assert.Len(t, rec.Hash, 64)

	code, out, errOut = sluiceRaw(t, "audit", "verify", "--history", path)
	require.Equal(t, exitPass, code, errOut)
	assert.Contains(t, out, "audit chain ok: 5 records, head "+rec.Hash)

	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = db.Exec(`UPDATE audit SET decision = 'pass' WHERE seq = 5`)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	code, out, _ = sluiceRaw(t, "audit", "verify", "--history", path)
	assert.Equal(t, exitFail, code)
	assert.Contains(t, out, "audit chain BROKEN at record 5: record 5 was edited")

	code, _, errOut = sluiceRaw(t, "audit", "log", "--format", "xml", "--history", path)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--format must be text or json")
	code, _, _ = sluiceRaw(t, "audit", "rewrite")
	assert.Equal(t, exitUsage, code)
}
