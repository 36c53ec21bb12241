package rules

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/interpreter"

	"github.com/sluicedata/sluice/rules/engine"
	"github.com/sluicedata/sluice/rules/metrics"
)

// Run is the state of one evaluation. Not safe for concurrent use.
type Run struct {
	p       *Program
	cfg     runConfig
	partial                   // the accumulated state (partial.go)
	next    int64             // the dataset position of the next row Eval reads
	err     error             // a state that could not be created
	act     rowActivation     // reused across rows
	vals    []computed        // per Program.metrics entry, filled by Finish
	own     map[string][]byte // the run's own encoded states before MergeStates (partition.go)
	vb      *engine.Batch     // the current batch bound to the vectorized engine (vector.go)
	sizes   []sizeOf          // the value sizes of the current batch (program)
	scratch []Outcome         // outcomes not returned (WithoutOutcomes, hidden rules)
}

// computed is a metric value computed once per Finish.
type computed struct {
	done bool
	v    any
	why  string // why v is nil, when it is not simply undefined on the data
	err  error
}

// value computes Program.metrics[k] once.
func (r *Run) value(ctx context.Context, k int) (any, string, error) {
	if r.vals == nil {
		r.vals = make([]computed, len(r.p.metrics))
	}
	c := &r.vals[k]
	if !c.done {
		c.done = true
		if d := r.p.metrics[k]; d.kind == metricHistory {
			c.v, c.why, c.err = r.historyValue(ctx, d)
		} else {
			c.v, c.err = r.metric(ctx, k)
		}
	}
	return c.v, c.why, c.err
}

// NewRun starts the per-run state: metric states of the dataset checks.
func (p *Program) NewRun(opts ...RunOption) *Run {
	r := &Run{p: p, cfg: runConfig{now: time.Now}}
	for _, o := range opts {
		o(&r.cfg)
	}
	if r.cfg.now == nil {
		r.cfg.now = time.Now
	}
	r.init()
	r.next = r.cfg.offset
	return r
}

// init creates the run's empty states.
func (r *Run) init() {
	p := r.p
	r.states = make([]metrics.State, len(p.metrics))
	r.values = make([]map[any]int64, len(p.metrics))
	r.counts = make([]int64, len(p.hidden))
	r.rules = make([]ruleAcc, len(p.rowRules))
	r.names = make([]string, len(p.rowRules))
	for i, rr := range p.rowRules {
		r.names[i] = rr.Name
	}
	if r.cfg.sampleFill != nil {
		r.sampleLimit = r.cfg.sampleLimit
	}
	for k, d := range p.metrics {
		switch d.kind {
		case metricState:
			s, err := metrics.New(d.spec, d.types)
			if err != nil && r.err == nil {
				r.err = fmt.Errorf("rules: metric %s: %w", d.spec.Func, err)
			}
			r.states[k] = s
		case metricMissing:
			r.values[k] = map[any]int64{}
		}
	}
	r.act.byIdent = p.ce.byIdent
}

// rowActivation resolves column variables straight from the current batch.
type rowActivation struct {
	byIdent map[string]int
	cols    []*colReader // by slot; nil for columns no rule reads
	row     int
}

var _ interpreter.Activation = (*rowActivation)(nil)

func (a *rowActivation) ResolveName(name string) (any, bool) {
	k, ok := a.byIdent[name]
	if !ok {
		return nil, false
	}
	c := a.cols[k]
	if c == nil {
		return nil, false
	}
	if c.null(a.row) {
		return types.NullValue, true
	}
	return c.get(a.row), true
}

func (a *rowActivation) Parent() interpreter.Activation { return nil }

// bind resolves the columns the program reads in batch by name.
func (r *Run) bind(batch arrow.RecordBatch) ([]*colReader, error) {
	p := r.p
	cols := make([]*colReader, len(p.ce.slots))
	schema := batch.Schema()
	need := func(k int) error {
		if cols[k] != nil {
			return nil
		}
		s := p.ce.slots[k]
		idx := schema.FieldIndices(s.name)
		if len(idx) == 0 {
			return fmt.Errorf("rules: batch has no column %q", s.name)
		}
		arr := batch.Column(idx[0])
		if !arrow.TypeEqual(arr.DataType(), s.typ) {
			return fmt.Errorf("rules: column %q is %s in the batch but was compiled as %s", s.name, arr.DataType(), s.typ)
		}
		c, err := newColReader(arr)
		if err != nil {
			return err
		}
		cols[k] = c
		return nil
	}
	for _, rp := range p.rowProg {
		for _, k := range rp.slots {
			if err := need(k); err != nil {
				return nil, err
			}
		}
	}
	for _, rp := range p.hidden {
		for _, k := range rp.slots {
			if err := need(k); err != nil {
				return nil, err
			}
		}
	}
	for m, d := range p.metrics {
		if r.cfg.statsFed(m) {
			continue
		}
		for _, k := range d.slots {
			if err := need(k); err != nil {
				return nil, err
			}
		}
	}
	return cols, nil
}

// Eval evaluates every row rule on batch (borrowed for the call) and folds
// the batch into the metric states.
//
// A row rule whose inputs include a null (and that does not test for null
// itself with a null literal or has()) is not evaluated on that row: the row
// counts per the rule's nulls policy. A rule that evaluates to null or to a
// non-boolean also counts per its nulls policy. Evaluation errors are
// Errored outcomes, counted by kind (ErrorKind, at most MaxErrorKinds
// per rule) in ErrorKinds; they never abort.
func (r *Run) Eval(ctx context.Context, batch arrow.RecordBatch) (*BatchResult, error) {
	if r.err != nil {
		return nil, r.err
	}
	if batch == nil {
		return nil, errors.New("rules: nil batch")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cols, err := r.bind(batch)
	if err != nil {
		return nil, err
	}
	rows := int(batch.NumRows())
	res := &BatchResult{
		Rows:       rows,
		Outcomes:   make([][]Outcome, len(r.p.rowRules)),
		Counts:     make([]OutcomeCounts, len(r.p.rowRules)),
		Failing:    make([][]uint64, len(r.p.rowRules)),
		ErrorKinds: make([]map[string]int64, len(r.p.rowRules)),
	}
	if r.cfg.noOutcomes {
		res.Outcomes = nil
	}
	r.act.cols = cols
	defer func() {
		r.act.cols, r.vb = nil, nil
		for i := range r.sizes {
			r.sizes[i].arr = nil // the batch is borrowed
		}
	}()
	for i, rp := range r.p.rowProg {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var out []Outcome
		if res.Outcomes != nil {
			out = make([]Outcome, rows)
			res.Outcomes[i] = out
		} else {
			out = r.scratchOutcomes(rows)
		}
		failing := make([]uint64, (rows+63)/64)
		res.ErrorKinds[i], res.Counts[i] = r.evalRows(rp, cols, out, failing, res.Outcomes != nil)
		res.Failing[i] = failing
	}
	for h, rp := range r.p.hidden {
		out := r.scratchOutcomes(rows)
		_, counts := r.evalRows(rp, cols, out, nil, false)
		r.counts[h] += counts[Pass]
	}
	for k, d := range r.p.metrics {
		if r.cfg.statsFed(k) {
			continue
		}
		switch d.kind {
		case metricState:
			if len(d.slots) == 0 {
				if rc, ok := r.states[k].(metrics.RowCounter); ok {
					rc.UpdateRows(int64(rows))
					continue
				}
				if batch.NumCols() == 0 {
					return nil, fmt.Errorf("rules: metric %s: batch without columns", d.spec.Func)
				}
				if err := r.states[k].Update([]arrow.Array{batch.Column(0)}); err != nil {
					return nil, fmt.Errorf("rules: metric %s: %w", d.spec.Func, err)
				}
				continue
			}
			arrs := make([]arrow.Array, len(d.slots))
			for j, s := range d.slots {
				arrs[j] = cols[s].arr
			}
			if err := r.states[k].Update(arrs); err != nil {
				return nil, fmt.Errorf("rules: metric %s: %w", d.spec.Func, err)
			}
		case metricMissing:
			if err := countKeys(cols[d.slots[0]], rows, r.values[k]); err != nil {
				return nil, fmt.Errorf("rules: metric %s: %w", d.spec.Func, err)
			}
		}
	}
	r.accountRows(batch, res, r.next)
	r.next += int64(rows)
	r.rows += int64(rows)
	return res, nil
}

// evalRows evaluates rp on every row and returns the error kinds and the
// outcome counts. It sets the bits of failing rows in failing (when not
// nil); out receives every row's outcome when full is set, and is scratch
// space otherwise.
func (r *Run) evalRows(rp *rowProgram, cols []*colReader, out []Outcome, failing []uint64, full bool) (map[string]int64, OutcomeCounts) {
	unmetered := r.unmetered(rp, cols)
	// The vectorized engine runs only where the interpreter would run
	// unmetered: no row can then exceed the cost limit on either path.
	if rp.vec != nil && unmetered {
		if kinds, counts, ok := r.evalVector(rp, cols, out, failing, full); ok {
			return kinds, counts
		}
	}
	prg := rp.prg
	if unmetered {
		prg = rp.unmetered()
	}
	var kinds map[string]int64
	for row := range out {
		if !rp.testsNull && r.nullInput(rp, cols, row) {
			out[row] = policy(rp.nulls)
			continue
		}
		kinds = r.evalRow(rp, prg, row, out, kinds)
	}
	if failing != nil {
		FailingRows(out, func(row int) bool { failing[row>>6] |= 1 << (row & 63); return true })
	}
	return kinds, CountOutcomes(out)
}

// scratchOutcomes returns the run's reusable outcome buffer of n rows.
func (r *Run) scratchOutcomes(n int) []Outcome {
	if cap(r.scratch) < n {
		r.scratch = make([]Outcome, n)
	}
	return r.scratch[:n]
}

// nullInput reports whether a column rp reads is null on row.
func (r *Run) nullInput(rp *rowProgram, cols []*colReader, row int) bool {
	for _, k := range rp.slots {
		if cols[k].null(row) {
			return true
		}
	}
	return false
}

// evalRow evaluates rp on row with the interpreter, records the outcome
// and counts an error in kinds (allocated on the first error).
func (r *Run) evalRow(rp *rowProgram, prg cel.Program, row int, out []Outcome, kinds map[string]int64) map[string]int64 {
	act := &r.act
	act.row = row
	v, _, err := prg.Eval(act)
	if err != nil || types.IsError(v) {
		out[row] = Errored
		if kinds == nil {
			kinds = map[string]int64{}
		}
		msg := "error"
		if err != nil {
			msg = err.Error()
		} else if e, ok := v.Value().(error); ok {
			msg = e.Error()
		}
		AddErrorKind(kinds, ErrorKind(msg), 1)
		return kinds
	}
	if b, ok := v.(types.Bool); ok {
		if b {
			out[row] = Pass
		} else {
			out[row] = Fail
		}
		return kinds
	}
	out[row] = policy(rp.nulls)
	return kinds
}

func policy(n NullPolicy) Outcome {
	switch n {
	case NullsFail:
		return Fail
	case NullsPass:
		return Pass
	}
	return Skip
}

// Merge folds another run of the same program into r.
func (r *Run) Merge(other *Run) error {
	if other == nil {
		return nil
	}
	if other.p != r.p {
		return errors.New("rules: merge of runs of different programs")
	}
	if r.err != nil {
		return r.err
	}
	if other.err != nil {
		return other.err
	}
	return r.merge(&other.partial)
}

// Finish evaluates the dataset checks on the merged metric states.
//
// A check whose metric is undefined on the data (the mean of no values) is
// Skip; a check that cannot be computed (a reference dataset that cannot be
// read, an evaluation error) is Errored with Err set. The returned error is
// for the run itself (a cancelled context).
func (r *Run) Finish(ctx context.Context) ([]CheckResult, error) {
	if r.err != nil {
		return nil, r.err
	}
	r.vals = make([]computed, len(r.p.metrics))
	results := make([]CheckResult, len(r.p.checks))
	for i, cr := range r.p.checks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cp := r.p.chkProg[i]
		res := CheckResult{Rule: cr, Metrics: map[string]any{}}
		act := make(map[string]any, len(cp.uses))
		skip := false
		for _, u := range cp.uses {
			v, why, err := r.value(ctx, u.def)
			if errors.Is(err, ErrReference) {
				return nil, fmt.Errorf("check %s: %w", cr.Name, err)
			}
			if err != nil {
				res.Outcome, res.Err = Errored, fmt.Sprintf("%s: %v", u.label, err)
				break
			}
			res.Metrics[u.label] = v
			if v == nil {
				skip = true
				if why != "" && res.Err == "" {
					res.Err = u.label + ": " + why
				}
				continue
			}
			act[r.p.metrics[u.def].ident] = toCEL(v, r.p.metrics[u.def].typ)
		}
		switch {
		case res.Outcome == Errored:
		case skip:
			res.Outcome = Skip
		default:
			out, _, err := cp.prg.Eval(act)
			switch {
			case err != nil:
				// The kind, not the message: it may quote a value.
				res.Outcome, res.Err = Errored, ErrorKind(err.Error())
			case out == types.True:
				res.Outcome = Pass
			case out == types.False:
				res.Outcome = Fail
			default:
				res.Outcome, res.Err = Errored, fmt.Sprintf("check evaluated to %v, not a boolean", out)
			}
		}
		res.Duplicates = r.duplicates(i, res.Outcome)
		results[i] = res
	}
	return results, nil
}

// metric computes the value of Program.metrics[k].
func (r *Run) metric(ctx context.Context, k int) (any, error) {
	d := r.p.metrics[k]
	switch d.kind {
	case metricState:
		return r.states[k].Result()
	case metricCountIf:
		return r.counts[d.hidden], nil
	case metricFracIf:
		if r.rows == 0 {
			return nil, nil
		}
		return float64(r.counts[d.hidden]) / float64(r.rows), nil
	case metricNow:
		return r.cfg.now().UTC(), nil
	case metricMissing:
		return r.missing(ctx, d, r.values[k])
	case metricSchema, metricRowsOf:
		return r.tableValue(ctx, d)
	}
	return nil, fmt.Errorf("unknown metric")
}

// missing counts the checked rows whose value is not in the reference.
func (r *Run) missing(ctx context.Context, d *metricDef, seen map[any]int64) (any, error) {
	if r.cfg.refs == nil {
		return nil, fmt.Errorf("no reference opener: reading %s needs rules.WithReferences", d.ref.Dataset)
	}
	rdr, err := r.cfg.refs(ctx, d.ref)
	if err != nil {
		return nil, fmt.Errorf("%w: open %s: %w", ErrReference, d.ref.Dataset, err)
	}
	if rdr == nil {
		return nil, fmt.Errorf("open reference %s: no reader", d.ref.Dataset)
	}
	defer rdr.Release()
	set := map[any]struct{}{}
	for rdr.Next() {
		rec := rdr.RecordBatch()
		idx := rec.Schema().FieldIndices(d.ref.Column)
		if len(idx) == 0 {
			return nil, fmt.Errorf("reference %s has no column %q", d.ref.Dataset, d.ref.Column)
		}
		c, err := newColReader(rec.Column(idx[0]))
		if err != nil {
			return nil, fmt.Errorf("reference %s: %w", d.ref.Dataset, err)
		}
		for i := range int(rec.NumRows()) {
			if !c.null(i) {
				set[valueKey(c.get(i))] = struct{}{}
			}
		}
	}
	if err := rdr.Err(); err != nil {
		return nil, fmt.Errorf("%w: read %s: %w", ErrReference, d.ref.Dataset, err)
	}
	var n int64
	for v, count := range seen {
		if _, ok := set[v]; !ok {
			n += count
		}
	}
	return n, nil
}

// unmetered reports whether the unmetered program may run rp on the bound
// batch: when the cost estimate with the batch's actual value sizes is
// within the limit (then no row can exceed it); the metered one runs
// otherwise.
//
// The estimate grows with the sizes, so once it is within the limit for
// some sizes it is for any smaller ones: the program keeps, per expression,
// the largest sizes found safe and estimates again only beyond them.
func (r *Run) unmetered(rp *rowProgram, cols []*colReader) bool {
	cur := make([]uint64, len(rp.slots))
	for i, k := range rp.slots {
		n, ok := r.valueSize(k, cols[k])
		if !ok {
			return false
		}
		cur[i] = n
	}
	if safe := rp.safe.Load(); safe != nil && allLE(cur, *safe) {
		return true
	}
	sizes := batchSizes{byIdent: make(map[string]uint64, len(rp.slots))}
	for i, k := range rp.slots {
		sizes.byIdent[r.p.ce.slots[k].ident] = cur[i]
	}
	est, err := r.p.env.EstimateCost(rp.ast, sizes)
	if err != nil || est.Max > r.p.limit {
		return false
	}
	if safe := rp.safe.Load(); safe == nil || allLE(*safe, cur) {
		rp.safe.CompareAndSwap(safe, &cur) // a lost race keeps other safe sizes
	}
	return true
}

func allLE(a, b []uint64) bool {
	for i := range a {
		if a[i] > b[i] {
			return false
		}
	}
	return true
}

// valueSize is maxValueSize of a column, once per batch.
func (r *Run) valueSize(slot int, c *colReader) (uint64, bool) {
	if r.sizes == nil {
		r.sizes = make([]sizeOf, len(r.p.ce.slots))
	}
	s := &r.sizes[slot]
	if s.arr != c.arr {
		s.arr = c.arr
		s.n, s.ok = maxValueSize(c.arr)
	}
	return s.n, s.ok
}

// sizeOf caches maxValueSize of the array of a slot in the current batch.
type sizeOf struct {
	arr arrow.Array
	n   uint64
	ok  bool
}

// batchSizes is a size estimator that knows the largest value of each
// column in the current batch.
type batchSizes struct{ byIdent map[string]uint64 }

func (b batchSizes) EstimateSize(n checker.AstNode) *checker.SizeEstimate {
	path := n.Path()
	if len(path) != 1 {
		return nil
	}
	if max, ok := b.byIdent[path[0]]; ok {
		return &checker.SizeEstimate{Min: 0, Max: max}
	}
	return nil
}

func (batchSizes) EstimateCallCost(string, string, *checker.AstNode, []checker.AstNode) *checker.CallEstimate {
	return nil
}

// maxValueSize returns the size of the largest value of arr as CEL counts
// it (bytes of strings and binaries, elements of lists; 1 for scalars), and
// false when it cannot be bounded cheaply.
func maxValueSize(arr arrow.Array) (uint64, bool) {
	switch a := arr.(type) {
	case *array.Dictionary:
		return maxValueSize(a.Dictionary())
	case *array.String:
		return maxSpan(a.ValueOffsets()), true
	case *array.LargeString:
		return maxSpan(a.ValueOffsets()), true
	case *array.Binary:
		return maxSpan(a.ValueOffsets()), true
	case *array.LargeBinary:
		return maxSpan(a.ValueOffsets()), true
	case *array.List:
		return 0, false // element sizes would need a recursive bound
	}
	if arrow.IsNested(arr.DataType().ID()) {
		return 0, false
	}
	return 1, true
}

func maxSpan[T int32 | int64](offsets []T) uint64 {
	var m T
	for i := 1; i < len(offsets); i++ {
		if d := offsets[i] - offsets[i-1]; d > m {
			m = d
		}
	}
	return uint64(m)
}
