package rules

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/cel-go/cel"

	"github.com/sluicedata/sluice/rules/engine"
)

// Engines a rule can run on; see WithEngine.
const (
	EngineAuto        = "auto"        // the vectorized engine where it applies, the interpreter otherwise
	EngineInterpreter = "interpreter" // cel-go's interpreter for every rule
	EngineVectorized  = "vectorized"  // CompiledRule.Engine of a rule the vectorized engine runs
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

// vectorize compiles a checked row expression for the vectorized engine;
// nil when the engine is off or the expression is outside its subset. The
// engine must read exactly the columns in slots, whose nulls decide the
// nulls policy.
func (c *compiler) vectorize(a *cel.Ast, slots []int) *engine.Program {
	if c.cfg.engine == EngineInterpreter {
		return nil
	}
	resolve := func(name string) (int, arrow.DataType, bool) {
		k, ok := c.ce.byIdent[name]
		if !ok {
			return 0, nil, false
		}
		return k, c.ce.slots[k].typ, true
	}
	vp, err := engine.Compile(a.NativeRep(), resolve)
	if err != nil {
		return nil // outside the subset (engine.ErrNotVectorizable): the interpreter runs it
	}
	got := vp.Slots()
	slices.Sort(got)
	if !slices.Equal(got, slices.Sorted(slices.Values(slots))) {
		return nil
	}
	return vp
}

// evalVector runs rp on the vectorized engine. Rows the engine marks as
// errors are evaluated again on the interpreter (prg), which gives the
// error its message. It returns false when the engine cannot run the batch
// (the caller then uses the interpreter for every row).
func (r *Run) evalVector(rp *rowProgram, prg cel.Program, cols []*colReader, out []Outcome) (map[string]int64, bool) {
	arrs := make([]arrow.Array, len(cols))
	for _, k := range rp.slots {
		arrs[k] = cols[k].arr
	}
	res, err := rp.vec.Eval(arrs, len(out))
	if err != nil {
		return nil, false
	}
	var kinds map[string]int64
	for w := 0; w*64 < len(out); w++ {
		val, errs := res.Value[w], res.Err[w]
		var nulls uint64
		if res.Null != nil && !rp.testsNull {
			nulls = res.Null[w]
		}
		end := min(w*64+64, len(out))
		for row := w * 64; row < end; row++ {
			// Pass is 0 and Fail 1.
			out[row] = Fail - Outcome(val>>(row&63)&1)
		}
		if special := nulls | errs; special != 0 {
			for row := w * 64; row < end; row++ {
				bit := uint64(1) << (row & 63)
				switch {
				case special&bit == 0:
				case nulls&bit != 0:
					out[row] = policy(rp.nulls)
				default:
					kinds = r.evalRow(rp, prg, row, out, kinds)
				}
			}
		}
	}
	return kinds, true
}
