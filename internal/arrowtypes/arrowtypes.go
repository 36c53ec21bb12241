// Package arrowtypes names Arrow types the way rule files declare them and
// parses the text forms of temporal values that text formats share.
package arrowtypes

import (
	"fmt"
	"time"

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

// Timestamp is the type text formats read timestamps as: microseconds, UTC.
var Timestamp = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// timeLayouts are tried in order; values without a zone are UTC. Fractional
// seconds are accepted after the seconds by time.Parse.
var timeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05Z07:00",
}

// ParseTime parses an RFC 3339 timestamp, with "T" or a space between date
// and time and with or without a zone (then UTC).
func ParseTime(s string) (time.Time, bool) {
	// No layout is longer than 64 bytes; time.Parse copies the value into
	// its error, so a long value must not reach it.
	if len(s) < 19 || len(s) > 64 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') {
		return time.Time{}, false
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
