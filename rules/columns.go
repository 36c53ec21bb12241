package rules

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
)

// colReader reads the values of one column of the current batch as CEL
// values, without copying the column.
type colReader struct {
	arr      arrow.Array
	hasNulls bool
	isNull   func(i int) bool
	get      func(i int) ref.Val
}

func (c *colReader) null(i int) bool { return c.hasNulls && c.isNull(i) }

// newColReader binds a column. Dictionary entries are converted once per
// call (per batch).
func newColReader(arr arrow.Array) (*colReader, error) {
	c := &colReader{arr: arr, hasNulls: arr.NullN() > 0, isNull: arr.IsNull}
	switch a := arr.(type) {
	case *array.Int8:
		v := a.Int8Values()
		c.get = func(i int) ref.Val { return types.Int(v[i]) }
	case *array.Int16:
		v := a.Int16Values()
		c.get = func(i int) ref.Val { return types.Int(v[i]) }
	case *array.Int32:
		v := a.Int32Values()
		c.get = func(i int) ref.Val { return types.Int(v[i]) }
	case *array.Int64:
		v := a.Int64Values()
		c.get = func(i int) ref.Val { return types.Int(v[i]) }
	case *array.Uint8:
		v := a.Uint8Values()
		c.get = func(i int) ref.Val { return types.Uint(v[i]) }
	case *array.Uint16:
		v := a.Uint16Values()
		c.get = func(i int) ref.Val { return types.Uint(v[i]) }
	case *array.Uint32:
		v := a.Uint32Values()
		c.get = func(i int) ref.Val { return types.Uint(v[i]) }
	case *array.Uint64:
		v := a.Uint64Values()
		c.get = func(i int) ref.Val { return types.Uint(v[i]) }
	case *array.Float16:
		c.get = func(i int) ref.Val { return types.Double(a.Value(i).Float32()) }
	case *array.Float32:
		v := a.Float32Values()
		c.get = func(i int) ref.Val { return types.Double(v[i]) }
	case *array.Float64:
		v := a.Float64Values()
		c.get = func(i int) ref.Val { return types.Double(v[i]) }
	case *array.Decimal32:
		scale := a.DataType().(arrow.DecimalType).GetScale()
		c.get = func(i int) ref.Val { return types.Double(a.Value(i).ToFloat64(scale)) }
	case *array.Decimal64:
		scale := a.DataType().(arrow.DecimalType).GetScale()
		c.get = func(i int) ref.Val { return types.Double(a.Value(i).ToFloat64(scale)) }
	case *array.Decimal128:
		scale := a.DataType().(arrow.DecimalType).GetScale()
		c.get = func(i int) ref.Val { return types.Double(decimal128.Num(a.Value(i)).ToFloat64(scale)) }
	case *array.Decimal256:
		scale := a.DataType().(arrow.DecimalType).GetScale()
		c.get = func(i int) ref.Val { return types.Double(decimal256.Num(a.Value(i)).ToFloat64(scale)) }
	case *array.Boolean:
		c.get = func(i int) ref.Val { return types.Bool(a.Value(i)) }
	case *array.String:
		c.get = func(i int) ref.Val { return types.String(a.Value(i)) }
	case *array.LargeString:
		c.get = func(i int) ref.Val { return types.String(a.Value(i)) }
	case *array.StringView:
		c.get = func(i int) ref.Val { return types.String(a.Value(i)) }
	case *array.Binary:
		c.get = func(i int) ref.Val { return types.Bytes(a.Value(i)) }
	case *array.LargeBinary:
		c.get = func(i int) ref.Val { return types.Bytes(a.Value(i)) }
	case *array.BinaryView:
		c.get = func(i int) ref.Val { return types.Bytes(a.Value(i)) }
	case *array.FixedSizeBinary:
		c.get = func(i int) ref.Val { return types.Bytes(a.Value(i)) }
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		v := a.TimestampValues()
		// Timestamps without a zone are read as UTC: ToTime returns UTC.
		c.get = func(i int) ref.Val { return types.Timestamp{Time: v[i].ToTime(unit)} }
	case *array.Date32:
		v := a.Date32Values()
		c.get = func(i int) ref.Val { return types.Timestamp{Time: v[i].ToTime()} }
	case *array.Date64:
		v := a.Date64Values()
		c.get = func(i int) ref.Val { return types.Timestamp{Time: v[i].ToTime()} }
	case *array.Duration:
		mult := a.DataType().(*arrow.DurationType).Unit.Multiplier()
		v := a.DurationValues()
		c.get = func(i int) ref.Val { return types.Duration{Duration: time.Duration(int64(v[i]) * int64(mult))} }
	case *array.Dictionary:
		dict, err := newColReader(a.Dictionary())
		if err != nil {
			return nil, err
		}
		boxed := make([]ref.Val, a.Dictionary().Len())
		for k := range boxed {
			if dict.null(k) {
				boxed[k] = types.NullValue
			} else {
				boxed[k] = dict.get(k)
			}
		}
		c.hasNulls = arr.NullN() > 0 || a.Dictionary().NullN() > 0
		c.isNull = func(i int) bool { return a.IsNull(i) || dict.null(a.GetValueIndex(i)) }
		c.get = func(i int) ref.Val { return boxed[a.GetValueIndex(i)] }
	case array.ListLike:
		elems, err := newColReader(a.ListValues())
		if err != nil {
			return nil, err
		}
		c.get = func(i int) ref.Val {
			start, end := a.ValueOffsets(i)
			vals := make([]ref.Val, 0, end-start)
			for k := int(start); k < int(end); k++ {
				if elems.null(k) {
					vals = append(vals, types.NullValue)
				} else {
					vals = append(vals, elems.get(k))
				}
			}
			return types.NewRefValList(types.DefaultTypeAdapter, vals)
		}
	default:
		return nil, fmt.Errorf("rules: column type %s is not supported", arr.DataType())
	}
	return c, nil
}

// valueKey normalizes a CEL value to a comparable map key, so equal values
// of different widths (int32 and int64 ids) meet.
type timeKey struct{ nanos int64 }
type durationKey struct{ nanos int64 }
type bytesKey struct{ s string }

func valueKey(v ref.Val) any {
	switch x := v.(type) {
	case types.Int:
		return int64(x)
	case types.Uint:
		if x <= math.MaxInt64 {
			return int64(x)
		}
		return uint64(x)
	case types.Double:
		f := float64(x)
		if f == math.Trunc(f) && math.Abs(f) < 1<<62 {
			return int64(f)
		}
		return f
	case types.String:
		return string(x)
	case types.Bytes:
		return bytesKey{string(x)}
	case types.Bool:
		return bool(x)
	case types.Timestamp:
		return timeKey{x.UnixNano()}
	case types.Duration:
		return durationKey{int64(x.Duration)}
	}
	return fmt.Sprint(v.Value())
}

// toCEL converts a metric value to the CEL type declared for it.
func toCEL(v any, want *types.Type) ref.Val {
	kind := want.Kind()
	switch x := v.(type) {
	case int64:
		switch kind {
		case types.UintKind:
			return types.Uint(x)
		case types.DoubleKind:
			return types.Double(x)
		}
		return types.Int(x)
	case uint64:
		switch kind {
		case types.IntKind:
			return types.Int(x)
		case types.DoubleKind:
			return types.Double(x)
		}
		return types.Uint(x)
	case float64:
		switch kind {
		case types.IntKind:
			return types.Int(x)
		case types.UintKind:
			return types.Uint(x)
		}
		return types.Double(x)
	case int:
		return toCEL(int64(x), want)
	case string:
		if kind == types.DoubleKind {
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return types.Double(f)
			}
		}
		return types.String(x)
	case []byte:
		return types.Bytes(x)
	case bool:
		return types.Bool(x)
	case time.Time:
		return types.Timestamp{Time: x.UTC()}
	case time.Duration:
		return types.Duration{Duration: x}
	case []any:
		elem := types.DynType
		if kind == types.ListKind && len(want.Parameters()) == 1 {
			elem = want.Parameters()[0]
		}
		vals := make([]ref.Val, len(x))
		for i, e := range x {
			vals[i] = toCEL(e, elem)
		}
		return types.NewRefValList(types.DefaultTypeAdapter, vals)
	}
	return types.DefaultTypeAdapter.NativeToValue(v)
}
