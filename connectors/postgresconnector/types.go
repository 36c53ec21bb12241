package postgresconnector

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5/pgconn"
)

// PostgreSQL type OIDs of the mapped types (pg_type.oid).
const (
	oidBool        = 16
	oidBytea       = 17
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidJSON        = 114
	oidFloat4      = 700
	oidFloat8      = 701
	oidNameArray   = 1003
	oidTextArray   = 1009
	oidBPCharArray = 1014
	oidVarchArray  = 1015
	oidBPChar      = 1042
	oidVarchar     = 1043
	oidDate        = 1082
	oidTimestamp   = 1114
	oidTimestampTZ = 1184
	oidNumeric     = 1700
	oidUUID        = 2950
	oidJSONB       = 3802
)

// errType is the cause of a value that does not convert to its column's
// type (an infinite date or timestamp, a malformed wire value).
var errType = errors.New("not convertible to the column's type")

// pgEpoch is 2000-01-01, PostgreSQL's epoch, in Unix days and microseconds.
const (
	pgEpochDays   = 10957
	pgEpochMicros = pgEpochDays * 86400 * 1_000_000
)

var tsUTC = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// plan is how one column is read: its Arrow field, whether it is selected
// as ::text, and how a binary COPY value is appended.
type plan struct {
	field  arrow.Field
	cast   bool
	decode func(b []byte, bld array.Builder) error
}

func (s *Source) plan(fd pgconn.FieldDescription) plan {
	p := nativePlan(fd.DataTypeOID)
	if s.hint != nil {
		if i := s.hint.FieldIndices(fd.Name); len(i) > 0 {
			p = hinted(p, fd.DataTypeOID, s.hint.Field(i[0]).Type)
		}
	}
	p.field.Name = fd.Name
	p.field.Nullable = true
	return p
}

func nativePlan(oid uint32) plan {
	f := func(dt arrow.DataType, d func([]byte, array.Builder) error) plan {
		return plan{field: arrow.Field{Type: dt}, decode: d}
	}
	switch oid {
	case oidBool:
		return f(arrow.FixedWidthTypes.Boolean, decodeBool)
	case oidInt2:
		return f(arrow.PrimitiveTypes.Int16, decodeInt)
	case oidInt4:
		return f(arrow.PrimitiveTypes.Int32, decodeInt)
	case oidInt8:
		return f(arrow.PrimitiveTypes.Int64, decodeInt)
	case oidFloat4, oidFloat8:
		dt := arrow.DataType(arrow.PrimitiveTypes.Float64)
		if oid == oidFloat4 {
			dt = arrow.PrimitiveTypes.Float32
		}
		return f(dt, decodeFloat)
	case oidNumeric:
		return f(arrow.PrimitiveTypes.Float64, decodeNumeric)
	case oidText, oidVarchar, oidBPChar, oidName, oidJSON:
		return f(arrow.BinaryTypes.String, decodeText)
	case oidJSONB:
		return f(arrow.BinaryTypes.String, decodeJSONB)
	case oidUUID:
		return f(arrow.BinaryTypes.String, decodeUUID)
	case oidBytea:
		return f(arrow.BinaryTypes.Binary, decodeBytes)
	case oidDate:
		return f(arrow.FixedWidthTypes.Date32, decodeDate)
	case oidTimestamp, oidTimestampTZ:
		return f(tsUTC, decodeTimestamp)
	case oidTextArray, oidVarchArray, oidBPCharArray, oidNameArray:
		return f(arrow.ListOf(arrow.BinaryTypes.String), decodeTextArray)
	}
	p := f(arrow.BinaryTypes.String, decodeText)
	p.cast = true
	return p
}

// hinted applies a declared type where the conversion is lossless.
func hinted(p plan, oid uint32, want arrow.DataType) plan {
	isInt := oid == oidInt2 || oid == oidInt4 || oid == oidInt8
	width := map[arrow.Type]int{arrow.INT16: 2, arrow.INT32: 4, arrow.INT64: 8}
	pgWidth := map[uint32]int{oidInt2: 2, oidInt4: 4, oidInt8: 8}
	switch {
	case want.ID() == arrow.STRING:
		if !arrow.TypeEqual(p.field.Type, arrow.BinaryTypes.String) {
			p = plan{field: arrow.Field{Type: arrow.BinaryTypes.String}, decode: decodeText, cast: true}
		}
	case isInt && width[want.ID()] >= pgWidth[oid]:
		p.field.Type = want
	case oid == oidFloat4 && (want.ID() == arrow.FLOAT64 || want.ID() == arrow.FLOAT32):
		p.field.Type = want
	case oid == oidNumeric && want.ID() == arrow.FLOAT64:
	case (oid == oidTimestamp || oid == oidTimestampTZ) && want.ID() == arrow.TIMESTAMP &&
		want.(*arrow.TimestampType).Unit == arrow.Microsecond:
		p.field.Type = want
	}
	return p
}

func bad(b []byte, what string) error {
	return fmt.Errorf("%d-byte %s value: %w", len(b), what, errType)
}

func decodeBool(b []byte, bld array.Builder) error {
	if len(b) != 1 {
		return bad(b, "bool")
	}
	bld.(*array.BooleanBuilder).Append(b[0] != 0)
	return nil
}

func decodeInt(b []byte, bld array.Builder) error {
	var v int64
	switch len(b) {
	case 2:
		v = int64(int16(binary.BigEndian.Uint16(b)))
	case 4:
		v = int64(int32(binary.BigEndian.Uint32(b)))
	case 8:
		v = int64(binary.BigEndian.Uint64(b))
	default:
		return bad(b, "integer")
	}
	switch bld := bld.(type) {
	case *array.Int16Builder:
		bld.Append(int16(v))
	case *array.Int32Builder:
		bld.Append(int32(v))
	case *array.Int64Builder:
		bld.Append(v)
	default:
		return bad(b, "integer")
	}
	return nil
}

func appendFloat(bld array.Builder, v float64) {
	switch bld := bld.(type) {
	case *array.Float32Builder:
		bld.Append(float32(v))
	case *array.Float64Builder:
		bld.Append(v)
	}
}

func decodeFloat(b []byte, bld array.Builder) error {
	switch len(b) {
	case 4:
		appendFloat(bld, float64(math.Float32frombits(binary.BigEndian.Uint32(b))))
	case 8:
		appendFloat(bld, math.Float64frombits(binary.BigEndian.Uint64(b)))
	default:
		return bad(b, "float")
	}
	return nil
}

// numericValue decodes numeric's binary form (ndigits, weight, sign, dscale,
// then base-10000 digits) to the nearest float64, through its decimal text.
func numericValue(b []byte) (float64, string, error) {
	if len(b) < 8 {
		return 0, "", bad(b, "numeric")
	}
	ndigits := int(binary.BigEndian.Uint16(b[0:]))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	switch sign {
	case 0xC000:
		return math.NaN(), "NaN", nil
	case 0xD000:
		return math.Inf(1), "Infinity", nil
	case 0xF000:
		return math.Inf(-1), "-Infinity", nil
	case 0, 0x4000:
	default:
		return 0, "", bad(b, "numeric")
	}
	if len(b) != 8+2*ndigits {
		return 0, "", bad(b, "numeric")
	}
	if ndigits == 0 {
		return 0, "0", nil
	}
	exp := 4 * (weight - ndigits + 1) // value = digits as one integer × 10^exp
	if ndigits <= 4 {
		// Fast path: an integer of at most 16 decimal digits; exact as a
		// float64 below 2^53, and scaling by an exact power of ten of at
		// most 10^22 rounds once, correctly (as strconv's fast path).
		var m int64
		for i := range ndigits {
			d := int64(binary.BigEndian.Uint16(b[8+2*i:]))
			if d > 9999 {
				return 0, "", bad(b, "numeric")
			}
			m = m*10000 + d
		}
		if m < 1<<53 && exp >= -22 && exp <= 22 {
			v := float64(m)
			if exp < 0 {
				v /= pow10[-exp]
			} else {
				v *= pow10[exp]
			}
			if sign == 0x4000 {
				v = -v
			}
			return v, "", nil
		}
	}
	var sb strings.Builder
	if sign == 0x4000 {
		sb.WriteByte('-')
	}
	for i := range ndigits {
		d := binary.BigEndian.Uint16(b[8+2*i:])
		if d > 9999 {
			return 0, "", bad(b, "numeric")
		}
		if i == 0 {
			sb.WriteString(strconv.Itoa(int(d)))
		} else {
			fmt.Fprintf(&sb, "%04d", d)
		}
	}
	text := sb.String() + "e" + strconv.Itoa(exp)
	v, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, "", bad(b, "numeric")
	}
	return v, text, nil
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

func decodeNumeric(b []byte, bld array.Builder) error {
	v, _, err := numericValue(b)
	if err != nil {
		return err
	}
	appendFloat(bld, v)
	return nil
}

func decodeText(b []byte, bld array.Builder) error {
	bld.(*array.StringBuilder).BinaryBuilder.Append(b)
	return nil
}

func decodeJSONB(b []byte, bld array.Builder) error {
	if len(b) < 1 || b[0] != 1 {
		return bad(b, "jsonb")
	}
	return decodeText(b[1:], bld)
}

func decodeUUID(b []byte, bld array.Builder) error {
	if len(b) != 16 {
		return bad(b, "uuid")
	}
	var buf [36]byte
	hex.Encode(buf[0:8], b[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], b[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], b[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], b[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], b[10:16])
	bld.(*array.StringBuilder).BinaryBuilder.Append(buf[:])
	return nil
}

func decodeBytes(b []byte, bld array.Builder) error {
	bld.(*array.BinaryBuilder).Append(b)
	return nil
}

func decodeDate(b []byte, bld array.Builder) error {
	if len(b) != 4 {
		return bad(b, "date")
	}
	v := int32(binary.BigEndian.Uint32(b))
	if v == math.MaxInt32 || v == math.MinInt32 {
		return fmt.Errorf("infinite date: %w", errType)
	}
	bld.(*array.Date32Builder).Append(arrow.Date32(int64(v) + pgEpochDays))
	return nil
}

func decodeTimestamp(b []byte, bld array.Builder) error {
	if len(b) != 8 {
		return bad(b, "timestamp")
	}
	v := int64(binary.BigEndian.Uint64(b))
	if v == math.MaxInt64 || v == math.MinInt64 || v > math.MaxInt64-pgEpochMicros {
		return fmt.Errorf("infinite timestamp: %w", errType)
	}
	bld.(*array.TimestampBuilder).Append(arrow.Timestamp(v + pgEpochMicros))
	return nil
}

// decodeTextArray decodes a one-dimensional array of text: ndim, has-null
// flag, element OID, then per dimension its size and lower bound, then
// each element as a length (-1 for NULL) and its bytes.
func decodeTextArray(b []byte, bld array.Builder) error {
	if len(b) < 12 {
		return bad(b, "array")
	}
	ndim := int32(binary.BigEndian.Uint32(b))
	lb := bld.(*array.ListBuilder)
	if ndim == 0 {
		lb.Append(true)
		return nil
	}
	if ndim != 1 || len(b) < 20 {
		return fmt.Errorf("array of %d dimensions: %w", ndim, errType)
	}
	n := int64(int32(binary.BigEndian.Uint32(b[12:])))
	if n < 0 || n > int64(len(b)) {
		return bad(b, "array")
	}
	vb := lb.ValueBuilder().(*array.StringBuilder)
	p := b[20:]
	// Check the whole array before appending anything.
	q := p
	for range n {
		if len(q) < 4 {
			return bad(b, "array")
		}
		l := int32(binary.BigEndian.Uint32(q))
		q = q[4:]
		if l >= 0 {
			if int64(l) > int64(len(q)) {
				return bad(b, "array")
			}
			q = q[l:]
		}
	}
	lb.Append(true)
	for range n {
		l := int32(binary.BigEndian.Uint32(p))
		p = p[4:]
		if l < 0 {
			vb.AppendNull()
			continue
		}
		vb.BinaryBuilder.Append(p[:l])
		p = p[l:]
	}
	return nil
}

// rawText is the text of a value that did not convert, for a mark or a
// message.
func rawText(b []byte, err error) string {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "infinite"):
		if len(b) > 0 && b[0]&0x80 != 0 {
			return "-infinity"
		}
		return "infinity"
	}
	return hex.EncodeToString(b)
}
