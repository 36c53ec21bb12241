package history

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// A list value (most_common_all) with a NaN in it is saved, NaN as a
// string like a scalar NaN.
func TestSaveRunListValue(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		s := openT(t, dsn)
		require.NoError(t, s.SaveRun(context.Background(), RunRecord{
			RunID: "r", Dataset: "d", StartedAt: t0, Status: "pass",
			Metrics: map[string]any{"most_common_all(x)": []any{1.5, math.NaN()}, "zscore_max(x)": math.NaN()},
		}))
	})
	require.Equal(t, []any{1.5, "NaN", "+Inf"}, jsonValue([]any{1.5, math.NaN(), math.Inf(1)}))
}
