package rules

import (
	"fmt"

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
// nil when the engine is off or the expression is outside its subset.
func (c *compiler) vectorize(a *cel.Ast) *engine.Program {
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
	for row := range out {
		if !rp.testsNull && r.nullInput(rp, cols, row) {
			out[row] = policy(rp.nulls)
			continue
		}
		if res.Errored(row) {
			kinds = r.evalRow(rp, prg, row, out, kinds)
			continue
		}
		if res.True(row) {
			out[row] = Pass
		} else {
			out[row] = Fail
		}
	}
	return kinds, true
}
