package csvconnector

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/internal/arrowtypes"
)

// TimestampType is the type inferred for timestamp columns: microseconds,
// UTC.
var TimestampType = arrowtypes.Timestamp

func parseDate(s string) (arrow.Date32, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return arrow.Date32FromTime(t), true
}

func parseBool(s string) (v, ok bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

func looksNumeric(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.'
}

// stats gathers what the values of one column could be.
type stats struct {
	seen                                      bool
	notInt, notFloat, notBool, notDate, notTS bool
}

func (st *stats) observe(s string) {
	st.seen = true
	if !st.notInt {
		if _, err := parseInt(s, 64); err != nil {
			st.notInt = true
		}
	}
	if !st.notFloat {
		if len(s) > maxNumberText || !looksNumeric(s) {
			st.notFloat = true
		} else if _, err := strconv.ParseFloat(s, 64); err != nil {
			st.notFloat = true
		}
	}
	if !st.notBool {
		if _, ok := parseBool(s); !ok {
			st.notBool = true
		}
	}
	if !st.notDate {
		if _, ok := parseDate(s); !ok {
			st.notDate = true
		}
	}
	if !st.notTS {
		if _, ok := arrowtypes.ParseTime(s); !ok {
			st.notTS = true
		}
	}
}

func (st *stats) typ() arrow.DataType {
	switch {
	case !st.seen:
		return arrow.BinaryTypes.String
	case !st.notInt:
		return arrow.PrimitiveTypes.Int64
	case !st.notFloat:
		return arrow.PrimitiveTypes.Float64
	case !st.notBool:
		return arrow.FixedWidthTypes.Boolean
	case !st.notDate:
		return arrow.FixedWidthTypes.Date32
	case !st.notTS:
		return TimestampType
	}
	return arrow.BinaryTypes.String
}

// supported reports whether the connector reads and writes dt.
func supported(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.STRING, arrow.LARGE_STRING,
		arrow.DATE32, arrow.TIMESTAMP:
		return true
	}
	return false
}

func truncate(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// appender parses one field into a builder; s is never a null token.
type appender func(s string) error

// errBadValue is returned by an appender whose field does not parse as
// the column's type; the reader turns it into Source.valueError.
var errBadValue = errors.New("not a valid value")

var errInvalidUTF8 = errors.New("invalid UTF-8")

func newAppender(b array.Builder, dt arrow.DataType) appender {
	bad := func(string) error { return errBadValue }
	switch b := b.(type) {
	case *array.BooleanBuilder:
		return func(s string) error {
			v, ok := parseBool(s)
			if !ok {
				return bad(s)
			}
			b.Append(v)
			return nil
		}
	case *array.Int8Builder:
		return intAppender(8, bad, func(v int64) { b.Append(int8(v)) })
	case *array.Int16Builder:
		return intAppender(16, bad, func(v int64) { b.Append(int16(v)) })
	case *array.Int32Builder:
		return intAppender(32, bad, func(v int64) { b.Append(int32(v)) })
	case *array.Int64Builder:
		return func(s string) error {
			v, err := parseInt(s, 64)
			if err != nil {
				return bad(s)
			}
			b.Append(v)
			return nil
		}
	case *array.Uint8Builder:
		return uintAppender(8, bad, func(v uint64) { b.Append(uint8(v)) })
	case *array.Uint16Builder:
		return uintAppender(16, bad, func(v uint64) { b.Append(uint16(v)) })
	case *array.Uint32Builder:
		return uintAppender(32, bad, func(v uint64) { b.Append(uint32(v)) })
	case *array.Uint64Builder:
		return uintAppender(64, bad, b.Append)
	case *array.Float32Builder:
		return func(s string) error {
			v, err := parseFloat(s, 32)
			if err != nil && !isRange(err) {
				return bad(s)
			}
			b.Append(float32(v))
			return nil
		}
	case *array.Float64Builder:
		return func(s string) error {
			v, err := parseFloat(s, 64)
			if err != nil && !isRange(err) {
				return bad(s)
			}
			b.Append(v)
			return nil
		}
	case *array.StringBuilder:
		return func(s string) error {
			if !utf8.ValidString(s) {
				return errInvalidUTF8
			}
			b.Append(s)
			return nil
		}
	case *array.LargeStringBuilder:
		return func(s string) error {
			if !utf8.ValidString(s) {
				return errInvalidUTF8
			}
			b.Append(s)
			return nil
		}
	case *array.Date32Builder:
		return func(s string) error {
			v, ok := parseDate(s)
			if !ok {
				return bad(s)
			}
			b.Append(v)
			return nil
		}
	case *array.TimestampBuilder:
		unit := dt.(*arrow.TimestampType).Unit
		return func(s string) error {
			t, ok := arrowtypes.ParseTime(s)
			if !ok {
				return bad(s)
			}
			v, err := arrow.TimestampFromTime(t, unit)
			if err != nil {
				return bad(s)
			}
			b.Append(v)
			return nil
		}
	}
	return nil
}

// isRange reports a float out of range: ParseFloat then returns ±Inf,
// which is what such a value means.
func isRange(err error) bool {
	return errors.Is(err, strconv.ErrRange)
}

func intAppender(bits int, bad func(string) error, app func(int64)) appender {
	return func(s string) error {
		v, err := parseInt(s, bits)
		if err != nil {
			return bad(s)
		}
		app(v)
		return nil
	}
}

func uintAppender(bits int, bad func(string) error, app func(uint64)) appender {
	return func(s string) error {
		v, err := parseUint(s, bits)
		if err != nil {
			return bad(s)
		}
		app(v)
		return nil
	}
}

// maxNumberText bounds the text parsed as a number: strconv copies the
// whole text into its error, so a long value that is not a number would
// cost its size again on every attempt. A longer text is not a number
// (4 KiB is more than any int64 or float64 written out needs).
const maxNumberText = 4 << 10

var errTooLong = errors.New("too long for a number")

func parseInt(s string, bits int) (int64, error) {
	if len(s) > maxNumberText {
		return 0, errTooLong
	}
	return strconv.ParseInt(s, 10, bits)
}

func parseUint(s string, bits int) (uint64, error) {
	if len(s) > maxNumberText {
		return 0, errTooLong
	}
	return strconv.ParseUint(s, 10, bits)
}

func parseFloat(s string, bits int) (float64, error) {
	if len(s) > maxNumberText {
		return 0, errTooLong
	}
	return strconv.ParseFloat(s, bits)
}
