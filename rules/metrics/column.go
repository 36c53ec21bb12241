package metrics

import (
	"fmt"
	"math"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

// kind is the family of a column's value type. It decides the domain a
// value is read in (int64, uint64, float64 or string) and how a value of
// that domain is returned as a result.
type kind uint8

const (
	kindInt      kind = iota + 1 // int8…int64 → int64
	kindUint                     // uint8…uint64 → uint64
	kindFloat                    // float32, float64 → float64
	kindDecimal                  // decimal128 → float64
	kindBool                     // bool → uint64 0/1, returned as bool
	kindString                   // string, large_string → string
	kindBinary                   // binary, large_binary → string, returned as []byte
	kindTime                     // date32, date64, timestamp → int64 raw, returned as time.Time (UTC)
	kindDuration                 // duration → int64 raw, returned as time.Duration
)

// column describes the values of one metric column.
type column struct {
	kind  kind
	value arrow.DataType // the value type (the dictionary's value type for dictionaries)
}

// classify returns the column description of an Arrow type, false when no
// metric reads its values.
func classify(dt arrow.DataType) (column, bool) {
	if dt == nil {
		return column{}, false
	}
	if d, ok := dt.(*arrow.DictionaryType); ok {
		if _, nested := d.ValueType.(*arrow.DictionaryType); nested {
			return column{}, false
		}
		c, ok := classify(d.ValueType)
		return c, ok
	}
	c := column{value: dt}
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		c.kind = kindInt
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		c.kind = kindUint
	case arrow.FLOAT32, arrow.FLOAT64:
		c.kind = kindFloat
	case arrow.DECIMAL128:
		c.kind = kindDecimal
	case arrow.BOOL:
		c.kind = kindBool
	case arrow.STRING, arrow.LARGE_STRING:
		c.kind = kindString
	case arrow.BINARY, arrow.LARGE_BINARY:
		c.kind = kindBinary
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP:
		c.kind = kindTime
	case arrow.DURATION:
		c.kind = kindDuration
	default:
		return column{}, false
	}
	return c, true
}

// numeric reports whether the column's values are numbers (sum, mean, …).
func (c column) numeric() bool {
	switch c.kind {
	case kindInt, kindUint, kindFloat, kindDecimal:
		return true
	}
	return false
}

// domain is the Go type values of a kind are read as.
type domain uint8

const (
	domInt domain = iota + 1
	domUint
	domFloat
	domString
)

func (c column) domain() domain {
	switch c.kind {
	case kindInt, kindTime, kindDuration:
		return domInt
	case kindUint, kindBool:
		return domUint
	case kindFloat, kindDecimal:
		return domFloat
	default:
		return domString
	}
}

// fromInt returns a value of the int domain as a result.
func (c column) fromInt(v int64) any {
	switch c.kind {
	case kindTime:
		switch t := c.value.(type) {
		case *arrow.Date32Type:
			return time.Unix(v*86400, 0).UTC()
		case *arrow.Date64Type:
			return time.UnixMilli(v).UTC()
		case *arrow.TimestampType:
			return arrow.Timestamp(v).ToTime(t.Unit)
		}
	case kindDuration:
		if t, ok := c.value.(*arrow.DurationType); ok {
			return time.Duration(v) * t.Unit.Multiplier()
		}
	}
	return v
}

// fromUint returns a value of the uint domain as a result.
func (c column) fromUint(v uint64) any {
	if c.kind == kindBool {
		return v != 0
	}
	return v
}

// fromString returns a value of the string domain as a result.
func (c column) fromString(v string) any {
	if c.kind == kindBinary {
		return []byte(v)
	}
	return v
}

// chunkLen is the number of values handed to a state at a time: small
// enough to stay in the L1 cache, large enough to amortize the call.
const chunkLen = 1024

type number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

type index interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// errArray reports an array eachX cannot read; types are checked before, so
// it means the caller passed an array of another type than declared.
func errArray(arr arrow.Array) error {
	return fmt.Errorf("metrics: cannot read values of type %s: %w", arr.DataType(), ErrMismatch)
}

// The eachX functions hand the values of arr to fn in chunks, converted to
// the domain type, in row order. Unless all is set, null values (including
// dictionary entries that are null) are skipped; with all, every position is
// passed and null positions hold unspecified values. The chunks are only
// valid during the call of fn: strings alias Arrow buffers.

func eachInt(arr arrow.Array, all bool, fn func([]int64)) error {
	if arr.Len() == 0 {
		return nil
	}
	switch a := arr.(type) {
	case *array.Dictionary:
		dict := make([]int64, 0, a.Dictionary().Len())
		if err := eachInt(a.Dictionary(), true, func(c []int64) { dict = append(dict, c...) }); err != nil {
			return err
		}
		return gather(a, dict, all, fn)
	case *array.Int8:
		emit(a.Int8Values(), a, all, fn)
	case *array.Int16:
		emit(a.Int16Values(), a, all, fn)
	case *array.Int32:
		emit(a.Int32Values(), a, all, fn)
	case *array.Int64:
		emit(a.Int64Values(), a, all, fn)
	case *array.Date32:
		emit(a.Date32Values(), a, all, fn)
	case *array.Date64:
		emit(a.Date64Values(), a, all, fn)
	case *array.Timestamp:
		emit(a.TimestampValues(), a, all, fn)
	case *array.Duration:
		emit(a.DurationValues(), a, all, fn)
	default:
		return errArray(arr)
	}
	return nil
}

func eachUint(arr arrow.Array, all bool, fn func([]uint64)) error {
	if arr.Len() == 0 {
		return nil
	}
	switch a := arr.(type) {
	case *array.Dictionary:
		dict := make([]uint64, 0, a.Dictionary().Len())
		if err := eachUint(a.Dictionary(), true, func(c []uint64) { dict = append(dict, c...) }); err != nil {
			return err
		}
		return gather(a, dict, all, fn)
	case *array.Uint8:
		emit(a.Uint8Values(), a, all, fn)
	case *array.Uint16:
		emit(a.Uint16Values(), a, all, fn)
	case *array.Uint32:
		emit(a.Uint32Values(), a, all, fn)
	case *array.Uint64:
		emit(a.Uint64Values(), a, all, fn)
	case *array.Boolean:
		emitBool(a, all, fn)
	default:
		return errArray(arr)
	}
	return nil
}

func eachFloat(arr arrow.Array, all bool, fn func([]float64)) error {
	if arr.Len() == 0 {
		return nil
	}
	switch a := arr.(type) {
	case *array.Dictionary:
		dict := make([]float64, 0, a.Dictionary().Len())
		if err := eachFloat(a.Dictionary(), true, func(c []float64) { dict = append(dict, c...) }); err != nil {
			return err
		}
		return gather(a, dict, all, fn)
	case *array.Int8:
		emit(a.Int8Values(), a, all, fn)
	case *array.Int16:
		emit(a.Int16Values(), a, all, fn)
	case *array.Int32:
		emit(a.Int32Values(), a, all, fn)
	case *array.Int64:
		emit(a.Int64Values(), a, all, fn)
	case *array.Uint8:
		emit(a.Uint8Values(), a, all, fn)
	case *array.Uint16:
		emit(a.Uint16Values(), a, all, fn)
	case *array.Uint32:
		emit(a.Uint32Values(), a, all, fn)
	case *array.Uint64:
		emit(a.Uint64Values(), a, all, fn)
	case *array.Float32:
		emit(a.Float32Values(), a, all, fn)
	case *array.Float64:
		emit(a.Float64Values(), a, all, fn)
	case *array.Decimal128:
		emitDecimal(a, all, fn)
	default:
		return errArray(arr)
	}
	return nil
}

func eachString(arr arrow.Array, all bool, fn func([]string)) error {
	if arr.Len() == 0 {
		return nil
	}
	switch a := arr.(type) {
	case *array.Dictionary:
		dict := make([]string, 0, a.Dictionary().Len())
		if err := eachString(a.Dictionary(), true, func(c []string) { dict = append(dict, c...) }); err != nil {
			return err
		}
		return gather(a, dict, all, fn)
	case *array.String:
		emitStrings(a.ValueOffsets(), a.ValueBytes(), a, all, fn)
	case *array.LargeString:
		emitStrings(a.ValueOffsets(), a.ValueBytes(), a, all, fn)
	case *array.Binary:
		emitStrings(a.ValueOffsets(), a.ValueBytes(), a, all, fn)
	case *array.LargeBinary:
		emitStrings(a.ValueOffsets(), a.ValueBytes(), a, all, fn)
	default:
		return errArray(arr)
	}
	return nil
}

// emit hands vals (the typed values of arr, already offset) to fn as U.
func emit[T number, U number](vals []T, arr arrow.Array, all bool, fn func([]U)) {
	if all || arr.NullN() == 0 {
		if same, ok := any(vals).([]U); ok {
			fn(same) // no conversion: pass Arrow's own buffer
			return
		}
		buf := make([]U, min(chunkLen, len(vals)))
		for len(vals) > 0 {
			n := min(len(vals), len(buf))
			for i, v := range vals[:n] {
				buf[i] = U(v)
			}
			fn(buf[:n])
			vals = vals[n:]
		}
		return
	}
	bm, off := arr.NullBitmapBytes(), arr.Data().Offset()
	buf := make([]U, 0, min(chunkLen, len(vals)))
	for i, v := range vals {
		if bitutil.BitIsSet(bm, off+i) {
			buf = append(buf, U(v))
			if len(buf) == cap(buf) {
				fn(buf)
				buf = buf[:0]
			}
		}
	}
	if len(buf) > 0 {
		fn(buf)
	}
}

func emitBool(a *array.Boolean, all bool, fn func([]uint64)) {
	nulls := !all && a.NullN() > 0
	buf := make([]uint64, 0, min(chunkLen, a.Len()))
	for i := range a.Len() {
		if nulls && a.IsNull(i) {
			continue
		}
		var v uint64
		if a.Value(i) {
			v = 1
		}
		buf = append(buf, v)
		if len(buf) == cap(buf) {
			fn(buf)
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		fn(buf)
	}
}

func emitDecimal(a *array.Decimal128, all bool, fn func([]float64)) {
	dt, ok := a.DataType().(*arrow.Decimal128Type)
	if !ok {
		return
	}
	vals := a.Values()
	nulls := !all && a.NullN() > 0
	buf := make([]float64, 0, min(chunkLen, len(vals)))
	for i, v := range vals {
		if nulls && a.IsNull(i) {
			continue
		}
		buf = append(buf, v.ToFloat64(dt.Scale))
		if len(buf) == cap(buf) {
			fn(buf)
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		fn(buf)
	}
}

// emitStrings hands the values of a string or binary array to fn as strings
// that alias data.
func emitStrings[O int32 | int64](offs []O, data []byte, arr arrow.Array, all bool, fn func([]string)) {
	s := unsafe.String(unsafe.SliceData(data), len(data))
	base := offs[0]
	nulls := !all && arr.NullN() > 0
	bm, off := arr.NullBitmapBytes(), arr.Data().Offset()
	buf := make([]string, 0, min(chunkLen, arr.Len()))
	for i := range arr.Len() {
		if nulls && !bitutil.BitIsSet(bm, off+i) {
			continue
		}
		buf = append(buf, s[offs[i]-base:offs[i+1]-base])
		if len(buf) == cap(buf) {
			fn(buf)
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		fn(buf)
	}
}

// gather hands the dictionary values dict[index] of d to fn.
func gather[U any](d *array.Dictionary, dict []U, all bool, fn func([]U)) error {
	switch idx := d.Indices().(type) {
	case *array.Int8:
		return gatherIndex(idx.Int8Values(), d, dict, all, fn)
	case *array.Int16:
		return gatherIndex(idx.Int16Values(), d, dict, all, fn)
	case *array.Int32:
		return gatherIndex(idx.Int32Values(), d, dict, all, fn)
	case *array.Int64:
		return gatherIndex(idx.Int64Values(), d, dict, all, fn)
	case *array.Uint8:
		return gatherIndex(idx.Uint8Values(), d, dict, all, fn)
	case *array.Uint16:
		return gatherIndex(idx.Uint16Values(), d, dict, all, fn)
	case *array.Uint32:
		return gatherIndex(idx.Uint32Values(), d, dict, all, fn)
	case *array.Uint64:
		return gatherIndex(idx.Uint64Values(), d, dict, all, fn)
	default:
		return errArray(d)
	}
}

func gatherIndex[I index, U any](idx []I, d *array.Dictionary, dict []U, all bool, fn func([]U)) error {
	values := d.Dictionary()
	nulls, dictNulls := d.NullN() > 0, values.NullN() > 0
	bm, off := d.NullBitmapBytes(), d.Data().Offset()
	buf := make([]U, 0, min(chunkLen, len(idx)))
	var zero U
	for i, k := range idx {
		valid := !nulls || bitutil.BitIsSet(bm, off+i)
		if valid && uint64(k) >= uint64(len(dict)) {
			return fmt.Errorf("metrics: dictionary index %d out of range [0,%d)", k, len(dict))
		}
		valid = valid && (!dictNulls || values.IsValid(int(k)))
		switch {
		case valid:
			buf = append(buf, dict[k])
		case all:
			buf = append(buf, zero)
		default:
			continue
		}
		if len(buf) == cap(buf) {
			fn(buf)
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		fn(buf)
	}
	return nil
}

// validity returns, per row of arr, whether its value is non-null
// (dictionary entries that are null count as null), and the number of
// nulls. It returns nil when no value is null.
func validity(arr arrow.Array) ([]bool, int) {
	n := arr.Len()
	if arr.DataType().ID() == arrow.NULL {
		return make([]bool, n), n
	}
	d, isDict := arr.(*array.Dictionary)
	dictNulls := isDict && d.Dictionary().NullN() > 0
	if arr.NullN() == 0 && !dictNulls {
		return nil, 0
	}
	valid := make([]bool, n)
	nulls := 0
	for i := range n {
		ok := arr.IsValid(i)
		if ok && dictNulls {
			k := d.GetValueIndex(i)
			ok = k >= 0 && k < d.Dictionary().Len() && d.Dictionary().IsValid(k)
		}
		valid[i] = ok
		if !ok {
			nulls++
		}
	}
	return valid, nulls
}

// nullCount returns the number of null values of arr, counting dictionary
// entries that are null.
func nullCount(arr arrow.Array) int {
	if arr.DataType().ID() == arrow.NULL {
		return arr.Len()
	}
	if d, ok := arr.(*array.Dictionary); ok && d.Dictionary().NullN() > 0 {
		_, n := validity(arr)
		return n
	}
	return arr.NullN()
}

// canonicalFloat returns the bits of v with every NaN mapped to one NaN and
// -0 to 0, so that equal numbers have equal keys.
func canonicalFloat(v float64) uint64 {
	switch {
	case v != v:
		return 0x7ff8000000000001
	case v == 0:
		return 0
	}
	return math.Float64bits(v)
}
