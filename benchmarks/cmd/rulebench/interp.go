package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/cel-go/cel"

	"github.com/sluicedata/sluice/rules"
)

// interpRule is the rule of the interpreter case: a numeric comparison and a
// set membership on a string column.
const interpRule = `amount >= 0.0 && status in ['new', 'paid', 'shipped']`

var interpSchema = arrow.NewSchema([]arrow.Field{
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "status", Type: arrow.BinaryTypes.String},
}, nil)

// interpBatches generates rows rows in batches of 64Ki: amounts with 1%
// nulls and 2% negatives, statuses from six values.
func interpBatches(rows int) []arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(1, 2))
	statuses := []string{"new", "paid", "shipped", "cancelled", "refunded", "unknown"}
	var out []arrow.RecordBatch
	for done := 0; done < rows; {
		n := min(64*1024, rows-done)
		b := array.NewRecordBuilder(memory.DefaultAllocator, interpSchema)
		am := b.Field(0).(*array.Float64Builder)
		st := b.Field(1).(*array.StringBuilder)
		for range n {
			switch r := rng.IntN(100); {
			case r == 0:
				am.AppendNull()
			case r < 3:
				am.Append(-rng.Float64() * 100)
			default:
				am.Append(rng.Float64() * 1000)
			}
			st.Append(statuses[rng.IntN(len(statuses))])
		}
		out = append(out, b.NewRecordBatch())
		b.Release()
		done += n
	}
	return out
}

// interp measures row-rule throughput of the interpreter path (rules.Run.Eval:
// custom Activation over Arrow, OptOptimize) against cel-go with a map
// activation per row, and against a hand-written Go loop: the practical limit.
func interp(cfg config) error {
	batches := interpBatches(cfg.Rows)
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	rows := int64(cfg.Rows)

	rs, err := rules.Parse("bench.yaml", []byte(fmt.Sprintf(
		"version: 1\ndataset: bench\nowner: bench@example.com\nrules:\n  - name: r\n    expr: %q\n", interpRule)))
	if err != nil {
		return err
	}
	prog, err := rs.Compile(interpSchema, rules.WithEngine(rules.EngineInterpreter))
	if err != nil {
		return err
	}

	var passSluice, passMap, passLoop int64
	sluice := best(cfg.Reps, func() error {
		passSluice = 0
		run := prog.NewRun()
		for _, b := range batches {
			res, err := run.Eval(context.Background(), b)
			if err != nil {
				return err
			}
			for _, o := range res.Outcomes[0] {
				if o == rules.Pass {
					passSluice++
				}
			}
		}
		return nil
	})
	if sluice.err != nil {
		return sluice.err
	}

	env, err := cel.NewEnv(cel.Variable("amount", cel.DoubleType), cel.Variable("status", cel.StringType))
	if err != nil {
		return err
	}
	ast, iss := env.Compile(interpRule)
	if iss.Err() != nil {
		return iss.Err()
	}
	celProg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return err
	}
	mapAct := best(cfg.Reps, func() error {
		passMap = 0
		for _, b := range batches {
			am := b.Column(0).(*array.Float64)
			st := b.Column(1).(*array.String)
			for i := range am.Len() {
				if am.IsNull(i) {
					continue
				}
				out, _, err := celProg.Eval(map[string]any{"amount": am.Value(i), "status": st.Value(i)})
				if err != nil {
					return err
				}
				if out.Value() == true {
					passMap++
				}
			}
		}
		return nil
	})
	if mapAct.err != nil {
		return mapAct.err
	}

	loop := best(cfg.Reps, func() error {
		passLoop = 0
		for _, b := range batches {
			am := b.Column(0).(*array.Float64)
			st := b.Column(1).(*array.String)
			vals := am.Float64Values()
			for i, v := range vals {
				if am.IsNull(i) {
					continue
				}
				if s := st.Value(i); v >= 0 && (s == "new" || s == "paid" || s == "shipped") {
					passLoop++
				}
			}
		}
		return nil
	})

	if passSluice != passLoop || passMap != passLoop {
		return fmt.Errorf("engines disagree: sluice %d, celgo-map %d, loop %d rows passed", passSluice, passMap, passLoop)
	}
	base := report(Measurement{Case: "interp", Engine: "celgo-map", Rows: rows, Seconds: mapAct.secs}, nil)
	report(Measurement{Case: "interp", Engine: "sluice", Rows: rows, Seconds: sluice.secs}, &base)
	report(Measurement{Case: "interp", Engine: "loop", Rows: rows, Seconds: loop.secs}, &base)
	return nil
}

type timing struct {
	secs float64
	err  error
}

// best runs f reps times and keeps the fastest run.
func best(reps int, f func() error) timing {
	t := timing{secs: -1}
	for range reps {
		start := time.Now()
		if err := f(); err != nil {
			return timing{err: err}
		}
		if s := time.Since(start).Seconds(); t.secs < 0 || s < t.secs {
			t.secs = s
		}
	}
	return t
}
