package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/quality/history"
)

const auditRuleFile = `version: 1
dataset: orders
owner: payments@example.com
rules:
  - name: amount_positive
    expr: amount > 0
  - name: enough_rows
    check: row_count() >= 2
`

// auditedRuns is a store with three signed runs of orders, the lineage
// file of those runs and the key pair that signed them.
type auditedRuns struct {
	dir, db, lineage, priv, pub string
	reports                     []jsonAudit
}

type jsonAudit struct {
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
	Signature string `json:"signature"`
	KeyID     string `json:"key_id"`
}

func keygen(t *testing.T, dir string) (priv, pub string) {
	t.Helper()
	prefix := filepath.Join(dir, "audit")
	code, out, errOut := sluiceRaw(t, "audit", "keygen", "--out", prefix)
	require.Equal(t, exitPass, code, errOut)
	priv, pub = history.KeyPairPaths(prefix)
	assert.Contains(t, out, "private key "+priv)
	assert.Contains(t, out, "key id      ed25519:")
	return priv, pub
}

func newAuditedRuns(t *testing.T) *auditedRuns {
	t.Helper()
	a := &auditedRuns{dir: t.TempDir()}
	a.db = filepath.Join(a.dir, "history.db")
	a.lineage = filepath.Join(a.dir, "lineage.ndjson")
	a.priv, a.pub = keygen(t, a.dir)
	rules := writeFile(t, a.dir, "orders.yaml", auditRuleFile)
	for i, data := range []string{"id,amount\n1,10\n2,20\n", "id,amount\n1,10\n2,20\n3,30\n", "id,amount\n1,-5\n2,20\n"} {
		in := writeFile(t, a.dir, fmt.Sprintf("day%d.csv", i+1), data)
		code, out, errOut := sluiceRaw(t, "check", "--rules", rules, "--history", a.db, "--audit-key", a.priv,
			"--lineage-file", a.lineage, "--format", "json", in)
		require.Contains(t, []int{exitPass, exitFail}, code, errOut)
		var rep struct {
			Audit *jsonAudit `json:"audit"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
		require.NotNil(t, rep.Audit, "the JSON report carries the audit record")
		a.reports = append(a.reports, *rep.Audit)
	}
	return a
}

func (a *auditedRuns) exec(t *testing.T, qs ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", a.db)
	require.NoError(t, err)
	defer db.Close()
	for _, q := range qs {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
}

func TestAuditSignedChecks(t *testing.T) {
	a := newAuditedRuns(t)
	pub, err := history.ReadPublicKey(a.pub)
	require.NoError(t, err)
	for i, r := range a.reports {
		assert.Equal(t, int64(i+1), r.Seq)
		assert.Len(t, r.Hash, 64)
		assert.NotEmpty(t, r.Signature)
		assert.Equal(t, history.KeyID(pub), r.KeyID)
	}
	fi, err := os.Stat(a.priv)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// The lineage COMPLETE/FAIL events carry the same record.
	raw, err := os.ReadFile(a.lineage)
	require.NoError(t, err)
	var facets []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var ev struct {
			EventType string `json:"eventType"`
			Run       struct {
				Facets map[string]map[string]any `json:"facets"`
			} `json:"run"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &ev))
		if f, ok := ev.Run.Facets["sluice_audit"]; ok {
			assert.NotEqual(t, "START", ev.EventType)
			facets = append(facets, f)
		}
	}
	require.Len(t, facets, 3)
	assert.Equal(t, a.reports[2].Hash, facets[2]["hash"])
	assert.Equal(t, a.reports[2].Signature, facets[2]["signature"])
	assert.Equal(t, a.reports[2].KeyID, facets[2]["keyId"])
	assert.Equal(t, "https://github.com/sluicedata/sluice", facets[2]["_producer"])

	code, out, errOut := sluiceRaw(t, "audit", "verify", "--history", a.db, "--pubkey", a.pub, "--lineage", a.lineage)
	require.Equal(t, exitPass, code, errOut)
	assert.Equal(t, fmt.Sprintf("audit chain ok: 3 records, head %s; 3 signatures verified (%s); 3 anchors matched in %s\n",
		a.reports[2].Hash, history.KeyID(pub), a.lineage), out)

	code, out, _ = sluiceRaw(t, "audit", "verify", "--history", a.db)
	require.Equal(t, exitPass, code)
	assert.Contains(t, out, "audit chain ok: 3 records")
	assert.Contains(t, out, "signatures not checked (no --pubkey)")

	// Another key does not verify the trail.
	_, otherPub := keygen(t, t.TempDir())
	code, out, _ = sluiceRaw(t, "audit", "verify", "--history", a.db, "--pubkey", otherPub)
	assert.Equal(t, exitFail, code)
	assert.Equal(t, 3, strings.Count(out, "not by a key given to verify"), out)
}

// TestAuditVerifyTampering tampers with the SQLite store of signed runs as
// someone who can write it would, and checks sluice audit verify's exit
// code and lines.
func TestAuditVerifyTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, a *auditedRuns)
		// args beyond --history; want: exit code and lines (substrings).
		args []string
		code int
		want []string
	}{
		{
			name:   "edited decision",
			tamper: func(t *testing.T, a *auditedRuns) { a.exec(t, `UPDATE audit SET decision = 'pass' WHERE seq = 3`) },
			code:   exitFail, want: []string{"audit chain BROKEN at record 3: record 3 was edited: its content does not match its hash"},
		},
		{
			name: "edited metric value",
			tamper: func(t *testing.T, a *auditedRuns) {
				a.exec(t, `UPDATE metric_values SET value = 1000, value_json = '1000' WHERE metric = 'row_count()' AND started_at = (SELECT MIN(started_at) FROM metric_values)`)
			},
			code: exitFail, want: []string{"audit chain BROKEN at record 1: record 1: the metric values or states of run"},
		},
		{
			name: "edited state",
			tamper: func(t *testing.T, a *auditedRuns) {
				a.exec(t, `UPDATE states SET state = X'00' WHERE run_id = (SELECT run_id FROM audit WHERE seq = 2)`)
			},
			code: exitFail, want: []string{"audit chain BROKEN at record 2: record 2: the metric values or states of run"},
		},
		{
			name: "deleted last record and its run, head moved: undetected without the lineage anchor",
			tamper: func(t *testing.T, a *auditedRuns) {
				a.exec(t, `DELETE FROM runs WHERE run_id = (SELECT run_id FROM audit WHERE seq = 3)`,
					`DELETE FROM metric_values WHERE run_id = (SELECT run_id FROM audit WHERE seq = 3)`,
					`DELETE FROM states WHERE run_id = (SELECT run_id FROM audit WHERE seq = 3)`,
					`DELETE FROM audit WHERE seq = 3`,
					`UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit WHERE seq = 2)`)
			},
			args: []string{"--pubkey", "PUB"},
			code: exitPass, want: []string{"audit chain ok: 2 records"},
		},
		{
			name: "deleted last record and its run, head moved: the lineage anchor finds it",
			tamper: func(t *testing.T, a *auditedRuns) {
				a.exec(t, `DELETE FROM runs WHERE run_id = (SELECT run_id FROM audit WHERE seq = 3)`,
					`DELETE FROM metric_values WHERE run_id = (SELECT run_id FROM audit WHERE seq = 3)`,
					`DELETE FROM states WHERE run_id = (SELECT run_id FROM audit WHERE seq = 3)`,
					`DELETE FROM audit WHERE seq = 3`,
					`UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit WHERE seq = 2)`)
			},
			args: []string{"--pubkey", "PUB", "--lineage", "LINEAGE"},
			code: exitFail, want: []string{"audit chain BROKEN at record 3: record 3 is missing: LINEAGE:6 anchors it, and the store ends at record 2"},
		},
		{
			name:   "rewritten chain with recomputed hashes: undetected without a key",
			tamper: rewriteChain,
			code:   exitPass, want: []string{"audit chain ok: 3 records"},
		},
		{
			name:   "rewritten chain with recomputed hashes: the key finds it",
			tamper: rewriteChain,
			args:   []string{"--pubkey", "PUB"},
			code:   exitFail, want: []string{"audit chain BROKEN at record 2: record 2: the signature by key", "audit chain BROKEN at record 3: record 3: the signature by key"},
		},
		{
			name:   "rewritten chain with recomputed hashes: the anchors find it without a key",
			tamper: rewriteChain,
			args:   []string{"--lineage", "LINEAGE"},
			code:   exitFail, want: []string{"audit chain BROKEN at record 2: record 2 differs from its anchor in LINEAGE:4: the chain was rewritten", "audit chain BROKEN at record 3: record 3 differs from its anchor"},
		},
		{
			name: "swapped records",
			tamper: func(t *testing.T, a *auditedRuns) {
				a.exec(t, `UPDATE audit SET seq = 100 WHERE seq = 1`, `UPDATE audit SET seq = 1 WHERE seq = 2`, `UPDATE audit SET seq = 2 WHERE seq = 100`)
			},
			code: exitFail, want: []string{"record 1 does not start the chain", "record 1 was edited", "record 2 does not follow record 1", "record 2 was edited", "record 3 does not follow record 2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuditedRuns(t)
			tt.tamper(t, a)
			args := []string{"audit", "verify", "--history", a.db}
			for _, arg := range tt.args {
				args = append(args, strings.NewReplacer("PUB", a.pub, "LINEAGE", a.lineage).Replace(arg))
			}
			code, out, errOut := sluiceRaw(t, args...)
			assert.Equal(t, tt.code, code, "%s%s", out, errOut)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if assert.Len(t, lines, len(tt.want), out) {
				for i, w := range tt.want {
					assert.Contains(t, lines[i], strings.ReplaceAll(w, "LINEAGE", a.lineage))
				}
			}
		})
	}
}

// rewriteChain edits record 2 and recomputes its hash and every later one,
// and the chain head, keeping the (now stale) signatures.
func rewriteChain(t *testing.T, a *auditedRuns) {
	t.Helper()
	db, err := sql.Open("sqlite", a.db)
	require.NoError(t, err)
	defer db.Close()
	s, err := history.Open(t.Context(), a.db)
	require.NoError(t, err)
	recs, err := s.AuditLog(t.Context(), history.AuditFilter{})
	require.NoError(t, s.Close())
	require.NoError(t, err)
	prev := recs[0].Hash
	for _, r := range recs[1:] {
		if r.Seq == 2 {
			r.Decision = "fail"
		}
		r.PrevHash = prev
		r.Hash, err = r.ComputeHash()
		require.NoError(t, err)
		_, err = db.Exec(`UPDATE audit SET decision = ?, prev_hash = ?, hash = ? WHERE seq = ?`, r.Decision, r.PrevHash, r.Hash, r.Seq)
		require.NoError(t, err)
		prev = r.Hash
	}
	_, err = db.Exec(`UPDATE audit_head SET hash = ?`, prev)
	require.NoError(t, err)
}

func TestAuditKeyArguments(t *testing.T) {
	dir := t.TempDir()
	priv, _ := keygen(t, dir)
	rules := writeFile(t, dir, "orders.yaml", auditRuleFile)
	in := writeFile(t, dir, "in.csv", "id,amount\n1,10\n2,20\n")

	code, _, errOut := sluiceRaw(t, "audit", "keygen", "--out", filepath.Join(dir, "audit"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "exists: not overwritten")

	code, _, errOut = sluice(t, "check", "--rules", rules, "--no-history", "--audit-key", priv, in)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--audit-key signs the audit records of a history store, not --no-history")

	pemKey, err := os.ReadFile(priv)
	require.NoError(t, err)
	open := writeFile(t, dir, "open.key", string(pemKey))
	require.NoError(t, os.Chmod(open, 0o644))
	notKey := writeFile(t, dir, "not.key", "secret-material-that-is-no-key")
	for _, tc := range []struct {
		name, key, want string
	}{
		{"readable by others", open, "may be read by others (mode 0644): chmod 600 it"},
		{"not a key", notKey, `not a PEM "PRIVATE KEY" block`},
		{"missing", filepath.Join(dir, "none.key"), "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := sluice(t, "check", "--rules", rules, "--history", filepath.Join(t.TempDir(), "h.db"), "--audit-key", tc.key, in)
			assert.Equal(t, exitUsage, code, out)
			assert.Contains(t, errOut, tc.want)
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(errOut), "\n")+1, "one line: %s", errOut)
			assert.NotContains(t, errOut, "secret-material")
			assert.NotContains(t, errOut, strings.Split(string(pemKey), "\n")[1], "no key bytes")
		})
	}

	// SLUICE_AUDIT_KEY holds a path or the PEM key itself.
	for _, tc := range []struct{ name, env string }{{"path", priv}, {"PEM", string(pemKey)}} {
		t.Run("env "+tc.name, func(t *testing.T) {
			t.Setenv(auditKeyEnv, tc.env)
			code, out, errOut := sluice(t, "check", "--rules", rules, "--history", filepath.Join(t.TempDir(), "h.db"), "--format", "json", in)
			require.Equal(t, exitPass, code, errOut)
			assert.Contains(t, out, `"key_id": "ed25519:`)
		})
	}
	t.Run("env without history", func(t *testing.T) {
		t.Setenv(auditKeyEnv, filepath.Join(dir, "none.key"))
		code, _, errOut := sluice(t, "check", "--rules", rules, "--no-history", in)
		assert.Equal(t, exitPass, code, "the variable is ignored without a store: %s", errOut)
	})
	t.Run("env not a key", func(t *testing.T) {
		t.Setenv(auditKeyEnv, "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n")
		code, _, errOut := sluice(t, "check", "--rules", rules, "--history", filepath.Join(t.TempDir(), "h.db"), in)
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, errOut, "$SLUICE_AUDIT_KEY (a PEM key)")
		assert.NotContains(t, errOut, "c2VjcmV0")
	})

	code, _, errOut = sluiceRaw(t, "audit", "verify", "--history", filepath.Join(dir, "h.db"), "--pubkey", priv)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `not a PEM "PUBLIC KEY" block`)
	code, _, errOut = sluiceRaw(t, "audit", "verify", "--signed-from", "3")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--signed-from needs --pubkey")
	bad := writeFile(t, dir, "bad.ndjson", "{}\n{not json\n")
	code, _, errOut = sluiceRaw(t, "audit", "verify", "--history", filepath.Join(dir, "h.db"), "--lineage", bad)
	assert.Equal(t, exitRuntime, code)
	assert.Contains(t, errOut, bad+":2: not an OpenLineage event")
}
