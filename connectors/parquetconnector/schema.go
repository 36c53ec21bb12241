package parquetconnector

import (
	"bytes"
	"encoding/base64"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/sluicedata/sluice/connectors"
)

// arrowSchemaKey is the footer key under which Arrow writers store the
// serialized Arrow schema of a file.
const arrowSchemaKey = "ARROW:schema"

// kind says how the values of a Parquet column become an Arrow array.
type kind uint8

const (
	kBool     kind = iota
	kInt32         // INT32 copied as 4-byte values (int32, uint32, date32, time32)
	kInt64         // INT64 copied as 8-byte values (int64, uint64, timestamp, time64)
	kInt8          // INT32 narrowed to int8
	kInt16         // INT32 narrowed to int16
	kUint8         // INT32 narrowed to uint8
	kUint16        // INT32 narrowed to uint16
	kFloat32       // FLOAT
	kFloat64       // DOUBLE
	kBinary        // BYTE_ARRAY to string/binary (int32 offsets)
	kLarge         // BYTE_ARRAY to large_string/large_binary (int64 offsets)
	kDict          // BYTE_ARRAY to dictionary<int32, string|binary>
	kFixed         // FIXED_LEN_BYTE_ARRAY to fixed_size_binary
	kDecInt32      // INT32 decimal to decimal128
	kDecInt64      // INT64 decimal to decimal128
	kDecBytes      // BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY big-endian decimal to decimal128
	kInt96         // legacy INT96 timestamp to timestamp[ns]
)

// column is the plan for reading one leaf column of a file.
type column struct {
	name   string
	index  int // leaf column index in the file
	kind   kind
	field  arrow.Field
	maxDef byte

	// list columns (LIST of a primitive, or a bare repeated primitive):
	// field.Type is a list, kind and maxDef describe the element leaf.
	list    bool
	listDef byte // definition level from which the list is not null
	elemDef byte // definition level from which an element slot exists
}

// fileSchema maps the top-level columns of f to Arrow. Columns that cannot be
// mapped are kept with err set so that a projection may leave them out.
type fileSchema struct {
	columns []column
	errs    []error // errs[i] is non-nil when columns[i] is unsupported
	byName  map[string]int
	meta    arrow.Metadata
}

// arrowHint reads the ARROW:schema footer entry, if any; a malformed entry
// is ignored (the Parquet schema alone is authoritative).
func arrowHint(f *parquet.File) (hint map[string]arrow.DataType) {
	defer func() {
		if recover() != nil {
			hint = nil
		}
	}()
	s, ok := f.Lookup(arrowSchemaKey)
	if !ok {
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return nil
		}
	}
	if !safeSchemaMessage(raw) {
		return nil
	}
	r, err := ipc.NewReader(bytes.NewReader(raw), ipc.WithAllocator(memory.NewGoAllocator()))
	if err != nil {
		return nil
	}
	defer r.Release()
	hint = make(map[string]arrow.DataType)
	for _, fld := range r.Schema().Fields() {
		hint[fld.Name] = fld.Type
	}
	return hint
}

func buildSchema(f *parquet.File) *fileSchema {
	hint := arrowHint(f)
	fs := &fileSchema{byName: make(map[string]int)}
	var keys, vals []string
	for _, kv := range f.Metadata().KeyValueMetadata {
		if kv.Key == arrowSchemaKey {
			continue
		}
		keys = append(keys, kv.Key)
		vals = append(vals, kv.Value)
	}
	if len(keys) > 0 {
		fs.meta = arrow.NewMetadata(keys, vals)
	}
	for _, col := range f.Root().Columns() {
		c := column{name: col.Name(), index: -1}
		var err error
		switch {
		case !col.Leaf() || col.Repeated():
			c, err = listColumn(col, hint[col.Name()])
		case col.MaxRepetitionLevel() > 0:
			err = fmt.Errorf("column %q: repeated columns: %w", col.Name(), connectors.ErrUnsupported)
		default:
			c.index = col.Index()
			c.maxDef = byte(col.MaxDefinitionLevel())
			var dt arrow.DataType
			dt, c.kind, err = mapType(col, hint[col.Name()], dictEncoded(f, c.index))
			c.field = arrow.Field{Name: col.Name(), Type: dt, Nullable: col.Optional()}
			if err != nil {
				err = fmt.Errorf("column %q: %w", col.Name(), err)
			}
		}
		if err != nil {
			c.field = arrow.Field{Name: col.Name(), Type: arrow.Null, Nullable: true}
		}
		fs.byName[c.name] = len(fs.columns)
		fs.columns = append(fs.columns, c)
		fs.errs = append(fs.errs, err)
	}
	return fs
}

// isList reports whether the group column col is annotated as a LIST.
func isList(col *parquet.Column) bool {
	if lt := col.Type().LogicalType(); lt != nil {
		if _, ok := lt.Value.(*format.ListType); ok {
			return true
		}
	}
	ct := col.Type().ConvertedType()
	return ct != nil && *ct == deprecated.List
}

// listColumn plans a top-level list column of primitives: the standard
// three-level LIST (optional group (LIST) { repeated group list { optional
// T element } }), the legacy two-level LIST (a repeated primitive inside the
// LIST group) or a bare repeated primitive. Lists of groups, maps and
// nested lists are unsupported.
func listColumn(col *parquet.Column, hint arrow.DataType) (column, error) {
	c := column{name: col.Name(), index: -1}
	unsupported := func(what string) (column, error) {
		return c, fmt.Errorf("column %q: %s: %w", col.Name(), what, connectors.ErrUnsupported)
	}
	var rep, leaf *parquet.Column
	switch {
	case col.Leaf():
		rep, leaf = col, col
	case col.Repeated():
		return unsupported("repeated group")
	case !isList(col):
		if lt := col.Type().LogicalType(); lt != nil {
			if _, isMap := lt.Value.(*format.MapType); isMap {
				return unsupported("maps")
			}
		}
		return unsupported("nested group columns")
	default:
		kids := col.Columns()
		if len(kids) != 1 || !kids[0].Repeated() {
			return unsupported("malformed LIST group")
		}
		rep = kids[0]
		if rep.Leaf() {
			leaf = rep
			break
		}
		inner := rep.Columns()
		// Backward-compatibility rules of the format: a repeated group with
		// several fields, or named "array" or "<list>_tuple", is itself the
		// element (a struct).
		if len(inner) != 1 || rep.Name() == "array" || rep.Name() == col.Name()+"_tuple" {
			return unsupported("lists of groups")
		}
		leaf = inner[0]
		if !leaf.Leaf() {
			return unsupported("lists of nested values")
		}
	}
	if leaf.Repeated() && leaf != rep || leaf.MaxRepetitionLevel() != 1 {
		return unsupported("nested lists")
	}
	c.list = true
	c.index = leaf.Index()
	c.maxDef = byte(leaf.MaxDefinitionLevel())
	c.elemDef = byte(rep.MaxDefinitionLevel())
	c.listDef = c.elemDef - 1
	elemName := leaf.Name()
	var elemHint arrow.DataType
	if h, ok := hint.(*arrow.ListType); ok {
		elemName = h.ElemField().Name
		if _, dict := h.Elem().(*arrow.DictionaryType); !dict {
			elemHint = h.Elem()
		}
	}
	dt, k, err := mapType(leaf, elemHint, false)
	if err != nil {
		return c, fmt.Errorf("column %q: element: %w", col.Name(), err)
	}
	c.kind = k
	elem := arrow.Field{Name: elemName, Type: dt, Nullable: leaf.Optional()}
	c.field = arrow.Field{Name: col.Name(), Type: arrow.ListOfField(elem), Nullable: col.Optional()}
	return c, nil
}

// dictEncoded reports whether every data page of the leaf column, in every
// row group, is dictionary encoded according to the footer. When the footer
// carries no encoding statistics the list of encodings decides; the reader
// copes with a plain page met in a column predicted to be dictionary encoded.
func dictEncoded(f *parquet.File, leaf int) bool {
	rgs := f.Metadata().RowGroups
	if len(rgs) == 0 {
		return false
	}
	for _, rg := range rgs {
		if leaf >= len(rg.Columns) {
			return false
		}
		md := rg.Columns[leaf].MetaData
		if len(md.EncodingStats) > 0 {
			for _, st := range md.EncodingStats {
				if st.PageType != format.DataPage && st.PageType != format.DataPageV2 {
					continue
				}
				if !isDictEncoding(st.Encoding) {
					return false
				}
			}
			continue
		}
		found := false
		for _, e := range md.Encoding {
			if isDictEncoding(e) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// isDictEncoding reports whether a data page encoding holds dictionary
// indexes.
func isDictEncoding(e format.Encoding) bool {
	// PLAIN_DICTIONARY is deprecated for writers, but files of older writers
	// (parquet-mr 1.x, data page v1) use it for dictionary-encoded pages.
	return e == format.RLEDictionary || e == format.PlainDictionary //nolint:staticcheck // reading old files needs it
}

func timeUnit(u format.TimeUnit) arrow.TimeUnit {
	switch u.Value.(type) {
	case *format.MilliSeconds:
		return arrow.Millisecond
	case *format.NanoSeconds:
		return arrow.Nanosecond
	default:
		return arrow.Microsecond
	}
}

// mapType picks the Arrow type of a flat leaf column, guided by the Arrow
// type the writer recorded (hint, may be nil).
func mapType(col *parquet.Column, hint arrow.DataType, dict bool) (arrow.DataType, kind, error) {
	typ := col.Type()
	var lt format.LogicalTypeValue
	if l := typ.LogicalType(); l != nil {
		lt = l.Value
	}
	var ct = deprecated.ConvertedType(-1)
	if c := typ.ConvertedType(); c != nil {
		ct = *c
	}
	unsupported := func() (arrow.DataType, kind, error) {
		return nil, 0, fmt.Errorf("parquet type %s (%v): %w", typ.Kind(), typ, connectors.ErrUnsupported)
	}
	switch typ.Kind() {
	case parquet.Boolean:
		return arrow.FixedWidthTypes.Boolean, kBool, nil
	case parquet.Float:
		return arrow.PrimitiveTypes.Float32, kFloat32, nil
	case parquet.Double:
		return arrow.PrimitiveTypes.Float64, kFloat64, nil
	case parquet.Int96:
		return &arrow.TimestampType{Unit: arrow.Nanosecond}, kInt96, nil
	case parquet.Int32:
		switch t := lt.(type) {
		case *format.IntType:
			return intType(t.BitWidth, t.IsSigned, 32)
		case *format.DateType:
			return arrow.FixedWidthTypes.Date32, kInt32, nil
		case *format.DecimalType:
			return &arrow.Decimal128Type{Precision: t.Precision, Scale: t.Scale}, kDecInt32, nil
		case *format.TimeType:
			return arrow.FixedWidthTypes.Time32ms, kInt32, nil
		case nil:
		default:
			return unsupported()
		}
		switch ct {
		case deprecated.Int8:
			return intType(8, true, 32)
		case deprecated.Int16:
			return intType(16, true, 32)
		case deprecated.Uint8:
			return intType(8, false, 32)
		case deprecated.Uint16:
			return intType(16, false, 32)
		case deprecated.Uint32:
			return intType(32, false, 32)
		case deprecated.Date:
			return arrow.FixedWidthTypes.Date32, kInt32, nil
		case deprecated.TimeMillis:
			return arrow.FixedWidthTypes.Time32ms, kInt32, nil
		}
		return arrow.PrimitiveTypes.Int32, kInt32, nil
	case parquet.Int64:
		switch t := lt.(type) {
		case *format.IntType:
			return intType(t.BitWidth, t.IsSigned, 64)
		case *format.TimestampType:
			ts := &arrow.TimestampType{Unit: timeUnit(t.Unit)}
			if t.IsAdjustedToUTC {
				ts.TimeZone = "UTC"
				if h, ok := hint.(*arrow.TimestampType); ok && h.TimeZone != "" && h.Unit == ts.Unit {
					ts.TimeZone = h.TimeZone
				}
			}
			return ts, kInt64, nil
		case *format.TimeType:
			if timeUnit(t.Unit) == arrow.Nanosecond {
				return arrow.FixedWidthTypes.Time64ns, kInt64, nil
			}
			return arrow.FixedWidthTypes.Time64us, kInt64, nil
		case *format.DecimalType:
			return &arrow.Decimal128Type{Precision: t.Precision, Scale: t.Scale}, kDecInt64, nil
		case nil:
		default:
			return unsupported()
		}
		switch ct {
		case deprecated.Uint64:
			return intType(64, false, 64)
		case deprecated.TimestampMillis:
			return &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, kInt64, nil
		case deprecated.TimestampMicros:
			return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, kInt64, nil
		}
		return arrow.PrimitiveTypes.Int64, kInt64, nil
	case parquet.ByteArray:
		isString := false
		switch t := lt.(type) {
		case *format.StringType, *format.EnumType, *format.JsonType:
			isString = true
		case *format.DecimalType:
			return &arrow.Decimal128Type{Precision: t.Precision, Scale: t.Scale}, kDecBytes, decimalCheck(t)
		case *format.BsonType, nil:
			isString = lt == nil && (ct == deprecated.UTF8 || ct == deprecated.Enum || ct == deprecated.Json)
		default:
			return unsupported()
		}
		switch hint.(type) {
		case *arrow.LargeStringType, *arrow.LargeBinaryType:
			if !dict {
				if isString {
					return arrow.BinaryTypes.LargeString, kLarge, nil
				}
				return arrow.BinaryTypes.LargeBinary, kLarge, nil
			}
		case *arrow.DictionaryType:
			dict = true
		}
		vt := arrow.BinaryTypes.Binary
		if isString {
			vt = arrow.BinaryTypes.String
		}
		if dict {
			return &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: vt}, kDict, nil
		}
		return vt, kBinary, nil
	case parquet.FixedLenByteArray:
		if t, ok := lt.(*format.DecimalType); ok {
			return &arrow.Decimal128Type{Precision: t.Precision, Scale: t.Scale}, kDecBytes, decimalCheck(t)
		}
		if n := typ.Length(); n > 0 {
			return &arrow.FixedSizeBinaryType{ByteWidth: n}, kFixed, nil
		}
		return unsupported()
	}
	return unsupported()
}

func decimalCheck(t *format.DecimalType) error {
	if t.Precision > 38 {
		return fmt.Errorf("decimal precision %d > 38: %w", t.Precision, connectors.ErrUnsupported)
	}
	return nil
}

func intType(bits int8, signed bool, physical int) (arrow.DataType, kind, error) {
	switch bits {
	case 8, 16, 32, 64:
	default:
		return nil, 0, fmt.Errorf("integer of %d bits: %w", bits, connectors.ErrCorrupt)
	}
	switch {
	case bits == 8 && signed:
		return arrow.PrimitiveTypes.Int8, kInt8, nil
	case bits == 8:
		return arrow.PrimitiveTypes.Uint8, kUint8, nil
	case bits == 16 && signed:
		return arrow.PrimitiveTypes.Int16, kInt16, nil
	case bits == 16:
		return arrow.PrimitiveTypes.Uint16, kUint16, nil
	case bits == 32 && signed && physical == 32:
		return arrow.PrimitiveTypes.Int32, kInt32, nil
	case bits == 32 && physical == 32:
		return arrow.PrimitiveTypes.Uint32, kInt32, nil
	case bits == 64 && signed && physical == 64:
		return arrow.PrimitiveTypes.Int64, kInt64, nil
	case bits == 64 && physical == 64:
		return arrow.PrimitiveTypes.Uint64, kInt64, nil
	}
	return nil, 0, fmt.Errorf("integer of %d bits in INT%d: %w", bits, physical, connectors.ErrUnsupported)
}

// valueType is the Arrow type of the leaf values: the element type of a
// list column, else the column's type.
func (c *column) valueType() arrow.DataType {
	if lt, ok := c.field.Type.(*arrow.ListType); ok {
		return lt.Elem()
	}
	return c.field.Type
}
