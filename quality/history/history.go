package history

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/rules/metrics"
)

// DefaultDSN is the store used when none is given: a SQLite file in the
// working directory.
const DefaultDSN = ".sluice/history.db"

// ErrNotFound is returned when a record asked for does not exist.
var ErrNotFound = errors.New("history: not found")

// RunRecord is what a gate run leaves in the store: its outcome, the values
// of its metrics and their mergeable states.
type RunRecord struct {
	// RunID identifies the run (the lineage run id).
	RunID string
	// Dataset is the logical dataset name of the rule file: the key of the
	// time series.
	Dataset string
	// DatasetID is the physical identity of what was read.
	DatasetID lineage.Dataset
	// Partition names the slice of the dataset the run read ("" for none):
	// States returns the newest states of each partition for merging.
	Partition string
	// StartedAt is when the run started.
	StartedAt time.Time
	// Status is the gate status (pass, warn, fail, error).
	Status string
	// Metrics maps a metric name (e.g. "mean(amount)") to its value:
	// numbers, strings, booleans, times, durations, or nil.
	Metrics map[string]any
	// States maps a metric name to its state, as metrics.Encode writes it.
	States map[string][]byte
	// SchemaFingerprint identifies the schema read; SchemaFields is its
	// fields as JSON.
	SchemaFingerprint string
	SchemaFields      json.RawMessage
	// Report is the run's report as JSON (quality.Report, with the values
	// of pii.* columns already redacted), saved with ReportVersion; empty
	// saves none. Runs does not return it: RunReport does.
	Report json.RawMessage
}

// ReportVersion is the version of the JSON reports SaveRun stores: 1 the
// quality.Report of this build.
const ReportVersion = 1

// StoredReport is the report of a run as stored.
type StoredReport struct {
	// Version is the ReportVersion it was saved with.
	Version int
	JSON    json.RawMessage
}

// Point is one value of a metric's time series.
type Point struct {
	RunID     string
	Partition string
	StartedAt time.Time
	Status    string
	// Value is the metric as a number when Numeric is true: numbers as they
	// are, booleans as 0 or 1, times as Unix seconds, durations in seconds.
	Value   float64
	Numeric bool
	// JSON is the value as stored (null for an undefined metric).
	JSON json.RawMessage
}

// PartitionStates are the stored states of the newest run of a partition.
type PartitionStates struct {
	Partition string
	RunID     string
	StartedAt time.Time
	States    map[string][]byte
}

// AuditFilter selects audit records; zero fields select everything.
type AuditFilter struct {
	Dataset string    // logical dataset name
	Since   time.Time // records at or after
	Limit   int       // the newest Limit records (still oldest first)
}

// VerifyResult is the outcome of VerifyAudit.
type VerifyResult struct {
	OK bool
	// Records is the number of records checked.
	Records int64
	// FirstBad is the sequence number of the first record that is missing,
	// edited or out of place (0 when OK).
	FirstBad int64
	// Reason says what is wrong with FirstBad.
	Reason string
	// Head is the hash of the last record: keep it elsewhere to detect a
	// rewrite of the whole chain.
	Head string
	// Problems lists everything found wrong, by record; FirstBad and
	// Reason are the first of them.
	Problems []Problem
	// Signed is the number of records whose signature was verified
	// (WithPublicKeys); Anchored the number of anchors matched
	// (WithAnchors).
	Signed, Anchored int64
}

// Store keeps runs, metric series, states and the audit trail. It is safe
// for concurrent use, also by several processes on one database.
type Store interface {
	// SaveRun records a run; saving the same dataset, run id and partition
	// twice is an error.
	SaveRun(ctx context.Context, r RunRecord) error
	// Runs returns the newest limit runs of a dataset (0: all), oldest
	// first, without their states.
	Runs(ctx context.Context, dataset string, limit int) ([]RunRecord, error)
	// RunReport returns the report saved with a run; ErrNotFound when the
	// run was saved without one (e.g. by an earlier version).
	RunReport(ctx context.Context, dataset, runID, partition string) (StoredReport, error)
	// Datasets lists the logical dataset names with runs.
	Datasets(ctx context.Context) ([]string, error)
	// MetricNames lists the metric names recorded for a dataset.
	MetricNames(ctx context.Context, dataset string) ([]string, error)
	// Metrics returns the newest limit values of one metric (0: all),
	// oldest first.
	Metrics(ctx context.Context, dataset, metric string, limit int) ([]Point, error)
	// States returns the states of the newest run of each partition of a
	// dataset, or of the partitions named, ordered by partition.
	States(ctx context.Context, dataset string, partitions ...string) ([]PartitionStates, error)
	// LastPassing returns the newest run whose status is pass or warn, with
	// its states; ErrNotFound when there is none.
	LastPassing(ctx context.Context, dataset string) (RunRecord, error)
	// AppendAudit appends a record to the audit chain and returns it with
	// its sequence number, time, metrics digest, previous hash and hash
	// set, and signed with SignWith.
	AppendAudit(ctx context.Context, r AuditRecord, opts ...AppendOption) (AuditRecord, error)
	// AuditLog returns audit records, oldest first.
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditRecord, error)
	// VerifyAudit recomputes the chain and the metrics digests and reports
	// every record that was edited, reordered or deleted, every run of the
	// store without an audit record, and, with WithPublicKeys and
	// WithAnchors, every record not signed by one of the keys or differing
	// from its anchor.
	VerifyAudit(ctx context.Context, opts ...VerifyOption) (VerifyResult, error)
	// Close releases the database.
	Close() error
}

// Open opens (creating or migrating) the store at dsn, one of the forms
// ParseDSN accepts: the path of a SQLite file (whose directory is
// created), sqlite:PATH or sqlite://PATH, or a PostgreSQL URL (postgres://
// or postgresql://); "" means DefaultDSN. Any other scheme is an error
// wrapping ErrDSN, and no error of Open shows the DSN's password.
func Open(ctx context.Context, dsn string) (Store, error) {
	d, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if d.Backend == BackendPostgres {
		s, err := OpenPostgres(ctx, d.URL)
		return s, scrub(err, d.URL)
	}
	return OpenSQLite(ctx, d.Path)
}

// MergeStates decodes the states of several partitions and merges them per
// metric name: the states of the whole dataset.
func MergeStates(parts []PartitionStates) (map[string]metrics.State, error) {
	out := map[string]metrics.State{}
	for _, p := range parts {
		for name, data := range p.States {
			s, err := metrics.Decode(data)
			if err != nil {
				return nil, fmt.Errorf("history: state %s of partition %q (run %s): %w", name, p.Partition, p.RunID, err)
			}
			if prev, ok := out[name]; ok {
				if err := prev.Merge(s); err != nil {
					return nil, fmt.Errorf("history: merging %s of partition %q: %w", name, p.Partition, err)
				}
				continue
			}
			out[name] = s
		}
	}
	return out, nil
}

// numeric returns a metric value as a number, false when it is not one.
func numeric(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case int32:
		return float64(v), true
	case uint64:
		return float64(v), true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case time.Time:
		return float64(v.UnixNano()) / 1e9, true
	case time.Duration:
		return v.Seconds(), true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	}
	return 0, false
}

// jsonValue makes a metric value JSON-safe: non-finite floats as strings.
func jsonValue(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x)
		}
	case float32:
		return jsonValue(float64(x))
	case time.Duration:
		return x.String()
	case []any: // most_common_all
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	}
	return v
}
