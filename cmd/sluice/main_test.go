package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/ordersgen"
)

// sluice runs the CLI in-process and returns its exit code and streams.
// A check without lineage flags appends its events to a temporary file,
// and one without history flags records to a temporary store, so that
// tests leave no .sluice/ in the source tree.
func sluice(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	if len(args) == 0 || args[0] != "check" {
		return sluiceRaw(t, args...)
	}
	if !slices.ContainsFunc(args, func(a string) bool {
		return strings.HasPrefix(a, "--lineage-") || a == "--no-lineage"
	}) {
		args = append([]string{"check", "--lineage-file", filepath.Join(t.TempDir(), "lineage.ndjson")}, args[1:]...)
	}
	if !slices.ContainsFunc(args, func(a string) bool {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		return strings.HasPrefix(a, "-") && (name == "history" || name == "no-history")
	}) {
		args = append([]string{"check", "--history", filepath.Join(t.TempDir(), "history.db")}, args[1:]...)
	}
	return sluiceRaw(t, args...)
}

// sluiceRaw runs the CLI with args as given.
func sluiceRaw(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

const ordersRules = "../../testdata/orders/orders.yaml"

// jsonReport is the part of the JSON report the tests read.
type jsonReport struct {
	Status          string     `json:"status"`
	Dataset         string     `json:"dataset"`
	Owner           string     `json:"owner"`
	RowsIn          int64      `json:"rows_in"`
	RowsClean       int64      `json:"rows_clean"`
	RowsQuarantined int64      `json:"rows_quarantined"`
	Rules           []jsonRule `json:"rules"`
	Privacy         []struct {
		Column  string `json:"column"`
		Kind    string `json:"kind"`
		Matches int64  `json:"matches"`
		Tagged  bool   `json:"tagged"`
	} `json:"privacy"`
}

type jsonRule struct {
	Name      string         `json:"name"`
	Kind      string         `json:"kind"`
	Severity  string         `json:"severity"`
	Status    string         `json:"status"`
	Evaluated int64          `json:"evaluated"`
	Passed    int64          `json:"passed"`
	Failed    int64          `json:"failed"`
	Skipped   int64          `json:"skipped"`
	Metrics   map[string]any `json:"metrics"`
}

func decodeReport(t *testing.T, s string) jsonReport {
	t.Helper()
	var r jsonReport
	require.NoError(t, json.Unmarshal([]byte(s), &r), s)
	return r
}

// TestOrdersPlantedDefects is the promise of the README's first command:
// every planted defect is reported with exactly the generator's count, on
// both shipped encodings.
func TestOrdersPlantedDefects(t *testing.T) {
	d := ordersgen.Default().Defects
	rows := int64(ordersgen.Default().Rows)
	for _, input := range []string{"orders.parquet", "orders.csv"} {
		t.Run(input, func(t *testing.T) {
			code, stdout, stderr := sluice(t, "check", "--rules", ordersRules, "--format", "json",
				filepath.Join("../../testdata/orders", input))
			require.Equal(t, exitFail, code, stderr)
			r := decodeReport(t, stdout)
			assert.Equal(t, "fail", r.Status)
			assert.Equal(t, "orders", r.Dataset)
			assert.Equal(t, "payments-data@example.com", r.Owner)
			assert.Equal(t, rows, r.RowsIn)
			assert.Equal(t, r.RowsIn, r.RowsClean+r.RowsQuarantined)

			type want struct {
				status          string
				failed, skipped int64
			}
			wants := map[string]want{
				"email.required":       {"fail", int64(d.NullEmails), 0},
				"email_format":         {"fail", int64(d.MalformedEmails), int64(d.NullEmails)},
				"amount_non_negative":  {"fail", int64(d.NegativeAmounts), int64(d.NullAmounts)},
				"ships_after_order":    {"fail", int64(d.ShippedBefore), -1},
				"status.values":        {"fail", int64(d.BadStatus), 0},
				"contact_is_not_email": {"warn", int64(d.ContactIsEmail), 0},
				"order_id.required":    {"pass", 0, 0},
				"currency.values":      {"pass", 0, 0},
				"enough_rows":          {"pass", 0, 0},
				"email_mostly_present": {"pass", 0, 0},
			}
			seen := map[string]bool{}
			for _, rule := range r.Rules {
				seen[rule.Name] = true
				if rule.Name == "order_id.unique" {
					assert.Equal(t, "fail", rule.Status)
					assert.EqualValues(t, 2*d.DuplicateIDs, rule.Metrics["duplicate_count(order_id)"], rule.Metrics)
					continue
				}
				w, ok := wants[rule.Name]
				if !ok {
					continue
				}
				assert.Equal(t, w.status, rule.Status, rule.Name)
				if rule.Kind == "row" {
					assert.Equal(t, w.failed, rule.Failed, rule.Name)
					if w.skipped >= 0 {
						assert.Equal(t, w.skipped, rule.Skipped, rule.Name)
					}
					assert.Equal(t, rows, rule.Passed+rule.Failed+rule.Skipped, rule.Name)
				}
			}
			for name := range wants {
				assert.True(t, seen[name], "rule %s missing from the report", name)
			}
			assert.True(t, seen["order_id.unique"])

			// privacy: {detect: [email, phone], untagged_pii: warn}: the
			// untagged contact column holds the planted e-mail addresses.
			var untagged *jsonRule
			for i := range r.Rules {
				if r.Rules[i].Name == "privacy.untagged_pii.contact" {
					untagged = &r.Rules[i]
				}
			}
			require.NotNil(t, untagged, "privacy.untagged_pii.contact missing from the report")
			assert.Equal(t, "warn", untagged.Status)
			assert.Equal(t, "warn", untagged.Severity)
			assert.EqualValues(t, d.ContactIsEmail, untagged.Metrics["pii_matches(contact, email)"])
			var emailInContact int64 = -1
			for _, f := range r.Privacy {
				if f.Column == "email" {
					assert.True(t, f.Tagged, "the email column carries pii.email")
				}
				if f.Column == "contact" && f.Kind == "email" {
					emailInContact = f.Matches
					assert.False(t, f.Tagged)
				}
			}
			assert.Equal(t, int64(d.ContactIsEmail), emailInContact)
			for _, rule := range r.Rules {
				if strings.HasPrefix(rule.Name, "privacy.") {
					assert.Equal(t, "privacy.untagged_pii.contact", rule.Name, "no other privacy result")
				}
			}
		})
	}
}

func TestTextReportAtAGlance(t *testing.T) {
	code, stdout, _ := sluice(t, "check", "--rules", ordersRules, "../../testdata/orders/orders.parquet")
	require.Equal(t, exitFail, code)
	for _, s := range []string{"orders", "payments-data@example.com", "email_format", "ships_after_order", "FAIL"} {
		assert.Contains(t, strings.ToUpper(stdout), strings.ToUpper(s))
	}
	// Redaction: no raw e-mail address of the pii.email column appears.
	for _, raw := range []string{"two@@example.com", "no-at-sign.example.com", "spaces in@example.com", "missing-domain@"} {
		assert.NotContains(t, stdout, raw)
	}
}

func TestJUnitReport(t *testing.T) {
	code, stdout, _ := sluice(t, "check", "--format", "junit", "--rules", ordersRules, "../../testdata/orders/orders.parquet")
	require.Equal(t, exitFail, code)
	assert.Contains(t, stdout, "<testsuite")
	assert.Contains(t, stdout, "<failure")
}

func TestOutputsCommitOnlyWhenTheGatePasses(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "clean.parquet")
	quarantine := filepath.Join(dir, "held.parquet")
	code, stdout, stderr := sluice(t, "check", "--rules", ordersRules, "--format", "json",
		"--out", out, "--quarantine", quarantine, "../../testdata/orders/orders.parquet")
	require.Equal(t, exitFail, code, stderr)
	r := decodeReport(t, stdout)
	assert.NoFileExists(t, out, "the clean output of a failed gate must not be committed")
	assert.FileExists(t, quarantine, "the quarantine is committed whenever the run completes")
	assert.Positive(t, r.RowsQuarantined)
	assert.Equal(t, r.RowsIn, r.RowsClean+r.RowsQuarantined)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary files may remain: %v", entries)

	// The clean rows of the quarantine run pass the gate on their own
	// (only error rules are enforced, so warn rules may still warn).
	code, stdout, stderr = sluice(t, "check", "--rules", ordersRules, "--format", "json",
		"--out", filepath.Join(dir, "again.parquet"), quarantine)
	// The quarantine holds only failing rows: the gate fails on it.
	require.Equal(t, exitFail, code, stderr+stdout)
}

func TestPassingGateWritesOutput(t *testing.T) {
	dir := t.TempDir()
	rulesPath := filepath.Join(dir, "r.yaml")
	require.NoError(t, os.WriteFile(rulesPath, []byte(`version: 1
dataset: orders
owner: team@example.com
rules:
  - name: has_rows
    check: row_count() > 0
  - name: positive_ids
    expr: order_id > 0
`), 0o600))
	out := filepath.Join(dir, "clean.csv")
	code, _, stderr := sluice(t, "check", "--rules", rulesPath, "--out", out, "../../testdata/orders/orders.parquet")
	require.Equal(t, exitPass, code, stderr)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, ordersgen.Default().Rows+1, strings.Count(string(data), "\n"), "header plus every row")
}

// TestBadInput pins the exit codes of bad input: 2 for invalid rules or
// arguments, 3 for runtime errors, always with a message and no output left.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	good := "version: 1\ndataset: d\nowner: o@example.com\nrules:\n  - name: r\n    expr: a > 0\n"
	goodRules := write("good.yaml", good)
	csvOK := write("ok.csv", "a,b\n1,x\n2,y\n")
	parquet, err := os.ReadFile("../../testdata/orders/orders.parquet")
	require.NoError(t, err)
	truncated := write("truncated.parquet", string(parquet[:len(parquet)/2]))
	garbage := write("garbage.parquet", "PAR1 this is not parquet at all PAR1")

	tests := []struct {
		name    string
		args    []string
		code    int
		message string
	}{
		{"no args", []string{}, exitUsage, "Usage"},
		{"unknown command", []string{"frobnicate"}, exitUsage, "unknown command"},
		{"no rules flag", []string{"check", csvOK}, exitUsage, "--rules is required"},
		{"no input", []string{"check", "--rules", goodRules}, exitUsage, "no INPUT"},
		{"bad format flag", []string{"check", "--format", "xml", "--rules", goodRules, csvOK}, exitUsage, "--format"},
		{"unknown key", []string{"check", "--rules", write("typo.yaml", strings.Replace(good, "expr:", "exrp:", 1)), csvOK}, exitUsage, "typo.yaml:6"},
		{"missing column", []string{"check", "--rules", write("missing.yaml", strings.Replace(good, "a > 0", "nope > 0", 1)), csvOK}, exitUsage, "nope"},
		{"bad regex", []string{"check", "--rules", write("regex.yaml", strings.Replace(good, "a > 0", "b.matches('(')", 1)), csvOK}, exitUsage, "regex.yaml"},
		{"over the cost limit", []string{"check", "--cost-limit", "2", "--rules", write("cost.yaml", strings.Replace(good, "a > 0", "b.size() + b.size() + b.size() > 3", 1)), csvOK}, exitUsage, "cost"},
		{"ragged csv", []string{"check", "--rules", goodRules, write("ragged.csv", "a,b\n1,x\n2\n")}, exitRuntime, "ragged.csv:3"},
		{"truncated parquet", []string{"check", "--rules", goodRules, truncated}, exitRuntime, "truncated.parquet"},
		{"garbage parquet", []string{"check", "--rules", goodRules, garbage}, exitRuntime, "garbage.parquet"},
		{"missing input", []string{"check", "--rules", goodRules, filepath.Join(dir, "absent.csv")}, exitRuntime, "absent.csv"},
		{"unknown extension", []string{"check", "--rules", goodRules, write("data.xlsx", "x")}, exitRuntime, "unknown format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := os.ReadDir(dir)
			require.NoError(t, err)
			code, _, stderr := sluice(t, tt.args...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.message)
			after, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Len(t, after, len(before), "nothing may be left behind")
		})
	}
}

// TestUnparsedValues: a value that does not parse as its declared type is
// a failure of the column's type rule, not a run-time error: the gate fails
// (exit 1) and says which rule, with nothing left behind.
func TestUnparsedValues(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	good := "version: 1\ndataset: d\nowner: o@example.com\nrules:\n  - name: r\n    expr: a > 0\n"
	tests := []struct {
		name  string
		rules string
		input string
	}{
		{"type contradicts the rule file", good + "columns:\n  b: {type: int64}\n", "a,b\n1,x\n2,y\n"},
		{"invalid utf-8", strings.Replace(good, "a > 0", "b.size() > 0", 1), "a,b\n1,\xff\xfe\n"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, input := write(fmt.Sprintf("r%d.yaml", i), tt.rules), write(fmt.Sprintf("in%d.csv", i), tt.input)
			before, err := os.ReadDir(dir)
			require.NoError(t, err)
			code, stdout, stderr := sluice(t, "check", "--rules", rules, input)
			assert.Equal(t, exitFail, code, stderr)
			assert.Regexp(t, `FAIL\s+b\.type\s`, stdout)
			assert.Contains(t, stdout, "Gate: FAIL — error rule b.type: fail")
			after, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Len(t, after, len(before), "nothing may be left behind")
		})
	}
}

func TestRulesValidate(t *testing.T) {
	code, stdout, stderr := sluice(t, "rules", "validate", ordersRules)
	require.Equal(t, exitPass, code, stderr)
	assert.Contains(t, stdout, "valid")
	assert.Contains(t, stdout, "row rules: 11 vectorized, 0 mixed, 0 on the interpreter")

	dir := t.TempDir()
	mixed := filepath.Join(dir, "mixed.yaml")
	require.NoError(t, os.WriteFile(mixed, []byte(`version: 1
dataset: t
owner: o@example.com
columns:
  email: {type: string}
  amount: {type: double}
rules:
  - name: fast
    expr: amount >= 0.0
  - name: part
    expr: amount >= 0.0 && email.split('@').size() == 2
  - name: slow
    expr: email.split('@').size() == 2
`), 0o600))
	code, stdout, stderr = sluice(t, "rules", "validate", mixed)
	require.Equal(t, exitPass, code, stderr)
	assert.Contains(t, stdout, "row rules: 1 vectorized, 1 mixed, 1 on the interpreter\n  mixed: part\n  interpreter: slow\n")

	code, _, stderr = sluice(t, "rules", "validate", "--input", "../../testdata/orders/orders.csv", ordersRules)
	assert.Equal(t, exitPass, code, stderr)
}

func TestSchemaPrintsAStarterThatValidates(t *testing.T) {
	code, stdout, stderr := sluice(t, "schema", "../../testdata/orders/orders.parquet")
	require.Equal(t, exitPass, code, stderr)
	assert.Contains(t, stdout, "order_id")
	assert.Contains(t, stdout, "timestamp")
	starter := filepath.Join(t.TempDir(), "starter.yaml")
	require.NoError(t, os.WriteFile(starter, []byte(stdout), 0o600))
	code, _, stderr = sluice(t, "rules", "validate", "--input", "../../testdata/orders/orders.parquet", starter)
	assert.Equal(t, exitPass, code, stderr)
}

// TestEnginesGiveTheSameReport: --engine interpreter and the default give
// the same verdict on every rule of the orders dataset, on any number of
// workers.
func TestEnginesGiveTheSameReport(t *testing.T) {
	input := "../../testdata/orders/orders.parquet"
	_, auto, stderr := sluice(t, "check", "--rules", ordersRules, "--format", "json", input)
	want := decodeReport(t, auto)
	require.NotEmpty(t, want.Rules, stderr)
	for _, args := range [][]string{
		{"--engine", "interpreter"},
		{"--workers", "1"},
		{"--engine", "interpreter", "--workers", "3", "--batch-size", "777"},
	} {
		code, out, stderr := sluice(t, append(append([]string{"check", "--rules", ordersRules, "--format", "json"}, args...), input)...)
		require.Equal(t, exitFail, code, stderr)
		got := decodeReport(t, out)
		assert.Equal(t, want.RowsQuarantined, got.RowsQuarantined, "%v", args)
		assert.Equal(t, want.Rules, got.Rules, "%v", args)
	}
	code, _, stderr := sluice(t, "check", "--rules", ordersRules, "--engine", "fast", input)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--engine must be auto or interpreter")
}
