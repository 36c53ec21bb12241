package benchmarks

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"regexp"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"

	"github.com/sluicedata/sluice/rules"
)

// Result is what an engine computed over a run: the counts of each row rule
// (nil entries for rules the engine cannot evaluate) and, for engines that
// compute them, dataset metric values keyed by their Sluice call
// ("mean(amount)").
type Result struct {
	Rows    []*Counts
	Metrics map[string]float64
}

// Sluice evaluates a rule file through the rules package the way the
// quality gate does: Run.Eval per batch (or Run.EvalReader on several
// workers), outcomes tallied per rule, then Finish.
type Sluice struct {
	prog    *rules.Program
	Workers int // > 0: EvalReader on this many goroutines; 0: Run.Eval per batch
}

// NewSluice compiles row rules and checks for schema with the default
// engine (auto).
func NewSluice(schema *arrow.Schema, rows []RowRule, checks []Check, opts ...rules.CompileOption) (*Sluice, error) {
	rs, err := rules.Parse("bench.yaml", RuleFile(rows, checks))
	if err != nil {
		return nil, err
	}
	prog, err := rs.Compile(schema, opts...)
	if err != nil {
		return nil, err
	}
	return &Sluice{prog: prog}, nil
}

// Vectorized returns how many row rules run on the vectorized engine.
func (s *Sluice) Vectorized() (n, of int) {
	for _, r := range s.prog.RowRules() {
		if r.Engine == rules.EngineVectorized {
			n++
		}
		of++
	}
	return n, of
}

// Run evaluates batches (borrowed).
func (s *Sluice) Run(ctx context.Context, batches []arrow.RecordBatch) (*Result, error) {
	n := len(s.prog.RowRules())
	res := &Result{Rows: make([]*Counts, n), Metrics: map[string]float64{}}
	for i := range res.Rows {
		res.Rows[i] = &Counts{}
	}
	tally := func(br *rules.BatchResult) {
		for i, c := range br.Counts {
			res.Rows[i].Pass += c[rules.Pass]
			res.Rows[i].Evaluated += int64(br.Rows) - c[rules.Skip]
		}
	}
	run := s.prog.NewRun(rules.WithoutOutcomes()) // counts and failing rows, as the gate reads them
	if s.Workers > 0 {
		rdr, err := array.NewRecordReader(batches[0].Schema(), batches)
		if err != nil {
			return nil, err
		}
		defer rdr.Release()
		err = run.EvalReader(ctx, rdr, s.Workers, func(_ arrow.RecordBatch, br *rules.BatchResult) error {
			tally(br)
			return nil
		})
		if err != nil {
			return nil, err
		}
	} else {
		for _, b := range batches {
			br, err := run.Eval(ctx, b)
			if err != nil {
				return nil, err
			}
			tally(br)
		}
	}
	if len(s.prog.Checks()) == 0 {
		return res, nil
	}
	checks, err := run.Finish(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range checks {
		if c.Outcome == rules.Errored {
			return nil, fmt.Errorf("check %s: %s", c.Rule.Name, c.Err)
		}
		for k, v := range c.Metrics {
			switch v := v.(type) {
			case float64:
				res.Metrics[k] = v
			case int64:
				res.Metrics[k] = float64(v)
			}
		}
	}
	return res, nil
}

// CelGo evaluates row rules with cel-go's interpreter in its best form: one
// program per rule with cel.OptOptimize, an interpreter.Activation reading
// the Arrow arrays directly, dictionary values boxed once per batch. Rows
// with a null input are skipped as Sluice's default nulls policy does.
type CelGo struct {
	rules  []RowRule
	prgs   []cel.Program
	names  map[string]int
	schema *arrow.Schema
	guards [][]int
}

// NewCelGo compiles rows for schema.
func NewCelGo(schema *arrow.Schema, rows []RowRule) (*CelGo, error) {
	var opts []cel.EnvOption
	names := map[string]int{}
	for i, f := range schema.Fields() {
		names[f.Name] = i
		t := f.Type
		if d, ok := t.(*arrow.DictionaryType); ok {
			t = d.ValueType
		}
		var ct *cel.Type
		switch t.ID() {
		case arrow.INT32, arrow.INT64:
			ct = cel.IntType
		case arrow.FLOAT64:
			ct = cel.DoubleType
		case arrow.STRING:
			ct = cel.StringType
		default:
			return nil, fmt.Errorf("celgo: column %s: unsupported type %s", f.Name, f.Type)
		}
		opts = append(opts, cel.Variable(f.Name, cel.NullableType(ct)))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, err
	}
	c := &CelGo{rules: rows, names: names, schema: schema}
	for _, r := range rows {
		ast, iss := env.Compile(r.Expr.CEL())
		if iss.Err() != nil {
			return nil, fmt.Errorf("celgo: %s: %w", r.Name, iss.Err())
		}
		prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
		if err != nil {
			return nil, err
		}
		c.prgs = append(c.prgs, prg)
		var g []int
		for _, col := range r.Guarded() {
			g = append(g, names[col])
		}
		c.guards = append(c.guards, g)
	}
	return c, nil
}

// celActivation resolves column variables from the current batch and row.
type celActivation struct {
	names map[string]int
	cols  []celColumn
	row   int
}

type celColumn struct {
	arr   arrow.Array
	get   func(row int) ref.Val
	boxed []ref.Val // dictionary values, boxed once
}

func (a *celActivation) ResolveName(name string) (any, bool) {
	k, ok := a.names[name]
	if !ok {
		return nil, false
	}
	c := &a.cols[k]
	if c.arr.IsNull(a.row) {
		return types.NullValue, true
	}
	return c.get(a.row), true
}

func (a *celActivation) Parent() interpreter.Activation { return nil }

func bindCEL(arr arrow.Array) celColumn {
	c := celColumn{arr: arr}
	switch a := arr.(type) {
	case *array.Int32:
		c.get = func(i int) ref.Val { return types.Int(a.Value(i)) }
	case *array.Int64:
		c.get = func(i int) ref.Val { return types.Int(a.Value(i)) }
	case *array.Float64:
		c.get = func(i int) ref.Val { return types.Double(a.Value(i)) }
	case *array.String:
		c.get = func(i int) ref.Val { return types.String(a.Value(i)) }
	case *array.Dictionary:
		d := a.Dictionary().(*array.String)
		c.boxed = make([]ref.Val, d.Len())
		for k := range c.boxed {
			c.boxed[k] = types.String(d.Value(k))
		}
		idx := a.Indices().(*array.Int32).Int32Values()
		c.get = func(i int) ref.Val { return c.boxed[idx[i]] }
	}
	return c
}

// Run evaluates batches (borrowed).
func (c *CelGo) Run(_ context.Context, batches []arrow.RecordBatch) (*Result, error) {
	res := &Result{Rows: make([]*Counts, len(c.rules))}
	for i := range res.Rows {
		res.Rows[i] = &Counts{}
	}
	act := &celActivation{names: c.names}
	for _, b := range batches {
		act.cols = make([]celColumn, b.NumCols())
		for i := range act.cols {
			act.cols[i] = bindCEL(b.Column(i))
		}
		n := int(b.NumRows())
		for r, prg := range c.prgs {
			cnt := res.Rows[r]
			guard := c.guards[r]
		rows:
			for row := range n {
				for _, k := range guard {
					if act.cols[k].arr.IsNull(row) {
						continue rows
					}
				}
				act.row = row
				cnt.Evaluated++
				v, _, _ := prg.Eval(act)
				if v == types.True {
					cnt.Pass++
				}
			}
		}
	}
	return res, nil
}

// Compute evaluates row rules with arrow-go's compute kernels (v18.8.0):
// comparisons against scalars, is_in, is_not_null, and, or; a
// dictionary-encoded column's is_in runs on the dictionary and is gathered
// with take. Rules with a node that has no kernel (regular expressions) are
// left out: their counts are nil.
type Compute struct {
	rules []RowRule
	sets  map[*Expr]arrow.Array
}

// NewCompute prepares rows, allocating the value sets with mem; Run
// allocates with the allocator of its context (compute.WithAllocator).
func NewCompute(mem memory.Allocator, rows []RowRule) *Compute {
	c := &Compute{rules: rows, sets: map[*Expr]arrow.Array{}}
	var walk func(e *Expr)
	walk = func(e *Expr) {
		if e.L != nil {
			walk(e.L)
			walk(e.R)
		} else if e.Op == OpIn && c.sets[e] == nil {
			c.sets[e] = stringArray(mem, e.Set)
		}
	}
	for _, r := range rows {
		walk(r.Expr)
	}
	return c
}

// Release frees the value sets.
func (c *Compute) Release() {
	for _, a := range c.sets {
		a.Release()
	}
}

// Run evaluates batches (borrowed).
func (c *Compute) Run(ctx context.Context, batches []arrow.RecordBatch) (*Result, error) {
	res := &Result{Rows: make([]*Counts, len(c.rules))}
	for i, r := range c.rules {
		if r.Expr.HasKernels() {
			res.Rows[i] = &Counts{}
		}
	}
	for _, b := range batches {
		for i, r := range c.rules {
			if res.Rows[i] == nil {
				continue
			}
			d, err := c.eval(ctx, b, r.Expr)
			if err != nil {
				return nil, fmt.Errorf("arrow-compute: %s: %w", r.Name, err)
			}
			arr := d.(*compute.ArrayDatum).MakeArray().(*array.Boolean)
			pass, valid := countBool(arr)
			arr.Release()
			d.Release()
			res.Rows[i].Pass += pass
			res.Rows[i].Evaluated += valid
		}
	}
	return res, nil
}

func (c *Compute) eval(ctx context.Context, b arrow.RecordBatch, e *Expr) (compute.Datum, error) {
	if e.L != nil {
		l, err := c.eval(ctx, b, e.L)
		if err != nil {
			return nil, err
		}
		defer l.Release()
		r, err := c.eval(ctx, b, e.R)
		if err != nil {
			return nil, err
		}
		defer r.Release()
		fn := "and"
		if e.Op == OpOr {
			fn = "or"
		}
		// and / or propagate nulls: a null input nulls the row, which is
		// Sluice's skip.
		return compute.CallFunction(ctx, fn, nil, l, r)
	}
	idx := b.Schema().FieldIndices(e.Col)
	if len(idx) == 0 {
		return nil, fmt.Errorf("no column %s", e.Col)
	}
	col := b.Column(idx[0])
	switch e.Op {
	case OpNotNull:
		return compute.CallFunction(ctx, "is_not_null", nil, compute.NewDatumWithoutOwning(col))
	case OpIn:
		opts := compute.SetOptions{ValueSet: compute.NewDatumWithoutOwning(c.sets[e]), NullBehavior: compute.NullMatchingEmitNull}
		if d, ok := col.(*array.Dictionary); ok {
			in, err := compute.IsIn(ctx, opts, compute.NewDatumWithoutOwning(d.Dictionary()))
			if err != nil {
				return nil, err
			}
			defer in.Release()
			return compute.Take(ctx, *compute.DefaultTakeOptions(), in, compute.NewDatumWithoutOwning(d.Indices()))
		}
		return compute.IsIn(ctx, opts, compute.NewDatumWithoutOwning(col))
	case OpMatches:
		return nil, errors.New("no regular expression kernel")
	}
	var lit scalar.Scalar
	switch col.DataType().ID() {
	case arrow.FLOAT64:
		lit = scalar.NewFloat64Scalar(e.Lit.(float64))
	case arrow.INT64:
		lit = scalar.NewInt64Scalar(e.Lit.(int64))
	case arrow.INT32:
		lit = scalar.NewInt32Scalar(int32(e.Lit.(int64)))
	default:
		return nil, fmt.Errorf("no comparison of %s", col.DataType())
	}
	fn := map[Op]string{OpGE: "greater_equal", OpLE: "less_equal", OpLT: "less", OpGT: "greater"}[e.Op]
	return compute.CallFunction(ctx, fn, nil, compute.NewDatumWithoutOwning(col), compute.NewDatum(lit))
}

// countBool counts the true and the valid values of arr.
func countBool(arr *array.Boolean) (pass, valid int64) {
	n := arr.Len()
	if arr.Data().Offset() != 0 {
		for i := range n {
			if arr.IsValid(i) {
				valid++
				if arr.Value(i) {
					pass++
				}
			}
		}
		return pass, valid
	}
	vals := words(arr.Data().Buffers()[1].Bytes(), n)
	mask := validWords(arr, nil)
	for w, v := range vals {
		pass += int64(bits.OnesCount64(v & mask[w]))
		valid += int64(bits.OnesCount64(mask[w]))
	}
	return pass, valid
}

// words reads the bitmap of n bits in buf as words; bits past n are zero.
func words(buf []byte, n int) []uint64 {
	out := make([]uint64, (n+63)/64)
	return wordsInto(out, buf, n)
}

func wordsInto(out []uint64, buf []byte, n int) []uint64 {
	nw := (n + 63) / 64
	out = out[:nw]
	for w := range nw {
		if len(buf) >= w*8+8 {
			out[w] = binary.LittleEndian.Uint64(buf[w*8:])
		} else {
			var tmp [8]byte
			copy(tmp[:], buf[w*8:])
			out[w] = binary.LittleEndian.Uint64(tmp[:])
		}
	}
	if r := n % 64; r != 0 {
		out[nw-1] &= 1<<r - 1
	}
	return out
}

// validWords returns the validity of arr (offset 0) as words, into out
// when it is large enough.
func validWords(arr arrow.Array, out []uint64) []uint64 {
	n := arr.Len()
	nw := (n + 63) / 64
	if cap(out) < nw {
		out = make([]uint64, nw)
	}
	out = out[:nw]
	if arr.NullN() == 0 || arr.NullBitmapBytes() == nil {
		for w := range out {
			out[w] = math.MaxUint64
		}
		if r := n % 64; r != 0 {
			out[nw-1] = 1<<r - 1
		}
		return out
	}
	return wordsInto(out, arr.NullBitmapBytes(), n)
}

// Loop evaluates row rules with hand-written Go loops over the Arrow
// buffers: one bitmap per expression node, combined word by word, counted
// with popcount. It is the practical limit of a columnar engine in Go.
type Loop struct {
	rules []RowRule
	sets  map[*Expr]map[string]bool
	res   map[*Expr]*regexp.Regexp
}

// NewLoop prepares rows.
func NewLoop(rows []RowRule) *Loop {
	l := &Loop{rules: rows, sets: map[*Expr]map[string]bool{}, res: map[*Expr]*regexp.Regexp{}}
	var walk func(e *Expr)
	walk = func(e *Expr) {
		switch {
		case e.L != nil:
			walk(e.L)
			walk(e.R)
		case e.Op == OpIn:
			m := map[string]bool{}
			for _, s := range e.Set {
				m[s] = true
			}
			l.sets[e] = m
		case e.Op == OpMatches:
			l.res[e] = regexp.MustCompile(e.Lit.(string))
		}
	}
	for _, r := range rows {
		walk(r.Expr)
	}
	return l
}

// loopScratch holds reusable bitmaps.
type loopScratch struct {
	free [][]uint64
	nw   int
}

func (s *loopScratch) get() []uint64 {
	if k := len(s.free); k > 0 {
		b := s.free[k-1]
		s.free = s.free[:k-1]
		return b[:s.nw]
	}
	return make([]uint64, s.nw, (EngineBatchRows+63)/64)
}

func (s *loopScratch) put(b []uint64) { s.free = append(s.free, b) }

// Run evaluates batches (borrowed).
func (l *Loop) Run(_ context.Context, batches []arrow.RecordBatch) (*Result, error) {
	res := &Result{Rows: make([]*Counts, len(l.rules))}
	for i := range res.Rows {
		res.Rows[i] = &Counts{}
	}
	sc := &loopScratch{}
	for _, b := range batches {
		n := int(b.NumRows())
		sc.nw = (n + 63) / 64
		cols := map[string]arrow.Array{}
		for i, f := range b.Schema().Fields() {
			cols[f.Name] = b.Column(i)
		}
		for i, r := range l.rules {
			val := l.eval(sc, cols, n, r.Expr)
			mask := sc.get()
			for w := range mask {
				mask[w] = math.MaxUint64
			}
			if rem := n % 64; rem != 0 {
				mask[len(mask)-1] = 1<<rem - 1
			}
			for _, c := range r.Guarded() {
				if a := cols[c]; a.NullN() > 0 {
					v := validWords(a, sc.get())
					for w := range mask {
						mask[w] &= v[w]
					}
					sc.put(v)
				}
			}
			var pass, eval int64
			for w, m := range mask {
				pass += int64(bits.OnesCount64(val[w] & m))
				eval += int64(bits.OnesCount64(m))
			}
			sc.put(val)
			sc.put(mask)
			res.Rows[i].Pass += pass
			res.Rows[i].Evaluated += eval
		}
	}
	return res, nil
}

func (l *Loop) eval(sc *loopScratch, cols map[string]arrow.Array, n int, e *Expr) []uint64 {
	if e.L != nil {
		a := l.eval(sc, cols, n, e.L)
		b := l.eval(sc, cols, n, e.R)
		if e.Op == OpAnd {
			for w := range a {
				a[w] &= b[w]
			}
		} else {
			for w := range a {
				a[w] |= b[w]
			}
		}
		sc.put(b)
		return a
	}
	col := cols[e.Col]
	switch e.Op {
	case OpNotNull:
		return validWords(col, sc.get())
	case OpIn:
		out := sc.get()
		set := l.sets[e]
		switch a := col.(type) {
		case *array.Dictionary:
			d := a.Dictionary().(*array.String)
			ok := make([]uint64, d.Len())
			for k := range ok {
				if set[d.Value(k)] {
					ok[k] = 1
				}
			}
			idx := a.Indices().(*array.Int32).Int32Values()
			for w := range out {
				var m uint64
				for j, k := range idx[w*64 : min(w*64+64, n)] {
					m |= ok[k] << j
				}
				out[w] = m
			}
		case *array.String:
			if len(e.Set) <= 4 {
				vals := e.Set
				bitsOf(out, n, func(i int) uint64 {
					s := a.Value(i)
					for _, v := range vals {
						if s == v {
							return 1
						}
					}
					return 0
				})
			} else {
				bitsOf(out, n, func(i int) uint64 {
					if set[a.Value(i)] {
						return 1
					}
					return 0
				})
			}
		}
		return out
	case OpMatches:
		out := sc.get()
		a := col.(*array.String)
		re := l.res[e]
		bitsOf(out, n, func(i int) uint64 {
			if re.MatchString(a.Value(i)) {
				return 1
			}
			return 0
		})
		return out
	}
	out := sc.get()
	switch a := col.(type) {
	case *array.Float64:
		cmpWords(out, a.Float64Values(), e.Op, e.Lit.(float64))
	case *array.Int64:
		cmpWords(out, a.Int64Values(), e.Op, e.Lit.(int64))
	case *array.Int32:
		cmpWords(out, a.Int32Values(), e.Op, int32(e.Lit.(int64)))
	}
	return out
}

// bitsOf sets out's bit i to f(i) for i < n.
func bitsOf(out []uint64, n int, f func(i int) uint64) {
	for w := range out {
		var m uint64
		end := min(w*64+64, n)
		for i := w * 64; i < end; i++ {
			m |= f(i) << (i & 63)
		}
		out[w] = m
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// cmpWords sets out's bit i to vals[i] op t, one specialised loop per op.
func cmpWords[T int32 | int64 | float64](out []uint64, vals []T, op Op, t T) {
	for w := range out {
		var m uint64
		chunk := vals[w*64 : min(w*64+64, len(vals))]
		switch op {
		case OpGE:
			for j, v := range chunk {
				m |= b2u(v >= t) << j
			}
		case OpLE:
			for j, v := range chunk {
				m |= b2u(v <= t) << j
			}
		case OpLT:
			for j, v := range chunk {
				m |= b2u(v < t) << j
			}
		case OpGT:
			for j, v := range chunk {
				m |= b2u(v > t) << j
			}
		}
		out[w] = m
	}
}
