// Package arrowtypes names Arrow types the way rule files declare them.
package arrowtypes

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// RuleType returns the rule-file type of t (int64, double, string,
// timestamp, decimal(10,2), …), the name a `type:` key accepts for it, or ""
// when rule files have none. Dictionary types take their value type's name.
func RuleType(t arrow.DataType) string {
	if d, ok := t.(*arrow.DictionaryType); ok {
		t = d.ValueType
	}
	switch t := t.(type) {
	case arrow.DecimalType:
		return fmt.Sprintf("decimal(%d,%d)", t.GetPrecision(), t.GetScale())
	}
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64, arrow.FLOAT32:
		return t.Name()
	case arrow.FLOAT64:
		return "double"
	case arrow.BOOL:
		return "bool"
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return "string"
	case arrow.BINARY, arrow.LARGE_BINARY:
		return "binary"
	case arrow.DATE32, arrow.DATE64:
		return "date"
	case arrow.TIMESTAMP:
		return "timestamp"
	case arrow.DURATION:
		return "duration"
	}
	return ""
}

// Describe is RuleType, or Arrow's own name of t when rule files have none:
// for messages.
func Describe(t arrow.DataType) string {
	if n := RuleType(t); n != "" {
		return n
	}
	return t.String()
}
