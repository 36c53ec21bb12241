package rules_test

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
	"github.com/sluicedata/sluice/rules/metrics"
)

// fakeHistory serves fixed series and a fixed baseline.
type fakeHistory struct {
	series map[string][]float64
	base   *rules.Baseline
	err    error
}

func (f *fakeHistory) Series(_ context.Context, dataset, metric string, n int) ([]float64, error) {
	if f.err != nil {
		return nil, f.err
	}
	if dataset != "orders" {
		return nil, errors.New("wrong dataset " + dataset)
	}
	s := f.series[metric]
	if n > 0 && len(s) > n {
		s = s[len(s)-n:]
	}
	return s, nil
}

func (f *fakeHistory) Baseline(context.Context, string) (*rules.Baseline, error) {
	return f.base, f.err
}

// runChecks evaluates yaml's checks on ordersBatch (row_count 4, mean(qty)
// 1, mean(amount) 7.5/3 = 2.5) with h.
func runChecks(t *testing.T, yaml string, h rules.History) map[string]rules.CheckResult {
	t.Helper()
	mem := arrowtest.Allocator(t)
	p := compile(t, yaml, ordersSchema)
	b := ordersBatch(t, mem)
	defer b.Release()
	var opts []rules.RunOption
	if h != nil {
		opts = append(opts, rules.WithHistory(h))
	}
	run := p.NewRun(opts...)
	_, err := run.Eval(context.Background(), b)
	require.NoError(t, err)
	checks, err := run.Finish(context.Background())
	require.NoError(t, err)
	out := map[string]rules.CheckResult{}
	for _, c := range checks {
		out[c.Rule.Name] = c
	}
	return out
}

func TestPreviousAndChange(t *testing.T) {
	h := &fakeHistory{series: map[string][]float64{"row_count()": {10, 8}, "mean(qty)": {0}}}
	got := runChecks(t, `rules:
  - name: prev
    check: previous(row_count()) == 8.0
  - name: halved
    check: change(row_count()) == -0.5
  - name: grew_less_than_10pct
    check: change(row_count()) > -0.1
  - name: zero_previous
    check: change(mean(qty)) < 1.0
  - name: no_series
    check: previous(mean(amount)) > 0.0
`, h)
	assert.Equal(t, rules.Pass, got["prev"].Outcome, got["prev"].Err)
	assert.Equal(t, 8.0, got["prev"].Metrics["previous(row_count())"])
	assert.Equal(t, int64(4), got["prev"].Metrics["row_count()"])
	assert.Equal(t, rules.Pass, got["halved"].Outcome, got["halved"].Err)
	assert.Equal(t, rules.Fail, got["grew_less_than_10pct"].Outcome)
	assert.Equal(t, rules.Skip, got["zero_previous"].Outcome)
	assert.Contains(t, got["zero_previous"].Err, "relative change undefined")
	assert.Equal(t, rules.Skip, got["no_series"].Outcome)
	assert.Contains(t, got["no_series"].Err, "no earlier value of mean(amount)")
}

func TestHistoryChecksWithoutStoreAreNotEvaluated(t *testing.T) {
	got := runChecks(t, `rules:
  - name: a
    check: "!anomaly(row_count(), 'relative_rate')"
  - name: d
    check: drift(amount) < 0.2
  - name: s
    check: schema_unchanged()
`, nil)
	for _, name := range []string{"a", "d", "s"} {
		assert.Equal(t, rules.Skip, got[name].Outcome, name)
		assert.Contains(t, got[name].Err, "no history store", name)
	}
}

func TestHistoryStoreErrorIsErrored(t *testing.T) {
	got := runChecks(t, "rules:\n  - name: p\n    check: previous(row_count()) > 0.0\n", &fakeHistory{err: errors.New("disk on fire")})
	assert.Equal(t, rules.Errored, got["p"].Outcome)
	assert.Contains(t, got["p"].Err, "disk on fire")
}

func TestAnomalyStrategies(t *testing.T) {
	stable := []float64{4, 4.2, 3.9, 4.1, 4, 3.8, 4.2}
	tests := []struct {
		name   string
		check  string
		series []float64
		want   rules.Outcome // of the check as written: true means anomalous
		reason string
	}{
		{"rate within", "anomaly(row_count(), 'relative_rate', 0.5, 2.0)", []float64{5}, rules.Fail, ""},
		{"rate drop", "anomaly(row_count(), 'relative_rate', 0.9, 1.1)", []float64{5}, rules.Pass, ""},
		{"rate rise", "anomaly(row_count(), 'relative_rate', 0.5, 1.5)", []float64{2}, rules.Pass, ""},
		{"rate defaults", "anomaly(row_count(), 'relative_rate')", []float64{10}, rules.Pass, ""},
		{"rate from zero", "anomaly(row_count(), 'relative_rate')", []float64{0}, rules.Pass, ""},
		{"batch normal within", "anomaly(row_count(), 'batch_normal', 3.0)", stable, rules.Fail, ""},
		{"batch normal outside", "anomaly(row_count(), 'batch_normal', 3)", []float64{10, 10.5, 9.5, 10, 10.2}, rules.Pass, ""},
		{"batch normal one sided", "anomaly(row_count(), 'batch_normal', 100.0, 0.0)", []float64{3, 3.5, 3.2, 3.1, 3.3}, rules.Pass, ""},
		{"batch normal constant", "anomaly(row_count(), 'batch_normal')", []float64{4, 4, 4, 4, 4}, rules.Fail, ""},
		{"batch normal too short", "anomaly(row_count(), 'batch_normal')", []float64{4, 4, 4, 4}, rules.Skip, "needs 5 earlier values"},
		{"online normal within", "anomaly(row_count(), 'online_normal')", stable, rules.Fail, ""},
		// The spike of 40 is left out of the running statistics, so 4 is
		// normal; batch_normal with the spike in its σ is not fooled either.
		{"online normal ignores old spike", "anomaly(row_count(), 'online_normal', 2.0)", []float64{4, 4.1, 3.9, 40, 4, 4.1}, rules.Fail, ""},
		{"online normal outside", "anomaly(row_count(), 'online_normal', 3.0, 3.0)", []float64{10, 10.2, 9.8, 10.1, 9.9}, rules.Pass, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &fakeHistory{series: map[string][]float64{"row_count()": tt.series}}
			got := runChecks(t, "rules:\n  - name: c\n    check: \""+tt.check+"\"\n", h)["c"]
			assert.Equal(t, tt.want, got.Outcome, got.Err)
			if tt.reason != "" {
				assert.Contains(t, got.Err, tt.reason)
			}
		})
	}
}

func TestHistoryCompileErrors(t *testing.T) {
	tests := []struct{ name, check, want string }{
		{"previous of a column", "previous(amount) > 0.0", "takes a metric call"},
		{"previous of now", "previous(now()) > 0.0", "takes a metric call"},
		{"nested history", "previous(previous(row_count())) > 0.0", "takes a metric call"},
		{"unknown strategy", "anomaly(row_count(), 'magic')", "unknown strategy"},
		{"strategy not constant", "anomaly(row_count(), 'rel' + 'ative_rate')", "string constant"},
		{"too many params", "anomaly(row_count(), 'batch_normal', 1.0, 2.0) || anomaly(row_count(), 'relative_rate', 2.0, 1.0)", "exceeds the upper rate"},
		{"drift of a string", "drift(email) < 0.1", "needs a numeric column"},
		{"drift method", "drift(amount, 'emd') < 0.1", "'psi' (the default) or 'ks'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := compileErr(t, "rules:\n  - name: c\n    check: \""+tt.check+"\"\n", ordersSchema)
			require.NotEmpty(t, errs)
			assert.Contains(t, errs.Error(), tt.want)
		})
	}
}

func TestRecorded(t *testing.T) {
	mem := arrowtest.Allocator(t)
	p := compile(t, `rules:
  - name: c
    check: quantile(amount, 0.9) > 0.0 && count_if(qty > 0) > 1 && now() > now() - duration('1s')
  - name: d
    check: drift(qty) < 0.2
`, ordersSchema)
	b := ordersBatch(t, mem)
	defer b.Release()
	run := p.NewRun()
	_, err := run.Eval(context.Background(), b)
	require.NoError(t, err)
	_, err = run.Finish(context.Background())
	require.NoError(t, err)
	rec, err := run.Recorded(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "orders", rec.Dataset)
	assert.ElementsMatch(t, []string{"quantile(amount, 0.9)", "count_if(qty > 0)", "median(qty)"}, keys(rec.Values))
	assert.ElementsMatch(t, []string{"quantile(amount, 0.9)", "median(qty)"}, keys(rec.States))
	assert.Equal(t, int64(2), rec.Values["count_if(qty > 0)"])
	s, err := metrics.Decode(rec.States["median(qty)"])
	require.NoError(t, err)
	v, err := s.Result()
	require.NoError(t, err)
	assert.Equal(t, 1.0, v)
	require.Len(t, rec.Schema, len(ordersSchema.Fields()))
	assert.Equal(t, rules.SchemaField{Name: "amount", Type: "float64", Nullable: true}, rec.Schema[1])
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// medianState builds a median state over vals.
func medianState(t *testing.T, vals []float64) metrics.State {
	t.Helper()
	mem := arrowtest.Allocator(t)
	s, err := metrics.New(metrics.Spec{Func: "median", Columns: []string{"amount"}}, []arrow.DataType{arrow.PrimitiveTypes.Float64})
	require.NoError(t, err)
	arr := float64Array(mem, vals)
	defer arr.Release()
	require.NoError(t, s.Update([]arrow.Array{arr}))
	return s
}

func TestDriftAndSchema(t *testing.T) {
	same := medianState(t, []float64{10, -5, 2.5}) // amount of ordersBatch, without the null
	shifted := medianState(t, []float64{100, 101, 102, 103, 104, 105})
	fields := rules.SchemaFields(ordersSchema)
	changed := append([]rules.SchemaField{}, fields[:2]...)                    // drops qty, email, Cost Total $, at
	changed = append(changed, rules.SchemaField{Name: "qty", Type: "float64"}) // retyped
	changed = append(changed, rules.SchemaField{Name: "gone", Type: "utf8"})   // removed now
	yaml := `rules:
  - name: psi
    check: drift(amount) < 0.1
  - name: ks
    check: ks(amount) < 0.1 && drift(amount, 'ks') == ks(amount)
  - name: schema
    check: schema_unchanged()
  - name: counts
    check: columns_added() == 3 && columns_removed() == 1 && columns_retyped() == 1
`
	got := runChecks(t, yaml, &fakeHistory{base: &rules.Baseline{RunID: "r1",
		States: map[string]metrics.State{"median(amount)": same}, Schema: fields}})
	assert.Equal(t, rules.Pass, got["psi"].Outcome, got["psi"].Err)
	assert.InDelta(t, 0, got["psi"].Metrics["drift(amount)"], 1e-9)
	assert.Equal(t, rules.Pass, got["ks"].Outcome, got["ks"].Err)
	assert.Equal(t, rules.Pass, got["schema"].Outcome, got["schema"].Err)
	assert.Equal(t, rules.Fail, got["counts"].Outcome)

	got = runChecks(t, yaml, &fakeHistory{base: &rules.Baseline{RunID: "r1",
		States: map[string]metrics.State{"median(amount)": shifted}, Schema: changed}})
	assert.Equal(t, rules.Fail, got["psi"].Outcome)
	assert.Greater(t, got["psi"].Metrics["drift(amount)"], 1.0)
	assert.Equal(t, rules.Fail, got["ks"].Outcome)
	assert.InDelta(t, 1.0, got["ks"].Metrics["ks(amount)"], 1e-9)
	assert.Equal(t, rules.Fail, got["schema"].Outcome)
	assert.Equal(t, rules.Pass, got["counts"].Outcome, got["counts"].Err)

	got = runChecks(t, yaml, &fakeHistory{})
	assert.Equal(t, rules.Skip, got["psi"].Outcome)
	assert.Contains(t, got["psi"].Err, "no passing run")

	got = runChecks(t, yaml, &fakeHistory{base: &rules.Baseline{RunID: "r0"}})
	assert.Equal(t, rules.Skip, got["psi"].Outcome)
	assert.Contains(t, got["psi"].Err, "recorded no distribution of amount")
	assert.Contains(t, got["schema"].Err, "recorded no schema")
}

func float64Array(mem memory.Allocator, vals []float64) arrow.Array {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.AppendValues(vals, nil)
	return b.NewArray()
}
