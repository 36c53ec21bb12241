package parquetconnector

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/atomicfile"
	"github.com/sluicedata/sluice/lineage"
)

// SinkOption configures a Sink.
type SinkOption func(*sinkConfig) error

type sinkConfig struct {
	codec compress.Codec
}

// WithCompression selects the page compression: "snappy" (the default),
// "zstd" or "none".
func WithCompression(name string) SinkOption {
	return func(c *sinkConfig) error {
		switch name {
		case "snappy":
			c.codec = &parquet.Snappy
		case "zstd":
			c.codec = &parquet.Zstd
		case "none", "uncompressed":
			c.codec = &parquet.Uncompressed
		default:
			return fmt.Errorf("parquetconnector: unknown compression %q (want snappy, zstd or none)", name)
		}
		return nil
	}
}

// Sink writes one Parquet file. Each Create starts an independent write;
// the last Commit wins.
type Sink struct {
	path    string
	dataset lineage.Dataset
	cfg     sinkConfig
}

var _ connectors.Sink = (*Sink)(nil)

// NewSink returns a Sink writing the Parquet file at path.
func NewSink(path string, opts ...SinkOption) (*Sink, error) {
	ds, err := lineage.FileDataset(path)
	if err != nil {
		return nil, fmt.Errorf("parquetconnector: %w", err)
	}
	s := &Sink{path: path, dataset: ds, cfg: sinkConfig{codec: &parquet.Snappy}}
	for _, o := range opts {
		if err := o(&s.cfg); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// MaxSinkColumns is the most columns the Sink writes: parquet-go numbers
// the leaf columns of a schema with an int16 and reserves one value.
const MaxSinkColumns = 65534

// Dataset returns the file's identity.
func (s *Sink) Dataset() lineage.Dataset { return s.dataset }

// Create starts a write of batches of the given schema into a temporary
// file beside the destination. Lists of primitives are written as the
// standard three-level Parquet LIST; other nested Arrow types (structs,
// maps, lists of lists or of dictionaries) and timestamps in seconds are not
// supported (an error wrapping connectors.ErrUnsupported names the column).
func (s *Sink) Create(ctx context.Context, schema *arrow.Schema) (wr connectors.Writer, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if n := schema.NumFields(); n > MaxSinkColumns {
		return nil, fmt.Errorf("parquetconnector: %s: %d columns exceed the %d a Parquet file can hold: %w",
			s.path, n, MaxSinkColumns, connectors.ErrUnsupported)
	}
	fields := make([]parquet.Field, schema.NumFields())
	encs := make([]columnEncoder, schema.NumFields())
	for i, f := range schema.Fields() {
		node, enc, err := columnFor(f)
		if err != nil {
			return nil, fmt.Errorf("parquetconnector: %s: column %q: %w", s.path, f.Name, err)
		}
		fields[i] = namedField{Node: node, name: f.Name}
		encs[i] = enc
	}
	// Mode 0666 under the umask; stale temporary files of the directory go.
	tmp, err := atomicfile.CreateTemp(s.path)
	if err != nil {
		return nil, fmt.Errorf("parquetconnector: %w", err)
	}
	w := &writer{
		path:   s.path,
		tmp:    tmp,
		schema: schema,
		encs:   encs,
		meta:   map[string]string{},
	}
	defer func() {
		if p := recover(); p != nil {
			_ = w.discard()
			wr, err = nil, fmt.Errorf("parquetconnector: %s: creating the writer: %v", s.path, p)
		}
	}()
	psch := parquet.NewSchema("schema", orderedGroup(fields))
	w.pw = parquet.NewGenericWriter[any](tmp, psch, parquet.Compression(s.cfg.codec),
		parquet.CreatedBy("sluice", "", ""))
	return w, nil
}

// writer is the connectors.Writer of a Sink.
type writer struct {
	path   string
	tmp    *os.File
	pw     *parquet.GenericWriter[any]
	schema *arrow.Schema
	encs   []columnEncoder
	meta   map[string]string
	keys   []string
	rows   []parquet.Row
	closed bool
	failed error
}

var _ connectors.MetadataWriter = (*writer)(nil)

// SetMetadata stores a key-value pair in the file footer.
func (w *writer) SetMetadata(key, value string) {
	if _, ok := w.meta[key]; !ok {
		w.keys = append(w.keys, key)
	}
	w.meta[key] = value
}

// Write appends batch, borrowed for the call.
func (w *writer) Write(batch arrow.RecordBatch) (err error) {
	if w.closed {
		return connectors.ErrClosed
	}
	if w.failed != nil {
		return w.failed
	}
	if !batch.Schema().Equal(w.schema) {
		return fmt.Errorf("parquetconnector: %s: batch schema %s: %w", w.path, batch.Schema(), connectors.ErrSchemaMismatch)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("parquetconnector: %s: writing: %v", w.path, p)
			_ = w.discard()
		}
		if err != nil {
			w.failed = err
		}
	}()
	n := int(batch.NumRows())
	const chunk = 4096
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		if cap(w.rows) < hi-lo {
			w.rows = make([]parquet.Row, chunk)
		}
		rows := w.rows[:hi-lo]
		for i := range rows {
			rows[i] = rows[i][:0]
		}
		for c, col := range batch.Columns() {
			if err := w.encs[c].appendRows(rows, col, lo, c); err != nil {
				return fmt.Errorf("parquetconnector: %s: column %q %w", w.path, w.schema.Field(c).Name, err)
			}
		}
		if _, err := w.pw.WriteRows(rows); err != nil {
			return fmt.Errorf("parquetconnector: %s: %w", w.path, err)
		}
	}
	return nil
}

// Commit writes the footer, syncs the temporary file and renames it over
// the destination.
func (w *writer) Commit(ctx context.Context) (err error) {
	if w.closed {
		return connectors.ErrClosed
	}
	w.closed = true
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("parquetconnector: %s: commit: %v", w.path, p)
		}
		if err != nil {
			if derr := w.discard(); derr != nil {
				err = errors.Join(err, derr)
			}
		}
	}()
	if w.failed != nil {
		return fmt.Errorf("parquetconnector: %s: commit after a failed write: %w", w.path, w.failed)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, k := range w.keys {
		w.pw.SetKeyValueMetadata(k, w.meta[k])
	}
	if _, ok := w.meta[arrowSchemaKey]; !ok {
		var buf bytes.Buffer
		iw := ipc.NewWriter(&buf, ipc.WithSchema(w.schema), ipc.WithAllocator(memory.NewGoAllocator()))
		if err := iw.Close(); err != nil {
			return fmt.Errorf("parquetconnector: %s: serializing the Arrow schema: %w", w.path, err)
		}
		w.pw.SetKeyValueMetadata(arrowSchemaKey, base64.StdEncoding.EncodeToString(buf.Bytes()))
	}
	if err := w.pw.Close(); err != nil {
		return fmt.Errorf("parquetconnector: %s: %w", w.path, err)
	}
	if err := w.tmp.Sync(); err != nil {
		return fmt.Errorf("parquetconnector: %s: %w", w.path, err)
	}
	if err := w.tmp.Close(); err != nil {
		return fmt.Errorf("parquetconnector: %s: %w", w.path, err)
	}
	if err := os.Rename(w.tmp.Name(), w.path); err != nil {
		return fmt.Errorf("parquetconnector: %w", err)
	}
	w.tmp = nil
	if d, err := os.Open(filepath.Dir(w.path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// Abort removes the temporary file.
func (w *writer) Abort(context.Context) error {
	if w.closed {
		return connectors.ErrClosed
	}
	w.closed = true
	return w.discard()
}

func (w *writer) discard() error {
	if w.tmp == nil {
		return nil
	}
	name := w.tmp.Name()
	_ = w.tmp.Close()
	w.tmp = nil
	if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("parquetconnector: %w", err)
	}
	return nil
}

// valueFunc returns value i of an array as a Parquet value (not null).
type valueFunc func(a arrow.Array, i int) parquet.Value

// columnEncoder turns the values of one top-level column into the leaf
// values of Parquet rows.
type columnEncoder struct {
	value        valueFunc // the values of a flat column, the elements of a list
	nullable     bool
	list         bool
	elemNullable bool
}

var errNullInRequired = fmt.Errorf("null in a non-nullable column: %w", connectors.ErrSchemaMismatch)

// appendRows appends to rows[k] the Parquet values of row lo+k of a, the
// column of index c.
func (e columnEncoder) appendRows(rows []parquet.Row, a arrow.Array, lo, c int) error {
	def := 0
	if e.nullable {
		def = 1
	}
	if !e.list {
		for k := range rows {
			i := lo + k
			var v parquet.Value
			if a.IsNull(i) {
				if !e.nullable {
					return fmt.Errorf("row %d: %w", i, errNullInRequired)
				}
				v = parquet.NullValue().Level(0, 0, c)
			} else {
				v = e.value(a, i).Level(0, def, c)
			}
			rows[k] = append(rows[k], v)
		}
		return nil
	}
	// Levels of the three-level LIST: def is the level of an empty list,
	// def+1 that of a null element, valDef that of a value.
	la := a.(*array.List)
	vals := la.ListValues()
	valDef := def + 1
	if e.elemNullable {
		valDef++
	}
	for k := range rows {
		i := lo + k
		r := rows[k]
		if la.IsNull(i) {
			if !e.nullable {
				return fmt.Errorf("row %d: %w", i, errNullInRequired)
			}
			rows[k] = append(r, parquet.NullValue().Level(0, 0, c))
			continue
		}
		start, end := la.ValueOffsets(i)
		if start == end {
			rows[k] = append(r, parquet.NullValue().Level(0, def, c))
			continue
		}
		for j := int(start); j < int(end); j++ {
			rep := 1
			if j == int(start) {
				rep = 0
			}
			if vals.IsNull(j) {
				if !e.elemNullable {
					return fmt.Errorf("row %d: null element: %w", i, errNullInRequired)
				}
				r = append(r, parquet.NullValue().Level(rep, def+1, c))
			} else {
				r = append(r, e.value(vals, j).Level(rep, valDef, c))
			}
		}
		rows[k] = r
	}
	return nil
}

// columnFor maps a top-level Arrow field to a Parquet node and an encoder.
// A list of a primitive becomes the standard three-level LIST:
//
//	<optional|required> group name (LIST) {
//	  repeated group list { <optional|required> T element }
//	}
func columnFor(f arrow.Field) (parquet.Node, columnEncoder, error) {
	enc := columnEncoder{nullable: f.Nullable}
	var node parquet.Node
	if lt, ok := f.Type.(*arrow.ListType); ok {
		switch lt.Elem().(type) {
		case arrow.NestedType, *arrow.DictionaryType:
			return nil, enc, fmt.Errorf("list of %s: %w", lt.Elem(), connectors.ErrUnsupported)
		}
		elem, value, err := nodeFor(lt.Elem())
		if err != nil {
			return nil, enc, fmt.Errorf("list element: %w", err)
		}
		enc.list, enc.value, enc.elemNullable = true, value, lt.ElemField().Nullable
		if enc.elemNullable {
			elem = parquet.Optional(elem)
		}
		node = parquet.List(elem)
	} else {
		var err error
		if node, enc.value, err = nodeFor(f.Type); err != nil {
			return nil, enc, err
		}
	}
	if f.Nullable {
		node = parquet.Optional(node)
	}
	return node, enc, nil
}

func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// nodeFor maps an Arrow type to a Parquet leaf and a value encoder.
func nodeFor(dt arrow.DataType) (parquet.Node, valueFunc, error) {
	switch t := dt.(type) {
	case *arrow.BooleanType:
		return parquet.Leaf(parquet.BooleanType), func(a arrow.Array, i int) parquet.Value {
			return parquet.BooleanValue(a.(*array.Boolean).Value(i))
		}, nil
	case *arrow.Int8Type:
		return parquet.Int(8), func(a arrow.Array, i int) parquet.Value {
			return parquet.Int32Value(int32(a.(*array.Int8).Value(i)))
		}, nil
	case *arrow.Int16Type:
		return parquet.Int(16), func(a arrow.Array, i int) parquet.Value {
			return parquet.Int32Value(int32(a.(*array.Int16).Value(i)))
		}, nil
	case *arrow.Int32Type:
		return parquet.Int(32), func(a arrow.Array, i int) parquet.Value {
			return parquet.Int32Value(a.(*array.Int32).Value(i))
		}, nil
	case *arrow.Int64Type:
		return parquet.Int(64), func(a arrow.Array, i int) parquet.Value {
			return parquet.Int64Value(a.(*array.Int64).Value(i))
		}, nil
	case *arrow.Uint8Type:
		return parquet.Uint(8), func(a arrow.Array, i int) parquet.Value {
			return parquet.Int32Value(int32(a.(*array.Uint8).Value(i)))
		}, nil
	case *arrow.Uint16Type:
		return parquet.Uint(16), func(a arrow.Array, i int) parquet.Value {
			return parquet.Int32Value(int32(a.(*array.Uint16).Value(i)))
		}, nil
	case *arrow.Uint32Type:
		return parquet.Uint(32), func(a arrow.Array, i int) parquet.Value {
			return parquet.Int32Value(int32(a.(*array.Uint32).Value(i)))
		}, nil
	case *arrow.Uint64Type:
		return parquet.Uint(64), func(a arrow.Array, i int) parquet.Value {
			return parquet.Int64Value(int64(a.(*array.Uint64).Value(i)))
		}, nil
	case *arrow.Float32Type:
		return parquet.Leaf(parquet.FloatType), func(a arrow.Array, i int) parquet.Value {
			return parquet.FloatValue(a.(*array.Float32).Value(i))
		}, nil
	case *arrow.Float64Type:
		return parquet.Leaf(parquet.DoubleType), func(a arrow.Array, i int) parquet.Value {
			return parquet.DoubleValue(a.(*array.Float64).Value(i))
		}, nil
	case *arrow.StringType:
		return parquet.String(), func(a arrow.Array, i int) parquet.Value {
			return parquet.ByteArrayValue(stringBytes(a.(*array.String).Value(i)))
		}, nil
	case *arrow.LargeStringType:
		return parquet.String(), func(a arrow.Array, i int) parquet.Value {
			return parquet.ByteArrayValue(stringBytes(a.(*array.LargeString).Value(i)))
		}, nil
	case *arrow.BinaryType:
		return parquet.Leaf(parquet.ByteArrayType), func(a arrow.Array, i int) parquet.Value {
			return parquet.ByteArrayValue(a.(*array.Binary).Value(i))
		}, nil
	case *arrow.LargeBinaryType:
		return parquet.Leaf(parquet.ByteArrayType), func(a arrow.Array, i int) parquet.Value {
			return parquet.ByteArrayValue(a.(*array.LargeBinary).Value(i))
		}, nil
	case *arrow.FixedSizeBinaryType:
		return parquet.Leaf(parquet.FixedLenByteArrayType(t.ByteWidth)), func(a arrow.Array, i int) parquet.Value {
			return parquet.FixedLenByteArrayValue(a.(*array.FixedSizeBinary).Value(i))
		}, nil
	case *arrow.Date32Type:
		return parquet.Date(), func(a arrow.Array, i int) parquet.Value {
			return parquet.Int32Value(int32(a.(*array.Date32).Value(i)))
		}, nil
	case *arrow.Time32Type:
		if t.Unit != arrow.Millisecond {
			break
		}
		return parquet.Time(parquet.Millisecond), func(a arrow.Array, i int) parquet.Value {
			return parquet.Int32Value(int32(a.(*array.Time32).Value(i)))
		}, nil
	case *arrow.Time64Type:
		unit := parquet.Microsecond
		if t.Unit == arrow.Nanosecond {
			unit = parquet.Nanosecond
		}
		return parquet.Time(unit), func(a arrow.Array, i int) parquet.Value {
			return parquet.Int64Value(int64(a.(*array.Time64).Value(i)))
		}, nil
	case *arrow.TimestampType:
		var unit parquet.TimeUnit
		switch t.Unit {
		case arrow.Millisecond:
			unit = parquet.Millisecond
		case arrow.Microsecond:
			unit = parquet.Microsecond
		case arrow.Nanosecond:
			unit = parquet.Nanosecond
		default:
			return nil, nil, fmt.Errorf("timestamp[s]: %w", connectors.ErrUnsupported)
		}
		return parquet.TimestampAdjusted(unit, t.TimeZone != ""), func(a arrow.Array, i int) parquet.Value {
			return parquet.Int64Value(int64(a.(*array.Timestamp).Value(i)))
		}, nil
	case *arrow.Decimal128Type:
		if t.Precision < 1 || t.Precision > 38 {
			break
		}
		get := func(a arrow.Array, i int) decimal128.Num { return a.(*array.Decimal128).Value(i) }
		switch {
		case t.Precision <= 9:
			return parquet.Decimal(int(t.Scale), int(t.Precision), parquet.Int32Type), func(a arrow.Array, i int) parquet.Value {
				return parquet.Int32Value(int32(get(a, i).LowBits()))
			}, nil
		case t.Precision <= 18:
			return parquet.Decimal(int(t.Scale), int(t.Precision), parquet.Int64Type), func(a arrow.Array, i int) parquet.Value {
				return parquet.Int64Value(int64(get(a, i).LowBits()))
			}, nil
		default:
			return parquet.Decimal(int(t.Scale), int(t.Precision), parquet.FixedLenByteArrayType(16)), func(a arrow.Array, i int) parquet.Value {
				n := get(a, i)
				var b [16]byte
				hi, lo := uint64(n.HighBits()), n.LowBits()
				for k := range 8 {
					b[7-k] = byte(hi >> (8 * k))
					b[15-k] = byte(lo >> (8 * k))
				}
				return parquet.FixedLenByteArrayValue(b[:])
			}, nil
		}
	case *arrow.DictionaryType:
		inner, enc, err := nodeFor(t.ValueType)
		if err != nil {
			return nil, nil, err
		}
		switch t.ValueType.ID() {
		case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		default:
			return nil, nil, fmt.Errorf("dictionary of %s: %w", t.ValueType, connectors.ErrUnsupported)
		}
		return parquet.Encoded(inner, &parquet.RLEDictionary), func(a arrow.Array, i int) parquet.Value {
			d := a.(*array.Dictionary)
			return enc(d.Dictionary(), d.GetValueIndex(i))
		}, nil
	}
	return nil, nil, fmt.Errorf("arrow type %s: %w", dt, connectors.ErrUnsupported)
}

// namedField is a field of an orderedGroup.
type namedField struct {
	parquet.Node
	name string
}

func (f namedField) Name() string                           { return f.name }
func (f namedField) Value(base reflect.Value) reflect.Value { return reflect.Value{} }

// orderedGroup is a Parquet group node that keeps its fields in the order
// given (parquet.Group sorts them by name), so a file's columns follow the
// Arrow schema.
type orderedGroup []parquet.Field

func (g orderedGroup) ID() int                     { return 0 }
func (g orderedGroup) String() string              { return parquet.Group{}.String() }
func (g orderedGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g orderedGroup) Optional() bool              { return false }
func (g orderedGroup) Repeated() bool              { return false }
func (g orderedGroup) Required() bool              { return true }
func (g orderedGroup) Leaf() bool                  { return false }
func (g orderedGroup) Fields() []parquet.Field     { return g }
func (g orderedGroup) Encoding() encoding.Encoding { return nil }
func (g orderedGroup) Compression() compress.Codec { return nil }
func (g orderedGroup) GoType() reflect.Type        { return reflect.TypeFor[map[string]any]() }
