package quality

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	assert.Equal(t, "orders (orders.parquet)", doc.Suites[0].Name)
	assert.Equal(t, "customers (orders.parquet)", doc.Suites[1].Name)
	assert.Equal(t, "customers (orders.parquet).row", doc.Suites[1].Cases[0].Classname)
	assert.Equal(t, 12, doc.Tests)
	assert.Equal(t, 2, doc.Failures)
}

// inputReport is sampleReport as the check of one input file.
func inputReport(name string, durationMS int64) *Report {
	r := sampleReport(false)
	r.DatasetID = &lineage.Dataset{Namespace: "file", Name: name}
	r.DurationMS = durationMS
	return r
}

// TestWriteJUnitPerInput: several inputs of one rule file are one suite
// each, named after the input, with classnames that carry the name and
// testcase times that share the suite's.
func TestWriteJUnitPerInput(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteJUnit(&buf, inputReport("/data/day1.csv", 60), inputReport("/data/day2.csv", 30)))
	golden(t, "report_inputs.junit.golden", buf.Bytes())

	var doc junitSuites
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc))
	require.Len(t, doc.Suites, 2)
	assert.Equal(t, "0.090", doc.Time)
	for i, want := range []struct{ name, time, share string }{
		{"orders (day1.csv)", "0.060", "0.010"},
		{"orders (day2.csv)", "0.030", "0.005"},
	} {
		s := doc.Suites[i]
		assert.Equal(t, want.name, s.Name)
		assert.Equal(t, want.time, s.Time)
		require.Len(t, s.Cases, 6)
		for _, c := range s.Cases {
			assert.Equal(t, want.share, c.Time, c.Name)
			assert.Contains(t, []string{want.name + ".row", want.name + ".dataset"}, c.Classname)
		}
	}
}

func TestJUnitSuiteNames(t *testing.T) {
	named := func(dataset, input string) *Report {
		r := &Report{Dataset: dataset}
		if input != "" {
			r.DatasetID = &lineage.Dataset{Namespace: "file", Name: input}
		}
		return r
	}
	tests := []struct {
		name    string
		reports []*Report
		want    []string
	}{
		{
			name:    "one input keeps the dataset name",
			reports: []*Report{named("orders", "/data/day1.csv")},
			want:    []string{"orders"},
		},
		{
			name:    "the base of each input",
			reports: []*Report{named("orders", "/data/day1.csv"), named("orders", "/data/day2.csv")},
			want:    []string{"orders (day1.csv)", "orders (day2.csv)"},
		},
		{
			name:    "two files of one base name",
			reports: []*Report{named("orders", "/a/day.csv"), named("orders", "/b/day.csv"), named("orders", "/b/other.csv")},
			want:    []string{"orders (/a/day.csv)", "orders (/b/day.csv)", "orders (other.csv)"},
		},
		{
			name:    "one file twice",
			reports: []*Report{named("orders", "/a/day.csv"), named("orders", "/a/day.csv")},
			want:    []string{"orders (day.csv)", "orders (day.csv) #2"},
		},
		{
			name:    "no input identity",
			reports: []*Report{named("orders", ""), named("orders", ""), named("", "")},
			want:    []string{"orders", "orders #2", "-"},
		},
		{
			name:    "an input named like the dataset",
			reports: []*Report{named("orders", "orders"), named("orders", "/data/x.csv")},
			want:    []string{"orders", "orders (x.csv)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, junitSuiteNames(tt.reports))
		})
	}
}

// notesReport is sampleReport with notes, one of them hostile to a
// terminal.
func notesReport() *Report {
	r := sampleReport(false)
	r.Notes = []string{
		"the input has no rows",
		"column tags was read as string: its JSON values mix types",
		"column \x1b[31mred\x1b[0m\nFAKE was read as string",
	}
	return r
}

// TestWriteTextNotes: the notes come after the header and before the
// rules, one escaped line each.
func TestWriteTextNotes(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, notesReport().WriteText(&buf))
	golden(t, "report_notes.txt.golden", buf.Bytes())

	out := buf.String()
	assert.NotContains(t, out, "\x1b")
	assert.NotContains(t, out, "\nFAKE")
	lines := strings.Split(out, "\n")
	started := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "  started ") })
	require.GreaterOrEqual(t, started, 0, out)
	require.Greater(t, len(lines), started+5, out)
	assert.Equal(t, "  note       the input has no rows", lines[started+1])
	assert.Equal(t, "  note       column tags was read as string: its JSON values mix types", lines[started+2])
	assert.True(t, strings.HasPrefix(lines[started+3], "  note       column "), lines[started+3])
	assert.Empty(t, lines[started+4])
	assert.True(t, strings.HasPrefix(lines[started+5], "  PASS   order_id.required"), lines[started+5])

	buf.Reset()
	require.NoError(t, sampleReport(false).WriteText(&buf))
	assert.NotContains(t, buf.String(), "note", "no notes, no note lines")
}

// TestWriteJUnitNotes: the notes are the suite's <system-out> and one note
// property each, escaped.
func TestWriteJUnitNotes(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteJUnit(&buf, notesReport()))
	golden(t, "report_notes.junit.golden", buf.Bytes())
	assert.NotContains(t, buf.String(), "\x1b")

	var doc junitSuites
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc))
	require.Len(t, doc.Suites, 1)
	s := doc.Suites[0]
	var notes []string
	for _, p := range s.Properties {
		if p.Name == "note" {
			notes = append(notes, p.Value)
		}
	}
	require.Len(t, notes, 3)
	assert.Equal(t, "the input has no rows", notes[0])
	assert.NotContains(t, notes[2], "\n")
	require.NotNil(t, s.SystemOut)
	body := strings.Split(strings.TrimSuffix(s.SystemOut.Body, "\n"), "\n")
	require.Len(t, body, 3, s.SystemOut.Body)
	assert.Equal(t, "note: the input has no rows", body[0])
	assert.Equal(t, "note: "+notes[2], body[2])

	buf.Reset()
	require.NoError(t, WriteJUnit(&buf, sampleReport(false)))
	var plain junitSuites
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &plain))
	assert.Nil(t, plain.Suites[0].SystemOut, "no notes, no suite output")
}

// TestWriteJUnitStrictNotEvaluated: under strict a warn or error rule that
// was not evaluated fails the gate, and is a <failure>, not <skipped>; an
// info rule stays skipped.
func TestWriteJUnitStrictNotEvaluated(t *testing.T) {
	notEvaluated := func(name string, sev rules.Severity) RuleResult {
		return RuleResult{Name: name, Kind: rules.KindDataset, Severity: sev, Status: StatusNotEvaluated,
			Expr: "change(row_count()) >= 0.0", Message: "not evaluated: no previous run"}
	}
	for _, strict := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "strict"}[strict], func(t *testing.T) {
			r := &Report{Dataset: "orders", Rules: []RuleResult{
				notEvaluated("growth", rules.SeverityError), notEvaluated("trend", rules.SeverityWarn), notEvaluated("fyi", rules.SeverityInfo),
			}}
			r.decide(strict)
			var buf bytes.Buffer
			require.NoError(t, WriteJUnit(&buf, r))
			var doc junitSuites
			require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc))
			s := doc.Suites[0]
			require.Len(t, s.Cases, 3)
			assert.NotNil(t, s.Cases[2].Skipped, "info")
			if !strict {
				assert.Equal(t, StatusPass, r.Status)
				assert.Equal(t, 3, s.Skipped)
				assert.Zero(t, s.Failures)
				return
			}
			assert.Equal(t, StatusFail, r.Status)
			assert.Equal(t, 2, s.Failures)
			assert.Equal(t, 1, s.Skipped)
			for _, c := range s.Cases[:2] {
				require.NotNil(t, c.Failure, c.Name)
				assert.Equal(t, "not evaluated: no previous run", c.Failure.Message)
			}
		})
	}
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

// Samples show the row's key; failing unique checks their repeated keys.
func TestTextShowsKeysAndDuplicates(t *testing.T) {
	rep := &Report{
		Status: StatusFail, Dataset: "orders", Owner: "o@example.com", Mode: "check",
		Rules: []RuleResult{
			{Name: "amount.type", Kind: rules.KindRow, Severity: rules.SeverityError, Status: StatusFail,
				Evaluated: 3, Passed: 2, Failed: 1, PassFraction: fp(2.0 / 3),
				Samples: []Sample{{Row: 1, Values: map[string]any{"amount": "12x"}, Key: map[string]any{"order_id": int64(2)}}}},
			{Name: "order_id.unique", Kind: rules.KindDataset, Severity: rules.SeverityError, Status: StatusFail,
				Evaluated: 1, Failed: 1, Metrics: map[string]any{"duplicate_count(order_id)": int64(5)},
				Duplicates: []DuplicateKey{{Key: map[string]any{"order_id": int64(2)}, Count: 3}, {Key: map[string]any{"order_id": int64(1)}, Count: 2}}},
		},
	}
	var b strings.Builder
	require.NoError(t, WriteText(&b, rep))
	out := b.String()
	assert.Contains(t, out, `row 1: (key order_id=2) amount="12x"`)
	assert.Contains(t, out, "order_id=2: 3 rows")
	assert.Contains(t, out, "order_id=1: 2 rows")
}
