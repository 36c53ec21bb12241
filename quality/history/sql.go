package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// schemaVersion is the version of the tables this build writes: 1 the
// first tables, 2 the audit columns part, metrics_digest, key_id and
// signature, 3 the table run_reports.
const schemaVersion = 3

type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

// sqlStore is the Store over database/sql, for SQLite and PostgreSQL.
type sqlStore struct {
	db      *sql.DB
	dialect dialect
	where   string // for errors: the file or the host
}

// OpenSQLite opens the SQLite store at path through the database/sql
// driver named DriverSQLite, which a program links by importing
// quality/history/sqlitestore (ErrNoDriver otherwise), creating the file,
// its directory and the tables. The database runs in WAL mode with a busy
// timeout and immediate write transactions, so several processes may
// write at once.
func OpenSQLite(ctx context.Context, path string) (Store, error) {
	if err := needDriver(DriverSQLite, "sqlitestore"); err != nil {
		return nil, err
	}
	if path == "" {
		path = DefaultDSN
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(30000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("history: %s: %w", path, err)
	}
	return open(ctx, db, dialectSQLite, path)
}

// OpenPostgres opens the PostgreSQL store at a postgres:// URL through the
// database/sql driver named DriverPostgres, which a program links by
// importing quality/history/pgstore (ErrNoDriver otherwise), creating the
// tables.
func OpenPostgres(ctx context.Context, url string) (Store, error) {
	if err := needDriver(DriverPostgres, "pgstore"); err != nil {
		return nil, err
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("history: postgres: %w", err)
	}
	return open(ctx, db, dialectPostgres, redact(url))
}

// redact drops the password of a URL for error messages.
func redact(url string) string {
	if at := strings.LastIndex(url, "@"); at > 0 {
		if i := strings.Index(url, "://"); i > 0 && i < at {
			return url[:i+3] + "…" + url[at:]
		}
	}
	return url
}

func open(ctx context.Context, db *sql.DB, d dialect, where string) (Store, error) {
	s := &sqlStore{db: db, dialect: d, where: where}
	if err := s.retry(ctx, s.migrate); err != nil {
		db.Close()
		return nil, fmt.Errorf("history: %s: %w", where, err)
	}
	return s, nil
}

func (s *sqlStore) Close() error { return s.db.Close() }

// q rewrites ? placeholders as $n for PostgreSQL.
func (s *sqlStore) q(query string) string {
	if s.dialect != dialectPostgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// retry runs fn again while SQLite reports the database busy (a writer
// beyond the busy timeout, or a lock upgrade it cannot wait for).
func (s *sqlStore) retry(ctx context.Context, fn func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		err := fn(ctx)
		if err == nil || s.dialect != dialectSQLite || attempt >= 20 || !isBusy(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(10*(attempt+1)) * time.Millisecond):
		}
	}
}

func isBusy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

// tx runs fn in a transaction (BEGIN IMMEDIATE on SQLite).
func (s *sqlStore) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.retry(ctx, func(ctx context.Context) error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return errors.Join(err, tx.Rollback())
		}
		return tx.Commit()
	})
}

func (s *sqlStore) blob() string {
	if s.dialect == dialectPostgres {
		return "BYTEA"
	}
	return "BLOB"
}

func (s *sqlStore) migrate(ctx context.Context) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if s.dialect == dialectPostgres {
			// Serialize concurrent first opens.
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7240531)"); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"); err != nil {
			return err
		}
		var v int
		err := tx.QueryRowContext(ctx, "SELECT version FROM schema_version").Scan(&v)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			v = 0
		case err != nil:
			return err
		}
		if v > schemaVersion {
			return fmt.Errorf("schema version %d is newer than this build reads (%d)", v, schemaVersion)
		}
		if v == schemaVersion {
			return nil
		}
		for next := v + 1; next <= schemaVersion; next++ {
			for _, st := range s.migration(next) {
				if _, err := tx.ExecContext(ctx, st); err != nil {
					return fmt.Errorf("migrating to schema version %d: %w", next, err)
				}
			}
		}
		return nil
	})
}

// migration returns the statements that bring the tables from version
// v-1 to v.
func (s *sqlStore) migration(v int) []string {
	switch v {
	case 1:
		return []string{
			`CREATE TABLE runs (
				dataset TEXT NOT NULL, run_id TEXT NOT NULL, part TEXT NOT NULL,
				namespace TEXT NOT NULL, name TEXT NOT NULL,
				started_at BIGINT NOT NULL, status TEXT NOT NULL,
				metrics_json TEXT NOT NULL, schema_fingerprint TEXT NOT NULL, schema_fields TEXT NOT NULL,
				PRIMARY KEY (dataset, run_id, part))`,
			`CREATE INDEX runs_by_time ON runs (dataset, part, started_at)`,
			`CREATE TABLE metric_values (
				dataset TEXT NOT NULL, metric TEXT NOT NULL, started_at BIGINT NOT NULL,
				run_id TEXT NOT NULL, part TEXT NOT NULL, status TEXT NOT NULL,
				value DOUBLE PRECISION, value_json TEXT NOT NULL,
				PRIMARY KEY (dataset, metric, started_at, run_id, part))`,
			`CREATE TABLE states (
				dataset TEXT NOT NULL, run_id TEXT NOT NULL, part TEXT NOT NULL,
				metric TEXT NOT NULL, state ` + s.blob() + ` NOT NULL,
				PRIMARY KEY (dataset, run_id, part, metric))`,
			`CREATE TABLE audit (
				seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, run_id TEXT NOT NULL,
				dataset TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
				dataset_version TEXT NOT NULL, rule_file TEXT NOT NULL, rule_file_hash TEXT NOT NULL,
				owner TEXT NOT NULL, decision TEXT NOT NULL, summary TEXT NOT NULL,
				prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`,
			`CREATE INDEX audit_by_dataset ON audit (dataset, seq)`,
			`CREATE TABLE audit_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)`,
			`INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '')`,
			`INSERT INTO schema_version (version) VALUES (1)`,
		}
	case 2:
		// Records of version 1 keep their hashes: the new fields are
		// empty, and empty fields are not hashed.
		return []string{
			`ALTER TABLE audit ADD COLUMN part TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE audit ADD COLUMN metrics_digest TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE audit ADD COLUMN key_id TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE audit ADD COLUMN signature TEXT NOT NULL DEFAULT ''`,
			`UPDATE schema_version SET version = 2`,
		}
	case 3:
		// Runs saved before keep no report.
		return []string{
			`CREATE TABLE run_reports (
				dataset TEXT NOT NULL, run_id TEXT NOT NULL, part TEXT NOT NULL,
				version INTEGER NOT NULL, report TEXT NOT NULL,
				PRIMARY KEY (dataset, run_id, part))`,
			`UPDATE schema_version SET version = 3`,
		}
	}
	return nil
}

func (s *sqlStore) SaveRun(ctx context.Context, r RunRecord) error {
	if r.Dataset == "" || r.RunID == "" {
		return fmt.Errorf("history: save run: dataset and run id are required")
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = time.Now()
	}
	at := r.StartedAt.UnixNano()
	safe := make(map[string]any, len(r.Metrics))
	for k, v := range r.Metrics {
		safe[k] = jsonValue(v)
	}
	mj, err := json.Marshal(safe)
	if err != nil {
		return fmt.Errorf("history: save run %s: metrics: %w", r.RunID, err)
	}
	fields := string(r.SchemaFields)
	if fields == "" {
		fields = "null"
	}
	names := make([]string, 0, len(r.Metrics))
	for k := range r.Metrics {
		names = append(names, k)
	}
	slices.Sort(names)
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO runs (dataset, run_id, part, namespace, name, started_at, status, metrics_json, schema_fingerprint, schema_fields)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			r.Dataset, r.RunID, r.Partition, r.DatasetID.Namespace, r.DatasetID.Name, at, r.Status, string(mj), r.SchemaFingerprint, fields); err != nil {
			return err
		}
		for _, k := range names {
			v := r.Metrics[k]
			vj, err := json.Marshal(jsonValue(v))
			if err != nil {
				return fmt.Errorf("metric %s: %w", k, err)
			}
			var num any
			if f, ok := numeric(v); ok && !isNonFinite(f) {
				num = f
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO metric_values (dataset, metric, started_at, run_id, part, status, value, value_json)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), r.Dataset, k, at, r.RunID, r.Partition, r.Status, num, string(vj)); err != nil {
				return err
			}
		}
		if len(r.Report) > 0 {
			if !json.Valid(r.Report) {
				return errors.New("report: not valid JSON")
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO run_reports (dataset, run_id, part, version, report) VALUES (?, ?, ?, ?, ?)`),
				r.Dataset, r.RunID, r.Partition, ReportVersion, string(r.Report)); err != nil {
				return err
			}
		}
		for k, st := range r.States {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO states (dataset, run_id, part, metric, state) VALUES (?, ?, ?, ?, ?)`),
				r.Dataset, r.RunID, r.Partition, k, st); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("history: save run %s of %s: %w", r.RunID, r.Dataset, err)
	}
	return nil
}

func isNonFinite(f float64) bool {
	return f != f || f > 1.7976931348623157e308 || f < -1.7976931348623157e308
}

func (s *sqlStore) Runs(ctx context.Context, dataset string, limit int) ([]RunRecord, error) {
	q := `SELECT run_id, part, namespace, name, started_at, status, metrics_json, schema_fingerprint, schema_fields
		FROM runs WHERE dataset = ? ORDER BY started_at DESC, run_id DESC, part DESC`
	args := []any{dataset}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("history: runs of %s: %w", dataset, err)
	}
	defer rows.Close()
	var out []RunRecord
	for rows.Next() {
		r, err := scanRun(rows, dataset)
		if err != nil {
			return nil, fmt.Errorf("history: runs of %s: %w", dataset, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: runs of %s: %w", dataset, err)
	}
	slices.Reverse(out)
	return out, nil
}

func scanRun(rows interface{ Scan(...any) error }, dataset string) (RunRecord, error) {
	r := RunRecord{Dataset: dataset}
	var at int64
	var mj, fields string
	if err := rows.Scan(&r.RunID, &r.Partition, &r.DatasetID.Namespace, &r.DatasetID.Name, &at, &r.Status, &mj, &r.SchemaFingerprint, &fields); err != nil {
		return r, err
	}
	r.StartedAt = time.Unix(0, at).UTC()
	dec := json.NewDecoder(strings.NewReader(mj))
	dec.UseNumber()
	if err := dec.Decode(&r.Metrics); err != nil {
		return r, fmt.Errorf("run %s: metrics: %w", r.RunID, err)
	}
	if fields != "null" {
		r.SchemaFields = json.RawMessage(fields)
	}
	return r, nil
}

func (s *sqlStore) strings(ctx context.Context, what, query string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("history: %s: %w", what, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("history: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: %s: %w", what, err)
	}
	return out, nil
}

func (s *sqlStore) Datasets(ctx context.Context) ([]string, error) {
	return s.strings(ctx, "datasets", `SELECT DISTINCT dataset FROM runs ORDER BY dataset`)
}

func (s *sqlStore) MetricNames(ctx context.Context, dataset string) ([]string, error) {
	return s.strings(ctx, "metrics of "+dataset, `SELECT DISTINCT metric FROM metric_values WHERE dataset = ? ORDER BY metric`, dataset)
}

func (s *sqlStore) Metrics(ctx context.Context, dataset, metric string, limit int) ([]Point, error) {
	q := `SELECT run_id, part, started_at, status, value, value_json FROM metric_values
		WHERE dataset = ? AND metric = ? ORDER BY started_at DESC, run_id DESC, part DESC`
	args := []any{dataset, metric}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("history: %s of %s: %w", metric, dataset, err)
	}
	defer rows.Close()
	var out []Point
	for rows.Next() {
		var p Point
		var at int64
		var v sql.NullFloat64
		var vj string
		if err := rows.Scan(&p.RunID, &p.Partition, &at, &p.Status, &v, &vj); err != nil {
			return nil, fmt.Errorf("history: %s of %s: %w", metric, dataset, err)
		}
		p.StartedAt = time.Unix(0, at).UTC()
		p.Value, p.Numeric = v.Float64, v.Valid
		p.JSON = json.RawMessage(vj)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: %s of %s: %w", metric, dataset, err)
	}
	slices.Reverse(out)
	return out, nil
}

// newestPerPartition is the condition that a runs row r is the newest run
// of its partition.
const newestPerPartition = `NOT EXISTS (SELECT 1 FROM runs r2 WHERE r2.dataset = r.dataset AND r2.part = r.part
	AND (r2.started_at > r.started_at OR r2.started_at = r.started_at AND r2.run_id > r.run_id))`

func (s *sqlStore) States(ctx context.Context, dataset string, partitions ...string) ([]PartitionStates, error) {
	q := `SELECT r.part, r.run_id, r.started_at, st.metric, st.state FROM runs r
		JOIN states st ON st.dataset = r.dataset AND st.run_id = r.run_id AND st.part = r.part
		WHERE r.dataset = ? AND ` + newestPerPartition
	args := []any{dataset}
	if len(partitions) > 0 {
		q += ` AND r.part IN (?` + strings.Repeat(`, ?`, len(partitions)-1) + `)`
		for _, p := range partitions {
			args = append(args, p)
		}
	}
	q += ` ORDER BY r.part, st.metric`
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("history: states of %s: %w", dataset, err)
	}
	defer rows.Close()
	var out []PartitionStates
	for rows.Next() {
		var part, run, metric string
		var at int64
		var state []byte
		if err := rows.Scan(&part, &run, &at, &metric, &state); err != nil {
			return nil, fmt.Errorf("history: states of %s: %w", dataset, err)
		}
		if len(out) == 0 || out[len(out)-1].Partition != part {
			out = append(out, PartitionStates{Partition: part, RunID: run, StartedAt: time.Unix(0, at).UTC(), States: map[string][]byte{}})
		}
		out[len(out)-1].States[metric] = state
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: states of %s: %w", dataset, err)
	}
	return out, nil
}

func (s *sqlStore) LastPassing(ctx context.Context, dataset string) (RunRecord, error) {
	row := s.db.QueryRowContext(ctx, s.q(`SELECT run_id, part, namespace, name, started_at, status, metrics_json, schema_fingerprint, schema_fields
		FROM runs WHERE dataset = ? AND status IN ('pass', 'warn') ORDER BY started_at DESC, run_id DESC, part DESC LIMIT 1`), dataset)
	r, err := scanRun(row, dataset)
	if errors.Is(err, sql.ErrNoRows) {
		return RunRecord{}, fmt.Errorf("history: no passing run of %s: %w", dataset, ErrNotFound)
	}
	if err != nil {
		return RunRecord{}, fmt.Errorf("history: last passing run of %s: %w", dataset, err)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT metric, state FROM states WHERE dataset = ? AND run_id = ? AND part = ?`), dataset, r.RunID, r.Partition)
	if err != nil {
		return RunRecord{}, fmt.Errorf("history: states of run %s: %w", r.RunID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return RunRecord{}, fmt.Errorf("history: states of run %s: %w", r.RunID, err)
		}
		if r.States == nil {
			r.States = map[string][]byte{}
		}
		r.States[k] = v
	}
	if err := rows.Err(); err != nil {
		return RunRecord{}, fmt.Errorf("history: states of run %s: %w", r.RunID, err)
	}
	return r, nil
}

func (s *sqlStore) RunReport(ctx context.Context, dataset, runID, partition string) (StoredReport, error) {
	var rep StoredReport
	var text string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT version, report FROM run_reports WHERE dataset = ? AND run_id = ? AND part = ?`),
		dataset, runID, partition).Scan(&rep.Version, &text)
	if errors.Is(err, sql.ErrNoRows) {
		return StoredReport{}, fmt.Errorf("history: no report of run %s of %s: %w", runID, dataset, ErrNotFound)
	}
	if err != nil {
		return StoredReport{}, fmt.Errorf("history: report of run %s of %s: %w", runID, dataset, err)
	}
	rep.JSON = json.RawMessage(text)
	return rep, nil
}

const auditColumns = `seq, at, run_id, dataset, namespace, name, dataset_version, rule_file, rule_file_hash, owner, decision, summary, prev_hash, hash, part, metrics_digest, key_id, signature`

func (s *sqlStore) AppendAudit(ctx context.Context, r AuditRecord, opts ...AppendOption) (AuditRecord, error) {
	var cfg appendConfig
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.signer != nil {
		pub, err := signerKey(cfg.signer)
		if err != nil {
			return AuditRecord{}, fmt.Errorf("history: append audit record: %w", err)
		}
		r.KeyID = KeyID(pub)
	} else {
		r.KeyID = ""
	}
	r.Signature = ""
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	r.Time = time.Unix(0, r.Time.UnixNano()).UTC()
	sum, err := canonicalJSON(r.Summary)
	if err != nil {
		return AuditRecord{}, err
	}
	r.Summary = sum
	lock := ""
	if s.dialect == dialectPostgres {
		lock = " FOR UPDATE"
	}
	var out AuditRecord
	err = s.tx(ctx, func(tx *sql.Tx) error {
		rec := r
		var seq int64
		var head string
		if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+lock).Scan(&seq, &head); err != nil {
			return fmt.Errorf("reading the chain head: %w", err)
		}
		rec.Seq, rec.PrevHash = seq+1, head
		rec.MetricsDigest = ""
		if rec.RunID != "" {
			d, err := s.runDigest(ctx, tx, rec.Dataset, rec.RunID, rec.Partition)
			if err != nil {
				return fmt.Errorf("metrics digest of run %s: %w", rec.RunID, err)
			}
			rec.MetricsDigest = d
		}
		h, err := rec.ComputeHash()
		if err != nil {
			return err
		}
		rec.Hash = h
		if cfg.signer != nil {
			if err := rec.sign(cfg.signer); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO audit (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			rec.Seq, rec.Time.UnixNano(), rec.RunID, rec.Dataset, rec.DatasetID.Namespace, rec.DatasetID.Name,
			rec.DatasetVersion, rec.RuleFile, rec.RuleFileHash, rec.Owner, rec.Decision, string(rec.Summary), rec.PrevHash, rec.Hash,
			rec.Partition, rec.MetricsDigest, rec.KeyID, rec.Signature); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`), rec.Seq, rec.Hash); err != nil {
			return err
		}
		out = rec
		return nil
	})
	if err != nil {
		return AuditRecord{}, fmt.Errorf("history: append audit record: %w", err)
	}
	return out, nil
}

func (s *sqlStore) scanAudit(rows *sql.Rows) (AuditRecord, error) {
	var r AuditRecord
	var at int64
	var sum string
	err := rows.Scan(&r.Seq, &at, &r.RunID, &r.Dataset, &r.DatasetID.Namespace, &r.DatasetID.Name,
		&r.DatasetVersion, &r.RuleFile, &r.RuleFileHash, &r.Owner, &r.Decision, &sum, &r.PrevHash, &r.Hash,
		&r.Partition, &r.MetricsDigest, &r.KeyID, &r.Signature)
	r.Time = time.Unix(0, at).UTC()
	r.Summary = json.RawMessage(sum)
	return r, err
}

func (s *sqlStore) AuditLog(ctx context.Context, f AuditFilter) ([]AuditRecord, error) {
	q := `SELECT ` + auditColumns + ` FROM audit WHERE 1 = 1`
	var args []any
	if f.Dataset != "" {
		q += ` AND dataset = ?`
		args = append(args, f.Dataset)
	}
	if !f.Since.IsZero() {
		q += ` AND at >= ?`
		args = append(args, f.Since.UnixNano())
	}
	q += ` ORDER BY seq DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("history: audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditRecord
	for rows.Next() {
		r, err := s.scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("history: audit log: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: audit log: %w", err)
	}
	slices.Reverse(out)
	return out, nil
}

func (s *sqlStore) VerifyAudit(ctx context.Context, opts ...VerifyOption) (VerifyResult, error) {
	var cfg verifyConfig
	for _, o := range opts {
		o(&cfg)
	}
	var res VerifyResult
	// Read the head, the records and the runs in one snapshot.
	err := s.retry(ctx, func(ctx context.Context) error {
		res = VerifyResult{}
		tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: s.dialect == dialectPostgres, Isolation: isolation(s.dialect)})
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }() // read-only: nothing to undo; after Commit it is a no-op
		var headSeq int64
		var headHash string
		if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
			return fmt.Errorf("reading the chain head: %w", err)
		}
		recs, err := s.auditRecords(ctx, tx)
		if err != nil {
			return err
		}
		v := verifier{cfg: cfg, res: &res}
		for _, r := range recs {
			d := ""
			if r.MetricsDigest != "" {
				if d, err = s.runDigest(ctx, tx, r.Dataset, r.RunID, r.Partition); err != nil {
					return fmt.Errorf("metrics digest of record %d: %w", r.Seq, err)
				}
			}
			v.record(r, d)
		}
		v.head(headSeq, headHash)
		v.anchors(recs)
		keys, err := s.runKeys(ctx, tx)
		if err != nil {
			return err
		}
		v.coverage(recs, keys)
		v.finish()
		res.Head = headHash
		return nil
	})
	if err != nil {
		return VerifyResult{}, fmt.Errorf("history: verify audit: %w", err)
	}
	return res, nil
}

// auditRecords reads every audit record, by sequence number.
func (s *sqlStore) auditRecords(ctx context.Context, tx *sql.Tx) ([]AuditRecord, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditRecord
	for rows.Next() {
		r, err := s.scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// runKeys lists the runs the store holds anything of: runs rows, metric
// values and states.
func (s *sqlStore) runKeys(ctx context.Context, tx *sql.Tx) ([]runKey, error) {
	rows, err := tx.QueryContext(ctx, `SELECT dataset, run_id, part FROM runs
		UNION SELECT dataset, run_id, part FROM metric_values
		UNION SELECT dataset, run_id, part FROM states`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []runKey
	for rows.Next() {
		var k runKey
		if err := rows.Scan(&k.dataset, &k.run, &k.part); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b runKey) int {
		return strings.Compare(a.dataset+"\x00"+a.run+"\x00"+a.part, b.dataset+"\x00"+b.run+"\x00"+b.part)
	})
	return out, nil
}

func isolation(d dialect) sql.IsolationLevel {
	if d == dialectPostgres {
		return sql.LevelRepeatableRead
	}
	return sql.LevelDefault
}
