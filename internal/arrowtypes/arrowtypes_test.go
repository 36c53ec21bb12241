package arrowtypes_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"

	"github.com/sluicedata/sluice/internal/arrowtypes"
)

func TestRuleType(t *testing.T) {
	tests := []struct {
		typ  arrow.DataType
		want string
	}{
		{arrow.PrimitiveTypes.Int64, "int64"},
		{arrow.PrimitiveTypes.Uint8, "uint8"},
		{arrow.PrimitiveTypes.Float32, "float32"},
		{arrow.PrimitiveTypes.Float64, "double"},
		{arrow.FixedWidthTypes.Boolean, "bool"},
		{arrow.BinaryTypes.String, "string"},
		{arrow.BinaryTypes.LargeString, "string"},
		{&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, "string"},
		{arrow.BinaryTypes.Binary, "binary"},
		{arrow.FixedWidthTypes.Date32, "date"},
		{&arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, "timestamp"},
		{arrow.FixedWidthTypes.Duration_us, "duration"},
		{&arrow.Decimal128Type{Precision: 10, Scale: 2}, "decimal(10,2)"},
		{arrow.ListOf(arrow.PrimitiveTypes.Int64), ""},
	}
	for _, tt := range tests {
		t.Run(tt.typ.String(), func(t *testing.T) {
			assert.Equal(t, tt.want, arrowtypes.RuleType(tt.typ))
		})
	}
	assert.Equal(t, "list<item: int64, nullable>", arrowtypes.Describe(arrow.ListOf(arrow.PrimitiveTypes.Int64)))
}
