package engine_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/rules/engine"
)

// TestConstantFoldedTemporalLiterals compiles expressions after cel-go's
// constant folding, which writes folded timestamps and durations back as
// timestamp('…') and duration('…') calls on string literals.
func TestConstantFoldedTemporalLiterals(t *testing.T) {
	env, err := cel.NewEnv(ext.Strings(), cel.DefaultUTCTimeZone(true),
		cel.Variable("t", cel.NullableType(cel.TimestampType)),
		cel.Variable("d", cel.NullableType(cel.DurationType)))
	require.NoError(t, err)
	types := map[string]arrow.DataType{
		"t": &arrow.TimestampType{Unit: arrow.Microsecond},
		"d": arrow.FixedWidthTypes.Duration_ms,
	}
	resolve := func(name string) (int, arrow.DataType, bool) {
		dt, ok := types[name]
		if name == "d" {
			return 1, dt, ok
		}
		return 0, dt, ok
	}
	tests := []struct {
		expr   string
		folded string
	}{
		{"t > timestamp('2024-01-01T00:00:00Z') + duration('1h')", `timestamp("2024-01-01T01:00:00Z")`},
		{"d < duration('1h') + duration('30m')", `duration("5400s")`},
		{"t - duration('1.5s') < timestamp('2024-02-29T12:30:45.5+05:30')", `timestamp("2024-02-29T12:30:45.5+05:30")`},
		{"t.getHours('+05:30') == 3 && d != duration('0s')", `duration("0s")`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			a, iss := env.Compile(tt.expr)
			require.NoError(t, iss.Err())
			folder, err := cel.NewConstantFoldingOptimizer()
			require.NoError(t, err)
			opt, err := cel.NewStaticOptimizer(folder)
			require.NoError(t, err)
			folded, iss := opt.Optimize(env, a)
			require.NoError(t, iss.Err())
			src, err := cel.AstToString(folded)
			require.NoError(t, err)
			assert.Contains(t, src, tt.folded)
			_, err = engine.Compile(folded.NativeRep(), resolve)
			assert.NoError(t, err, "folded: %s", src)
		})
	}
}
