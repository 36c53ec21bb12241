package quality

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./quality -update to create the golden file")
	assert.Equal(t, string(want), string(got))
}

func f64(v float64) *float64 { return &v }

// sampleReport is a hand-built report with every status.
func sampleReport(strict bool) *Report {
	r := &Report{
		Dataset:         "orders",
		DatasetID:       &lineage.Dataset{Namespace: "file", Name: "/data/orders.parquet"},
		Owner:           "payments-data@example.com",
		RuleFile:        "rules/orders.yaml",
		Mode:            "filter",
		RowsIn:          10,
		RowsClean:       7,
		RowsQuarantined: 3,
		StartedAt:       time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		DurationMS:      42,
		Rules: []RuleResult{
			{
				Name: "order_id.required", Kind: rules.KindRow, Severity: rules.SeverityError, Status: StatusPass,
				Evaluated: 10, Passed: 10, PassFraction: f64(1), Mostly: 1,
				Metrics: map[string]any{}, Samples: []Sample{}, Errors: map[string]int64{},
				Engine: "interpreter", Expr: "order_id != null", Columns: []string{"order_id"},
			},
			{
				Name: "amount_non_negative", Kind: rules.KindRow, Severity: rules.SeverityError, Status: StatusFail,
				Evaluated: 9, Passed: 6, Failed: 3, Skipped: 1, PassFraction: f64(6.0 / 9), Mostly: 0.9,
				Metrics: map[string]any{},
				Samples: []Sample{
					{Row: 2, Values: map[string]any{"amount": -1.5, "email": Redacted}},
					{Row: 5, Values: map[string]any{"amount": -3.0, "email": nil}},
					{Row: 8, Values: map[string]any{"amount": -0.25, "email": Redacted}},
				},
				Errors: map[string]int64{}, Engine: "interpreter", Expr: "amount >= 0.0 || email == ''",
				Columns: []string{"amount", "email"},
				Message: "3 of 9 rows failed; pass fraction 66.6% below mostly 90.0%",
			},
			{
				Name: "ratio", Kind: rules.KindRow, Severity: rules.SeverityWarn, Status: StatusWarn,
				Evaluated: 10, Passed: 9, Failed: 1, PassFraction: f64(0.9), Mostly: 1,
				Metrics: map[string]any{}, Samples: []Sample{{Row: 4, Values: map[string]any{"qty": int64(0)}}},
				Errors: map[string]int64{"division by zero": 1}, Engine: "interpreter", Expr: "10 / qty > 1",
				Columns: []string{"qty"},
				Message: "1 of 10 rows failed; pass fraction 90.0% below mostly 100.0%; errors: division by zero (1)",
			},
			{
				Name: "shipped_late", Kind: rules.KindRow, Severity: rules.SeverityInfo, Status: StatusNotEvaluated,
				Skipped: 10, Mostly: 1, Metrics: map[string]any{}, Samples: []Sample{}, Errors: map[string]int64{},
				Engine: "interpreter", Expr: "shipped_at >= ordered_at", Columns: []string{"ordered_at", "shipped_at"},
				Message: "not evaluated: all 10 rows skipped (null input)",
			},
			{
				Name: "enough_rows", Kind: rules.KindDataset, Severity: rules.SeverityError, Status: StatusPass,
				Evaluated: 1, Passed: 1, PassFraction: f64(1), Mostly: 1,
				Metrics: map[string]any{"row_count()": int64(10)}, Samples: []Sample{}, Errors: map[string]int64{},
				Engine: "interpreter", Expr: "row_count() >= 1", Columns: []string{},
			},
			{
				Name: "email_mostly_present", Kind: rules.KindDataset, Severity: rules.SeverityWarn, Status: StatusError,
				Evaluated: 1, Failed: 1, PassFraction: f64(0), Mostly: 1,
				Metrics: map[string]any{}, Samples: []Sample{}, Errors: map[string]int64{"no such reference": 1},
				Engine: "interpreter", Expr: "completeness(email) >= 0.95", Columns: []string{"email"},
				Message: "check could not be computed: no such reference",
			},
		},
	}
	r.decide(strict)
	return r
}

func TestWriteJSONGolden(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, sampleReport(false).WriteJSON(&buf))
	golden(t, "report.json.golden", buf.Bytes())

	var back map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	for _, key := range []string{"status", "dataset", "owner", "rows_in", "rows_clean", "rows_quarantined", "started_at", "duration_ms", "rules"} {
		assert.Contains(t, back, key)
	}
	rule := back["rules"].([]any)[1].(map[string]any)
	for _, key := range []string{"name", "kind", "severity", "status", "evaluated", "passed", "failed", "skipped", "pass_fraction", "metrics", "samples", "engine"} {
		assert.Contains(t, rule, key)
	}
}

func TestWriteJSONDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	require.NoError(t, sampleReport(false).WriteJSON(&a))
	require.NoError(t, sampleReport(false).WriteJSON(&b))
	assert.Equal(t, a.String(), b.String())
}

func TestWriteJSONSeveral(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteJSON(&buf, sampleReport(false), sampleReport(true)))
	var back []map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	require.Len(t, back, 2)
	assert.Equal(t, "fail", back[1]["status"])
}

func TestWriteTextGolden(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, sampleReport(false).WriteText(&buf))
	golden(t, "report.txt.golden", buf.Bytes())
}

func TestWriteJUnitGolden(t *testing.T) {
	tests := []struct {
		name   string
		strict bool
		golden string
		// failures, errors, skipped of the one suite
		failures, errors, skipped int
	}{
		{name: "default", golden: "report.junit.golden", failures: 1, errors: 0, skipped: 1},
		{name: "strict", strict: true, golden: "report_strict.junit.golden", failures: 2, errors: 1, skipped: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, sampleReport(tt.strict).WriteJUnit(&buf))
			golden(t, tt.golden, buf.Bytes())

			var doc junitSuites
			require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc))
			require.Len(t, doc.Suites, 1)
			s := doc.Suites[0]
			assert.Equal(t, "orders", s.Name)
			assert.Equal(t, 6, s.Tests)
			assert.Len(t, s.Cases, 6)
			assert.Equal(t, tt.failures, s.Failures)
			assert.Equal(t, tt.errors, s.Errors)
			assert.Equal(t, tt.skipped, s.Skipped)
			assert.Equal(t, "amount_non_negative", s.Cases[1].Name)
			require.NotNil(t, s.Cases[1].Failure)
			assert.Contains(t, s.Cases[1].Failure.Body, "row 2: amount=-1.5, email=[redacted]")
			assert.NotNil(t, s.Cases[3].Skipped)
		})
	}
}

func TestWriteJUnitSuitePerDataset(t *testing.T) {
	a, b := sampleReport(false), sampleReport(false)
	b.Dataset = "customers"
	var buf bytes.Buffer
	require.NoError(t, WriteJUnit(&buf, a, b))
	var doc junitSuites
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc))
	require.Len(t, doc.Suites, 2)
	assert.Equal(t, "orders", doc.Suites[0].Name)
	assert.Equal(t, "customers", doc.Suites[1].Name)
	assert.Equal(t, 12, doc.Tests)
	assert.Equal(t, 2, doc.Failures)
}

func TestDecide(t *testing.T) {
	rule := func(sev rules.Severity, st Status) RuleResult {
		return RuleResult{Name: string(sev) + "_" + string(st), Severity: sev, Status: st}
	}
	tests := []struct {
		name   string
		rules  []RuleResult
		strict bool
		want   Status
	}{
		{name: "no rules", want: StatusPass},
		{name: "all pass", rules: []RuleResult{rule(rules.SeverityError, StatusPass)}, want: StatusPass},
		{name: "error rule fails", rules: []RuleResult{rule(rules.SeverityError, StatusFail), rule(rules.SeverityWarn, StatusWarn)}, want: StatusFail},
		{name: "error check errors", rules: []RuleResult{rule(rules.SeverityError, StatusError)}, want: StatusFail},
		{name: "warn only", rules: []RuleResult{rule(rules.SeverityWarn, StatusWarn)}, want: StatusWarn},
		{name: "warn check errors", rules: []RuleResult{rule(rules.SeverityWarn, StatusError)}, want: StatusWarn},
		{name: "warn strict", rules: []RuleResult{rule(rules.SeverityWarn, StatusWarn)}, strict: true, want: StatusFail},
		{name: "info never moves the gate", rules: []RuleResult{rule(rules.SeverityInfo, StatusFail), rule(rules.SeverityInfo, StatusError)}, strict: true, want: StatusPass},
		{name: "not evaluated does not move the gate", rules: []RuleResult{rule(rules.SeverityError, StatusNotEvaluated)}, want: StatusPass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Report{Rules: tt.rules}
			r.decide(tt.strict)
			assert.Equal(t, tt.want, r.Status)
			assert.Equal(t, tt.want, r.Gate.Status)
			assert.Equal(t, tt.want == StatusFail, r.Failed())
			if tt.want == StatusFail {
				require.ErrorIs(t, r.Err(), ErrGateFailed)
			} else {
				require.NoError(t, r.Err())
			}
		})
	}
}

func TestRuleStatus(t *testing.T) {
	tests := []struct {
		name              string
		sev               rules.Severity
		passed, evaluated int64
		mostly            float64
		want              Status
	}{
		{"nothing evaluated", rules.SeverityError, 0, 0, 1, StatusNotEvaluated},
		{"all pass", rules.SeverityError, 10, 10, 1, StatusPass},
		{"one fails", rules.SeverityError, 9, 10, 1, StatusFail},
		{"mostly met exactly", rules.SeverityError, 999, 1000, 0.999, StatusPass},
		{"mostly missed", rules.SeverityError, 998, 1000, 0.999, StatusFail},
		{"warn fails", rules.SeverityWarn, 1, 2, 1, StatusWarn},
		{"info fails", rules.SeverityInfo, 1, 2, 1, StatusFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ruleStatus(tt.sev, tt.passed, tt.evaluated, tt.mostly))
		})
	}
}

func TestPercent(t *testing.T) {
	assert.Equal(t, "100.0%", percent(1))
	assert.Equal(t, "99.9%", percent(0.99999))
	assert.Equal(t, "66.6%", percent(2.0/3))
	assert.Equal(t, "0.0%", percent(0))
}
