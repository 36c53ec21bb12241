package gx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/importers"
	"github.com/sluicedata/sluice/importers/gx"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/rules"
)

// recordedPassRate is the share of the conformance tests of supported
// expectation types that pass, and recordedAllRate the share of all tests
// of the committed types (untranslated ones counted as failures), as
// recorded in CONFORMANCE.md. The test fails when a rate drops below its
// floor.
const (
	recordedPassRate = 0.978
	recordedAllRate  = 0.978
)

// updateConformance rewrites CONFORMANCE.md's per-type table and pass-rate
// line from this run: go test ./importers/gx -run 'TestConformance$' -update-conformance
var updateConformance = flag.Bool("update-conformance", false, "rewrite the table and rate in CONFORMANCE.md")

// conformanceDir is testdata/conformance/gx at the repository root: the
// vectors are committed (with their license and source commit), so the test
// never skips.
func conformanceDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "conformance", "gx")
	require.DirExists(t, dir, "the GX conformance vectors are committed under testdata/conformance/gx")
	return dir
}

const (
	tableBegin = "<!-- begin conformance table (go test ./importers/gx -run 'TestConformance$' -update-conformance) -->"
	tableEnd   = "<!-- end conformance table -->"
)

// rewriteConformance replaces the block between the markers of
// CONFORMANCE.md with block.
func rewriteConformance(t *testing.T, block string) {
	t.Helper()
	path := filepath.Join("..", "..", "CONFORMANCE.md")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	s := string(data)
	i, j := strings.Index(s, tableBegin), strings.Index(s, tableEnd)
	require.True(t, i >= 0 && j > i, "CONFORMANCE.md lacks the table markers")
	s = s[:i+len(tableBegin)] + "\n" + block + "\n" + s[j:]
	require.NoError(t, os.WriteFile(path, []byte(s), 0o644))
}

type gxFile struct {
	ExpectationType string `json:"expectation_type"`
	Datasets        []struct {
		Data    columnData                   `json:"data"`
		Schemas map[string]map[string]string `json:"schemas"`
		Tests   []gxTest                     `json:"tests"`
	} `json:"datasets"`
}

type gxTest struct {
	Title           string          `json:"title"`
	In              json.RawMessage `json:"in"`
	Out             map[string]any  `json:"out"`
	OnlyFor         []string        `json:"only_for"`
	Error           map[string]any  `json:"error"`
	SuppressTestFor []string        `json:"suppress_test_for"`
}

// appliesToPandas follows GX's own selection: a test runs on pandas unless
// only_for leaves pandas out or suppress_test_for names it.
func (t gxTest) appliesToPandas() bool {
	for _, s := range t.SuppressTestFor {
		if s == "pandas" {
			return false
		}
	}
	if t.OnlyFor == nil {
		return true
	}
	for _, s := range t.OnlyFor {
		if s == "pandas" || strings.HasPrefix(s, "pandas>=") {
			return true
		}
	}
	return false
}

type typeStats struct {
	tests, passed, untranslated int
	failures                    []string
}

func TestConformance(t *testing.T) {
	dir := conformanceDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)

	stats := map[string]*typeStats{}
	for _, path := range files {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var f gxFile
		require.NoError(t, dec.Decode(&f), path)
		st := stats[f.ExpectationType]
		if st == nil {
			st = &typeStats{}
			stats[f.ExpectationType] = st
		}
		for di, ds := range f.Datasets {
			mem := arrowtest.Allocator(t)
			rec, err := buildRecord(mem, ds.Data, ds.Schemas["pandas"])
			require.NoError(t, err, "%s dataset %d", path, di)
			for _, tc := range ds.Tests {
				if !tc.appliesToPandas() {
					continue
				}
				st.tests++
				ok, translated, why := runOne(t, mem, rec, f.ExpectationType, tc)
				if !translated {
					st.untranslated++
				}
				if ok {
					st.passed++
				} else {
					st.failures = append(st.failures, fmt.Sprintf("%s/%s: %s", f.ExpectationType, tc.Title, why))
				}
			}
			rec.Release()
		}
	}

	supported := map[string]bool{}
	for _, s := range gx.Supported() {
		supported[s] = true
	}
	var total, passed, allTotal, allPassed int
	var lines, failures []string
	for _, typ := range importers.SortedKeys(stats) {
		st := stats[typ]
		allTotal += st.tests
		allPassed += st.passed
		lines = append(lines, fmt.Sprintf("| %s | %d | %d | %v |", typ, st.tests, st.passed, supported[typ]))
		if supported[typ] {
			total += st.tests
			passed += st.passed
			failures = append(failures, st.failures...)
		}
	}
	rate := float64(passed) / float64(total)
	table := "| type | tests | passed | supported |\n|---|---|---|---|\n" + strings.Join(lines, "\n")
	summary := fmt.Sprintf("**Supported types: %d of %d tests pass (%.1f%%).** All committed types, untranslated counted as failures: %d of %d (%.1f%%).",
		passed, total, 100*rate, allPassed, allTotal, 100*float64(allPassed)/float64(allTotal))
	t.Logf("conformance per type:\n%s", table)
	t.Logf("%s", summary)
	if *updateConformance {
		rewriteConformance(t, summary+"\n\n"+table)
	}
	sort.Strings(failures)
	for _, f := range failures {
		t.Logf("divergence: %s", f)
	}
	assert.GreaterOrEqual(t, rate, recordedPassRate, "pass rate of supported expectation types fell below the recorded rate; failures:\n%s", strings.Join(failures, "\n"))
	assert.GreaterOrEqual(t, float64(allPassed)/float64(allTotal), recordedAllRate, "pass rate of all committed expectation types fell below the recorded rate")
}

// runOne translates one test's expectation, gates the dataset with it and
// compares the outcome with GX's. It returns whether the outcome matches,
// whether the expectation was translated, and why not when it does not.
// opts are passed to the rule set's Compile (the engine, for instance).
func runOne(t *testing.T, mem memory.Allocator, rec arrow.RecordBatch, typ string, tc gxTest, opts ...rules.CompileOption) (ok, translated bool, why string) {
	t.Helper()
	_, wantErr := tc.Out["traceback_substring"]
	wantErr = wantErr || tc.Error != nil
	wantSuccess, hasSuccess := tc.Out["success"].(bool)
	if !hasSuccess && !wantErr {
		return false, true, "test gives neither success nor an error"
	}
	dec := json.NewDecoder(bytes.NewReader(tc.In))
	dec.UseNumber()
	var in map[string]any
	if err := dec.Decode(&in); err != nil {
		return false, false, "in is not an object of kwargs: " + string(tc.In)
	}
	f := &importers.File{Dataset: "conformance", Owner: "conformance@example.com"}
	err := gx.TranslateOne(f, gx.Expectation{Type: typ, Kwargs: in}, gx.Options{Schema: rec.Schema()})
	switch {
	case errors.Is(err, gx.ErrUnsupported):
		return false, false, "not translated: " + err.Error()
	case err != nil:
		if wantErr {
			return true, true, ""
		}
		return false, true, "translation failed: " + err.Error()
	}
	text := f.YAML()
	rs, err := rules.Parse("conformance.yaml", text)
	require.NoError(t, err, "the importer's output must load:\n%s", text)
	prog, err := rs.Compile(rec.Schema(), opts...)
	if err != nil {
		if wantErr {
			return true, true, ""
		}
		// A declared column or type that does not match is how Sluice
		// says no to schema expectations (of_type, in_type_list, column_to_exist).
		schemaLevel := typ == "expect_column_values_to_be_of_type" || typ == "expect_column_values_to_be_in_type_list" || typ == "expect_column_to_exist"
		if schemaLevel && !wantSuccess {
			return true, true, ""
		}
		return false, true, "compile: " + firstLine(err.Error())
	}
	gate, err := quality.NewGate(prog, quality.WithAllocator(mem))
	require.NoError(t, err)
	reader, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	require.NoError(t, err)
	defer reader.Release()
	rep, err := gate.Check(context.Background(), reader)
	if err != nil {
		if wantErr {
			return true, true, ""
		}
		return false, true, "gate: " + err.Error()
	}
	errored := false
	for _, r := range rep.Rules {
		if r.Status == quality.StatusError {
			errored = true
		}
	}
	if wantErr {
		if errored || rep.Failed() {
			return true, true, ""
		}
		return false, true, "GX raises an error, Sluice passes"
	}
	got := !rep.Failed()
	if got != wantSuccess {
		return false, true, fmt.Sprintf("success: GX %v, Sluice %v (%s)", wantSuccess, got, ruleSummary(rep))
	}
	// Unexpected counts of row rules, where GX lists them in full.
	if ul, ok := tc.Out["unexpected_list"].([]any); ok && len(ul) < 20 && len(rep.Rules) == 1 && rep.Rules[0].Kind == rules.KindRow {
		if n := rep.Rules[0].Failed; n != int64(len(ul)) {
			return false, true, fmt.Sprintf("unexpected count: GX %d, Sluice %d (%s)", len(ul), n, ruleSummary(rep))
		}
	}
	return true, true, ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func ruleSummary(rep *quality.Report) string {
	var parts []string
	for _, r := range rep.Rules {
		s := fmt.Sprintf("%s %s: %s passed=%d failed=%d skipped=%d", r.Name, r.Expr, r.Status, r.Passed, r.Failed, r.Skipped)
		if len(r.Metrics) > 0 {
			s += fmt.Sprintf(" metrics=%v", r.Metrics)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}
