package quality

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A list metric over a column of unique values holds every value; the text
// and HTML reports show a bounded head and say how many are left out.
func TestValueTextBoundsLists(t *testing.T) {
	long := make([]any, 5000)
	for i := range long {
		long[i] = fmt.Sprintf("v%04d", i)
	}
	got := valueText(long)
	assert.True(t, strings.HasPrefix(got, `["v0000","v0001",`), got)
	assert.Contains(t, got, `"v0019", … 4980 more]`)
	assert.NotContains(t, got, `"v0020"`)
	assert.Less(t, len(got), 300)

	short := []any{"a", "b"}
	assert.Equal(t, `["a","b"]`, valueText(short))
	exact := make([]any, textListMax)
	for i := range exact {
		exact[i] = i
	}
	assert.NotContains(t, valueText(exact), "more")
}
