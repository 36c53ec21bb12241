package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/quality/history"
)

const historyRuleFile = `version: 1
dataset: orders
owner: payments@example.com
rules:
  - name: volume
    check: "!anomaly(row_count(), 'relative_rate', 0.5, 2.0)"
  - name: growth
    check: change(row_count()) >= 0.0
  - name: schema
    check: schema_unchanged()
`

func checkRuleStatuses(t *testing.T, out string) map[string]string {
	t.Helper()
	var rep struct {
		Rules []struct {
			Name, Status, Message string
		} `json:"rules"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	got := map[string]string{}
	for _, r := range rep.Rules {
		got[r.Name] = r.Status
		if r.Status == "not_evaluated" {
			got[r.Name] += ": " + r.Message
		}
	}
	return got
}

func TestCheckHistory(t *testing.T) {
	dir := t.TempDir()
	rules := writeFile(t, dir, "orders.yaml", historyRuleFile)
	db := filepath.Join(dir, ".sluice", "history.db")
	day1 := writeFile(t, dir, "day1.csv", "id,amount\n1,10\n2,20\n3,30\n4,40\n")
	day2 := writeFile(t, dir, "day2.csv", "id,amount\n1,10\n2,20\n3,30\n4,40\n5,50\n")
	day3 := writeFile(t, dir, "day3.csv", "id,amount,coupon\n1,10,x\n")

	// Without a store the rule file is refused, naming its history-aware
	// rules: reported not evaluated, they would let the gate pass.
	code, out, errOut := sluice(t, "check", "--rules", rules, "--no-history", "--format", "json", day1)
	require.Equal(t, exitUsage, code, errOut)
	assert.Empty(t, out)
	assert.Equal(t, "sluice: check: "+rules+": rules volume, growth, schema compare with earlier runs and need a history store: "+
		"drop --no-history (the default store is .sluice/history.db) or give --history DSN\n", errOut)
	assert.NoFileExists(t, db)

	code, out, errOut = sluice(t, "check", "--rules", rules, "--history", db, "--format", "json", day1)
	require.Equal(t, exitPass, code, errOut)
	for name, s := range checkRuleStatuses(t, out) {
		assert.True(t, strings.HasPrefix(s, "not_evaluated"), "%s: %s", name, s)
	}

	code, out, errOut = sluice(t, "check", "--rules", rules, "--history", db, "--format", "json", day2)
	require.Equal(t, exitPass, code, errOut)
	assert.Equal(t, map[string]string{"volume": "pass", "growth": "pass", "schema": "pass"}, checkRuleStatuses(t, out))

	code, out, errOut = sluice(t, "check", "--rules", rules, "--history", db, "--format", "json", day3)
	require.Equal(t, exitFail, code, errOut)
	assert.Equal(t, map[string]string{"volume": "fail", "growth": "fail", "schema": "fail"}, checkRuleStatuses(t, out))

	ctx := context.Background()
	store, err := history.Open(ctx, db)
	require.NoError(t, err)
	defer store.Close()
	log, err := store.AuditLog(ctx, history.AuditFilter{Dataset: "orders"})
	require.NoError(t, err)
	require.Len(t, log, 3)
	assert.Equal(t, []string{"pass", "pass", "fail"}, []string{log[0].Decision, log[1].Decision, log[2].Decision})
	h, err := history.FileHash(day3)
	require.NoError(t, err)
	assert.Equal(t, "sha256:"+h, log[2].DatasetVersion)
	rh, err := history.FileHash(rules)
	require.NoError(t, err)
	assert.Equal(t, rh, log[2].RuleFileHash)
	assert.Equal(t, "payments@example.com", log[2].Owner)
	assert.NotEmpty(t, log[2].RunID)

	// sluice audit verify reads the same chain.
	code, _, errOut = sluiceRaw(t, "audit", "verify", "--history", db)
	assert.Equal(t, exitPass, code, errOut)
}
