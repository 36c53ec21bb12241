package jsonconnector

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInferHintedProjectionReadsNothing infers a projection of hinted
// columns from a file that does not exist: nothing is opened.
func TestInferHintedProjectionReadsNothing(t *testing.T) {
	hint := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64},
		{Name: "b", Type: arrow.BinaryTypes.String},
	}, nil)
	s := NewSource(filepath.Join(t.TempDir(), "absent.json"), WithSchema(hint))
	inf, err := s.infer(context.Background(), []string{"b"})
	require.NoError(t, err)
	require.Equal(t, 1, inf.schema.NumFields())
	assert.Equal(t, "b", inf.schema.Field(0).Name)
	assert.Equal(t, []bool{true}, inf.declared)

	_, err = s.infer(context.Background(), []string{"b", "c"})
	require.Error(t, err, "an unhinted column is inferred from the file")
}
