// Package history stores what gate runs leave behind: per run the metric
// values (time series for trends, anomaly and drift checks), the mergeable
// metric states (encoded with metrics.Encode, so the states of partitions
// checked separately merge into the states of the whole dataset), the
// schema fingerprint, and an append-only, hash-chained audit trail of gate
// decisions.
//
// Open picks the backend from the DSN: a postgres:// or postgresql:// URL
// opens PostgreSQL (github.com/jackc/pgx/v5), anything else is the path of
// a SQLite file (modernc.org/sqlite, pure Go; default DefaultDSN,
// ".sluice/history.db"). Tables are created on open and migrated by the
// version in the schema_version table. Both backends take concurrent
// writers, also from several processes: SQLite runs in WAL mode with a busy
// timeout and BEGIN IMMEDIATE transactions; PostgreSQL appends audit
// records under a row lock on the chain head.
//
// # Audit chain
//
// Every record carries a sequence number (1, 2, …), the hash of the
// previous record and its own hash, sha256(prev_hash || canonical JSON of
// the record) in hex (AuditRecord.Canonical). VerifyAudit recomputes the
// chain and names the first record that was edited, deleted or reordered;
// a table-level rewrite of the whole chain is detectable only against a
// head hash kept elsewhere (VerifyResult.Head).
//
// # Wiring a gate run
//
// After a run, save the run and append the decision (see the Example):
//
//	store, err := history.Open(ctx, dsn)            // --history DSN
//	defer store.Close()
//	states := map[string][]byte{}                   // metric name → metrics.Encode(state)
//	err = store.SaveRun(ctx, history.RunRecord{RunID: …, Dataset: report.Dataset, Status: string(report.Status), Metrics: …, States: states})
//	version, _ := history.DatasetVersion(input, 0)  // Parquet footer digest, sha256, or size+mtime when large
//	ruleHash, _ := history.FileHash(rulePath)
//	summary, _ := json.Marshal(history.Summary{RowsIn: report.RowsIn, FailedRules: …})
//	rec, err := store.AppendAudit(ctx, history.AuditRecord{RunID: …, Dataset: …, DatasetVersion: version,
//		RuleFile: rulePath, RuleFileHash: ruleHash, Owner: report.Owner, Decision: string(report.Status), Summary: summary})
package history
