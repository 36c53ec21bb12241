package main

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/rules"
)

// vectorStatuses are the status values of the vector case; the first three
// pass the rule.
var vectorStatuses = []string{"new", "paid", "shipped", "cancelled", "refunded", "unknown"}

// vectorBatches generates rows rows in batches of 64Ki, the same data twice:
// status as a plain string column and dictionary-encoded. Amounts have 1%
// nulls and 2% negatives.
func vectorBatches(rows int) (plain, dict []arrow.RecordBatch) {
	rng := rand.New(rand.NewPCG(1, 2))
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	dictSchema := arrow.NewSchema([]arrow.Field{
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "status", Type: dictType},
	}, nil)
	sb := array.NewStringBuilder(memory.DefaultAllocator)
	sb.AppendValues(vectorStatuses, nil)
	values := sb.NewArray()
	sb.Release()
	defer values.Release()
	for done := 0; done < rows; {
		n := min(64*1024, rows-done)
		am := array.NewFloat64Builder(memory.DefaultAllocator)
		st := array.NewStringBuilder(memory.DefaultAllocator)
		ix := array.NewInt32Builder(memory.DefaultAllocator)
		for range n {
			switch r := rng.IntN(100); {
			case r == 0:
				am.AppendNull()
			case r < 3:
				am.Append(-rng.Float64() * 100)
			default:
				am.Append(rng.Float64() * 1000)
			}
			k := rng.IntN(len(vectorStatuses))
			st.Append(vectorStatuses[k])
			ix.Append(int32(k))
		}
		amounts, statuses, idx := am.NewArray(), st.NewArray(), ix.NewArray()
		encoded := array.NewDictionaryArray(dictType, idx, values)
		plain = append(plain, array.NewRecordBatch(interpSchema, []arrow.Array{amounts, statuses}, int64(n)))
		dict = append(dict, array.NewRecordBatch(dictSchema, []arrow.Array{amounts, encoded}, int64(n)))
		for _, a := range []arrow.Array{amounts, statuses, idx, encoded} {
			a.Release()
		}
		am.Release()
		st.Release()
		ix.Release()
		done += n
	}
	return plain, dict
}

// vector measures the vectorized engine against the interpreter path of the
// same rule (both through rules.Run.Eval) and a hand-written Go loop, with
// status plain and dictionary-encoded.
func vector(cfg config) error {
	plain, dict := vectorBatches(cfg.Rows)
	defer func() {
		for _, b := range append(plain, dict...) {
			b.Release()
		}
	}()
	rs, err := rules.Parse("bench.yaml", []byte(fmt.Sprintf(
		"version: 1\ndataset: bench\nowner: bench@example.com\nrules:\n  - name: r\n    expr: %q\n", interpRule)))
	if err != nil {
		return err
	}
	for _, enc := range []struct {
		name    string
		batches []arrow.RecordBatch
	}{{"plain", plain}, {"dict", dict}} {
		if err := vectorCase(cfg, rs, enc.name, enc.batches); err != nil {
			return err
		}
	}
	return nil
}

func vectorCase(cfg config, rs *rules.RuleSet, enc string, batches []arrow.RecordBatch) error {
	schema := batches[0].Schema()
	vec, err := rs.Compile(schema, rules.WithEngine(rules.EngineAuto))
	if err != nil {
		return err
	}
	if e := vec.RowRules()[0].Engine; e != rules.EngineVectorized {
		return fmt.Errorf("vector-%s: the rule runs on the %s engine", enc, e)
	}
	interpProg, err := rs.Compile(schema, rules.WithEngine(rules.EngineInterpreter))
	if err != nil {
		return err
	}
	runRules := func(p *rules.Program, pass *int64) func() error {
		return func() error {
			*pass = 0
			run := p.NewRun()
			for _, b := range batches {
				res, err := run.Eval(context.Background(), b)
				if err != nil {
					return err
				}
				for _, o := range res.Outcomes[0] {
					if o == rules.Pass {
						*pass++
					}
				}
			}
			return nil
		}
	}
	var passVec, passInterp, passLoop int64
	tVec := best(cfg.Reps, runRules(vec, &passVec))
	if tVec.err != nil {
		return tVec.err
	}
	tInterp := best(cfg.Reps, runRules(interpProg, &passInterp))
	if tInterp.err != nil {
		return tInterp.err
	}
	tLoop := best(cfg.Reps, func() error {
		passLoop = 0
		for _, b := range batches {
			am := b.Column(0).(*array.Float64)
			vals := am.Float64Values()
			switch st := b.Column(1).(type) {
			case *array.String:
				for i, v := range vals {
					if am.IsNull(i) {
						continue
					}
					if s := st.Value(i); v >= 0 && (s == "new" || s == "paid" || s == "shipped") {
						passLoop++
					}
				}
			case *array.Dictionary:
				d := st.Dictionary().(*array.String)
				ok := make([]bool, d.Len())
				for k := range ok {
					s := d.Value(k)
					ok[k] = s == "new" || s == "paid" || s == "shipped"
				}
				idx := st.Indices().(*array.Int32).Int32Values()
				for i, v := range vals {
					if !am.IsNull(i) && v >= 0 && ok[idx[i]] {
						passLoop++
					}
				}
			}
		}
		return nil
	})
	if passVec != passLoop || passInterp != passLoop {
		return fmt.Errorf("vector-%s: engines disagree: vector %d, interpreter %d, loop %d rows passed", enc, passVec, passInterp, passLoop)
	}
	name := "vector-" + enc
	rows := int64(cfg.Rows)
	base := report(Measurement{Case: name, Engine: "sluice-interp", Rows: rows, Seconds: tInterp.secs}, nil)
	v := report(Measurement{Case: name, Engine: "sluice-vector", Rows: rows, Seconds: tVec.secs}, &base)
	l := report(Measurement{Case: name, Engine: "loop", Rows: rows, Seconds: tLoop.secs}, &base)
	// The vectorized engine against the practical limit.
	report(v, &l)
	return nil
}
