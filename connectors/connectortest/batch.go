package connectortest

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// SampleStrings are the string values Batch cycles through: plain text and
// the characters text formats must quote or escape. None is empty, since
// text formats read an empty field back as null.
var SampleStrings = []string{
	"plain",
	"with,comma",
	`with "quotes"`,
	"multi\nline",
	"ünïcödé ✓",
	" leading space",
	"tab\tinside",
	`back\slash`,
	"semi;colon",
}

// FieldName returns the name Batch gives the column of index i and type dt,
// for example "c0_int64".
func FieldName(i int, dt arrow.DataType) string {
	return fmt.Sprintf("c%d_%s", i, strings.ReplaceAll(dt.Name(), " ", "_"))
}

// Schema returns the schema of Batch for types: one nullable column per type,
// named by FieldName.
func Schema(types ...arrow.DataType) *arrow.Schema {
	fields := make([]arrow.Field, len(types))
	for i, dt := range types {
		fields[i] = arrow.Field{Name: FieldName(i, dt), Type: dt, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// IsNull reports whether Batch puts a null in column col of row row: every
// seventh row, shifted by the column index, never in row 0.
func IsNull(row, col int) bool { return row > 0 && (row+col)%7 == 3 }

// Batch returns a deterministic batch of rows rows with one column per type
// (see Schema), allocated from mem, with nulls where IsNull says. The values
// are chosen to exercise formats: extremes of integers, integral and
// fractional floats, strings needing quotes or escapes, timestamps with
// sub-second parts. The batch is the caller's to Release.
//
// Supported types: bool, the signed and unsigned integers, float32,
// float64, string, large_string, binary, date32, and timestamp of any unit
// and time zone. Batch returns an error for any other type.
func Batch(mem memory.Allocator, rows int, types ...arrow.DataType) (arrow.RecordBatch, error) {
	schema := Schema(types...)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for c, dt := range types {
		if err := fill(b.Field(c), dt, c, rows); err != nil {
			return nil, fmt.Errorf("connectortest: column %d: %w", c, err)
		}
	}
	return b.NewRecordBatch(), nil
}

var baseTime = time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)

func fill(fb array.Builder, dt arrow.DataType, col, rows int) error {
	fb.Reserve(rows)
	for i := range rows {
		if IsNull(i, col) {
			fb.AppendNull()
			continue
		}
		switch b := fb.(type) {
		case *array.BooleanBuilder:
			b.Append(i%3 == 0)
		case *array.Int8Builder:
			b.Append(int8(i%256 - 128))
		case *array.Int16Builder:
			b.Append(int16(i*37%65536 - 32768))
		case *array.Int32Builder:
			b.Append(int32(int64(i)*104729%math.MaxInt32 - 1<<30))
		case *array.Int64Builder:
			b.Append(int64Value(i))
		case *array.Uint8Builder:
			b.Append(uint8(i % 256))
		case *array.Uint16Builder:
			b.Append(uint16(i * 37 % 65536))
		case *array.Uint32Builder:
			b.Append(uint32(int64(i) * 104729 % math.MaxUint32))
		case *array.Uint64Builder:
			if i == 1 {
				b.Append(math.MaxUint64)
			} else {
				b.Append(uint64(i) * 1000003)
			}
		case *array.Float32Builder:
			b.Append(float32(float64Value(i)))
		case *array.Float64Builder:
			b.Append(float64Value(i))
		case *array.StringBuilder:
			b.Append(stringValue(i))
		case *array.LargeStringBuilder:
			b.Append(stringValue(i))
		case *array.BinaryBuilder:
			if dt.ID() != arrow.BINARY {
				return fmt.Errorf("unsupported type %s", dt)
			}
			b.Append([]byte(stringValue(i)))
		case *array.Date32Builder:
			b.Append(arrow.Date32(18000 + i%5000))
		case *array.TimestampBuilder:
			unit := dt.(*arrow.TimestampType).Unit
			t := baseTime.Add(time.Duration(i) * (1000003 * time.Microsecond))
			if i == 2 {
				t = time.Date(1969, 12, 31, 23, 59, 58, 500000000, time.UTC)
			}
			v, err := arrow.TimestampFromTime(t, unit)
			if err != nil {
				return err
			}
			b.Append(v)
		default:
			return fmt.Errorf("unsupported type %s", dt)
		}
	}
	return nil
}

func int64Value(i int) int64 {
	switch i {
	case 1:
		return math.MaxInt64
	case 2:
		return math.MinInt64
	}
	v := int64(i) * 7919
	if i%2 == 1 {
		v = -v
	}
	return v
}

func float64Value(i int) float64 {
	if i%5 == 0 {
		return float64(i) // integral: text formats must keep it a float
	}
	v := float64(i)*0.25 + 1/float64(i+3)
	if i%2 == 1 {
		v = -v
	}
	return v
}

func stringValue(i int) string {
	if i < len(SampleStrings) {
		return SampleStrings[i]
	}
	return SampleStrings[i%len(SampleStrings)] + fmt.Sprint(i)
}
