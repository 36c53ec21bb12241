package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

const ordersParquet = "../../testdata/orders/orders.parquet"

// benchCmd runs sluice bench in-process as run does: an error is printed
// and decides the exit code.
func benchCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	c := &cli{stdout: &out, stderr: &errOut}
	code, err := c.bench(context.Background(), args)
	if err != nil {
		code = c.fail(err)
	}
	return code, out.String(), errOut.String()
}

// benchFields are the fields of the JSON document, each of which must be
// present (docs/bench.md).
var benchFields = []string{
	"sluice_version", "rules_file", "dataset", "inputs", "synthetic", "seed", "columns", "rows", "bytes",
	"batches", "batch_size", "reps", "gomaxprocs", "per_rule", "set", "interpreter", "workers", "read", "evaluate", "rules",
}

var (
	benchRunFields    = []string{"engine", "workers", "seconds", "rows_per_s", "bytes_per_s", "ns_per_row"}
	benchRuleFields   = []string{"name", "kind", "engine", "columns", "seconds", "ns_per_row", "share", "why", "not_evaluated"}
	benchWorkerFields = []string{"workers", "seconds", "rows_per_s", "ratio"}
)

func requireFields(t *testing.T, what string, m map[string]any, fields []string) {
	t.Helper()
	for _, f := range fields {
		_, ok := m[f]
		require.True(t, ok, "%s: field %q missing", what, f)
	}
}

// decodeBench checks that every documented field is present and decodes the
// document.
func decodeBench(t *testing.T, stdout string) *benchReport {
	t.Helper()
	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &raw), stdout)
	requireFields(t, "document", raw, benchFields)
	requireFields(t, "set", raw["set"].(map[string]any), benchRunFields)
	if in, ok := raw["interpreter"].(map[string]any); ok {
		requireFields(t, "interpreter", in, append(benchRunFields, "speedup"))
	}
	for _, w := range raw["workers"].([]any) {
		requireFields(t, "workers", w.(map[string]any), benchWorkerFields)
	}
	for _, r := range raw["rules"].([]any) {
		requireFields(t, "rules", r.(map[string]any), benchRuleFields)
	}
	requireFields(t, "evaluate", raw["evaluate"].(map[string]any), []string{"seconds", "engine", "workers"})
	if rd, ok := raw["read"].(map[string]any); ok {
		requireFields(t, "read", rd, []string{"seconds", "rows_per_s", "file_bytes", "bytes_per_s"})
	}
	var rep benchReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	return &rep
}

// ruleEngines maps each rule's name to its engine in the report.
func ruleEngines(rep *benchReport) map[string]string {
	m := map[string]string{}
	for _, r := range rep.Rules {
		m[r.Name] = r.Engine
	}
	return m
}

// expectedEngines compiles the rule file on schema and maps each rule to
// the engine the report must name: that of a row rule, "" for checks.
func expectedEngines(t *testing.T, rulesPath string, rep *benchReport) map[string]string {
	t.Helper()
	rs, err := rules.Load(rulesPath)
	require.NoError(t, err)
	var cfg benchConfig
	cfg.rules, cfg.inputs, cfg.batchSize, cfg.rows, cfg.seed = rulesPath, rep.Inputs, rep.BatchSize, int(rep.Rows), rep.Seed
	cfg.mem = arrowtest.Allocator(t)
	d, err := loadBenchData(context.Background(), &cfg, rs)
	require.NoError(t, err)
	defer d.release()
	prog, err := rs.Compile(d.schema)
	require.NoError(t, err)
	m := map[string]string{}
	for _, cr := range prog.Rules() {
		m[cr.Name] = ""
		if cr.Kind() == rules.KindRow {
			m[cr.Name] = cr.Engine
		}
	}
	return m
}

const synthRules = `version: 1
dataset: shop
owner: team@example.com
columns:
  id:     {type: int64, required: true, unique: true}
  price:  {type: double, min: 0, max: 500}
  status: {type: string, values: [new, paid, shipped]}
  sku:    {type: string, pattern: '^[A-Z]{3}[0-9]{4}$'}
  at:     {type: timestamp}
rules:
  - name: cheap_or_paid
    expr: price < 100.0 || status == 'paid'
  - name: qty_even
    expr: qty % 2 == 0
  - name: sku_upper
    expr: sku.upperAscii() == sku
  - name: rows
    check: row_count() > 10
  - name: price_mean
    check: mean(price) < 400.0
`

func writeBenchRules(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rules.yaml")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o600))
	return path
}

func TestBenchSynthetic(t *testing.T) {
	path := writeBenchRules(t, synthRules)
	code, stdout, stderr := benchCmd(t, "--rules", path, "--rows", "3000", "--batch-size", "1000", "--reps", "1", "--workers", "2", "--format", "json")
	require.Equal(t, exitPass, code, stderr)
	rep := decodeBench(t, stdout)

	assert.True(t, rep.Synthetic)
	assert.Equal(t, int64(3000), rep.Rows)
	assert.Equal(t, 3, rep.Batches)
	assert.Equal(t, 1000, rep.BatchSize)
	assert.Equal(t, 1, rep.Reps)
	assert.Equal(t, uint64(1), rep.Seed)
	assert.Empty(t, rep.Inputs)
	assert.Nil(t, rep.Read, "synthetic data is not read")
	assert.Positive(t, rep.Bytes)

	// The undeclared column is generated with the type the rule needs.
	cols := map[string]benchColumn{}
	for _, c := range rep.Columns {
		cols[c.Name] = c
	}
	require.Contains(t, cols, "qty")
	assert.Equal(t, benchColumn{Name: "qty", Type: "int64", Inferred: true}, cols["qty"])
	assert.False(t, cols["price"].Inferred)

	assert.Equal(t, "auto", rep.Set.Engine)
	assert.Equal(t, 1, rep.Set.Workers)
	require.NotNil(t, rep.Interpreter)
	assert.Equal(t, "interpreter", rep.Interpreter.Engine)
	assert.Equal(t, benchEvaluate{Seconds: rep.Set.Seconds, Engine: "auto", Workers: 1}, rep.Evaluate,
		"the evaluate time is the set's")

	// 1 is always measured, first; the ratios are to it.
	require.Len(t, rep.Workers, 2)
	assert.Equal(t, 1, rep.Workers[0].Workers)
	assert.Equal(t, 2, rep.Workers[1].Workers)
	assert.InDelta(t, 1.0, rep.Workers[0].Ratio, 1e-12)

	names := []string{}
	for _, r := range rep.Rules {
		names = append(names, r.Name)
	}
	assert.Equal(t, []string{"id.required", "id.unique", "price.min", "price.max", "status.values", "sku.pattern",
		"cheap_or_paid", "qty_even", "sku_upper", "rows", "price_mean"}, names)
	assert.Equal(t, expectedEngines(t, path, rep), ruleEngines(rep))
	assert.Equal(t, "vectorized", ruleEngines(rep)["cheap_or_paid"])
	sum := 0.0
	assert.True(t, rep.PerRule)
	for _, r := range rep.Rules {
		assert.Empty(t, r.NotEvaluated, r.Name)
		assert.Positive(t, r.NsPerRow, "rule %s is timed", r.Name)
		sum += r.Share
	}
	assert.InDelta(t, 1.0, sum, 1e-9, "the shares add up to the whole")
}

func TestBenchOrders(t *testing.T) {
	code, stdout, stderr := benchCmd(t, "--rules", ordersRules, "--reps", "1", "--workers", "1", "--engine", "auto", "--format", "json", ordersParquet)
	require.Equal(t, exitPass, code, stderr)
	rep := decodeBench(t, stdout)

	assert.False(t, rep.Synthetic)
	assert.Equal(t, []string{ordersParquet}, rep.Inputs)
	assert.Equal(t, "orders", rep.Dataset)
	assert.Equal(t, countRows(t, ordersParquet), rep.Rows)
	require.NotNil(t, rep.Read)
	fi, err := os.Stat(ordersParquet)
	require.NoError(t, err)
	assert.Equal(t, fi.Size(), rep.Read.FileBytes)
	assert.Nil(t, rep.Interpreter, "--engine auto alone measures no interpreter")
	require.Len(t, rep.Workers, 1)
	assert.Len(t, rep.Rules, 15)
	assert.Equal(t, expectedEngines(t, ordersRules, rep), ruleEngines(rep))
	for _, r := range rep.Rules {
		if r.Kind == "row" {
			assert.Contains(t, []string{rules.EngineVectorized, rules.EngineMixed, rules.EngineInterpreter}, r.Engine, r.Name)
		}
	}
}

func TestBenchSeveralInputs(t *testing.T) {
	code, stdout, stderr := benchCmd(t, "--rules", ordersRules, "--reps", "1", "--workers", "1", "--engine", "auto", "--format", "json", ordersParquet, ordersParquet)
	require.Equal(t, exitPass, code, stderr)
	rep := decodeBench(t, stdout)
	assert.Equal(t, 2*countRows(t, ordersParquet), rep.Rows, "the inputs are measured as one dataset")
	require.NotNil(t, rep.Read)
	fi, err := os.Stat(ordersParquet)
	require.NoError(t, err)
	assert.Equal(t, 2*fi.Size(), rep.Read.FileBytes)

	other := filepath.Join(t.TempDir(), "other.csv")
	require.NoError(t, os.WriteFile(other, []byte("order_id,note\n1,x\n"), 0o600))
	code, _, stderr = benchCmd(t, "--rules", ordersRules, "--reps", "1", ordersParquet, other)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "its schema differs")
}

func TestBenchNotEvaluated(t *testing.T) {
	path := writeBenchRules(t, `version: 1
dataset: orders
owner: o
columns:
  amount: {type: double, min: 0}
  ghost:  {type: int64, min: 0}
rules:
  - name: ghost_small
    expr: ghost < 10
`)
	code, stdout, stderr := benchCmd(t, "--rules", path, "--reps", "1", "--workers", "1", "--format", "json", ordersParquet)
	require.Equal(t, exitPass, code, stderr)
	rep := decodeBench(t, stdout)
	got := map[string]benchRule{}
	for _, r := range rep.Rules {
		got[r.Name] = r
	}
	require.Len(t, got, 3)
	assert.Empty(t, got["amount.min"].NotEvaluated)
	assert.Positive(t, got["amount.min"].NsPerRow)
	for _, name := range []string{"ghost.min", "ghost_small"} {
		assert.Contains(t, got[name].NotEvaluated, `column "ghost" is missing from the data`, name)
		assert.Empty(t, got[name].Engine, name)
		assert.Zero(t, got[name].NsPerRow, name)
	}
	assert.InDelta(t, 1.0, got["amount.min"].Share, 1e-12)
}

// countRows reads path and counts its rows.
func countRows(t *testing.T, path string) int64 {
	t.Helper()
	src, err := builtin.Open(path, builtin.Options{})
	require.NoError(t, err)
	rdr, err := src.Open(context.Background(), connectors.ReadOptions{})
	require.NoError(t, err)
	defer rdr.Release()
	n := int64(0)
	for rdr.Next() {
		n += rdr.RecordBatch().NumRows()
	}
	require.NoError(t, rdr.Err())
	return n
}

func TestBenchInterpreterOnly(t *testing.T) {
	path := writeBenchRules(t, synthRules)
	code, stdout, stderr := benchCmd(t, "--rules", path, "--rows", "500", "--reps", "1", "--workers", "1", "--engine", "interpreter", "--format", "json")
	require.Equal(t, exitPass, code, stderr)
	rep := decodeBench(t, stdout)
	assert.Equal(t, "interpreter", rep.Set.Engine)
	assert.Nil(t, rep.Interpreter)
	for _, r := range rep.Rules {
		if r.Kind == "row" {
			assert.Equal(t, rules.EngineInterpreter, r.Engine, r.Name)
		}
	}
}

func TestBenchWithoutPerRule(t *testing.T) {
	code, stdout, stderr := benchCmd(t, "--rules", ordersRules, "--reps", "1", "--workers", "1", "--per-rule=false", "--format", "json", ordersParquet)
	require.Equal(t, exitPass, code, stderr)
	rep := decodeBench(t, stdout)
	assert.False(t, rep.PerRule)
	require.Len(t, rep.Rules, 15)
	assert.Equal(t, expectedEngines(t, ordersRules, rep), ruleEngines(rep), "the engines are listed without timing")
	for _, r := range rep.Rules {
		assert.Zero(t, r.NsPerRow, r.Name)
		assert.Zero(t, r.Share, r.Name)
	}
	code, stdout, stderr = benchCmd(t, "--rules", ordersRules, "--reps", "1", "--workers", "1", "--per-rule=false", ordersParquet)
	require.Equal(t, exitPass, code, stderr)
	assert.Contains(t, stdout, "email_format")
	assert.NotContains(t, stdout, "timed alone")
}

func TestBenchText(t *testing.T) {
	code, stdout, stderr := benchCmd(t, "--rules", ordersRules, "--reps", "1", "--workers", "1,2", ordersParquet)
	require.Equal(t, exitPass, code, stderr)
	for _, want := range []string{"RULE SET", "auto", "interpreter", "× faster", "WORKERS (auto)", "read ", "evaluate ",
		"email_format", "amount_typical", "10000 rows"} {
		assert.Contains(t, stdout, want)
	}
}

func TestBenchUsageErrors(t *testing.T) {
	path := writeBenchRules(t, synthRules)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no rules", []string{"--rows", "10"}, "--rules is required"},
		{"input and rows", []string{"--rules", path, "--rows", "10", ordersParquet}, "not both"},
		{"neither input nor rows", []string{"--rules", path}, "no INPUT given"},
		{"zero rows", []string{"--rules", path, "--rows", "0"}, "--rows must be at least 1"},
		{"workers not a number", []string{"--rules", path, "--rows", "10", "--workers", "1,x"}, `got "x"`},
		{"workers zero", []string{"--rules", path, "--rows", "10", "--workers", "0"}, `got "0"`},
		{"workers empty entry", []string{"--rules", path, "--rows", "10", "--workers", "1,,2"}, `got ""`},
		{"engine unknown", []string{"--rules", path, "--rows", "10", "--engine", "auto,jit"}, `got "jit"`},
		{"reps zero", []string{"--rules", path, "--rows", "10", "--reps", "0"}, "--reps must be at least 1"},
		{"format", []string{"--rules", path, "--rows", "10", "--format", "xml"}, "--format must be text or json"},
		{"batch size", []string{"--rules", path, "--rows", "10", "--batch-size", "0"}, "--batch-size"},
		{"unknown flag", []string{"--rules", path, "--rows", "10", "--fast"}, "flag provided but not defined"},
		{"rule file invalid", []string{"--rules", writeBenchRules(t, "version: 1\n"), "--rows", "10"}, "dataset"},
		{"type not inferable", []string{"--rules", writeBenchRules(t, "version: 1\ndataset: d\nowner: o\nrules:\n  - name: r\n    expr: size(x) > 0 && x > 1\n"), "--rows", "10"}, `column "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := benchCmd(t, tt.args...)
			assert.Equal(t, exitUsage, code, stderr)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

func TestBenchRuntimeError(t *testing.T) {
	code, _, stderr := benchCmd(t, "--rules", ordersRules, "--reps", "1", filepath.Join(t.TempDir(), "missing.parquet"))
	assert.Equal(t, exitRuntime, code, stderr)
	assert.Contains(t, stderr, "missing.parquet")
}

// TestBenchReleases runs the measurement on a checked allocator: every
// batch read or generated is released.
func TestBenchReleases(t *testing.T) {
	for _, tt := range []struct {
		name   string
		rules  string
		inputs []string
		rows   int
	}{
		{"synthetic", writeBenchRules(t, synthRules), nil, 1500},
		{"orders", ordersRules, []string{ordersParquet}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &benchConfig{rules: tt.rules, inputs: tt.inputs, rows: tt.rows, seed: 1, workers: []int{1, 2},
				engines: []string{rules.EngineAuto}, reps: 1, batchSize: 512, format: "json", perRule: true, mem: arrowtest.Allocator(t)}
			rep, err := runBench(context.Background(), cfg)
			require.NoError(t, err)
			assert.Positive(t, rep.Rows)
			assert.Equal(t, int((rep.Rows+511)/512), rep.Batches)
		})
	}
}

func TestParseBenchWorkers(t *testing.T) {
	tests := []struct {
		in   string
		want []int
	}{
		{"1", []int{1}},
		{"4", []int{1, 4}},
		{"2,1,2, 8", []int{1, 2, 8}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseBenchWorkers(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := parseBenchWorkers("2000")
	require.Error(t, err)
}
