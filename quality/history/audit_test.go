package history

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/lineage"
)

// testKey is a fixed key pair, so that failures reproduce.
func testKey(t testing.TB, seed byte) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	priv := ed25519.NewKeyFromSeed(append(make([]byte, ed25519.SeedSize-1), seed))
	return priv.Public().(ed25519.PublicKey), priv
}

// signedStore saves n runs of "orders", each with metric values and
// states, and appends a signed audit record for each; it returns the
// anchors of the records as they were.
func signedStore(t *testing.T, s Store, priv ed25519.PrivateKey, n int) []Anchor {
	t.Helper()
	ctx := context.Background()
	var anchors []Anchor
	for i := range n {
		run := fmt.Sprintf("run-%d", i+1)
		part := fmt.Sprintf("day=%d", i+1)
		require.NoError(t, s.SaveRun(ctx, RunRecord{
			RunID: run, Dataset: "orders", Partition: part, DatasetID: lineage.Dataset{Namespace: "file", Name: "/d/orders.csv"},
			StartedAt: t0.AddDate(0, 0, i), Status: "pass",
			Metrics:           map[string]any{"row_count()": int64(1000 + i), "mean(amount)": 20.5 + float64(i), "most_common(status)": "paid"},
			States:            map[string][]byte{"row_count()": {1, 2, byte(i)}, "mean(amount)": {3, 4, byte(i)}},
			SchemaFingerprint: "fp", SchemaFields: json.RawMessage(`[{"name":"amount"}]`),
		}))
		var opts []AppendOption
		if priv != nil {
			opts = append(opts, SignWith(priv))
		}
		rec, err := s.AppendAudit(ctx, AuditRecord{
			Time: t0.AddDate(0, 0, i), RunID: run, Dataset: "orders", Partition: part, Owner: "o@example.com",
			Decision: "pass", Summary: json.RawMessage(`{"rows_in":1000}`),
		}, opts...)
		require.NoError(t, err)
		require.NotEmpty(t, rec.MetricsDigest)
		anchors = append(anchors, Anchor{Seq: rec.Seq, Hash: rec.Hash, Signature: rec.Signature, Source: fmt.Sprintf("lineage.ndjson:%d", 2*rec.Seq)})
	}
	return anchors
}

// rewrite edits the records from seq on with edit (nil: none) and
// recomputes every hash after it, and the head, as someone who can write
// the store but has no key would; with signer the records are signed
// again with that (other) key.
func rewrite(t *testing.T, s Store, from int64, edit func(*AuditRecord), signer ed25519.PrivateKey, strip bool) {
	t.Helper()
	ctx := context.Background()
	st := s.(*sqlStore)
	recs, err := s.AuditLog(ctx, AuditFilter{})
	require.NoError(t, err)
	prev := ""
	for _, r := range recs {
		if r.Seq < from {
			prev = r.Hash
			continue
		}
		if r.Seq == from && edit != nil {
			edit(&r)
		}
		r.PrevHash = prev
		switch {
		case strip:
			r.KeyID, r.Signature = "", ""
		case signer != nil:
			r.KeyID = KeyID(signer.Public().(ed25519.PublicKey))
		}
		r.Hash, err = r.ComputeHash()
		require.NoError(t, err)
		if signer != nil && !strip {
			require.NoError(t, r.sign(signer))
		}
		_, err = st.db.ExecContext(ctx, st.q(`UPDATE audit SET decision = ?, prev_hash = ?, hash = ?, key_id = ?, signature = ? WHERE seq = ?`),
			r.Decision, r.PrevHash, r.Hash, r.KeyID, r.Signature, r.Seq)
		require.NoError(t, err)
		prev = r.Hash
	}
	_, err = st.db.ExecContext(ctx, st.q(`UPDATE audit_head SET hash = ? WHERE id = 1`), prev)
	require.NoError(t, err)
}

func reasons(res VerifyResult) []string {
	out := make([]string, len(res.Problems))
	for i, p := range res.Problems {
		out[i] = p.Reason
	}
	return out
}

// TestAuditTamperKinds tampers with a signed store in every way the threat
// model names and checks what verify finds without a key, with the key,
// and with the anchors kept outside the store.
func TestAuditTamperKinds(t *testing.T) {
	pub, priv := testKey(t, 1)
	_, attacker := testKey(t, 2)
	execs := func(qs ...string) func(t *testing.T, s Store) {
		return func(t *testing.T, s Store) {
			for _, q := range qs {
				if s.(*sqlStore).dialect == dialectPostgres {
					q = strings.ReplaceAll(q, `X'010203'`, `'\x010203'::bytea`)
				}
				_, err := s.(*sqlStore).db.Exec(q)
				require.NoError(t, err, q)
			}
		}
	}
	tests := []struct {
		name   string
		tamper func(t *testing.T, s Store)
		// What verify reports (substrings, in order) with nothing, with
		// the key, with the key and the anchors; nil: ok.
		plain, keyed, anchored []string
	}{
		{
			name:     "untouched",
			tamper:   func(*testing.T, Store) {},
			plain:    nil,
			keyed:    nil,
			anchored: nil,
		},
		{
			name:     "edited record",
			tamper:   execs(`UPDATE audit SET decision = 'fail' WHERE seq = 3`),
			plain:    []string{"record 3 was edited"},
			keyed:    []string{"record 3 was edited"},
			anchored: []string{"record 3 was edited"},
		},
		{
			name: "rewritten chain from record 3",
			tamper: func(t *testing.T, s Store) {
				rewrite(t, s, 3, func(r *AuditRecord) { r.Decision = "fail" }, nil, false)
			},
			plain:    nil,
			keyed:    []string{"record 3: the signature by key", "record 4: the signature", "record 5: the signature"},
			anchored: []string{"record 3: the signature", "record 3 differs from its anchor in lineage.ndjson:6: the chain was rewritten", "record 4", "record 4", "record 5", "record 5"},
		},
		{
			name: "rewritten chain re-signed with another key",
			tamper: func(t *testing.T, s Store) {
				rewrite(t, s, 2, func(r *AuditRecord) { r.Decision = "fail" }, attacker, false)
			},
			plain:    nil,
			keyed:    []string{"record 2 is signed by key " + KeyID(attacker.Public().(ed25519.PublicKey)) + ", not by a key given to verify", "record 3 is signed by key", "record 4", "record 5"},
			anchored: []string{"record 2 is signed by key", "record 2 differs from its anchor", "record 3", "record 3", "record 4", "record 4", "record 5", "record 5"},
		},
		{
			name:     "signatures stripped and the chain rewritten",
			tamper:   func(t *testing.T, s Store) { rewrite(t, s, 1, nil, nil, true) },
			plain:    nil,
			keyed:    []string{"record 1 is not signed", "record 2 is not signed", "record 3 is not signed", "record 4 is not signed", "record 5 is not signed"},
			anchored: []string{"record 1 is not signed", "record 1 differs from its anchor", "record 2", "record 2", "record 3", "record 3", "record 4", "record 4", "record 5", "record 5"},
		},
		{
			name:     "reordered records",
			tamper:   execs(`UPDATE audit SET seq = seq + 100 WHERE seq = 2`, `UPDATE audit SET seq = 2 WHERE seq = 4`, `UPDATE audit SET seq = 4 WHERE seq = 102`),
			plain:    []string{"record 2 does not follow record 1", "record 2 was edited", "record 3 does not follow record 2", "record 4 does not follow record 3", "record 4 was edited", "record 5 does not follow record 4"},
			keyed:    []string{"record 2 does not follow record 1", "record 2 was edited", "record 3 does not follow", "record 4 does not follow", "record 4 was edited", "record 5 does not follow"},
			anchored: []string{"record 2 does not follow record 1", "record 2 was edited", "record 2 differs from its anchor", "record 3 does not follow", "record 4 does not follow", "record 4 was edited", "record 4 differs from its anchor", "record 5 does not follow"},
		},
		{
			name:     "deleted middle record",
			tamper:   execs(`DELETE FROM audit WHERE seq = 3`),
			plain:    []string{"record 3 is missing (the next record is 4)", `run "run-3" of "orders" (partition "day=3") has no audit record`},
			keyed:    []string{"record 3 is missing (the next record is 4)", `run "run-3"`},
			anchored: []string{"record 3 is missing (the next record is 4)", "record 3 is missing: lineage.ndjson:6 anchors it", `run "run-3"`},
		},
		{
			name:     "deleted last records, head moved back",
			tamper:   execs(`DELETE FROM audit WHERE seq > 3`, `UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit WHERE seq = 3) WHERE id = 1`, `DELETE FROM runs WHERE run_id IN ('run-4', 'run-5')`, `DELETE FROM metric_values WHERE run_id IN ('run-4', 'run-5')`, `DELETE FROM states WHERE run_id IN ('run-4', 'run-5')`),
			plain:    nil,
			keyed:    nil,
			anchored: []string{"record 4 is missing: lineage.ndjson:8 anchors it, and the store ends at record 3", "record 5 is missing: lineage.ndjson:10 anchors it"},
		},
		{
			name:     "deleted last records, head left",
			tamper:   execs(`DELETE FROM audit WHERE seq > 3`),
			plain:    []string{"record 4 is missing: the chain head names record 5", `run "run-4" of "orders" (partition "day=4") has no audit record`, `run "run-5"`},
			keyed:    []string{"record 4 is missing: the chain head names record 5", `run "run-4"`, `run "run-5"`},
			anchored: []string{"record 4 is missing: the chain head names record 5", "record 4 is missing: lineage.ndjson:8 anchors it", "record 5 is missing", `run "run-4"`, `run "run-5"`},
		},
		{
			name:     "edited metric value",
			tamper:   execs(`UPDATE metric_values SET value = 99999 WHERE run_id = 'run-2' AND metric = 'row_count()'`),
			plain:    []string{`record 2: the metric values or states of run "run-2" of "orders" (partition "day=2") were changed: their digest differs`},
			keyed:    []string{"record 2: the metric values or states"},
			anchored: []string{"record 2: the metric values or states"},
		},
		{
			name:     "edited metric JSON",
			tamper:   execs(`UPDATE metric_values SET value_json = '"x"' WHERE run_id = 'run-2' AND metric = 'most_common(status)'`),
			plain:    []string{"record 2: the metric values or states"},
			keyed:    []string{"record 2: the metric values or states"},
			anchored: []string{"record 2: the metric values or states"},
		},
		{
			name:     "edited run status and metrics",
			tamper:   execs(`UPDATE runs SET status = 'fail', metrics_json = '{}' WHERE run_id = 'run-5'`),
			plain:    []string{"record 5: the metric values or states"},
			keyed:    []string{"record 5: the metric values or states"},
			anchored: []string{"record 5: the metric values or states"},
		},
		{
			name:     "edited state",
			tamper:   execs(`UPDATE states SET state = X'010203' WHERE run_id = 'run-1' AND metric = 'mean(amount)'`),
			plain:    []string{"record 1: the metric values or states"},
			keyed:    []string{"record 1: the metric values or states"},
			anchored: []string{"record 1: the metric values or states"},
		},
		{
			name:     "deleted run",
			tamper:   execs(`DELETE FROM runs WHERE run_id = 'run-3'`, `DELETE FROM metric_values WHERE run_id = 'run-3'`, `DELETE FROM states WHERE run_id = 'run-3'`),
			plain:    []string{`record 3: the metrics of run "run-3" of "orders" (partition "day=3") were deleted`},
			keyed:    []string{"record 3: the metrics of run"},
			anchored: []string{"record 3: the metrics of run"},
		},
		{
			name: "injected run",
			tamper: execs(`INSERT INTO runs (dataset, run_id, part, namespace, name, started_at, status, metrics_json, schema_fingerprint, schema_fields)
				VALUES ('orders', 'fake', 'day=9', '', '', 1, 'pass', '{}', '', 'null')`,
				`INSERT INTO metric_values (dataset, metric, started_at, run_id, part, status, value, value_json) VALUES ('orders', 'row_count()', 1, 'ghost', '', 'pass', 5, '5')`),
			plain:    []string{`run "fake" of "orders" (partition "day=9") has no audit record: its metrics were added outside a gate run`, `run "ghost" of "orders" (partition "")`},
			keyed:    []string{`run "fake"`, `run "ghost"`},
			anchored: []string{`run "fake"`, `run "ghost"`},
		},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					ctx := context.Background()
					s := openT(t, b.fresh(t))
					anchors := signedStore(t, s, priv, 5)
					tt.tamper(t, s)
					for _, v := range []struct {
						what string
						opts []VerifyOption
						want []string
					}{
						{"without a key", nil, tt.plain},
						{"with the key", []VerifyOption{WithPublicKeys(pub)}, tt.keyed},
						{"with the key and the anchors", []VerifyOption{WithPublicKeys(pub), WithAnchors(anchors...)}, tt.anchored},
					} {
						res, err := s.VerifyAudit(ctx, v.opts...)
						require.NoError(t, err)
						got := reasons(res)
						if len(v.want) == 0 {
							assert.True(t, res.OK, "%s: %q", v.what, got)
							assert.Empty(t, got, v.what)
							continue
						}
						assert.False(t, res.OK, v.what)
						if assert.Len(t, got, len(v.want), "%s: %q", v.what, got) {
							for i := range v.want {
								assert.Contains(t, got[i], v.want[i], "%s: problem %d", v.what, i)
							}
						}
						assert.Equal(t, res.Problems[0].Seq, res.FirstBad, v.what)
						assert.Equal(t, got[0], res.Reason, v.what)
					}
				})
			}
		})
	}
}

// notEd25519 is a signer with a key of another kind.
type notEd25519 struct{}

func (notEd25519) Public() crypto.PublicKey { return &ecdsa.PublicKey{} }
func (notEd25519) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("not used")
}

func TestAuditSignedRecords(t *testing.T) {
	pub, priv := testKey(t, 1)
	other, _ := testKey(t, 3)
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openT(t, dsn)
		signedStore(t, s, priv, 2)
		log, err := s.AuditLog(ctx, AuditFilter{})
		require.NoError(t, err)
		require.Len(t, log, 2)
		for _, r := range log {
			assert.Equal(t, KeyID(pub), r.KeyID)
			assert.NoError(t, r.VerifySignature(pub))
			assert.ErrorIs(t, r.VerifySignature(other), ErrSignature)
		}
		res, err := s.VerifyAudit(ctx, WithPublicKeys(other, pub))
		require.NoError(t, err)
		assert.True(t, res.OK, "%q", reasons(res))
		assert.EqualValues(t, 2, res.Signed)
		res, err = s.VerifyAudit(ctx, WithPublicKeys(other))
		require.NoError(t, err)
		assert.Equal(t, []string{
			"record 1 is signed by key " + KeyID(pub) + ", not by a key given to verify",
			"record 2 is signed by key " + KeyID(pub) + ", not by a key given to verify",
		}, reasons(res))

		// Signing turned on for a store with unsigned records: they pass
		// under WithSignedFrom, the chain still covers them.
		s2 := openT(t, freshLike(t, dsn))
		signedStore(t, s2, nil, 2)
		signedStore2(t, s2, priv)
		res, err = s2.VerifyAudit(ctx, WithPublicKeys(pub))
		require.NoError(t, err)
		assert.Equal(t, []string{"record 1 is not signed", "record 2 is not signed"}, reasons(res))
		res, err = s2.VerifyAudit(ctx, WithPublicKeys(pub), WithSignedFrom(3))
		require.NoError(t, err)
		assert.True(t, res.OK, "%q", reasons(res))
		_, err = s2.(*sqlStore).db.Exec(`UPDATE audit SET decision = 'fail' WHERE seq = 1`)
		require.NoError(t, err)
		rewrite(t, s2, 1, nil, nil, false)
		res, err = s2.VerifyAudit(ctx, WithPublicKeys(pub), WithSignedFrom(3))
		require.NoError(t, err)
		assert.Equal(t, []string{"record 3: the signature by key " + KeyID(pub) + " does not verify"}, reasons(res))
	})
}

// freshLike returns a new store of the kind of dsn.
func freshLike(t *testing.T, dsn string) string {
	if strings.HasPrefix(dsn, "postgres") {
		return freshPostgres(t)
	}
	return filepath.Join(t.TempDir(), "other.db")
}

// signedStore2 appends one signed record for a run of its own.
func signedStore2(t *testing.T, s Store, priv ed25519.PrivateKey) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, s.SaveRun(ctx, RunRecord{RunID: "run-signed", Dataset: "orders", StartedAt: t0, Status: "pass", Metrics: map[string]any{"row_count()": 1}}))
	_, err := s.AppendAudit(ctx, AuditRecord{RunID: "run-signed", Dataset: "orders", Decision: "pass"}, SignWith(priv))
	require.NoError(t, err)
}

func TestAppendAuditSignerMustBeEd25519(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "h.db"))
	_, err := s.AppendAudit(context.Background(), AuditRecord{Dataset: "d"}, SignWith(notEd25519{}))
	require.ErrorIs(t, err, ErrInvalidKey)
	res, err := s.VerifyAudit(context.Background())
	require.NoError(t, err)
	assert.Zero(t, res.Records, "nothing appended")
}

// TestLegacyRecordsKeepTheirHashes pins the hash of a record without the
// fields added in schema version 2, and opens a version 1 store: its
// records verify after the migration and the chain goes on.
func TestLegacyRecordsKeepTheirHashes(t *testing.T) {
	r := AuditRecord{Seq: 7, Time: time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC), RunID: "run-7", Dataset: "orders",
		DatasetID: lineage.Dataset{Namespace: "file", Name: "/d/orders.csv"}, DatasetVersion: "sha256:abc", RuleFile: "orders.yaml",
		RuleFileHash: "def", Owner: "o@example.com", Decision: "fail", Summary: json.RawMessage(`{"rows_in":3,"failed_rules":["a"]}`), PrevHash: "0011"}
	h, err := r.ComputeHash()
	require.NoError(t, err)
	assert.Equal(t, "895828ee8a9aa5c12f506e337129a21e3b8dd93c92b62cf37b93d52c801cfa13", h, "the hash of schema version 1")

	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	v1 := (&sqlStore{dialect: dialectSQLite}).migration(1)
	_, err = db.Exec("CREATE TABLE schema_version (version INTEGER NOT NULL)")
	require.NoError(t, err)
	for _, q := range v1 {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
	prev := ""
	for i := int64(1); i <= 3; i++ {
		rec := AuditRecord{Seq: i, Time: t0.Add(time.Duration(i) * time.Hour), RunID: fmt.Sprint("r", i), Dataset: "orders", Decision: "pass", Summary: json.RawMessage(`{}`), PrevHash: prev}
		rec.Hash, err = rec.ComputeHash()
		require.NoError(t, err)
		_, err = db.Exec(`INSERT INTO audit (seq, at, run_id, dataset, namespace, name, dataset_version, rule_file, rule_file_hash, owner, decision, summary, prev_hash, hash)
			VALUES (?, ?, ?, ?, '', '', '', '', '', '', ?, ?, ?, ?)`, rec.Seq, rec.Time.UnixNano(), rec.RunID, rec.Dataset, rec.Decision, string(rec.Summary), rec.PrevHash, rec.Hash)
		require.NoError(t, err)
		_, err = db.Exec(`INSERT INTO runs (dataset, run_id, part, namespace, name, started_at, status, metrics_json, schema_fingerprint, schema_fields)
			VALUES ('orders', ?, 'p', '', '', 1, 'pass', '{}', '', 'null')`, rec.RunID)
		require.NoError(t, err)
		_, err = db.Exec(`UPDATE audit_head SET seq = ?, hash = ?`, rec.Seq, rec.Hash)
		require.NoError(t, err)
		prev = rec.Hash
	}
	require.NoError(t, db.Close())

	s := openT(t, path)
	var v int
	require.NoError(t, s.(*sqlStore).db.QueryRow("SELECT version FROM schema_version").Scan(&v))
	assert.Equal(t, schemaVersion, v)
	res, err := s.VerifyAudit(context.Background())
	require.NoError(t, err)
	assert.True(t, res.OK, "%q", reasons(res))
	_, priv := testKey(t, 1)
	signedStore2(t, s, priv)
	res, err = s.VerifyAudit(context.Background(), WithPublicKeys(priv.Public().(ed25519.PublicKey)), WithSignedFrom(4))
	require.NoError(t, err)
	assert.True(t, res.OK, "%q", reasons(res))
	assert.EqualValues(t, 4, res.Records)
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "audit")
	id, err := WriteKeyPair(prefix, nil)
	require.NoError(t, err)
	privPath, pubPath := KeyPairPaths(prefix)
	fi, err := os.Stat(privPath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	priv, err := ReadPrivateKey(privPath)
	require.NoError(t, err)
	pub, err := ReadPublicKey(pubPath)
	require.NoError(t, err)
	assert.Equal(t, id, KeyID(pub))
	assert.Equal(t, pub, priv.Public())
	assert.Regexp(t, `^ed25519:[0-9a-f]{32}$`, id)

	_, err = WriteKeyPair(prefix, nil)
	require.ErrorIs(t, err, os.ErrExist, "never overwrites")

	require.NoError(t, os.Chmod(privPath, 0o644))
	_, err = ReadPrivateKey(privPath)
	require.ErrorIs(t, err, ErrInvalidKey)
	assert.Contains(t, err.Error(), "may be read by others (mode 0644)")

	raw, err := os.ReadFile(privPath)
	require.NoError(t, err)
	tests := []struct {
		name, data, want string
		pub              bool
	}{
		{"not PEM", "hello", "not a PEM", false},
		{"public key as private", string(mustRead(t, pubPath)), `not a PEM "PRIVATE KEY" block`, false},
		{"private key as public", string(raw), `not a PEM "PUBLIC KEY" block`, true},
		{"garbage DER", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a PKCS #8 private key", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "k")
			require.NoError(t, os.WriteFile(p, []byte(tt.data), 0o600))
			var err error
			if tt.pub {
				_, err = ReadPublicKey(p)
			} else {
				_, err = ReadPrivateKey(p)
			}
			require.ErrorIs(t, err, ErrInvalidKey)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "MC4CAQAw", "no key bytes in messages")
		})
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return b
}
