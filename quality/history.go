package quality

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	"github.com/google/uuid"

	"github.com/sluicedata/sluice/quality/history"
)

// WithHistory records every run in store — its metric values and states,
// its schema and an audit record of the decision (history.Store.AppendAudit)
// — and lets the history-aware checks (previous, change, anomaly, drift,
// ks, the schema functions) read the earlier runs. Without it those checks
// are not_evaluated. The run is recorded after the checks and before any
// sink commits: a run that cannot be recorded is a runtime error and
// writes nothing.
func WithHistory(store history.Store) Option { return func(c *config) { c.history = store } }

// WithDatasetVersion sets the dataset version of the audit record: what
// identifies the content checked (history.DatasetVersion: the sha256 of a
// small file, size and mtime of a large one).
//
// Without it, a source that versions its content as it is read
// (connectors.ContentVersioner: the CSV and JSON sources hash the file)
// gives the version of what the run read.
func WithDatasetVersion(v string) Option { return func(c *config) { c.datasetVersion = v } }

// record saves the run and appends its audit record when the gate has a
// history store. rep is decided.
func (s *session) record(ctx context.Context, rep *Report) error {
	store := s.g.cfg.history
	if store == nil {
		return nil
	}
	rec, err := s.run.Recorded(ctx)
	if err != nil {
		return err
	}
	s.g.priv.red.recorded(rec, s.mapped) // no value of a pii.* column in the clear
	if _, ok := rec.States[rowCountName]; !ok && s.g.cfg.partition != "" {
		if rec.States[rowCountName], err = rowCountState(s.rowsIn); err != nil {
			return fmt.Errorf("row count state: %w", err)
		}
	}
	runID := ""
	if rep.Lineage != nil {
		runID = rep.Lineage.RunID
	}
	if runID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("run id: %w", err)
		}
		runID = id.String()
	}
	fields, err := json.Marshal(rec.Schema)
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	fp := sha256.Sum256(fields)
	run := history.RunRecord{
		RunID: runID, Dataset: rep.Dataset, Partition: s.g.cfg.partition, StartedAt: rep.StartedAt, Status: string(rep.Status),
		Metrics: rec.Values, States: rec.States,
		SchemaFingerprint: hex.EncodeToString(fp[:]), SchemaFields: fields,
	}
	if rep.DatasetID != nil {
		run.DatasetID = *rep.DatasetID
	}
	// The report as written: its samples are redacted already.
	if run.Report, err = json.Marshal(rep); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := store.SaveRun(ctx, run); err != nil {
		return err
	}
	sum := history.Summary{RowsIn: rep.RowsIn, RowsClean: rep.RowsClean, RowsQuarantined: rep.RowsQuarantined, FailedRules: []string{}}
	for _, rr := range rep.Rules {
		switch rr.Status {
		case StatusFail, StatusError:
			sum.FailedRules = append(sum.FailedRules, rr.Name)
		case StatusWarn:
			sum.WarnedRules = append(sum.WarnedRules, rr.Name)
		}
	}
	summary, err := json.Marshal(sum)
	if err != nil {
		return fmt.Errorf("audit summary: %w", err)
	}
	ruleHash := ""
	if rep.RuleFile != "" {
		// A rule set parsed from bytes may name a file that is not on disk:
		// its hash is then left empty rather than invented.
		if ruleHash, err = history.FileHash(rep.RuleFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	audit := history.AuditRecord{
		Time: rep.StartedAt, RunID: runID, Dataset: rep.Dataset, DatasetID: run.DatasetID,
		DatasetVersion: s.version, RuleFile: rep.RuleFile, RuleFileHash: ruleHash,
		Owner: rep.Owner, Decision: string(rep.Status), Summary: summary, Partition: s.g.cfg.partition,
	}
	ar, err := store.AppendAudit(ctx, audit, s.g.auditOptions()...)
	if err != nil {
		return err
	}
	return s.g.publishAudit(rep, ar)
}
