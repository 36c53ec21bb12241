package pii

import (
	"testing"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/interpreter"
)

// benchValues returns n values cycling through a corpus: every kind and
// the near misses, as a scan of mixed columns would see them.
func benchValues(n int) []string {
	c := Corpus(7)
	out := make([]string, n)
	for i := range out {
		out[i] = c[(i*7919)%len(c)].Value
	}
	return out
}

const benchRows = 1_000_000

func BenchmarkDetectors(b *testing.B) {
	values := benchValues(benchRows)
	for _, d := range Builtin {
		b.Run(d.Kind, func(b *testing.B) {
			b.ReportAllocs()
			hits := 0
			for b.Loop() {
				for _, v := range values {
					if d.Func(v) {
						hits++
					}
				}
			}
			b.ReportMetric(float64(b.N)*benchRows/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// oneVar is a CEL activation with one variable and no per-row maps.
type oneVar struct{ v string }

func (a *oneVar) ResolveName(name string) (any, bool) { return a.v, name == "v" }
func (a *oneVar) Parent() interpreter.Activation      { return nil }

// BenchmarkCELRegexEmail is the e-mail check as a matches() regex on the
// cel-go interpreter, for comparison with BenchmarkDetectors/email.
func BenchmarkCELRegexEmail(b *testing.B) {
	values := benchValues(benchRows)
	env, err := cel.NewEnv(cel.Variable("v", cel.StringType))
	if err != nil {
		b.Fatal(err)
	}
	ast, iss := env.Compile(`v.matches('^[A-Za-z0-9.!#$%&\'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.[A-Za-z]{2,}$')`)
	if iss.Err() != nil {
		b.Fatal(iss.Err())
	}
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		b.Fatal(err)
	}
	act := &oneVar{}
	b.ReportAllocs()
	for b.Loop() {
		for _, v := range values {
			act.v = v
			if _, _, err := prg.Eval(act); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)*benchRows/b.Elapsed().Seconds(), "rows/s")
}
