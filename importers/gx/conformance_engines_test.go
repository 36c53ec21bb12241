package gx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/importers"
	"github.com/sluicedata/sluice/importers/gx"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

// TestConformanceEngines runs every GX test vector whose expectation
// translates to at least one row rule on both evaluation engines: the
// vectorized engine (rules.EngineAuto) and cel-go's interpreter. Each engine
// must reach the same verdict against GX as the other (the divergences
// CONFORMANCE.md lists are counted, not fatal, as in TestConformance), and
// the two must agree row by row: outcomes and error kinds.
func TestConformanceEngines(t *testing.T) {
	dir := conformanceDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)

	var vectors, passed int
	engines := map[string]int{} // CompiledRule.Engine of the vectors' row rules on the auto path
	var divergences, fellBack []string
	for _, path := range files {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var f gxFile
		require.NoError(t, dec.Decode(&f), path)
		for di, ds := range f.Datasets {
			mem := arrowtest.Allocator(t)
			rec, err := buildRecord(mem, ds.Data, ds.Schemas["pandas"])
			require.NoError(t, err, "%s dataset %d", path, di)
			for _, tc := range ds.Tests {
				if !tc.appliesToPandas() {
					continue
				}
				rs := translateRowRules(rec.Schema(), f.ExpectationType, tc)
				if rs == nil {
					continue
				}
				vectors++
				name := f.ExpectationType + "/" + tc.Title

				// The verdict against GX, on each engine.
				okI, _, whyI := runOne(t, mem, rec, f.ExpectationType, tc, rules.WithEngine(rules.EngineInterpreter))
				okA, _, whyA := runOne(t, mem, rec, f.ExpectationType, tc, rules.WithEngine(rules.EngineAuto))
				assert.Equal(t, okI, okA, "%s: the engines reach different verdicts: interpreter %q, auto %q", name, whyI, whyA)
				assert.Equal(t, whyI, whyA, "%s: the engines diverge from GX differently", name)
				if okI && okA {
					passed++
				} else {
					divergences = append(divergences, fmt.Sprintf("%s: %s", name, whyI))
				}

				// Row by row.
				engine, exprs := compareEngines(t, name, rs, rec)
				engines[engine]++
				if engine != rules.EngineVectorized {
					fellBack = append(fellBack, fmt.Sprintf("%s: %s: %s", name, engine, strings.Join(exprs, "; ")))
				}
			}
			rec.Release()
		}
	}

	sort.Strings(divergences)
	for _, d := range divergences {
		t.Logf("divergence from GX (both engines): %s", d)
	}
	var parts []string
	for _, e := range importers.SortedKeys(engines) {
		parts = append(parts, fmt.Sprintf("%s %d", e, engines[e]))
	}
	t.Logf("GX vectors with row rules: %d, run on both engines; %d match GX on both", vectors, passed)
	t.Logf("auto path: %s", strings.Join(parts, ", "))
	for _, f := range fellBack {
		t.Logf("not (fully) vectorized: %s", f)
	}
	require.NotZero(t, vectors, "no GX vector translates to a row rule")
	assert.NotZero(t, engines[rules.EngineVectorized], "no GX vector runs on the vectorized engine")
	rate := float64(passed) / float64(vectors)
	assert.GreaterOrEqual(t, rate, recordedPassRate, "GX vectors with row rules: pass rate fell below the recorded rate; divergences:\n%s", strings.Join(divergences, "\n"))
}

// translateRowRules translates one test's expectation and returns its rule
// set when the translation loads and holds a row rule; nil otherwise.
func translateRowRules(schema *arrow.Schema, typ string, tc gxTest) *rules.RuleSet {
	dec := json.NewDecoder(bytes.NewReader(tc.In))
	dec.UseNumber()
	var in map[string]any
	if dec.Decode(&in) != nil {
		return nil
	}
	f := &importers.File{Dataset: "conformance", Owner: "conformance@example.com"}
	if gx.TranslateOne(f, gx.Expectation{Type: typ, Kwargs: in}, gx.Options{Schema: schema}) != nil {
		return nil
	}
	rs, err := rules.Parse("conformance.yaml", f.YAML())
	if err != nil {
		return nil // TestConformance requires the importer's output to load
	}
	for i := range rs.Rules {
		if rs.Rules[i].Kind() == rules.KindRow {
			return rs
		}
	}
	return nil
}

// compareEngines compiles rs on both engines, evaluates rec with each and
// asserts they agree row by row. It returns how the auto path runs the row
// rules: the common CompiledRule.Engine of every row rule, "mixed" when
// they differ, or "not compiled" when the rule set does not compile (on
// either engine alike); and the row rules' expressions, each with the
// engine the auto path runs it on.
func compareEngines(t *testing.T, name string, rs *rules.RuleSet, rec arrow.RecordBatch) (string, []string) {
	t.Helper()
	interp, errI := rs.Compile(rec.Schema(), rules.WithEngine(rules.EngineInterpreter))
	auto, errA := rs.Compile(rec.Schema(), rules.WithEngine(rules.EngineAuto))
	if errI != nil || errA != nil {
		assert.Equal(t, fmt.Sprint(errI), fmt.Sprint(errA), "%s: compile errors differ between engines", name)
		return "not compiled", nil
	}
	engine := ""
	var exprs []string
	for _, r := range auto.RowRules() {
		exprs = append(exprs, fmt.Sprintf("[%s] %s", r.Engine, r.Expr))
		switch {
		case engine == "":
			engine = r.Engine
		case engine != r.Engine:
			engine = rules.EngineMixed
		}
	}
	for _, r := range interp.RowRules() {
		assert.Equal(t, rules.EngineInterpreter, r.Engine, "%s: rule %s", name, r.Name)
	}

	ctx := context.Background()
	want, errI := interp.NewRun().Eval(ctx, rec)
	got, errA := auto.NewRun().Eval(ctx, rec)
	if errI != nil || errA != nil {
		assert.Equal(t, fmt.Sprint(errI), fmt.Sprint(errA), "%s: evaluation errors differ between engines", name)
		return engine, exprs
	}
	rows := auto.RowRules()
	require.Len(t, got.Outcomes, len(rows), name)
	require.Len(t, want.Outcomes, len(rows), name)
	for i, r := range rows {
		assert.Equal(t, want.Outcomes[i], got.Outcomes[i], "%s: rule %s (%s) on the %s engine: outcomes differ from the interpreter's", name, r.Name, r.Expr, r.Engine)
		assert.Equal(t, want.ErrorKinds[i], got.ErrorKinds[i], "%s: rule %s (%s) on the %s engine: error kinds differ from the interpreter's", name, r.Name, r.Expr, r.Engine)
	}
	return engine, exprs
}
