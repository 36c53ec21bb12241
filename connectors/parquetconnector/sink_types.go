package parquetconnector

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/connectors"
)

// checkField reports whether the Sink writes a top-level column of field
// f so that this package's reader reads it back with the same type: the
// flat types of the package documentation, dictionaries of strings or
// binaries, and lists of the flat types. Anything else is an error
// wrapping connectors.ErrUnsupported.
func checkField(f arrow.Field) error {
	if lt, ok := f.Type.(*arrow.ListType); ok {
		switch lt.Elem().(type) {
		case arrow.NestedType, *arrow.DictionaryType:
			return fmt.Errorf("list of %s: %w", lt.Elem(), connectors.ErrUnsupported)
		}
		if err := checkType(lt.Elem()); err != nil {
			return fmt.Errorf("list element: %w", err)
		}
		return nil
	}
	return checkType(f.Type)
}

// checkType reports whether dt is a flat type the Sink writes.
func checkType(dt arrow.DataType) error {
	switch t := dt.(type) {
	case *arrow.BooleanType,
		*arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type,
		*arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type,
		*arrow.Float32Type, *arrow.Float64Type,
		*arrow.StringType, *arrow.LargeStringType, *arrow.BinaryType, *arrow.LargeBinaryType,
		*arrow.FixedSizeBinaryType, *arrow.Date32Type, *arrow.Time64Type:
		return nil
	case *arrow.Time32Type:
		if t.Unit == arrow.Millisecond {
			return nil
		}
	case *arrow.TimestampType:
		if t.Unit == arrow.Second {
			return fmt.Errorf("timestamp[s]: %w", connectors.ErrUnsupported)
		}
		return nil
	case *arrow.Decimal128Type:
		if t.Precision >= 1 && t.Precision <= 38 {
			return nil
		}
	case *arrow.DictionaryType:
		if err := checkType(t.ValueType); err != nil {
			return err
		}
		switch t.ValueType.ID() {
		case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
			return nil
		}
		return fmt.Errorf("dictionary of %s: %w", t.ValueType, connectors.ErrUnsupported)
	}
	return fmt.Errorf("arrow type %s: %w", dt, connectors.ErrUnsupported)
}

var errNullInRequired = fmt.Errorf("null in a non-nullable column: %w", connectors.ErrSchemaMismatch)

// checkNulls refuses a null in a non-nullable column of batch, or in a
// list of non-nullable elements, which a Parquet REQUIRED column cannot
// hold. The common case costs one null count per column.
func checkNulls(schema *arrow.Schema, batch arrow.RecordBatch) error {
	for c, f := range schema.Fields() {
		col := batch.Column(c)
		if !f.Nullable && col.NullN() > 0 {
			for i := range col.Len() {
				if col.IsNull(i) {
					return fmt.Errorf("column %q row %d: %w", f.Name, i, errNullInRequired)
				}
			}
		}
		lt, ok := f.Type.(*arrow.ListType)
		if !ok || lt.ElemField().Nullable || col.Len() == 0 {
			continue
		}
		la := col.(*array.List)
		start, _ := la.ValueOffsets(0)
		_, end := la.ValueOffsets(la.Len() - 1)
		vals := array.NewSlice(la.ListValues(), start, end)
		nulls := vals.NullN()
		vals.Release()
		if nulls == 0 {
			continue
		}
		for i := range la.Len() {
			if la.IsNull(i) {
				continue
			}
			lo, hi := la.ValueOffsets(i)
			for j := lo; j < hi; j++ {
				if la.ListValues().IsNull(int(j)) {
					return fmt.Errorf("column %q row %d: null element: %w", f.Name, i, errNullInRequired)
				}
			}
		}
	}
	return nil
}
