package sqliteconnector

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// errType is the cause of a value that does not convert to its column's
// type.
var errType = errors.New("not convertible to the column's type")

func supported(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.STRING, arrow.LARGE_STRING,
		arrow.BINARY, arrow.LARGE_BINARY, arrow.DATE32, arrow.TIMESTAMP:
		return true
	}
	return false
}

// rawText is the text of a SQLite value for a mark or a message.
func rawText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []byte:
		return string(v)
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// timeLayouts are the text forms of timestamps a reader accepts: RFC 3339
// and SQLite's own, with or without fractions, a T or a zone.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
}

func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func toInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case float64:
		if v == math.Trunc(v) && v >= -(1<<63) && v < 1<<63 {
			return int64(v), true
		}
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return n, err == nil
	case []byte:
		return toInt(string(v))
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return f, err == nil
	case []byte:
		return toFloat(string(v))
	}
	return 0, false
}

// appendValue appends v, as SQLite returned it, to b of type dt, or
// returns an error wrapping errType and appends nothing.
func appendValue(b array.Builder, dt arrow.DataType, v any) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	bad := func() error { return fmt.Errorf("%T as %s: %w", v, dt, errType) }
	switch b := b.(type) {
	case *array.BooleanBuilder:
		switch x := v.(type) {
		case int64:
			if x != 0 && x != 1 {
				return bad()
			}
			b.Append(x == 1)
		case string, []byte:
			t, err := strconv.ParseBool(strings.TrimSpace(rawText(x)))
			if err != nil {
				return bad()
			}
			b.Append(t)
		default:
			return bad()
		}
	case *array.Int8Builder:
		n, ok := toInt(v)
		if !ok || n < math.MinInt8 || n > math.MaxInt8 {
			return bad()
		}
		b.Append(int8(n))
	case *array.Int16Builder:
		n, ok := toInt(v)
		if !ok || n < math.MinInt16 || n > math.MaxInt16 {
			return bad()
		}
		b.Append(int16(n))
	case *array.Int32Builder:
		n, ok := toInt(v)
		if !ok || n < math.MinInt32 || n > math.MaxInt32 {
			return bad()
		}
		b.Append(int32(n))
	case *array.Int64Builder:
		n, ok := toInt(v)
		if !ok {
			return bad()
		}
		b.Append(n)
	case *array.Uint8Builder:
		n, ok := toInt(v)
		if !ok || n < 0 || n > math.MaxUint8 {
			return bad()
		}
		b.Append(uint8(n))
	case *array.Uint16Builder:
		n, ok := toInt(v)
		if !ok || n < 0 || n > math.MaxUint16 {
			return bad()
		}
		b.Append(uint16(n))
	case *array.Uint32Builder:
		n, ok := toInt(v)
		if !ok || n < 0 || n > math.MaxUint32 {
			return bad()
		}
		b.Append(uint32(n))
	case *array.Uint64Builder:
		// SQLite integers are signed 64-bit: the sink stores uint64 above
		// MaxInt64 as decimal text.
		if s, ok := v.(string); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return bad()
			}
			b.Append(n)
			return nil
		}
		n, ok := toInt(v)
		if !ok || n < 0 {
			return bad()
		}
		b.Append(uint64(n))
	case *array.Float32Builder:
		f, ok := toFloat(v)
		if !ok {
			return bad()
		}
		b.Append(float32(f))
	case *array.Float64Builder:
		f, ok := toFloat(v)
		if !ok {
			return bad()
		}
		b.Append(f)
	case *array.StringBuilder:
		b.Append(rawText(v))
	case *array.LargeStringBuilder:
		b.Append(rawText(v))
	case *array.BinaryBuilder:
		switch x := v.(type) {
		case []byte:
			b.Append(x)
		case string:
			b.AppendString(x)
		default:
			return bad()
		}
	case *array.Date32Builder:
		t, ok := timeOf(v)
		if !ok {
			return bad()
		}
		b.Append(arrow.Date32FromTime(t))
	case *array.TimestampBuilder:
		t, ok := timeOf(v)
		if !ok {
			return bad()
		}
		ts, err := arrow.TimestampFromTime(t, dt.(*arrow.TimestampType).Unit)
		if err != nil {
			return bad()
		}
		b.Append(ts)
	default:
		return fmt.Errorf("%s: %w", dt, errType)
	}
	return nil
}

func timeOf(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), true
	case string:
		return parseTime(x)
	case []byte:
		return parseTime(string(x))
	}
	return time.Time{}, false
}
