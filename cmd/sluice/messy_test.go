package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors/csvconnector"
)

// pendingMessy lists the scenarios of TestMessy whose behaviour has not
// landed yet, with what is missing: a scenario's name, or "<name>/text"
// or "<name>/junit" for its run in that report format. TestMessy
// skips them; remove an entry when its behaviour lands
// (SLUICE_MESSY_PENDING=1 runs them anyway, to see which pass).
var pendingMessy = map[string]string{}

var updateMessy = flag.Bool("update", false, "rewrite testdata/messy/golden from the runs of TestMessy")

const messyDir = "../../testdata/messy"

// messyCase is one scenario of testdata/messy (its README.md says what each
// fixture plants) and the answer the CLI owes it.
type messyCase struct {
	name   string
	rules  string
	input  string
	strict bool
	exit   int
	// mention must appear in stderr (runs that exit 2 or 3).
	mention []string
	// check makes further assertions on the report (exit 0 or 1) or on
	// stderr.
	check func(t *testing.T, r *messyResult)
}

// messyResult is what one run produced.
type messyResult struct {
	code           int
	stdout, stderr string
	report         *messyReport
	// quarantine and clean are the contents of the quarantine and of the
	// clean output, nil when none was written.
	quarantine, clean []byte
}

// messyReport is the part of the JSON report the scenario checks read.
type messyReport struct {
	Status          string      `json:"status"`
	RowsIn          int64       `json:"rows_in"`
	RowsClean       int64       `json:"rows_clean"`
	RowsQuarantined int64       `json:"rows_quarantined"`
	Notes           []string    `json:"notes"`
	Rules           []messyRule `json:"rules"`
	Gate            struct {
		Status  string   `json:"status"`
		Strict  bool     `json:"strict"`
		Reasons []string `json:"reasons"`
	} `json:"gate"`
}

// messyRule is the part of a rule's result the scenario checks read.
type messyRule struct {
	jsonRule
	Samples []struct {
		Key    map[string]any `json:"key"`
		Values map[string]any `json:"values"`
	} `json:"samples"`
	Message string `json:"message"`
}

// rule returns the named rule's result, failing the test when it is not
// in the report.
func (r *messyReport) rule(t *testing.T, name string) *messyRule {
	t.Helper()
	for i := range r.Rules {
		if r.Rules[i].Name == name {
			return &r.Rules[i]
		}
	}
	require.Failf(t, "no rule in the report", "%s", name)
	return nil
}

func (r *messyReport) ruleNames() []string {
	var names []string
	for _, rr := range r.Rules {
		names = append(names, rr.Name)
	}
	return names
}

// quarantineRows returns the quarantine as a map from the order_id of each
// row to its fields by header name.
func (r *messyResult) quarantineRows(t *testing.T) map[string]map[string]string {
	t.Helper()
	require.NotNil(t, r.quarantine, "no quarantine file was written")
	recs, err := csv.NewReader(bytes.NewReader(r.quarantine)).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, recs, "the quarantine has a header")
	rows := map[string]map[string]string{}
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		rows[row["order_id"]] = row
	}
	return rows
}

// failedRules splits a quarantined row's _sluice_failed_rules, a list the
// CSV sink joins with csvconnector.ListSeparator.
func failedRules(t *testing.T, row map[string]string) []string {
	t.Helper()
	cell, ok := row["_sluice_failed_rules"]
	require.True(t, ok, "a quarantined row has _sluice_failed_rules")
	return strings.Split(cell, string(csvconnector.ListSeparator))
}

// invalidMarks decodes a quarantined row's _sluice_invalid.
func invalidMarks(t *testing.T, row map[string]string) map[string]string {
	t.Helper()
	if row["_sluice_invalid"] == "" {
		return nil
	}
	var m map[string]string
	require.NoError(t, json.Unmarshal([]byte(row["_sluice_invalid"]), &m), row["_sluice_invalid"])
	return m
}

func messyCases() []messyCase {
	// The row rules of an empty input are not evaluated: there is no row
	// to evaluate them on. Dataset checks are: a row count holds or not on
	// zero rows.
	noRows := func(t *testing.T, r *messyResult) {
		require.NotEmpty(t, r.report.Notes)
		assert.Contains(t, r.report.Notes[0], "no rows")
		assert.Zero(t, r.report.RowsIn)
		for _, rr := range r.report.Rules {
			if rr.Kind == "row" {
				assert.Equal(t, "not_evaluated", rr.Status, rr.Name)
			}
		}
	}
	noRules := func(t *testing.T, r *messyResult) {
		require.NotEmpty(t, r.report.Notes)
		assert.Contains(t, r.report.Notes[0], "no rules")
		assert.Empty(t, r.report.Rules)
	}
	notEvaluated := func(t *testing.T, r *messyResult) {
		for _, name := range []string{"discount_within_amount", "mean_discount_small"} {
			assert.Equal(t, "not_evaluated", r.report.rule(t, name).Status, name)
		}
		assert.Equal(t, "pass", r.report.rule(t, "amount_non_negative").Status)
	}
	errored := func(t *testing.T, r *messyResult) {
		assert.Equal(t, "error", r.report.rule(t, "rows_per_missing_row").Status)
		assert.Equal(t, "pass", r.report.rule(t, "enough_rows").Status)
	}
	// on_invalid: null nulls the cell and does nothing else.
	invalidNull := func(t *testing.T, r *messyResult) {
		for _, name := range r.report.ruleNames() {
			assert.False(t, strings.HasSuffix(name, ".type"), "on_invalid: null adds no %s", name)
		}
		assert.EqualValues(t, 2, r.report.rule(t, "amount_non_negative").Skipped)
		assert.Zero(t, r.report.RowsQuarantined)
	}
	extra := func(status string) func(t *testing.T, r *messyResult) {
		return func(t *testing.T, r *messyResult) {
			for _, col := range []string{"coupon_code", "internal_note"} {
				if status == "" {
					assert.NotContains(t, r.report.ruleNames(), "schema."+col)
					continue
				}
				assert.Equal(t, status, r.report.rule(t, "schema."+col).Status, col)
			}
			assert.NotContains(t, r.report.ruleNames(), "schema.discount", "a declared column is no extra column")
		}
	}
	return []messyCase{
		{name: "clean", rules: "orders.yaml", input: "orders.csv", exit: exitPass,
			check: func(t *testing.T, r *messyResult) {
				assert.Equal(t, "pass", r.report.Status)
				assert.EqualValues(t, 30, r.report.RowsClean)
				assert.Empty(t, r.report.Notes)
			}},

		// Values that do not parse as their declared type.
		{name: "invalid-fail", rules: "invalid-fail.yaml", input: "invalid-values.csv", exit: exitFail,
			check: func(t *testing.T, r *messyResult) {
				failed := map[string]int64{"order_id.type": 0, "amount.type": 2, "placed_at.type": 2, "paid.type": 1,
					"ship_date.type": 2, "phone.type": 1, "customer_ref.type": 1}
				for name, n := range failed {
					rr := r.report.rule(t, name)
					assert.Equal(t, n, rr.Failed, name)
					assert.Equal(t, map[bool]string{true: "fail", false: "pass"}[n > 0], rr.Status, name)
				}
				// Samples carry the raw text and the key, redacted in pii columns.
				amount := r.report.rule(t, "amount.type")
				require.NotEmpty(t, amount.Samples)
				assert.Equal(t, map[string]any{"amount": "12,50"}, amount.Samples[0].Values)
				assert.Equal(t, map[string]any{"order_id": float64(1004)}, amount.Samples[0].Key)
				for _, col := range []string{"phone", "customer_ref"} {
					rr := r.report.rule(t, col+".type")
					if assert.Len(t, rr.Samples, 1, col) {
						assert.Equal(t, map[string]any{col: "[redacted]"}, rr.Samples[0].Values)
					}
				}
				// The invalid cells are null: the amount rule skips them.
				assert.EqualValues(t, 2, r.report.rule(t, "amount_non_negative").Skipped)
				assert.EqualValues(t, 8, r.report.RowsQuarantined)
				rows := r.quarantineRows(t)
				assert.Len(t, rows, 8)
				want := map[string]map[string]string{
					"1004": {"amount": "12,50"},
					"1009": {"amount": "n/a", "placed_at": "yesterday"},
					"1012": {"phone": "[redacted]"},
					"1014": {"placed_at": "2026-02-30T10:00:00Z"},
					"1017": {"paid": "yes"},
					"1021": {"ship_date": "2026-13-01"},
					"1023": {"ship_date": "03/04/2026"},
					"1026": {"customer_ref": "[redacted]"},
				}
				for id, marks := range want {
					row, ok := rows[id]
					if !assert.True(t, ok, "order %s is quarantined", id) {
						continue
					}
					assert.Equal(t, marks, invalidMarks(t, row), id)
					var names []string
					for col := range marks {
						names = append(names, col+".type")
					}
					assert.ElementsMatch(t, names, failedRules(t, row), id)
					for col := range marks {
						assert.Empty(t, row[col], "the invalid cell %s of %s is null", col, id)
					}
				}
			}},
		{name: "invalid-fail-json", rules: "invalid-fail.yaml", input: "invalid-values.ndjson", exit: exitFail,
			check: func(t *testing.T, r *messyResult) {
				failed := map[string]int64{"order_id.type": 1, "amount.type": 1, "placed_at.type": 1, "paid.type": 1,
					"ship_date.type": 0, "phone.type": 1, "customer_ref.type": 0}
				for name, n := range failed {
					assert.Equal(t, n, r.report.rule(t, name).Failed, name)
				}
				rows := r.quarantineRows(t)
				assert.Len(t, rows, 4)
				want := map[string]map[string]string{
					"1003": {"amount": "12,50"},
					"1006": {"placed_at": "yesterday", "paid": "yes"},
					"1008": {"phone": "[redacted]"},
					"":     {"order_id": "10.5"}, // the key itself did not parse
				}
				for id, marks := range want {
					if assert.Contains(t, rows, id) {
						assert.Equal(t, marks, invalidMarks(t, rows[id]), id)
					}
				}
			}},
		{name: "invalid-warn", rules: "invalid-warn.yaml", input: "invalid-values.csv", exit: exitPass,
			check: func(t *testing.T, r *messyResult) {
				assert.Equal(t, "warn", r.report.Status)
				assert.Equal(t, "warn", r.report.rule(t, "amount.type").Status)
				assert.EqualValues(t, 2, r.report.rule(t, "amount.type").Failed)
				assert.Zero(t, r.report.RowsQuarantined, "warn rules hold no row back")
				assert.Empty(t, r.quarantineRows(t))
			}},
		{name: "invalid-null", rules: "invalid-null.yaml", input: "invalid-values.csv", exit: exitPass, check: invalidNull},
		{name: "invalid-null-bare", rules: "invalid-null-bare.yaml", input: "invalid-values.csv", exit: exitPass, check: invalidNull},
		{name: "invalid-error", rules: "invalid-error.yaml", input: "invalid-values.csv", exit: exitRuntime,
			mention: []string{"invalid-values.csv:5", `"amount"`, "12,50"}},
		{name: "invalid-error-pii", rules: "invalid-error-pii.yaml", input: "invalid-values.csv", exit: exitRuntime,
			mention: []string{"invalid-values.csv:13", `"phone"`}},
		{name: "inferred-type", rules: "inferred-type.yaml", input: "inferred-type.csv", exit: exitFail,
			check: func(t *testing.T, r *messyResult) {
				assert.EqualValues(t, 2, r.report.rule(t, "qty.type").Failed)
				assert.EqualValues(t, 2, r.report.rule(t, "qty_positive").Skipped)
				assert.EqualValues(t, 2, r.report.RowsQuarantined)
			}},

		// The schema contract.
		{name: "missing-column", rules: "orders.yaml", input: "missing-column.csv", exit: exitFail,
			check: func(t *testing.T, r *messyResult) {
				assert.Equal(t, "fail", r.report.rule(t, "schema.ship_date").Status)
				assert.Equal(t, "not_evaluated", r.report.rule(t, "ships_after_order").Status)
				assert.Contains(t, r.report.rule(t, "ships_after_order").Message, `column "ship_date" is missing from the data`)
				assert.Equal(t, "pass", r.report.rule(t, "amount_non_negative").Status, "the other rules run")
				assert.Equal(t, []string{"error rule schema.ship_date: fail"}, r.report.Gate.Reasons)
			}},
		{name: "retyped-parquet", rules: "orders.yaml", input: "retyped.parquet", exit: exitFail,
			check: func(t *testing.T, r *messyResult) {
				assert.Equal(t, "fail", r.report.rule(t, "schema.order_id").Status)
				assert.Contains(t, r.report.rule(t, "schema.order_id").Message, "declared as int64 but the data has string")
				for _, name := range []string{"order_id.required", "order_id.unique"} {
					assert.Equal(t, "not_evaluated", r.report.rule(t, name).Status, name)
				}
				assert.Equal(t, "pass", r.report.rule(t, "ships_after_order").Status)
			}},
		{name: "extra-allow", rules: "extra-allow.yaml", input: "extra-columns.csv", exit: exitPass, check: extra("")},
		{name: "extra-warn", rules: "extra-warn.yaml", input: "extra-columns.csv", exit: exitPass, check: extra("warn")},
		{name: "extra-warn-strict", rules: "extra-warn.yaml", input: "extra-columns.csv", strict: true, exit: exitFail, check: extra("warn")},
		{name: "extra-fail", rules: "extra-fail.yaml", input: "extra-columns.csv", exit: exitFail, check: extra("fail")},

		// Inputs that are odd as a whole.
		{name: "mixed-types", rules: "mixed-types.yaml", input: "mixed-types.ndjson", exit: exitPass,
			check: func(t *testing.T, r *messyResult) {
				require.Len(t, r.report.Notes, 1)
				assert.Contains(t, r.report.Notes[0], "voucher")
				assert.Equal(t, "pass", r.report.rule(t, "voucher_present").Status, "read as string")
				assert.EqualValues(t, 12, r.report.rule(t, "voucher_present").Passed)
			}},
		{name: "duplicate-header", rules: "orders.yaml", input: "duplicate-header.csv", exit: exitRuntime,
			mention: []string{"duplicate-header.csv", `"amount"`, "2", "4"}},
		{name: "header-only", rules: "row-rules.yaml", input: "header-only.csv", exit: exitPass, check: noRows},
		{name: "header-only-strict", rules: "row-rules.yaml", input: "header-only.csv", strict: true, exit: exitFail, check: noRows},
		{name: "header-only-row-count", rules: "orders.yaml", input: "header-only.csv", exit: exitFail,
			check: func(t *testing.T, r *messyResult) {
				noRows(t, r)
				assert.Equal(t, "fail", r.report.rule(t, "enough_rows").Status, "an empty input fails a row count")
				assert.Equal(t, []string{"error rule enough_rows: fail"}, r.report.Gate.Reasons)
			}},
		{name: "empty-file", rules: "row-rules.yaml", input: "empty.csv", exit: exitPass, check: noRows},
		{name: "empty-file-strict", rules: "row-rules.yaml", input: "empty.csv", strict: true, exit: exitFail, check: noRows},
		{name: "empty-json", rules: "row-rules.yaml", input: "empty.ndjson", exit: exitPass, check: noRows},
		{name: "empty-json-strict", rules: "row-rules.yaml", input: "empty.ndjson", strict: true, exit: exitFail, check: noRows},
		{name: "no-rules", rules: "no-rules.yaml", input: "orders.csv", exit: exitPass, check: noRules},
		{name: "no-rules-strict", rules: "no-rules.yaml", input: "orders.csv", strict: true, exit: exitFail, check: noRules},

		// What the verdict makes of rules that could not run.
		{name: "not-evaluated", rules: "not-evaluated.yaml", input: "orders.csv", exit: exitPass, check: notEvaluated},
		{name: "not-evaluated-strict", rules: "not-evaluated.yaml", input: "orders.csv", strict: true, exit: exitFail, check: notEvaluated},
		{name: "strict-in-rule-file", rules: "strict.yaml", input: "orders.csv", exit: exitFail,
			check: func(t *testing.T, r *messyResult) {
				notEvaluated(t, r)
				assert.True(t, r.report.Gate.Strict, "strict: true does what --strict does")
				assert.Contains(t, r.report.Gate.Reasons, "strict: rule mean_discount_small was not evaluated")
			}},
		{name: "errored", rules: "errored.yaml", input: "orders.csv", exit: exitPass, check: errored},
		{name: "errored-strict", rules: "errored.yaml", input: "orders.csv", strict: true, exit: exitFail, check: errored},
		{name: "mostly", rules: "mostly.yaml", input: "orders.csv", exit: exitPass,
			check: func(t *testing.T, r *messyResult) {
				under := r.report.rule(t, "amount_under_100")
				assert.Equal(t, "pass", under.Status)
				assert.EqualValues(t, 3, under.Failed)
				paid := r.report.rule(t, "paid")
				assert.Equal(t, "pass", paid.Status)
				assert.EqualValues(t, 7, paid.Failed)
				rows := r.quarantineRows(t)
				assert.ElementsMatch(t, []string{"1005", "1018", "1029"}, slices.Collect(maps.Keys(rows)),
					"the rows failing amount_under_100 are held back, those failing paid (quarantine: false) are not")
				for id, row := range rows {
					assert.Equal(t, []string{"amount_under_100"}, failedRules(t, row), id)
				}
				assert.EqualValues(t, 3, r.report.RowsQuarantined)
			}},
		{name: "missing-reference", rules: "missing-reference.yaml", input: "orders.csv", exit: exitRuntime,
			mention: []string{"no-such-orders.csv", "orders_known"}},
	}
}

// TestMessy runs every scenario of testdata/messy through sluice check
// with --format json, --quarantine and --out, and holds the exit code,
// the normalized report, the quarantine and stderr to the golden files of
// testdata/messy/golden (go test -run TestMessy ./cmd/sluice/ -update
// rewrites them); then in text and JUnit. No planted personal data may
// appear in any output (testdata/messy/README.md lists the assertions).
func TestMessy(t *testing.T) {
	src, err := filepath.Abs(messyDir)
	require.NoError(t, err)
	golden := filepath.Join(src, "golden")
	planted := readPlanted(t, src)
	cases := messyCases()
	names := map[string]bool{}
	for _, c := range cases {
		require.False(t, names[c.name], "duplicate scenario %s", c.name)
		names[c.name] = true
	}
	for name := range pendingMessy {
		scenario, _, _ := strings.Cut(name, "/")
		require.True(t, names[scenario], "pendingMessy names no scenario %s", name)
	}
	runPending := os.Getenv("SLUICE_MESSY_PENDING") != ""
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if why, ok := pendingMessy[c.name]; ok && !runPending {
				t.Skip("pending: " + why)
			}
			dir := messyWorkDir(t, src)
			t.Chdir(dir)
			before := messyDirNames(t, dir)
			r := runMessy(t, c)
			require.Equal(t, c.exit, r.code, "exit code; stderr: %s", r.stderr)
			after := messyDirNames(t, dir)
			if r.quarantine != nil {
				before = append(before, "q.csv")
			}
			if r.clean != nil {
				before = append(before, "clean.csv")
			}
			slices.Sort(before)
			assert.Equal(t, before, after, "the run leaves nothing behind but its outputs")

			for _, p := range planted {
				assert.NotContains(t, r.stdout, p, "planted value on stdout")
				assert.NotContains(t, r.stderr, p, "planted value on stderr")
				assert.NotContains(t, string(r.quarantine), p, "planted value in the quarantine")
				assert.NotContains(t, string(r.clean), p, "planted value in the clean output")
			}

			switch c.exit {
			case exitPass, exitFail:
				assert.Empty(t, r.stderr)
				require.NotNil(t, r.report, "a JSON report on stdout")
				if c.strict {
					assert.True(t, r.report.Gate.Strict)
				}
				if c.exit == exitFail {
					assert.Equal(t, "fail", r.report.Status)
				} else {
					assert.Contains(t, []string{"pass", "warn"}, r.report.Status)
				}
				assert.NotNil(t, r.quarantine, "the quarantine is committed whenever the run completes")
				assertClean(t, r)
			default:
				assert.Empty(t, r.stdout)
				lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
				assert.Len(t, lines, 1, "one line on stderr: %s", r.stderr)
				assert.True(t, strings.HasPrefix(r.stderr, "sluice: "), r.stderr)
				for _, m := range c.mention {
					assert.Contains(t, r.stderr, m)
				}
				assert.Nil(t, r.quarantine, "no quarantine after a runtime error")
			}
			if c.check != nil {
				c.check(t, r)
			}

			outputs := map[string][]byte{
				c.name + ".report.json":    normalizeReport(t, r.stdout, dir),
				c.name + ".quarantine.csv": r.quarantine,
				c.name + ".stderr":         normalizeText(r.stderr, dir),
			}
			for name, got := range outputs {
				compareGolden(t, filepath.Join(golden, name), got)
			}
			// The other report formats: the same exit code, no planted value,
			// the notes (in text before the rules).
			for _, format := range []string{"text", "junit"} {
				t.Run(format, func(t *testing.T) {
					if why, ok := pendingMessy[c.name+"/"+format]; ok && !runPending {
						t.Skip("pending: " + why)
					}
					code, stdout, stderr := runMessyFormat(t, c, format)
					require.Equal(t, c.exit, code, stderr)
					for _, p := range planted {
						assert.NotContains(t, stdout, p, "planted value on stdout")
						assert.NotContains(t, stderr, p, "planted value on stderr")
					}
					switch {
					case r.report == nil:
					case format == "text":
						assertNotesFirst(t, stdout, r.report)
					default:
						for _, n := range r.report.Notes {
							var esc strings.Builder
							require.NoError(t, xml.EscapeText(&esc, []byte(n)))
							assert.Contains(t, stdout, esc.String(), "note in the JUnit report")
						}
					}
				})
			}
		})
	}
}

// readPlanted reads the planted personal data the generator lists.
func readPlanted(t *testing.T, src string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(src, "planted-pii.txt"))
	require.NoError(t, err)
	planted := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.NotEmpty(t, planted)
	return planted
}

// messyWorkDir copies the fixtures of src into a new temporary directory,
// the working directory of a run: outputs land there, and paths in
// messages are relative.
func messyWorkDir(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() || e.Name() == "README.md" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644))
	}
	return dir
}

// messyDirNames lists the names in dir, sorted.
func messyDirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func runMessy(t *testing.T, c messyCase) *messyResult {
	t.Helper()
	args := []string{"check", "--no-lineage", "--no-history", "--rules", c.rules, "--format", "json",
		"--quarantine", "q.csv", "--out", "clean.csv"}
	if c.strict {
		args = append(args, "--strict")
	}
	r := &messyResult{}
	r.code, r.stdout, r.stderr = sluiceRaw(t, append(args, c.input)...)
	r.quarantine = readOutput(t, "q.csv")
	r.clean = readOutput(t, "clean.csv")
	if r.code == exitPass || r.code == exitFail {
		r.report = &messyReport{}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), r.report), r.stdout)
	}
	return r
}

// readOutput returns the content of the output file name, nil when the
// run did not write it.
func readOutput(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		require.ErrorIs(t, err, os.ErrNotExist)
		return nil
	}
	return data
}

// assertClean holds the clean output of a completed run to the gate: it
// is committed when the gate lets the data through, with the clean rows
// and without the columns only the quarantine gets.
func assertClean(t *testing.T, r *messyResult) {
	t.Helper()
	if r.report.Status == "fail" {
		assert.Nil(t, r.clean, "a failed gate commits no clean output")
		return
	}
	require.NotNil(t, r.clean, "a passing gate commits the clean output")
	recs, err := csv.NewReader(bytes.NewReader(r.clean)).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, recs, "the clean output has a header")
	assert.NotContains(t, recs[0], "_sluice_invalid")
	assert.NotContains(t, recs[0], "_sluice_failed_rules")
	assert.Len(t, recs[1:], int(r.report.RowsClean))
}

// runMessyFormat runs c again, writing the report in format, without a
// quarantine.
func runMessyFormat(t *testing.T, c messyCase, format string) (code int, stdout, stderr string) {
	t.Helper()
	args := []string{"check", "--no-lineage", "--no-history", "--rules", c.rules, "--format", format}
	if c.strict {
		args = append(args, "--strict")
	}
	return sluiceRaw(t, append(args, c.input)...)
}

// assertNotesFirst holds the text report to the notes of the JSON report
// rep: each one is in it, before the first rule.
func assertNotesFirst(t *testing.T, text string, rep *messyReport) {
	t.Helper()
	first := len(text)
	for _, name := range rep.ruleNames() {
		if i := strings.Index(text, name); i >= 0 {
			first = min(first, i)
		}
	}
	for _, n := range rep.Notes {
		i := strings.Index(text, n)
		require.GreaterOrEqual(t, i, 0, "note %q in the text report:\n%s", n, text)
		assert.Less(t, i, first, "note %q before the rules:\n%s", n, text)
	}
}

// normalizeReport makes a JSON report comparable across runs: it drops
// what varies (the start time and duration, lineage ids, the dataset's
// absolute identity, the audit record), replaces the working directory in
// every string, and writes the rest with sorted keys. Empty stdout stays
// empty.
func normalizeReport(t *testing.T, stdout, dir string) []byte {
	t.Helper()
	if stdout == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.UseNumber()
	var v map[string]any
	require.NoError(t, dec.Decode(&v), stdout)
	for _, k := range []string{"started_at", "duration_ms", "lineage", "dataset_id", "audit"} {
		delete(v, k)
	}
	out, err := json.MarshalIndent(replaceStrings(v, dir), "", "  ")
	require.NoError(t, err)
	return append(out, '\n')
}

func replaceStrings(v any, dir string) any {
	switch x := v.(type) {
	case string:
		return string(normalizeText(x, dir))
	case map[string]any:
		for k, e := range x {
			x[k] = replaceStrings(e, dir)
		}
	case []any:
		for i, e := range x {
			x[i] = replaceStrings(e, dir)
		}
	}
	return v
}

// normalizeText replaces the working directory (as given and with symbolic
// links resolved) by $DIR.
func normalizeText(s, dir string) []byte {
	if s == "" {
		return nil
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil && real != dir {
		s = strings.ReplaceAll(s, real, "$DIR")
	}
	return []byte(strings.ReplaceAll(s, dir, "$DIR"))
}

// compareGolden holds got to the golden file at path; nil got means the
// file must not exist. With -update it writes (or removes) the file.
func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *updateMessy {
		if got == nil {
			if err := os.Remove(path); err != nil {
				require.ErrorIs(t, err, os.ErrNotExist)
			}
			return
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	if got == nil {
		assert.ErrorIs(t, err, os.ErrNotExist, "%s is stale: the run wrote no such output (-update removes it)", filepath.Base(path))
		return
	}
	require.NoError(t, err, "no golden file %s (go test -run TestMessy ./cmd/sluice/ -update)", filepath.Base(path))
	assert.Equal(t, string(want), string(got), "%s differs (go test -run TestMessy ./cmd/sluice/ -update rewrites it)", filepath.Base(path))
}
