package rules_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

func TestPIIFunctions(t *testing.T) {
	P, F, S := rules.Pass, rules.Fail, rules.Skip
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "v", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	values := []string{"a@example.com", "(212) 555-0123", "4111 1111 1111 1111", "DE89370400440532013000",
		"2001:db8::1", "123-45-6789", "AB 12 34 56 C", "00:1a:2b:3c:4d:5e", "2024-01-15", ""}
	valid := []bool{true, true, true, true, true, true, true, true, true, false}
	mem := arrowtest.Allocator(t)
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	sb.AppendValues(values, valid)
	col := sb.NewArray()
	defer col.Release()
	batch := array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))
	defer batch.Release()

	// only returns Pass at row i, Fail elsewhere, Skip on the null row.
	only := func(i int) []rules.Outcome {
		out := make([]rules.Outcome, len(values))
		for k := range out {
			out[k] = F
		}
		out[i] = P
		out[len(values)-1] = S
		return out
	}
	tests := []struct {
		fn  string
		row int
	}{
		{"is_email", 0}, {"is_phone", 1}, {"is_credit_card", 2}, {"is_iban", 3},
		{"is_ip", 4}, {"is_us_ssn", 5}, {"is_uk_nino", 6}, {"is_mac", 7},
	}
	for _, tt := range tests {
		t.Run(tt.fn, func(t *testing.T) {
			p := compile(t, "rules:\n  - name: r\n    expr: "+tt.fn+"(v)\n", schema)
			res, err := p.NewRun().Eval(context.Background(), batch)
			require.NoError(t, err)
			assert.Equal(t, only(tt.row), res.Outcomes[0])
		})
	}

	t.Run("in count_if and fraction_if", func(t *testing.T) {
		p := compile(t, `rules:
  - name: few_emails
    check: count_if(is_email(v) || is_phone(v)) == 2 && fraction_if(!is_ip(v)) > 0.75
`, schema)
		run := p.NewRun()
		_, err := run.Eval(context.Background(), batch)
		require.NoError(t, err)
		checks, err := run.Finish(context.Background())
		require.NoError(t, err)
		require.Len(t, checks, 1)
		assert.Equal(t, rules.Pass, checks[0].Outcome, "%v %s", checks[0].Metrics, checks[0].Err)
		// The null row is not counted; fraction_if divides by all 10 rows.
		assert.EqualValues(t, 2, checks[0].Metrics["count_if(is_email(v) || is_phone(v))"])
		assert.InDelta(t, 0.8, checks[0].Metrics["fraction_if(!is_ip(v))"], 1e-12)
	})

	t.Run("wrong argument type", func(t *testing.T) {
		errs := compileErr(t, "rules:\n  - name: r\n    expr: is_email(1)\n", schema)
		require.NotEmpty(t, errs)
		assert.Contains(t, errs[0].Msg, "is_email")
	})
}
