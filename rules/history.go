package rules

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/cel-go/cel"
	celast "github.com/google/cel-go/common/ast"

	"github.com/sluicedata/sluice/rules/metrics"
)

// History is what history-aware checks read: the values earlier runs of a
// dataset recorded and the last passing run. Implementations must be safe
// for concurrent use (history.ForRules adapts a history.Store).
type History interface {
	// Series returns the newest n recorded values of a metric (n <= 0: all),
	// oldest first, skipping runs where the metric was undefined. metric is
	// the metric's canonical name (Recorded.Values keys), e.g.
	// "mean(amount)". An empty series is not an error.
	Series(ctx context.Context, dataset, metric string, n int) ([]float64, error)
	// Baseline returns the newest run whose gate passed (or warned), with
	// its metric states and schema; nil and no error when there is none.
	Baseline(ctx context.Context, dataset string) (*Baseline, error)
}

// Baseline is the last passing run of a dataset.
type Baseline struct {
	RunID string
	// States maps canonical metric names to their decoded states.
	States map[string]metrics.State
	// Schema is the schema that run read (nil when it was not recorded).
	Schema []SchemaField
}

// SchemaField is one column of a recorded schema.
type SchemaField struct {
	Name     string `json:"name"`
	Type     string `json:"type"` // arrow.DataType.String()
	Nullable bool   `json:"nullable"`
}

// WithHistory gives the run the history its history-aware checks read
// (previous, change, anomaly, drift, ks and the schema functions). Without
// it those checks are not evaluated (Skip with CheckResult.Err saying why).
func WithHistory(h History) RunOption { return func(c *runConfig) { c.history = h } }

// Anomaly strategies and their defaults.
const (
	// AnomalyRelativeRate: anomaly(m, 'relative_rate', down, up) is true
	// when current/previous < down or > up (defaults 0.5 and 2.0); a
	// previous value of 0 is anomalous unless current is 0 too.
	AnomalyRelativeRate = "relative_rate"
	// AnomalyBatchNormal: anomaly(m, 'batch_normal', k_low, k_high) is true
	// when current lies outside mean - k_low·σ … mean + k_high·σ of the
	// previous values (sample σ; defaults 3, 3; k_high defaults to k_low).
	AnomalyBatchNormal = "batch_normal"
	// AnomalyOnlineNormal: anomaly(m, 'online_normal', k_low, k_high) is as
	// batch_normal but with running (Welford) mean and σ that leave out the
	// earlier values that were anomalous themselves when they arrived.
	AnomalyOnlineNormal = "online_normal"
)

// Bounds of the history read by history-aware checks.
const (
	// AnomalyWindow is the number of previous values anomaly() reads.
	AnomalyWindow = 100
	// MinNormalHistory is the number of previous values the normal
	// strategies need before they judge: the σ of fewer is too noisy to
	// judge by.
	MinNormalHistory = 5
	// DriftBins is the number of equal-mass bins (deciles of the baseline)
	// drift() sums the population stability index over.
	DriftBins = 10
)

var historyFuncs = []string{
	"previous", "change", "anomaly", "drift", "ks",
	"columns_added", "columns_removed", "columns_retyped", "schema_unchanged",
}

// historyDecls declares the history-aware functions.
func historyDecls() []cel.EnvOption {
	a := cel.TypeParamType("A")
	num := []*cel.Type{cel.DoubleType, cel.IntType}
	var anomaly []cel.FunctionOpt
	anomaly = append(anomaly, cel.Overload("sluice_anomaly_1", []*cel.Type{a, cel.StringType}, cel.BoolType))
	for i, x := range num {
		anomaly = append(anomaly, cel.Overload("sluice_anomaly_2_"+strconv.Itoa(i), []*cel.Type{a, cel.StringType, x}, cel.BoolType))
		for j, y := range num {
			anomaly = append(anomaly, cel.Overload(fmt.Sprintf("sluice_anomaly_3_%d_%d", i, j), []*cel.Type{a, cel.StringType, x, y}, cel.BoolType))
		}
	}
	return []cel.EnvOption{
		cel.Function("previous", cel.Overload("sluice_previous", []*cel.Type{a}, cel.DoubleType)),
		cel.Function("change", cel.Overload("sluice_change", []*cel.Type{a}, cel.DoubleType)),
		cel.Function("anomaly", anomaly...),
		cel.Function("drift",
			cel.Overload("sluice_drift_1", []*cel.Type{a}, cel.DoubleType),
			cel.Overload("sluice_drift_2", []*cel.Type{a, cel.StringType}, cel.DoubleType)),
		cel.Function("ks", cel.Overload("sluice_ks", []*cel.Type{a}, cel.DoubleType)),
		cel.Function("columns_added", cel.Overload("sluice_columns_added", nil, cel.IntType)),
		cel.Function("columns_removed", cel.Overload("sluice_columns_removed", nil, cel.IntType)),
		cel.Function("columns_retyped", cel.Overload("sluice_columns_retyped", nil, cel.IntType)),
		cel.Function("schema_unchanged", cel.Overload("sluice_schema_unchanged", nil, cel.BoolType)),
	}
}

func isHistoryFunc(name string) bool { return slices.Contains(historyFuncs, name) }

// historyDef fills d for a history-aware call; false after reporting a
// problem.
func (m *metricReplacer) historyDef(a *celast.AST, e celast.Expr, d *metricDef) bool {
	call := e.AsCall()
	name := call.FunctionName()
	args := call.Args()
	d.kind = metricHistory
	d.fn = name
	switch name {
	case "previous", "change", "anomaly":
		inner := args[0]
		if inner.Kind() != celast.CallKind || inner.AsCall().IsMemberFunction() || !isMetricFunc(inner.AsCall().FunctionName()) ||
			isHistoryFunc(inner.AsCall().FunctionName()) || inner.AsCall().FunctionName() == "now" {
			m.fail(a, e.ID(), name+"() takes a metric call of this dataset, e.g. "+name+"(row_count()) or "+name+"(mean(amount))")
			return false
		}
		k, ok := m.define(a, inner)
		if !ok {
			return false
		}
		in := m.c.p.metrics[k]
		if in.name == "" {
			m.fail(a, e.ID(), name+"(): the metric is not recorded in history")
			return false
		}
		d.inner = k
		d.typ = cel.DoubleType
		d.key = name + "(" + in.name
		if name == "anomaly" {
			d.typ = cel.BoolType
			strategy, ok := stringLiteral(args[1])
			if !ok {
				m.fail(a, e.ID(), "anomaly(): the strategy must be a string constant: 'relative_rate', 'batch_normal' or 'online_normal'")
				return false
			}
			var params []float64
			for _, p := range args[2:] {
				v, ok := constant(p, "double")
				if !ok {
					m.fail(a, e.ID(), "anomaly(): strategy parameters must be number constants")
					return false
				}
				params = append(params, v.(float64))
			}
			det, err := newDetector(strategy, params)
			if err != nil {
				m.fail(a, e.ID(), "anomaly(): "+err.Error())
				return false
			}
			d.detector = det
			d.key += fmt.Sprintf(", %q, %v", strategy, params)
		}
		d.key += ")"
	case "drift", "ks":
		k, ok := m.column(a, args[0])
		if !ok {
			m.fail(a, e.ID(), name+"() takes a numeric column")
			return false
		}
		s := m.c.ce.slots[k]
		if fam := arrowFamily(s.typ); fam != "int" && fam != "uint" && fam != "float" {
			m.fail(a, e.ID(), fmt.Sprintf("%s() needs a numeric column; %s is %s", name, spell(s.name), s.typ))
			return false
		}
		method := "psi"
		if name == "ks" {
			method = "ks"
		}
		if len(args) == 2 {
			v, ok := stringLiteral(args[1])
			if !ok || (v != "psi" && v != "ks") {
				m.fail(a, e.ID(), "drift(column, method): method is 'psi' (the default) or 'ks'")
				return false
			}
			method = v
		}
		// The distribution is kept as the KLL state of median(column), which
		// the history store records with every run.
		spec := metrics.Spec{Func: "median", Columns: []string{s.name}}
		inner := &metricDef{kind: metricState, spec: spec, slots: []int{k}, types: []arrow.DataType{s.typ},
			typ: cel.DoubleType, key: fmt.Sprintf("%s%q%v", "median", spec.Columns, spec.Args), name: canonicalName(spec)}
		d.inner = m.c.addMetric(inner)
		d.method = method
		d.typ = cel.DoubleType
		d.key = fmt.Sprintf("drift(%q, %s)", s.name, method)
	default: // schema functions
		d.typ = cel.IntType
		if name == "schema_unchanged" {
			d.typ = cel.BoolType
		}
		d.key = name + "()"
	}
	return true
}

// addMetric adds d to the program's metrics unless an identical one is
// there, and returns its index.
func (c *compiler) addMetric(d *metricDef) int {
	for k, other := range c.p.metrics {
		if other.key == d.key {
			return k
		}
	}
	d.ident = "__m" + strconv.Itoa(len(c.p.metrics))
	c.p.metrics = append(c.p.metrics, d)
	return len(c.p.metrics) - 1
}

// canonicalName is the name a metric is recorded under in history:
// func(col, …, arg, …) with physical column names.
func canonicalName(spec metrics.Spec) string {
	parts := slices.Clone(spec.Columns)
	for _, a := range spec.Args {
		switch v := a.(type) {
		case string:
			parts = append(parts, strconv.Quote(v))
		case float64:
			parts = append(parts, strconv.FormatFloat(v, 'g', -1, 64))
		default:
			parts = append(parts, fmt.Sprint(v))
		}
	}
	return spec.Func + "(" + strings.Join(parts, ", ") + ")"
}

// Recorded is what a history store keeps of a finished run.
type Recorded struct {
	// Dataset is the rule file's logical dataset name.
	Dataset string
	// Values maps canonical metric names to their values (nil when
	// undefined): every metric the checks read, besides now(),
	// missing_references and the history-aware ones.
	Values map[string]any
	// States maps canonical metric names to encoded states
	// (metrics.Encode), for the metrics computed from a mergeable state.
	States map[string][]byte
	// Schema is the schema the program was compiled against.
	Schema []SchemaField
	// Specs maps the canonical metric names of Values to the metric
	// function and the physical columns it reads (the columns of the row
	// expression for count_if and fraction_if): what a store needs to
	// know which recorded values and states carry the data of a tagged
	// column.
	Specs map[string]metrics.Spec
}

// Recorded returns what to keep of this run in a history store. Call it
// after Finish.
func (r *Run) Recorded(ctx context.Context) (*Recorded, error) {
	if r.err != nil {
		return nil, r.err
	}
	out := &Recorded{Values: map[string]any{}, States: map[string][]byte{}, Schema: SchemaFields(r.p.schema),
		Specs: map[string]metrics.Spec{}}
	if r.p.rs != nil {
		out.Dataset = r.p.rs.Dataset
	}
	for k, d := range r.p.metrics {
		if d.name == "" {
			continue
		}
		v, _, err := r.value(ctx, k)
		if err != nil {
			return nil, fmt.Errorf("rules: metric %s: %w", d.name, err)
		}
		out.Values[d.name] = v
		out.Specs[d.name] = r.p.specOf(d)
		if b, ok := r.own[d.name]; ok {
			out.States[d.name] = b // the run's own state, not the merged one
		} else if d.kind == metricState {
			b, err := metrics.Encode(r.states[k])
			if err != nil {
				return nil, fmt.Errorf("rules: encode %s: %w", d.name, err)
			}
			out.States[d.name] = b
		}
	}
	return out, nil
}

// SchemaFields lists the fields of schema as history records them.
func SchemaFields(schema *arrow.Schema) []SchemaField {
	if schema == nil {
		return nil
	}
	out := make([]SchemaField, 0, schema.NumFields())
	for _, f := range schema.Fields() {
		out = append(out, SchemaField{Name: f.Name, Type: f.Type.String(), Nullable: f.Nullable})
	}
	return out
}

// historyValue computes a history-aware metric: its value, or nil and the
// reason it is not evaluated, or an error when the history cannot be read.
func (r *Run) historyValue(ctx context.Context, d *metricDef) (any, string, error) {
	h := r.cfg.history
	if h == nil {
		return nil, "no history store (quality.WithHistory, or sluice check --history DSN)", nil
	}
	dataset := ""
	if r.p.rs != nil {
		dataset = r.p.rs.Dataset
	}
	switch d.fn {
	case "previous", "change", "anomaly":
		in := r.p.metrics[d.inner]
		cur, why, err := r.value(ctx, d.inner)
		if err != nil || cur == nil {
			if why == "" && err == nil {
				why = in.name + " is undefined on the data"
			}
			return nil, why, err
		}
		x, ok := asFloat(cur)
		if !ok {
			return nil, "", fmt.Errorf("%s is not a number", in.name)
		}
		n := 1
		if d.fn == "anomaly" {
			n = AnomalyWindow
		}
		series, err := h.Series(ctx, dataset, in.name, n)
		if err != nil {
			return nil, "", fmt.Errorf("history of %s: %w", in.name, err)
		}
		if len(series) == 0 {
			return nil, fmt.Sprintf("no earlier value of %s in history", in.name), nil
		}
		prev := series[len(series)-1]
		switch d.fn {
		case "previous":
			return prev, "", nil
		case "change":
			if prev == 0 {
				return nil, fmt.Sprintf("the previous value of %s is 0: relative change undefined", in.name), nil
			}
			return (x - prev) / math.Abs(prev), "", nil
		}
		return d.detector.anomalous(series, x)
	case "drift", "ks":
		in := r.p.metrics[d.inner]
		base, err := h.Baseline(ctx, dataset)
		if err != nil {
			return nil, "", fmt.Errorf("baseline: %w", err)
		}
		if base == nil {
			return nil, "no passing run in history to compare with", nil
		}
		bs, ok := base.States[in.name].(metrics.Quantiler)
		if !ok {
			return nil, fmt.Sprintf("the last passing run (%s) recorded no distribution of %s", base.RunID, in.spec.Columns[0]), nil
		}
		cs, ok := r.states[d.inner].(metrics.Quantiler)
		if !ok {
			return nil, "", fmt.Errorf("%s keeps no distribution", in.name)
		}
		bq, ok1 := quantileGrid(bs)
		cq, ok2 := quantileGrid(cs)
		if !ok1 || !ok2 {
			return nil, fmt.Sprintf("no values of %s in this run or the baseline", in.spec.Columns[0]), nil
		}
		if d.method == "ks" {
			return ksDistance(bq, cq), "", nil
		}
		return psi(bq, cq), "", nil
	default:
		base, err := h.Baseline(ctx, dataset)
		if err != nil {
			return nil, "", fmt.Errorf("baseline: %w", err)
		}
		if base == nil {
			return nil, "no passing run in history to compare with", nil
		}
		if base.Schema == nil {
			return nil, fmt.Sprintf("the last passing run (%s) recorded no schema", base.RunID), nil
		}
		added, removed, retyped := schemaDiff(base.Schema, SchemaFields(r.p.schema))
		switch d.fn {
		case "columns_added":
			return int64(len(added)), "", nil
		case "columns_removed":
			return int64(len(removed)), "", nil
		case "columns_retyped":
			return int64(len(retyped)), "", nil
		}
		return len(added)+len(removed)+len(retyped) == 0, "", nil
	}
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, true
	case int:
		return float64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// detector is an anomaly detection strategy with its parameters.
type detector struct {
	strategy  string
	low, high float64
}

func newDetector(strategy string, params []float64) (*detector, error) {
	d := &detector{strategy: strategy}
	switch strategy {
	case AnomalyRelativeRate:
		d.low, d.high = 0.5, 2.0
	case AnomalyBatchNormal, AnomalyOnlineNormal:
		d.low, d.high = 3, 3
	default:
		return nil, fmt.Errorf("unknown strategy %q: want 'relative_rate', 'batch_normal' or 'online_normal'", strategy)
	}
	switch len(params) {
	case 0:
	case 1:
		d.low = params[0]
		if strategy != AnomalyRelativeRate {
			d.high = params[0]
		}
	case 2:
		d.low, d.high = params[0], params[1]
	default:
		return nil, fmt.Errorf("%s takes at most two parameters, got %d", strategy, len(params))
	}
	if d.low < 0 || d.high < 0 || math.IsNaN(d.low) || math.IsNaN(d.high) {
		return nil, fmt.Errorf("%s: parameters must be non-negative numbers", strategy)
	}
	if strategy == AnomalyRelativeRate && d.low > d.high {
		return nil, fmt.Errorf("relative_rate: the lower rate %v exceeds the upper rate %v", d.low, d.high)
	}
	return d, nil
}

// anomalous judges x against the previous values (oldest first, at least
// one).
func (d *detector) anomalous(series []float64, x float64) (any, string, error) {
	switch d.strategy {
	case AnomalyRelativeRate:
		prev := series[len(series)-1]
		if prev == 0 {
			return x != 0, "", nil
		}
		rate := x / prev
		return rate < d.low || rate > d.high, "", nil
	}
	if len(series) < MinNormalHistory {
		return nil, fmt.Sprintf("%s needs %d earlier values, history has %d", d.strategy, MinNormalHistory, len(series)), nil
	}
	var mean, sd float64
	if d.strategy == AnomalyBatchNormal {
		mean, sd = meanSD(series)
	} else {
		var n, m2 float64
		for i, v := range series {
			if i >= MinNormalHistory && n >= 2 && outside(v, mean, math.Sqrt(m2/(n-1)), d.low, d.high) {
				continue // an earlier anomaly does not move the baseline
			}
			n++
			delta := v - mean
			mean += delta / n
			m2 += delta * (v - mean)
		}
		if n >= 2 {
			sd = math.Sqrt(m2 / (n - 1))
		}
	}
	return outside(x, mean, sd, d.low, d.high), "", nil
}

// outside reports whether x lies outside mean - low·sd … mean + high·sd;
// with sd 0 any departure beyond rounding is outside.
func outside(x, mean, sd, low, high float64) bool {
	tol := 1e-9 * math.Max(1, math.Abs(mean))
	return x < mean-low*sd-tol || x > mean+high*sd+tol
}

func meanSD(xs []float64) (float64, float64) {
	var mean float64
	for _, v := range xs {
		mean += v
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, v := range xs {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// gridSize is the number of quantiles a distribution is summarized by for
// drift and ks.
const gridSize = 101

// quantileGrid returns the quantiles at 0, 0.01, …, 1.
func quantileGrid(s metrics.Quantiler) ([]float64, bool) {
	out := make([]float64, gridSize)
	for i := range out {
		v, ok := s.Quantile(float64(i) / float64(gridSize-1))
		if !ok {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// cdf returns the fraction of a distribution given by its quantile grid at
// or below x, interpolated linearly between grid points.
func cdf(grid []float64, x float64) float64 {
	n := len(grid) - 1
	if x < grid[0] {
		return 0
	}
	if x >= grid[n] {
		return 1
	}
	// the last grid point <= x
	i := sortSearch(grid, x)
	if i >= n {
		return 1
	}
	lo, hi := grid[i], grid[i+1] // lo <= x < hi
	return (float64(i) + (x-lo)/(hi-lo)) / float64(n)
}

// sortSearch returns the largest i with grid[i] <= x (grid[0] <= x).
func sortSearch(grid []float64, x float64) int {
	lo, hi := 0, len(grid)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if grid[mid] <= x {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// psi is the population stability index of the current distribution
// against the baseline over DriftBins bins of equal baseline mass:
// Σ (cur - base)·ln(cur/base), with empty bins floored at 1e-4.
func psi(base, cur []float64) float64 {
	const floor = 1e-4
	edges := make([]float64, 0, DriftBins-1)
	for i := 1; i < DriftBins; i++ {
		edges = append(edges, base[i*(len(base)-1)/DriftBins])
	}
	var total float64
	prevB, prevC := 0.0, 0.0
	for i := 0; i <= len(edges); i++ {
		b, c := 1.0, 1.0
		if i < len(edges) {
			b, c = cdf(base, edges[i]), cdf(cur, edges[i])
		}
		pb, pc := math.Max(b-prevB, floor), math.Max(c-prevC, floor)
		total += (pc - pb) * math.Log(pc/pb)
		prevB, prevC = b, c
	}
	return total
}

// ksDistance is the Kolmogorov–Smirnov distance sup |F_base - F_cur| over
// the grid points of both distributions.
func ksDistance(base, cur []float64) float64 {
	var d float64
	for _, grid := range [][]float64{base, cur} {
		for _, x := range grid {
			d = math.Max(d, math.Abs(cdf(base, x)-cdf(cur, x)))
		}
	}
	return d
}

// schemaDiff compares a recorded schema with the current one by column
// name.
func schemaDiff(base, cur []SchemaField) (added, removed, retyped []string) {
	old := make(map[string]string, len(base))
	for _, f := range base {
		old[f.Name] = f.Type
	}
	now := make(map[string]bool, len(cur))
	for _, f := range cur {
		now[f.Name] = true
		t, ok := old[f.Name]
		switch {
		case !ok:
			added = append(added, f.Name)
		case t != f.Type:
			retyped = append(retyped, f.Name)
		}
	}
	for _, f := range base {
		if !now[f.Name] {
			removed = append(removed, f.Name)
		}
	}
	return added, removed, retyped
}

// specOf returns the function and physical columns of a recorded metric.
func (p *Program) specOf(d *metricDef) metrics.Spec {
	switch d.kind {
	case metricState:
		return metrics.Spec{Func: d.spec.Func, Columns: slices.Clone(d.spec.Columns), Args: slices.Clone(d.spec.Args)}
	case metricCountIf, metricFracIf:
		fn := "count_if"
		if d.kind == metricFracIf {
			fn = "fraction_if"
		}
		spec := metrics.Spec{Func: fn}
		if d.hidden >= 0 && d.hidden < len(p.hidden) {
			for _, k := range p.hidden[d.hidden].slots {
				spec.Columns = append(spec.Columns, p.ce.slots[k].name)
			}
		}
		return spec
	}
	spec := metrics.Spec{Func: d.fn}
	for _, k := range d.slots {
		spec.Columns = append(spec.Columns, p.ce.slots[k].name)
	}
	return spec
}

// MapStates offers the state of every recorded metric computed from a
// mergeable state to f, with its canonical name and spec, and replaces the
// state by what f returns when that is not nil: a state of the same
// function, columns and types (metrics.MapStrings of it, say). Call it
// before MergeStates and Finish; a store whose states of a column are kept
// in a mapped form (hmac'd members of a value set) merges with this run's
// only when this run's are mapped alike.
func (r *Run) MapStates(f func(name string, spec metrics.Spec, s metrics.State) metrics.State) {
	if r.err != nil {
		return
	}
	for k, d := range r.p.metrics {
		if d.kind != metricState || d.name == "" || r.states[k] == nil {
			continue
		}
		if s := f(d.name, r.p.specOf(d), r.states[k]); s != nil {
			r.states[k] = s
		}
	}
	r.vals = nil
}
