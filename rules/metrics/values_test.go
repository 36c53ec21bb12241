package metrics_test

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules/metrics"
)

func TestMapStrings(t *testing.T) {
	mem := arrowtest.Allocator(t)
	build := func(vals ...string) arrow.Array {
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.AppendValues(vals, nil)
		return b.NewArray()
	}
	mapped := func(v string) string { return "h:" + strings.ToUpper(v) }
	types := []arrow.DataType{arrow.BinaryTypes.String}
	for _, fn := range []string{"distinct_count", "most_common", "unique_ratio", "duplicate_count"} {
		t.Run(fn, func(t *testing.T) {
			spec := metrics.Spec{Func: fn, Columns: []string{"email"}}
			a, b := build("ann", "bob", "bob"), build("bob", "cid")
			defer a.Release()
			defer b.Release()
			sa, err := metrics.New(spec, types)
			require.NoError(t, err)
			require.NoError(t, sa.Update([]arrow.Array{a}))
			sb, err := metrics.New(spec, types)
			require.NoError(t, err)
			require.NoError(t, sb.Update([]arrow.Array{b}))
			want, err := sa.Result()
			require.NoError(t, err)

			ma, ok := metrics.MapStrings(sa, mapped)
			require.True(t, ok)
			got, err := ma.Result()
			require.NoError(t, err)
			if s, ok := want.(string); ok {
				want = mapped(s)
			}
			assert.Equal(t, want, got)
			after, err := sa.Result()
			require.NoError(t, err)
			assert.NotEqual(t, "h:BOB", after, "the state given is not modified")

			// States mapped alike still merge, and survive encoding.
			mb, ok := metrics.MapStrings(sb, mapped)
			require.True(t, ok)
			data, err := metrics.Encode(mb)
			require.NoError(t, err)
			assert.NotContains(t, string(data), "cid")
			decoded, err := metrics.Decode(data)
			require.NoError(t, err)
			require.NoError(t, ma.Merge(decoded))
			require.NoError(t, sa.Merge(sb))
			plain, err := sa.Result()
			require.NoError(t, err)
			merged, err := ma.Result()
			require.NoError(t, err)
			if s, ok := plain.(string); ok {
				plain = mapped(s)
			}
			assert.Equal(t, plain, merged)
		})
	}
	for _, fn := range []string{"min", "max", "median"} {
		spec := metrics.Spec{Func: fn, Columns: []string{"x"}}
		typ := []arrow.DataType{arrow.BinaryTypes.String}
		if fn == "median" {
			typ = []arrow.DataType{arrow.PrimitiveTypes.Float64}
		}
		s, err := metrics.New(spec, typ)
		require.NoError(t, err)
		_, ok := metrics.MapStrings(s, mapped)
		assert.False(t, ok, "%s keeps values MapStrings cannot replace", fn)
	}
}

func TestValueBearing(t *testing.T) {
	for _, fn := range []string{"min", "max", "sum", "mean", "stddev", "median", "quantile", "most_common"} {
		assert.True(t, metrics.ValueBearing(fn), fn)
		assert.True(t, metrics.KeepsValues(fn), fn)
	}
	for _, fn := range []string{"row_count", "null_count", "completeness", "distinct_count", "approx_distinct", "min_length", "max_length", "mean_length", "duplicate_count", "unique_ratio"} {
		assert.False(t, metrics.ValueBearing(fn), fn)
	}
	for _, fn := range []string{"distinct_count", "duplicate_count", "unique_ratio"} {
		assert.True(t, metrics.KeepsValues(fn), fn)
	}
	for _, fn := range []string{"row_count", "null_count", "approx_distinct", "max_length"} {
		assert.False(t, metrics.KeepsValues(fn), fn)
	}
}
