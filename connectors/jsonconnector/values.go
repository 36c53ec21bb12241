package jsonconnector

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/sluicedata/sluice/internal/arrowtypes"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// TimestampType is the type of hinted timestamp columns in examples:
// microseconds, UTC. Any timestamp unit and zone may be declared.
var TimestampType = arrowtypes.Timestamp

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

// errBadValue is returned by an appender whose value does not fit the
// column's type; the reader turns it into Source.valueError.
var errBadValue = errors.New("not a valid value")

var errInvalidUTF8 = errors.New("invalid UTF-8 in a string")

// decodeString returns the string a JSON string literal holds.
func decodeString(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", errNotString
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') < 0 {
		if !utf8.Valid(body) {
			return "", errInvalidUTF8
		}
		return string(body), nil
	}
	if !utf8.Valid(body) {
		return "", errInvalidUTF8
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", err
	}
	return s, nil
}

var errNotString = errors.New("not a string")

// appender appends one non-null raw JSON value to a builder; it returns an
// error when the value does not fit.
type appender func(raw []byte) error

// rawText is the text of a raw JSON value that InvalidColumn records: a
// string's decoded text (bytes that are not UTF-8 become U+FFFD), the JSON
// source text of any other value.
func rawText(raw []byte) string {
	if len(raw) > 0 && raw[0] == '"' {
		if s, err := decodeString(raw); err == nil {
			return s
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw)
}

// newAppender returns the appender of values of type dt into b. Types
// without a parser of their own use arrow-go's JSON decoding of one value;
// when scratch is not nil, such a value is decoded into a builder scratch
// returns first, so that a value that fails leaves b unchanged.
func newAppender(b array.Builder, dt arrow.DataType, scratch func() array.Builder) appender {
	bad := func([]byte) error { return errBadValue }
	str := func(raw []byte) (string, error) {
		s, err := decodeString(raw)
		if errors.Is(err, errInvalidUTF8) {
			return "", err
		}
		if err != nil {
			return "", bad(raw)
		}
		return s, nil
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		return func(raw []byte) error {
			switch string(raw) {
			case "true":
				b.Append(true)
			case "false":
				b.Append(false)
			default:
				return bad(raw)
			}
			return nil
		}
	case *array.Int8Builder:
		return intAppender(8, bad, func(v int64) { b.Append(int8(v)) })
	case *array.Int16Builder:
		return intAppender(16, bad, func(v int64) { b.Append(int16(v)) })
	case *array.Int32Builder:
		return intAppender(32, bad, func(v int64) { b.Append(int32(v)) })
	case *array.Int64Builder:
		return intAppender(64, bad, b.Append)
	case *array.Uint8Builder:
		return uintAppender(8, bad, func(v uint64) { b.Append(uint8(v)) })
	case *array.Uint16Builder:
		return uintAppender(16, bad, func(v uint64) { b.Append(uint16(v)) })
	case *array.Uint32Builder:
		return uintAppender(32, bad, func(v uint64) { b.Append(uint32(v)) })
	case *array.Uint64Builder:
		return uintAppender(64, bad, b.Append)
	case *array.Float32Builder:
		return floatAppender(32, bad, func(v float64) { b.Append(float32(v)) })
	case *array.Float64Builder:
		return floatAppender(64, bad, b.Append)
	case *array.StringBuilder:
		return func(raw []byte) error {
			s, err := str(raw)
			if err != nil {
				return err
			}
			b.Append(s)
			return nil
		}
	case *array.LargeStringBuilder:
		return func(raw []byte) error {
			s, err := str(raw)
			if err != nil {
				return err
			}
			b.Append(s)
			return nil
		}
	case *array.Date32Builder:
		return func(raw []byte) error {
			s, err := str(raw)
			if err != nil {
				return err
			}
			t, perr := time.Parse(time.DateOnly, s)
			if perr != nil {
				return bad(raw)
			}
			b.Append(arrow.Date32FromTime(t))
			return nil
		}
	case *array.TimestampBuilder:
		unit := dt.(*arrow.TimestampType).Unit
		return func(raw []byte) error {
			s, err := str(raw)
			if err != nil {
				return err
			}
			t, ok := arrowtypes.ParseTime(s)
			if !ok {
				return bad(raw)
			}
			v, terr := arrow.TimestampFromTime(t, unit)
			if terr != nil {
				return bad(raw)
			}
			b.Append(v)
			return nil
		}
	}
	// Any other declared type (lists, structs, decimals…): arrow-go's own
	// JSON decoding of one value.
	var trial array.Builder
	if scratch != nil {
		trial = scratch()
	}
	return func(raw []byte) error {
		buf := make([]byte, 0, len(raw)+2)
		buf = append(append(append(buf, '['), raw...), ']')
		if trial != nil {
			err := trial.UnmarshalJSON(buf)
			ok := err == nil && trial.Len() == 1
			trial.NewArray().Release() // resets trial
			if !ok {
				return bad(raw)
			}
		}
		n := b.Len()
		// arrow-go's error may quote the value: it is not kept.
		if err := b.UnmarshalJSON(buf); err != nil || b.Len() != n+1 {
			return bad(raw)
		}
		return nil
	}
}

// newTextAppender returns the appender of a column whose records mix JSON
// kinds: a string is read as its text, any other value as its compact
// JSON text.
func newTextAppender(b *array.StringBuilder) appender {
	var buf bytes.Buffer
	return func(raw []byte) error {
		if raw[0] == '"' {
			s, err := decodeString(raw)
			switch {
			case errors.Is(err, errInvalidUTF8):
				return err
			case err != nil:
				return errBadValue
			}
			b.Append(s)
			return nil
		}
		buf.Reset()
		if err := json.Compact(&buf, raw); err != nil {
			return errBadValue
		}
		if !utf8.Valid(buf.Bytes()) {
			return errInvalidUTF8
		}
		b.BinaryBuilder.Append(buf.Bytes())
		return nil
	}
}

func isNumber(raw []byte) bool {
	return len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9')
}

func intAppender(bits int, bad func([]byte) error, app func(int64)) appender {
	return func(raw []byte) error {
		if !isNumber(raw) {
			return bad(raw)
		}
		v, err := strconv.ParseInt(string(raw), 10, bits)
		if err != nil {
			// An integral number written with a fraction or exponent.
			f, ferr := strconv.ParseFloat(string(raw), 64)
			if ferr != nil || f != float64(int64(f)) || !strings.ContainsAny(string(raw), ".eE") {
				return bad(raw)
			}
			if v, err = strconv.ParseInt(strconv.FormatInt(int64(f), 10), 10, bits); err != nil {
				return bad(raw)
			}
		}
		app(v)
		return nil
	}
}

func uintAppender(bits int, bad func([]byte) error, app func(uint64)) appender {
	return func(raw []byte) error {
		if !isNumber(raw) {
			return bad(raw)
		}
		v, err := strconv.ParseUint(string(raw), 10, bits)
		if err != nil {
			return bad(raw)
		}
		app(v)
		return nil
	}
}

func floatAppender(bits int, bad func([]byte) error, app func(float64)) appender {
	return func(raw []byte) error {
		if !isNumber(raw) {
			return bad(raw)
		}
		v, err := strconv.ParseFloat(string(raw), bits)
		if err != nil {
			return bad(raw)
		}
		app(v)
		return nil
	}
}
