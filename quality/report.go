package quality

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/rules"
)

// Status is the status of a rule or of the gate.
type Status string

const (
	StatusPass         Status = "pass"          // passed/evaluated >= mostly; the gate: nothing blocks
	StatusFail         Status = "fail"          // an error (or info) rule below mostly; the gate: blocked
	StatusWarn         Status = "warn"          // a warn rule below mostly; the gate: only warnings
	StatusError        Status = "error"         // a dataset check could not be computed
	StatusNotEvaluated Status = "not_evaluated" // nothing was evaluated: never a silent pass
)

// Redacted replaces, in samples and metrics, the values of columns tagged
// pii.* or gdpr.*, masked columns, columns a detector flagged, and sampled
// values a detector recognises.
const Redacted = "[redacted]"

// FailedRulesColumn is the list<string> column added to quarantined rows: the
// names of the error-severity row rules the row failed, in rule-file order.
const FailedRulesColumn = "_sluice_failed_rules"

// Report is the result of one gate run. Its JSON form (WriteJSON) is a
// stable contract: fields may be added, never renamed.
type Report struct {
	// Status is the gate status: pass, warn or fail.
	Status Status `json:"status"`
	// Dataset is the logical dataset name of the rule file.
	Dataset string `json:"dataset"`
	// DatasetID is the physical identity (OpenLineage naming), when known.
	DatasetID *lineage.Dataset `json:"dataset_id,omitempty"`
	// Owner is the accountable owner from the rule file.
	Owner string `json:"owner"`
	// RuleFile is the rule file's path, "" when parsed from bytes.
	RuleFile string `json:"rule_file,omitempty"`
	// Mode is "filter" or "check".
	Mode string `json:"mode"`
	// RowsIn is the number of rows read; RowsIn == RowsClean +
	// RowsQuarantined.
	RowsIn int64 `json:"rows_in"`
	// RowsClean is the number of rows passing every error-severity row rule.
	RowsClean int64 `json:"rows_clean"`
	// RowsQuarantined is the number of rows failing at least one
	// error-severity row rule (sent to the quarantine sink when there is
	// one).
	RowsQuarantined int64     `json:"rows_quarantined"`
	StartedAt       time.Time `json:"started_at"`
	DurationMS      int64     `json:"duration_ms"`
	// Notes are what a reader must know before the rules, one line each,
	// in the order found: that the rule file has no rules, that the input
	// has no rows, how a reader inferred a column (a mixed-type JSON column
	// read as string). Never holds values.
	Notes []string `json:"notes,omitempty"`
	// Key names the columns that identify a row (the rule file's key:),
	// whose values every sample carries.
	Key []string `json:"key,omitempty"`
	// Rules holds one result per rule, in rule-file order.
	Rules []RuleResult `json:"rules"`
	// Gate explains the decision and what happened to the outputs.
	Gate Decision `json:"gate"`
	// Lineage names the lineage run and trace that recorded this gate run;
	// nil without WithLineage.
	Lineage *ReportLineage `json:"lineage,omitempty"`
	// Privacy lists what the rule file's privacy.detect detectors found:
	// one entry per column and kind with at least one match, in column
	// order. Never holds values.
	Privacy []PrivacyFinding `json:"privacy,omitempty"`
	// Partitions says which partitions were combined; nil without
	// WithPartition.
	Partitions *PartitionReport `json:"partitions,omitempty"`
	// Audit is the run's audit record in the history store, as it travels
	// out of the store; nil without WithHistory.
	Audit *ReportAudit `json:"audit,omitempty"`
}

// RuleResult is the result of one rule.
type RuleResult struct {
	Name     string         `json:"name"`
	Kind     rules.Kind     `json:"kind"`
	Severity rules.Severity `json:"severity"`
	Status   Status         `json:"status"`
	// Evaluated = Passed + Failed; Skipped rows (null input with
	// nulls: skip) are not evaluated. A dataset check counts as one
	// evaluation.
	Evaluated int64 `json:"evaluated"`
	Passed    int64 `json:"passed"`
	Failed    int64 `json:"failed"`
	Skipped   int64 `json:"skipped"`
	// PassFraction is Passed/Evaluated, null when nothing was evaluated.
	PassFraction *float64 `json:"pass_fraction"`
	// Mostly is the pass threshold: the rule passes when PassFraction >=
	// Mostly.
	Mostly float64 `json:"mostly"`
	// Metrics holds the metric values a dataset check read, keyed by the
	// call as written ("completeness(email)"); empty for row rules.
	Metrics map[string]any `json:"metrics"`
	// Samples are the first failing rows, at most the sample limit.
	Samples []Sample `json:"samples"`
	// Duplicates are, for a failing duplicate_count check (unique: true),
	// the most repeated keys with their counts, most frequent first, at
	// most rules.MaxDuplicateSamples; values redacted like samples.
	Duplicates []DuplicateKey `json:"duplicates,omitempty"`
	// Engine names the evaluation path.
	Engine string `json:"engine"`
	// Errors counts evaluation errors by kind; errored rows are counted in
	// Failed.
	Errors map[string]int64 `json:"errors"`
	// Expr is the row expression or the check.
	Expr string `json:"expr"`
	// Columns are the physical columns the rule reads.
	Columns []string `json:"columns"`
	// Message explains the status in words.
	Message string `json:"message,omitempty"`
}

// Sample is one failing row of a rule.
type Sample struct {
	// Row is the 0-based index of the row in the input, across batches.
	Row int64 `json:"row"`
	// Values holds the values of the columns the rule reads (null for a
	// null value, Redacted for a pii column).
	Values map[string]any `json:"values"`
	// Key holds the values of the rule file's key: columns on the row, to
	// find it again (redacted like Values); nil without key:.
	Key map[string]any `json:"key,omitempty"`
}

// DuplicateKey is a key that occurs more than once.
type DuplicateKey struct {
	// Key maps each key column to its value (Redacted for a pii column).
	Key map[string]any `json:"key"`
	// Count is the number of rows with the key (at least 2).
	Count int64 `json:"count"`
}

// Decision is the gate decision.
type Decision struct {
	// Status is the same as Report.Status.
	Status Status `json:"status"`
	Strict bool   `json:"strict"`
	// Reasons lists the rules that moved the gate, in rule-file order.
	Reasons []string `json:"reasons"`
	// Clean is what happened to the clean sink: "committed", "aborted", or
	// "" when there was none.
	Clean string `json:"clean,omitempty"`
	// Quarantine is what happened to the quarantine sink: "committed" or ""
	// when there was none.
	Quarantine string `json:"quarantine,omitempty"`
}

// Passed reports whether the gate lets the data through: status pass, or
// warn without strict.
func (r *Report) Passed() bool { return r.Status == StatusPass || r.Status == StatusWarn }

// Failed reports whether the gate status is fail.
func (r *Report) Failed() bool { return r.Status == StatusFail }

// Err returns nil unless the gate status is fail, then an error wrapping
// ErrGateFailed that names the failing rules.
func (r *Report) Err() error {
	if r.Status != StatusFail {
		return nil
	}
	return fmt.Errorf("quality: %s: %w: %s", r.Dataset, ErrGateFailed, strings.Join(r.Gate.Reasons, "; "))
}

// Rule returns the result of the named rule, or nil.
func (r *Report) Rule(name string) *RuleResult {
	for i := range r.Rules {
		if r.Rules[i].Name == name {
			return &r.Rules[i]
		}
	}
	return nil
}

// WriteJSON writes the report as indented JSON with a trailing newline.
// Keys appear in a fixed order (maps sorted), so equal reports give equal
// bytes.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("quality: write json report: %w", err)
	}
	return nil
}

// WriteJSON writes reports as JSON: one report as an object (the documented
// report shape), several as an array of them.
func WriteJSON(w io.Writer, reports ...*Report) error {
	if len(reports) == 1 {
		return reports[0].WriteJSON(w)
	}
	if reports == nil {
		reports = []*Report{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(reports); err != nil {
		return fmt.Errorf("quality: write json reports: %w", err)
	}
	return nil
}

// Decide sets the report's Status and Gate from the statuses of its rules,
// as the gate decides a report it builds: a failed or errored rule of
// severity error fails the gate, a warn rule warns, info rules never
// count; strict also fails on warnings, on rules that checked nothing and
// on a report without rules. A runner that evaluates a program elsewhere
// (merged rules.Partial states) and fills Rules with RuleStatus reaches
// the same decision.
func (r *Report) Decide(strict bool) { r.decide(strict) }

// RuleStatus is the status of a rule of severity sev that passed passed of
// evaluated rows (or checks): Pass when the pass fraction is at least
// mostly (1 when the rule sets none), Warn or Fail below by the severity,
// NotEvaluated when nothing was evaluated.
func RuleStatus(sev rules.Severity, passed, evaluated int64, mostly float64) Status {
	if mostly <= 0 || mostly > 1 {
		mostly = 1
	}
	return ruleStatus(sev, passed, evaluated, mostly)
}

// decide sets each rule's status and the gate decision.
func (r *Report) decide(strict bool) {
	r.Gate = Decision{Strict: strict, Reasons: []string{}}
	failed, warned := false, false
	var unchecked []string // under strict: rules that checked nothing
	for i := range r.Rules {
		rr := &r.Rules[i]
		if strict && rr.Status == StatusNotEvaluated && rr.Severity != rules.SeverityInfo {
			unchecked = append(unchecked, rr.Name)
		}
		bad := rr.Status == StatusFail || rr.Status == StatusWarn || rr.Status == StatusError
		if !bad {
			continue
		}
		switch rr.Severity {
		case rules.SeverityInfo:
			continue
		case rules.SeverityWarn:
			warned = true
			r.Gate.Reasons = append(r.Gate.Reasons, fmt.Sprintf("warn rule %s: %s", rr.Name, rr.Status))
		default:
			failed = true
			r.Gate.Reasons = append(r.Gate.Reasons, fmt.Sprintf("error rule %s: %s", rr.Name, rr.Status))
		}
	}
	if strict {
		for _, name := range unchecked {
			r.Gate.Reasons = append(r.Gate.Reasons, fmt.Sprintf("strict: rule %s was not evaluated", name))
		}
		if len(r.Rules) == 0 {
			r.Gate.Reasons = append(r.Gate.Reasons, "strict: no rule was checked")
		}
	}
	switch {
	case failed || (strict && (len(unchecked) > 0 || len(r.Rules) == 0)):
		r.Status = StatusFail
	case warned && strict:
		r.Status = StatusFail
		r.Gate.Reasons = append(r.Gate.Reasons, "strict: warnings fail the gate")
	case warned:
		r.Status = StatusWarn
	default:
		r.Status = StatusPass
	}
	r.Gate.Status = r.Status
}

// ruleStatus returns the status of a rule that was evaluated with the
// given counts.
func ruleStatus(sev rules.Severity, passed, evaluated int64, mostly float64) Status {
	if evaluated == 0 {
		return StatusNotEvaluated
	}
	if float64(passed)/float64(evaluated) >= mostly {
		return StatusPass
	}
	if sev == rules.SeverityWarn {
		return StatusWarn
	}
	return StatusFail
}

func mostlyOf(r *rules.CompiledRule) float64 {
	if r.Mostly <= 0 || r.Mostly > 1 {
		return 1
	}
	return r.Mostly
}

func fraction(passed, evaluated int64) *float64 {
	if evaluated == 0 {
		return nil
	}
	f := float64(passed) / float64(evaluated)
	return &f
}

// rowRuleMessage explains a row rule's status.
func rowRuleMessage(rr *RuleResult) string {
	switch rr.Status {
	case StatusNotEvaluated:
		if rr.Skipped > 0 {
			return fmt.Sprintf("not evaluated: all %d rows skipped (null input)", rr.Skipped)
		}
		return "not evaluated: no rows"
	case StatusPass:
		return ""
	}
	msg := fmt.Sprintf("%d of %d rows failed; pass fraction %s below mostly %s",
		rr.Failed, rr.Evaluated, percent(*rr.PassFraction), percent(rr.Mostly))
	if len(rr.Errors) > 0 {
		msg += "; errors: " + errorKinds(rr.Errors)
	}
	return msg
}

func errorKinds(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s (%d)", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// percent formats a fraction as a percentage truncated (not rounded) to one
// decimal, so that a fraction below 1 never shows as 100.0%.
func percent(f float64) string {
	p := math.Floor(f*1000+1e-9) / 10
	if f < 1 && p >= 100 {
		p = 99.9
	}
	return fmt.Sprintf("%.1f%%", p)
}

// jsonValue turns a Go value into one encoding/json can always marshal,
// deterministically.
func jsonValue(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x)
		}
		return x
	case float32:
		return jsonValue(float64(x))
	case time.Duration:
		return x.String()
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	case error:
		return x.Error()
	case []any: // most_common_all
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	}
	if _, err := json.Marshal(v); err != nil {
		return fmt.Sprint(v)
	}
	return v
}
