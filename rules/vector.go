package rules

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"

	"github.com/sluicedata/sluice/rules/engine"
)

// Engines a rule can run on; see WithEngine.
const (
	EngineAuto        = "auto"        // the vectorized engine where it applies, the interpreter otherwise
	EngineInterpreter = "interpreter" // cel-go's interpreter for every rule
	EngineVectorized  = "vectorized"  // CompiledRule.Engine of a rule the vectorized engine runs
	// EngineMixed is the CompiledRule.Engine of a rule the vectorized
	// engine runs with some subexpressions on the interpreter, row by row.
	EngineMixed = "mixed"
)

// WithEngine picks the evaluation engine: EngineAuto (the default) runs
// each row rule the vectorized engine can compile on it and the others on
// the interpreter; EngineInterpreter runs every rule on the interpreter.
func WithEngine(name string) CompileOption { return func(c *compileConfig) { c.engine = name } }

func checkEngine(name string) error {
	switch name {
	case EngineAuto, EngineInterpreter:
		return nil
	}
	return fmt.Errorf("rules: unknown engine %q (want %q or %q)", name, EngineAuto, EngineInterpreter)
}

// vectorize compiles a checked row expression for the vectorized engine
// into the program's set; nil when the engine is off or the expression is
// outside its subset. The engine must read exactly the columns in slots,
// whose nulls decide the nulls policy.
func (c *compiler) vectorize(a *cel.Ast, slots []int) (*engine.Program, string) {
	if c.cfg.engine == EngineInterpreter {
		return nil, "the interpreter engine was asked for"
	}
	if c.p.vset == nil {
		resolve := func(name string) (int, arrow.DataType, bool) {
			k, ok := c.ce.byIdent[name]
			if !ok {
				return 0, nil, false
			}
			return k, c.ce.slots[k].typ, true
		}
		c.p.vset = engine.NewSet(resolve, engine.WithFallback(c.fallback))
	}
	// Constant subexpressions are folded first (the interpreter, the
	// oracle, runs the expression as written).
	if opt, err := cel.NewStaticOptimizer(cel.NewConstantFoldingOptimizer()); err == nil {
		if folded, iss := opt.Optimize(c.rowEnv, a); iss.Err() == nil {
			a = folded
		}
	}
	vp, err := c.p.vset.Compile(a.NativeRep())
	if err != nil {
		// Outside the subset (engine.ErrNotVectorizable): the interpreter
		// runs it. The reason names parts of the expression, never data.
		return nil, err.Error()
	}
	got := vp.Slots()
	slices.Sort(got)
	if !slices.Equal(got, slices.Sorted(slices.Values(slots))) {
		return nil, "the engine would read other columns than the expression"
	}
	return vp, ""
}

// fallback compiles a subexpression the engine leaves to the interpreter;
// equal sources share one program.
func (c *compiler) fallback(src string) (int, error) {
	if k, ok := c.fallbackIndex[src]; ok {
		return k, nil
	}
	a, iss := c.rowEnv.Compile(src)
	if iss.Err() != nil {
		return 0, iss.Err()
	}
	if a.OutputType().Kind() != types.BoolKind {
		return 0, fmt.Errorf("%s is %s, not bool", src, a.OutputType())
	}
	prg, err := c.rowEnv.Program(a, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return 0, err
	}
	if c.fallbackIndex == nil {
		c.fallbackIndex = map[string]int{}
	}
	k := len(c.p.fallbacks)
	c.p.fallbacks = append(c.p.fallbacks, prg)
	c.fallbackIndex[src] = k
	return k, nil
}

// failBytes[b] holds eight outcomes, Fail where bit k of b is clear and
// Pass where it is set, byte k for bit k.
var failBytes = func() (t [256]uint64) {
	for b := range 256 {
		for k := range 8 {
			if b&(1<<k) == 0 {
				t[b] |= uint64(Fail) << (8 * k)
			}
		}
	}
	return t
}()

// vectorBatch binds the batch to the program's set, once per Eval: the
// columns are bound once for every rule, and subexpressions rules share
// are evaluated once.
func (r *Run) vectorBatch(cols []*colReader, n int) *engine.Batch {
	if r.vb != nil {
		return r.vb
	}
	arrs := make([]arrow.Array, len(cols))
	for k, c := range cols {
		if c != nil {
			arrs[k] = c.arr
		}
	}
	act := &r.act
	fallbacks := r.p.fallbacks
	r.vb = r.p.vset.Bind(arrs, n, func(k, row int) (bool, bool) {
		act.row = row
		v, _, err := fallbacks[k].Eval(act)
		if err != nil {
			return false, true
		}
		b, ok := v.(types.Bool)
		return bool(b), !ok
	})
	return r.vb
}

// evalVector runs rp on the vectorized engine. Rows the engine marks as
// errors are evaluated again on the interpreter (the unmetered program,
// planned then), which gives the error its message. It returns false when
// the engine cannot run the batch (the caller then uses the interpreter
// for every row).
func (r *Run) evalVector(rp *rowProgram, cols []*colReader, out []Outcome, failing []uint64, full bool) (map[string]int64, OutcomeCounts, bool) {
	var counts OutcomeCounts
	vb := r.vectorBatch(cols, len(out))
	res, err := vb.Eval(rp.vec)
	if err != nil {
		return nil, counts, false
	}
	defer vb.Release(res)
	var kinds map[string]int64
	var passed, plain int
	ob := outcomeBytes(out)
	for w := 0; w*64 < len(out); w++ {
		val, errs := res.Value[w], res.Err[w]
		var nulls uint64
		if res.Null != nil && !rp.testsNull {
			nulls = res.Null[w]
		}
		if res.NullValue != nil {
			// A null value counts per the nulls policy, as an input null.
			nulls |= res.NullValue[w] &^ errs
		}
		end := min(w*64+64, len(out))
		special := nulls | errs
		rows := ^uint64(0) >> (64 - (end - w*64))
		if failing != nil {
			failing[w] = ^val &^ special & rows
		}
		// Without full outcomes only the special rows need one (below).
		if full && end-w*64 == 64 {
			// Eight outcomes per store: Pass is 0 and Fail 1.
			d := ob[w*64 : w*64+64 : w*64+64]
			binary.LittleEndian.PutUint64(d[0:8], failBytes[byte(val)])
			binary.LittleEndian.PutUint64(d[8:16], failBytes[byte(val>>8)])
			binary.LittleEndian.PutUint64(d[16:24], failBytes[byte(val>>16)])
			binary.LittleEndian.PutUint64(d[24:32], failBytes[byte(val>>24)])
			binary.LittleEndian.PutUint64(d[32:40], failBytes[byte(val>>32)])
			binary.LittleEndian.PutUint64(d[40:48], failBytes[byte(val>>40)])
			binary.LittleEndian.PutUint64(d[48:56], failBytes[byte(val>>48)])
			binary.LittleEndian.PutUint64(d[56:64], failBytes[byte(val>>56)])
		} else if full {
			for row := w * 64; row < end; row++ {
				out[row] = Fail - Outcome(val>>(row&63)&1)
			}
		}
		passed += bits.OnesCount64(val &^ special & rows)
		plain += bits.OnesCount64(rows &^ special)
		// Null inputs count per the nulls policy, in bulk.
		if nullRows := nulls & rows; nullRows != 0 {
			o := policy(rp.nulls)
			counts[o] += int64(bits.OnesCount64(nullRows))
			if failing != nil && o == Fail {
				failing[w] |= nullRows
			}
			if full {
				for sp := nullRows; sp != 0; sp &= sp - 1 {
					out[w*64+bits.TrailingZeros64(sp)] = o
				}
			}
		}
		// Errors are evaluated again on the interpreter, for the message.
		for sp := errs &^ nulls & rows; sp != 0; sp &= sp - 1 {
			j := bits.TrailingZeros64(sp)
			row := w*64 + j
			kinds = r.evalRow(rp, rp.unmetered(), row, out, kinds)
			counts[out[row]]++
			if failing != nil && out[row]&1 != 0 { // Fail or Errored
				failing[w] |= 1 << j
			}
		}
	}
	counts[Pass] += int64(passed)
	counts[Fail] += int64(plain - passed)
	return kinds, counts, true
}
