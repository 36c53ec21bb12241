package csvconnector

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unreadable is records that fail every Read.
type unreadable struct{ reads int }

var errRead = errors.New("read")

func (u *unreadable) Read() ([]string, error)    { u.reads++; return nil, errRead }
func (*unreadable) FieldPos(int) (line, col int) { return 0, 0 }

func TestInferReadsOnlyWhatItMust(t *testing.T) {
	hint := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int32}}, nil)
	s := NewSource("unused.csv", WithSchema(hint))
	header := []string{"a", "b", "c"}

	cr := &unreadable{}
	types, declared, err := s.infer(cr, header, []bool{true, false, false})
	require.NoError(t, err, "a projection of declared columns reads no record")
	assert.Zero(t, cr.reads)
	assert.Equal(t, []arrow.DataType{arrow.PrimitiveTypes.Int32, nil, nil}, types)
	assert.Equal(t, []bool{true, false, false}, declared)

	_, _, err = s.infer(cr, header, []bool{true, false, true})
	require.Error(t, err, "an undeclared column is inferred from the records")
	assert.Equal(t, 1, cr.reads)
}
