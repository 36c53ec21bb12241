package engine

import (
	"math"
	"testing"

	"github.com/google/cel-go/common/types"
	"github.com/stretchr/testify/assert"
)

// TestDoubleToIntMatchesCEL holds int(double) to cel-go's conversion.
func TestDoubleToIntMatchesCEL(t *testing.T) {
	for _, d := range []float64{0, math.Copysign(0, -1), 1.9, -1.9, 0.5, math.NaN(), math.Inf(1), math.Inf(-1),
		9.223372036854775807e18, -9.223372036854775808e18, math.Nextafter(9.223372036854775807e18, 0),
		math.Nextafter(-9.223372036854775808e18, 0), 1e300, 1 << 53} {
		got, ok := doubleToInt(d)
		want := types.Double(d).ConvertToType(types.IntType)
		if i, isInt := want.(types.Int); isInt {
			assert.True(t, ok, "%v", d)
			assert.Equal(t, int64(i), got, "%v", d)
		} else {
			assert.False(t, ok, "%v", d)
		}
	}
}
