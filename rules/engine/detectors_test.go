package engine_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
	"github.com/sluicedata/sluice/rules/pii"
)

// detectorBatch holds the labelled corpus, with every 7th value null, as a
// plain and as a dictionary-encoded string column.
func detectorBatch(t *testing.T, mem memory.Allocator) arrow.RecordBatch {
	t.Helper()
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "d", Type: dictType, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	plain := b.Field(0).(*array.StringBuilder)
	dict := b.Field(1).(*array.BinaryDictionaryBuilder)
	for i, l := range pii.Corpus(1) {
		if i%7 == 0 {
			plain.AppendNull()
			dict.AppendNull()
			continue
		}
		plain.Append(l.Value)
		require.NoError(t, dict.AppendString(l.Value))
	}
	return b.NewRecordBatch()
}

// TestDetectorsVectorized holds the detector functions on the vectorized
// engine to the interpreter's outcomes, row by row.
func TestDetectorsVectorized(t *testing.T) {
	mem := arrowtest.Allocator(t)
	batch := detectorBatch(t, mem)
	defer batch.Release()
	exprs := []string{
		"is_email(s)", "is_phone(d)", "is_credit_card(s) || is_iban(d)", "!is_ip(s)",
		"is_us_ssn(d) && is_uk_nino(s)", "is_mac(s) || !is_mac(d)", "s == null || is_email(s)",
	}
	for _, expr := range exprs {
		for _, nulls := range []rules.NullPolicy{rules.NullsSkip, rules.NullsFail, rules.NullsPass} {
			t.Run(expr+"/"+string(nulls), func(t *testing.T) {
				rs := &rules.RuleSet{Version: 1, Dataset: "d", Rules: []rules.Rule{{Name: "r", Expr: expr, Nulls: nulls}}}
				auto, err := rs.Compile(batch.Schema(), rules.WithEngine(rules.EngineAuto))
				require.NoError(t, err)
				assert.Equal(t, rules.EngineVectorized, auto.RowRules()[0].Engine)
				interp, err := rs.Compile(batch.Schema(), rules.WithEngine(rules.EngineInterpreter))
				require.NoError(t, err)
				got, err := auto.NewRun().Eval(context.Background(), batch)
				require.NoError(t, err)
				want, err := interp.NewRun().Eval(context.Background(), batch)
				require.NoError(t, err)
				require.Equal(t, want.Outcomes, got.Outcomes)
				require.Equal(t, want.ErrorKinds, got.ErrorKinds)
			})
		}
	}
}
