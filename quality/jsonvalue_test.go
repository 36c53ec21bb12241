package quality

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A list metric (most_common_all) marshals with its elements made
// JSON-safe one by one.
func TestJSONValueList(t *testing.T) {
	v := jsonValue([]any{1.5, math.NaN(), time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), []byte("b")})
	b, err := json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, `[1.5, "NaN", "2024-01-02T00:00:00Z", "b"]`, string(b))
}
