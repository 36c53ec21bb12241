package mark

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
)

// A row's marks come out in column order whatever the order they were
// made in, escaped as JSON, invalid UTF-8 replaced; a row without marks is
// null.
func TestMarker(t *testing.T) {
	mem := arrowtest.Allocator(t)
	b := array.NewStringBuilder(mem)
	defer b.Release()
	m := New(b, []arrow.Field{{Name: "id"}, {Name: `a"b`}, {Name: "when"}})
	m.Mark(2, "yesterday")
	m.Mark(0, "12x")
	m.EndRow()
	m.EndRow()
	m.Mark(1, "bad\xffbyte")
	m.EndRow()
	arr := b.NewStringArray()
	defer arr.Release()
	require.Equal(t, 3, arr.Len())
	require.JSONEq(t, `{"id":"12x","when":"yesterday"}`, arr.Value(0))
	require.Less(t, strings.Index(arr.Value(0), `"id"`), strings.Index(arr.Value(0), `"when"`), "column order")
	require.True(t, arr.IsNull(1))
	require.JSONEq(t, "{\"a\\\"b\":\"bad\ufffdbyte\"}", arr.Value(2))
}
