package metrics

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Encoding of states.
//
// An encoded state is
//
//	magic "SLMS" · version byte · spec · column types · state kind byte · payload
//
// Integers are varints (signed) or uvarints (counts, lengths), floats their
// IEEE 754 bits as 8 little-endian bytes, strings a uvarint length and the
// bytes. The spec is the function name, the column names and the constant
// arguments (each a tag byte and its value). A column type is its Arrow type
// id and the parameters of that id (unit and time zone of a timestamp,
// precision and scale of a decimal, index and value types of a dictionary,
// the fields of nested types), recursively.
//
// Exact sets and maps are written in sorted key order, and the levels of a
// quantile sketch sorted, so that equal states encode to equal bytes.
const (
	encMagic   = "SLMS"
	encVersion = 1
)

// ErrCorrupt means Decode was given bytes that are not an encoded state:
// bad magic, an unknown version, truncated or inconsistent content.
var ErrCorrupt = errors.New("corrupt metric state")

// state kinds
const (
	kindRowCount byte = iota + 1
	kindNulls
	kindMoments
	kindLengths
	kindFreqInt
	kindFreqUint
	kindFreqString
	kindDup
	kindHLL
	kindExtInt
	kindExtUint
	kindExtFloat
	kindExtString
	kindQuantile
)

// argument tags
const (
	argFloat64 byte = 'd'
	argFloat32 byte = 'f'
	argInt64   byte = 'i'
	argInt     byte = 'I'
	argString  byte = 's'
	argBool    byte = 'b'
)

// Encode serializes a state made by New (or Decode) into a self-describing,
// versioned binary form that Decode reads back, on any machine: the decoded
// state has the same Spec, column types and Result, and merges with states
// built elsewhere. Equal states encode to equal bytes.
func Encode(s State) ([]byte, error) {
	if s == nil {
		return nil, fmt.Errorf("metrics: encode: nil state: %w", ErrArgs)
	}
	var b *base
	if bs, ok := s.(interface{ baseOf() *base }); ok {
		b = bs.baseOf()
	} else {
		return nil, fmt.Errorf("metrics: encode: a %T is not a state made by New: %w", s, ErrUnsupported)
	}
	e := &encoder{}
	e.buf.WriteString(encMagic)
	e.buf.WriteByte(encVersion)
	if err := e.spec(b.spec); err != nil {
		return nil, fmt.Errorf("metrics: encode %s: %w", b.name(), err)
	}
	e.uvarint(uint64(len(b.types)))
	for _, t := range b.types {
		if err := e.dataType(t, 0); err != nil {
			return nil, fmt.Errorf("metrics: encode %s: %w", b.name(), err)
		}
	}
	switch s := s.(type) {
	case *rowCount:
		e.kind(kindRowCount)
		e.varint(s.n)
	case *nullState:
		e.kind(kindNulls)
		e.varint(s.rows)
		e.varint(s.nulls)
	case *moments:
		e.kind(kindMoments)
		e.varint(s.n)
		e.float(s.mean)
		e.float(s.m2)
		e.float(s.sum)
		e.float(s.c)
	case *lengths:
		e.kind(kindLengths)
		e.varint(s.n)
		e.varint(s.sum)
		e.varint(s.lo)
		e.varint(s.hi)
	case *freq[int64]:
		e.kind(kindFreqInt)
		encodeFreq(e, s, func(k int64) { e.varint(k) }, compareOrdered[int64])
	case *freq[uint64]:
		e.kind(kindFreqUint)
		encodeFreq(e, s, func(k uint64) { e.uvarint(k) }, compareOrdered[uint64])
	case *freq[string]:
		e.kind(kindFreqString)
		encodeFreq(e, s, e.string, strings.Compare)
	case *dupState:
		e.kind(kindDup)
		keys := make([]string, 0, len(s.counts))
		for k := range s.counts {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		e.uvarint(uint64(len(keys)))
		for _, k := range keys {
			e.string(k)
			e.varint(s.counts[k])
		}
	case *hll:
		e.kind(kindHLL)
		encodeHLL(e, s)
	case *extremes[int64]:
		e.kind(kindExtInt)
		encodeExtremes(e, s, e.varint)
	case *extremes[uint64]:
		e.kind(kindExtUint)
		encodeExtremes(e, s, e.uvarint)
	case *extremes[float64]:
		e.kind(kindExtFloat)
		encodeExtremes(e, s, e.float)
	case *extremes[string]:
		e.kind(kindExtString)
		encodeExtremes(e, s, e.string)
	case *quantileState:
		e.kind(kindQuantile)
		encodeKLL(e, s.sketch)
	case codable:
		e.kind(s.encKind())
		s.encode(e)
	default:
		return nil, fmt.Errorf("metrics: encode %s: state %T: %w", b.name(), s, ErrUnsupported)
	}
	return e.buf.Bytes(), nil
}

func compareOrdered[T int64 | uint64](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func encodeFreq[K comparable](e *encoder, s *freq[K], key func(K), cmp func(K, K) int) {
	s.settle()
	order := make([]int, len(s.keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return cmp(s.keys[i], s.keys[j]) })
	e.uvarint(uint64(len(order)))
	for _, i := range order {
		key(s.keys[i])
		e.varint(s.counts[i])
	}
}

func encodeExtremes[T int64 | uint64 | float64 | string](e *encoder, s *extremes[T], val func(T)) {
	if !s.has {
		e.buf.WriteByte(0)
		return
	}
	e.buf.WriteByte(1)
	val(s.lo)
	val(s.hi)
}

// HLL register encodings: dense (every register) or sparse (the non-zero
// ones as index deltas and values), whichever is shorter.
const (
	hllDense  byte = 1
	hllSparse byte = 2
)

func encodeHLL(e *encoder, s *hll) {
	nonZero := 0
	for _, r := range s.reg {
		if r != 0 {
			nonZero++
		}
	}
	// A sparse entry takes at most 3 bytes of delta and one of value.
	if nonZero*4 < hllRegisters {
		e.buf.WriteByte(hllSparse)
		e.uvarint(uint64(nonZero))
		prev := -1
		for i, r := range s.reg {
			if r != 0 {
				e.uvarint(uint64(i - prev))
				e.buf.WriteByte(r)
				prev = i
			}
		}
		return
	}
	e.buf.WriteByte(hllDense)
	e.buf.Write(s.reg[:])
}

func encodeKLL(e *encoder, s *kll) {
	e.varint(s.n)
	e.float(s.lo)
	e.float(s.hi)
	e.uvarint(s.rng)
	if s.levels == nil {
		e.buf.WriteByte(0)
		e.floats(s.exact)
		return
	}
	e.buf.WriteByte(1)
	e.uvarint(uint64(len(s.levels)))
	for _, l := range s.levels {
		e.floats(l)
	}
}

type encoder struct{ buf bytes.Buffer }

func (e *encoder) kind(k byte)      { e.buf.WriteByte(k) }
func (e *encoder) uvarint(v uint64) { e.buf.Write(binary.AppendUvarint(nil, v)) }
func (e *encoder) varint(v int64)   { e.buf.Write(binary.AppendVarint(nil, v)) }
func (e *encoder) float(v float64) {
	e.buf.Write(binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)))
}
func (e *encoder) string(s string)     { e.uvarint(uint64(len(s))); e.buf.WriteString(s) }
func (e *encoder) floats(vs []float64) { e.sortedFloats(vs) }

// sortedFloats writes vs in ascending order (NaN never occurs in a sketch).
func (e *encoder) sortedFloats(vs []float64) {
	x := slices.Clone(vs)
	slices.Sort(x)
	e.uvarint(uint64(len(x)))
	for _, v := range x {
		e.float(v)
	}
}

func (e *encoder) spec(s Spec) error {
	e.string(s.Func)
	e.uvarint(uint64(len(s.Columns)))
	for _, c := range s.Columns {
		e.string(c)
	}
	e.uvarint(uint64(len(s.Args)))
	for _, a := range s.Args {
		switch a := a.(type) {
		case float64:
			e.buf.WriteByte(argFloat64)
			e.float(a)
		case float32:
			e.buf.WriteByte(argFloat32)
			e.float(float64(a))
		case int64:
			e.buf.WriteByte(argInt64)
			e.varint(a)
		case int:
			e.buf.WriteByte(argInt)
			e.varint(int64(a))
		case string:
			e.buf.WriteByte(argString)
			e.string(a)
		case bool:
			e.buf.WriteByte(argBool)
			if a {
				e.buf.WriteByte(1)
			} else {
				e.buf.WriteByte(0)
			}
		default:
			return fmt.Errorf("argument of type %T: %w", a, ErrUnsupported)
		}
	}
	return nil
}

// maxTypeDepth bounds the nesting of encoded types.
const maxTypeDepth = 32

// simpleTypes are the Arrow types without parameters, by id.
var simpleTypes = map[arrow.Type]arrow.DataType{
	arrow.NULL:         arrow.Null,
	arrow.BOOL:         arrow.FixedWidthTypes.Boolean,
	arrow.INT8:         arrow.PrimitiveTypes.Int8,
	arrow.INT16:        arrow.PrimitiveTypes.Int16,
	arrow.INT32:        arrow.PrimitiveTypes.Int32,
	arrow.INT64:        arrow.PrimitiveTypes.Int64,
	arrow.UINT8:        arrow.PrimitiveTypes.Uint8,
	arrow.UINT16:       arrow.PrimitiveTypes.Uint16,
	arrow.UINT32:       arrow.PrimitiveTypes.Uint32,
	arrow.UINT64:       arrow.PrimitiveTypes.Uint64,
	arrow.FLOAT16:      arrow.FixedWidthTypes.Float16,
	arrow.FLOAT32:      arrow.PrimitiveTypes.Float32,
	arrow.FLOAT64:      arrow.PrimitiveTypes.Float64,
	arrow.STRING:       arrow.BinaryTypes.String,
	arrow.LARGE_STRING: arrow.BinaryTypes.LargeString,
	arrow.BINARY:       arrow.BinaryTypes.Binary,
	arrow.LARGE_BINARY: arrow.BinaryTypes.LargeBinary,
	arrow.STRING_VIEW:  arrow.BinaryTypes.StringView,
	arrow.BINARY_VIEW:  arrow.BinaryTypes.BinaryView,
	arrow.DATE32:       arrow.FixedWidthTypes.Date32,
	arrow.DATE64:       arrow.FixedWidthTypes.Date64,
}

func (e *encoder) dataType(t arrow.DataType, depth int) error {
	if t == nil {
		return fmt.Errorf("nil column type: %w", ErrUnsupported)
	}
	if depth > maxTypeDepth {
		return fmt.Errorf("column type nested deeper than %d: %w", maxTypeDepth, ErrUnsupported)
	}
	id := t.ID()
	if _, ok := simpleTypes[id]; ok {
		e.uvarint(uint64(id))
		return nil
	}
	switch t := t.(type) {
	case *arrow.TimestampType:
		e.uvarint(uint64(id))
		e.uvarint(uint64(t.Unit))
		e.string(t.TimeZone)
	case *arrow.DurationType:
		e.uvarint(uint64(id))
		e.uvarint(uint64(t.Unit))
	case *arrow.Time32Type:
		e.uvarint(uint64(id))
		e.uvarint(uint64(t.Unit))
	case *arrow.Time64Type:
		e.uvarint(uint64(id))
		e.uvarint(uint64(t.Unit))
	case *arrow.Decimal128Type:
		e.uvarint(uint64(id))
		e.varint(int64(t.Precision))
		e.varint(int64(t.Scale))
	case *arrow.Decimal256Type:
		e.uvarint(uint64(id))
		e.varint(int64(t.Precision))
		e.varint(int64(t.Scale))
	case *arrow.FixedSizeBinaryType:
		e.uvarint(uint64(id))
		e.uvarint(uint64(t.ByteWidth))
	case *arrow.DictionaryType:
		e.uvarint(uint64(id))
		e.bool(t.Ordered)
		if err := e.dataType(t.IndexType, depth+1); err != nil {
			return err
		}
		return e.dataType(t.ValueType, depth+1)
	case *arrow.ListType:
		e.uvarint(uint64(id))
		return e.field(t.ElemField(), depth)
	case *arrow.LargeListType:
		e.uvarint(uint64(id))
		return e.field(t.ElemField(), depth)
	case *arrow.FixedSizeListType:
		e.uvarint(uint64(id))
		e.uvarint(uint64(t.Len()))
		return e.field(t.ElemField(), depth)
	case *arrow.MapType:
		e.uvarint(uint64(id))
		e.bool(t.KeysSorted)
		if err := e.field(t.KeyField(), depth); err != nil {
			return err
		}
		return e.field(t.ItemField(), depth)
	case *arrow.StructType:
		e.uvarint(uint64(id))
		e.uvarint(uint64(t.NumFields()))
		for _, f := range t.Fields() {
			if err := e.field(f, depth); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("column type %s: %w", t, ErrUnsupported)
	}
	return nil
}

func (e *encoder) bool(v bool) {
	if v {
		e.buf.WriteByte(1)
	} else {
		e.buf.WriteByte(0)
	}
}

// field writes a nested field: name, nullability and type (metadata is not
// kept).
func (e *encoder) field(f arrow.Field, depth int) error {
	e.string(f.Name)
	e.bool(f.Nullable)
	return e.dataType(f.Type, depth+1)
}

// Decode reads a state written by Encode. Bytes that are not an encoded
// state — truncated, edited, or of an unknown version — give an error
// wrapping ErrCorrupt (or ErrUnsupported for a spec New rejects); Decode
// never panics.
func Decode(data []byte) (State, error) {
	d := &decoder{data: data}
	if len(data) < len(encMagic)+1 || string(data[:len(encMagic)]) != encMagic {
		return nil, fmt.Errorf("metrics: decode: not an encoded metric state: %w", ErrCorrupt)
	}
	d.off = len(encMagic)
	if v := d.byte(); v != encVersion {
		return nil, fmt.Errorf("metrics: decode: version %d, this build reads %d: %w", v, encVersion, ErrCorrupt)
	}
	spec := d.spec()
	n := d.count(1)
	var types []arrow.DataType
	for range n {
		if d.err != nil {
			break
		}
		types = append(types, d.dataType(0))
	}
	if d.err != nil {
		return nil, fmt.Errorf("metrics: decode: %w", d.err)
	}
	s, err := New(spec, types)
	if err != nil {
		return nil, fmt.Errorf("metrics: decode: %w", err)
	}
	kind := d.byte()
	if err := d.state(s, kind); err != nil {
		return nil, fmt.Errorf("metrics: decode %s: %w", s.(interface{ baseOf() *base }).baseOf().name(), err)
	}
	if d.err == nil && d.off != len(d.data) {
		d.fail("%d trailing bytes", len(d.data)-d.off)
	}
	if d.err != nil {
		return nil, fmt.Errorf("metrics: decode %s: %w", s.(interface{ baseOf() *base }).baseOf().name(), d.err)
	}
	return s, nil
}

type decoder struct {
	data []byte
	off  int
	err  error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("offset %d: %s: %w", d.off, fmt.Sprintf(format, args...), ErrCorrupt)
	}
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.data) {
		d.fail("truncated")
		return 0
	}
	b := d.data[d.off]
	d.off++
	return b
}

func (d *decoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bad boolean")
	return false
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.data[d.off:])
	if n <= 0 {
		d.fail("bad or truncated varint")
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.data[d.off:])
	if n <= 0 {
		d.fail("bad or truncated varint")
		return 0
	}
	d.off += n
	return v
}

// count reads a length of items each at least minSize bytes long, checked
// against the bytes left so a corrupt length cannot make a huge allocation.
func (d *decoder) count(minSize int) int {
	v := d.uvarint()
	if d.err != nil {
		return 0
	}
	if v > uint64(len(d.data)-d.off)/uint64(max(minSize, 1)) {
		d.fail("length %d exceeds the data", v)
		return 0
	}
	return int(v)
}

func (d *decoder) float() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.data)-d.off < 8 {
		d.fail("truncated")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.data[d.off:]))
	d.off += 8
	return v
}

func (d *decoder) string() string {
	n := d.count(1)
	if d.err != nil {
		return ""
	}
	s := string(d.data[d.off : d.off+n])
	d.off += n
	return s
}

func (d *decoder) floats() []float64 {
	n := d.count(8)
	if d.err != nil || n == 0 {
		return nil
	}
	vs := make([]float64, n)
	for i := range vs {
		vs[i] = d.float()
	}
	return vs
}

func (d *decoder) spec() Spec {
	var s Spec
	s.Func = d.string()
	n := d.count(1)
	for range n {
		s.Columns = append(s.Columns, d.string())
	}
	n = d.count(2)
	for range n {
		switch tag := d.byte(); tag {
		case argFloat64:
			s.Args = append(s.Args, d.float())
		case argFloat32:
			s.Args = append(s.Args, float32(d.float()))
		case argInt64:
			s.Args = append(s.Args, d.varint())
		case argInt:
			s.Args = append(s.Args, int(d.varint()))
		case argString:
			s.Args = append(s.Args, d.string())
		case argBool:
			s.Args = append(s.Args, d.bool())
		default:
			d.fail("unknown argument tag %d", tag)
		}
	}
	return s
}

func (d *decoder) unit() arrow.TimeUnit {
	u := d.uvarint()
	if u > uint64(arrow.Nanosecond) {
		d.fail("bad time unit %d", u)
		return 0
	}
	return arrow.TimeUnit(u)
}

func (d *decoder) dataType(depth int) arrow.DataType {
	if depth > maxTypeDepth {
		d.fail("type nested deeper than %d", maxTypeDepth)
	}
	raw := d.uvarint()
	if d.err != nil {
		return nil
	}
	id := arrow.Type(raw)
	if t, ok := simpleTypes[id]; ok && raw < 1<<16 {
		return t
	}
	switch id {
	case arrow.TIMESTAMP:
		u := d.unit()
		return &arrow.TimestampType{Unit: u, TimeZone: d.string()}
	case arrow.DURATION:
		return &arrow.DurationType{Unit: d.unit()}
	case arrow.TIME32:
		u := d.unit()
		if u > arrow.Millisecond {
			d.fail("bad time32 unit")
		}
		return &arrow.Time32Type{Unit: u}
	case arrow.TIME64:
		u := d.unit()
		if u < arrow.Microsecond && d.err == nil {
			d.fail("bad time64 unit")
		}
		return &arrow.Time64Type{Unit: u}
	case arrow.DECIMAL128, arrow.DECIMAL256:
		p, sc := d.varint(), d.varint()
		if p < 1 || p > 76 || id == arrow.DECIMAL128 && p > 38 || sc < math.MinInt32 || sc > math.MaxInt32 {
			d.fail("bad decimal precision %d", p)
			return nil
		}
		if id == arrow.DECIMAL128 {
			return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(sc)}
		}
		return &arrow.Decimal256Type{Precision: int32(p), Scale: int32(sc)}
	case arrow.FIXED_SIZE_BINARY:
		w := d.uvarint()
		if w > math.MaxInt32 {
			d.fail("bad byte width")
			return nil
		}
		return &arrow.FixedSizeBinaryType{ByteWidth: int(w)}
	case arrow.DICTIONARY:
		ordered := d.bool()
		idx := d.dataType(depth + 1)
		val := d.dataType(depth + 1)
		if d.err != nil {
			return nil
		}
		switch idx.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		default:
			d.fail("dictionary index type %s", idx)
			return nil
		}
		return &arrow.DictionaryType{IndexType: idx, ValueType: val, Ordered: ordered}
	case arrow.LIST:
		f := d.field(depth)
		if d.err != nil {
			return nil
		}
		return arrow.ListOfField(f)
	case arrow.LARGE_LIST:
		f := d.field(depth)
		if d.err != nil {
			return nil
		}
		return arrow.LargeListOfField(f)
	case arrow.FIXED_SIZE_LIST:
		n := d.uvarint()
		f := d.field(depth)
		if d.err != nil {
			return nil
		}
		if n < 1 || n > math.MaxInt32 {
			d.fail("bad list size")
			return nil
		}
		return arrow.FixedSizeListOfField(int32(n), f)
	case arrow.MAP:
		sorted := d.bool()
		k := d.field(depth)
		v := d.field(depth)
		if d.err != nil {
			return nil
		}
		if k.Nullable {
			d.fail("nullable map key")
			return nil
		}
		m := arrow.MapOfFields(k, v)
		m.KeysSorted = sorted
		return m
	case arrow.STRUCT:
		n := d.count(3)
		fields := make([]arrow.Field, 0, n)
		for range n {
			fields = append(fields, d.field(depth))
		}
		if d.err != nil {
			return nil
		}
		return arrow.StructOf(fields...)
	}
	d.fail("unknown or unsupported type id %d", raw)
	return nil
}

func (d *decoder) field(depth int) arrow.Field {
	name := d.string()
	nullable := d.bool()
	t := d.dataType(depth + 1)
	if d.err != nil {
		return arrow.Field{Name: name, Type: arrow.Null}
	}
	return arrow.Field{Name: name, Type: t, Nullable: nullable}
}

// state fills the empty state s from the payload.
func (d *decoder) state(s State, kind byte) error {
	mismatch := func(k byte) error {
		if kind != k && d.err == nil {
			d.fail("state kind %d does not match the spec (want %d)", kind, k)
		}
		return d.err
	}
	nonNeg := func(vs ...int64) {
		for _, v := range vs {
			if v < 0 {
				d.fail("negative count %d", v)
			}
		}
	}
	switch s := s.(type) {
	case *rowCount:
		if err := mismatch(kindRowCount); err != nil {
			return err
		}
		s.n = d.varint()
		nonNeg(s.n)
	case *nullState:
		if err := mismatch(kindNulls); err != nil {
			return err
		}
		s.rows, s.nulls = d.varint(), d.varint()
		nonNeg(s.rows, s.nulls, s.rows-s.nulls)
	case *moments:
		if err := mismatch(kindMoments); err != nil {
			return err
		}
		s.n = d.varint()
		s.mean, s.m2, s.sum, s.c = d.float(), d.float(), d.float(), d.float()
		nonNeg(s.n)
	case *lengths:
		if err := mismatch(kindLengths); err != nil {
			return err
		}
		s.n, s.sum, s.lo, s.hi = d.varint(), d.varint(), d.varint(), d.varint()
		nonNeg(s.n, s.sum, s.lo, s.hi-s.lo)
	case *freq[int64]:
		if err := mismatch(kindFreqInt); err != nil {
			return err
		}
		decodeFreq(d, s, d.varint)
	case *freq[uint64]:
		if err := mismatch(kindFreqUint); err != nil {
			return err
		}
		decodeFreq(d, s, d.uvarint)
	case *freq[string]:
		if err := mismatch(kindFreqString); err != nil {
			return err
		}
		decodeFreq(d, s, d.string)
	case *dupState:
		if err := mismatch(kindDup); err != nil {
			return err
		}
		n := d.count(2)
		for range n {
			k, c := d.string(), d.varint()
			if d.err != nil {
				break
			}
			if _, dup := s.counts[k]; dup || c <= 0 {
				d.fail("repeated key or count %d", c)
				break
			}
			s.counts[k] = c
		}
	case *hll:
		if err := mismatch(kindHLL); err != nil {
			return err
		}
		d.hll(s)
	case *extremes[int64]:
		if err := mismatch(kindExtInt); err != nil {
			return err
		}
		decodeExtremes(d, s, d.varint)
	case *extremes[uint64]:
		if err := mismatch(kindExtUint); err != nil {
			return err
		}
		decodeExtremes(d, s, d.uvarint)
	case *extremes[float64]:
		if err := mismatch(kindExtFloat); err != nil {
			return err
		}
		decodeExtremes(d, s, d.float)
	case *extremes[string]:
		if err := mismatch(kindExtString); err != nil {
			return err
		}
		decodeExtremes(d, s, d.string)
	case *quantileState:
		if err := mismatch(kindQuantile); err != nil {
			return err
		}
		d.kll(s.sketch)
	case codable:
		if err := mismatch(s.encKind()); err != nil {
			return err
		}
		s.decode(d)
	default:
		d.fail("state %T cannot be decoded", s)
	}
	return d.err
}

func decodeFreq[K comparable](d *decoder, s *freq[K], key func() K) {
	n := d.count(2)
	s.index = make(map[K]int, n)
	s.useWords()
	s.keys = make([]K, 0, n)
	s.counts = make([]int64, 0, n)
	for range n {
		k, c := key(), d.varint()
		if d.err != nil {
			return
		}
		if _, dup := s.lookup(k); dup || c <= 0 {
			d.fail("repeated key or count %d", c)
			return
		}
		s.insert(k, c)
	}
}

func decodeExtremes[T int64 | uint64 | float64 | string](d *decoder, s *extremes[T], val func() T) {
	s.has = d.bool()
	if s.has {
		s.lo, s.hi = val(), val()
		if s.hi < s.lo && d.err == nil {
			d.fail("min above max")
		}
	}
}

func (d *decoder) hll(s *hll) {
	switch d.byte() {
	case hllDense:
		if len(d.data)-d.off < hllRegisters {
			d.fail("truncated registers")
			return
		}
		copy(s.reg[:], d.data[d.off:])
		d.off += hllRegisters
	case hllSparse:
		n := d.count(2)
		i := -1
		for range n {
			delta := d.uvarint()
			r := d.byte()
			if d.err != nil {
				return
			}
			if delta == 0 || delta > hllRegisters || i+int(delta) >= hllRegisters || r == 0 {
				d.fail("bad sparse register")
				return
			}
			i += int(delta)
			s.reg[i] = r
		}
	default:
		d.fail("bad register encoding")
		return
	}
	for _, r := range s.reg {
		if r > hllRankBits+1 {
			d.fail("register value %d out of range", r)
			return
		}
	}
}

// maxKLLLevels bounds the levels of a decoded sketch (an item of level h
// weighs 2^h).
const maxKLLLevels = 62

func (d *decoder) kll(s *kll) {
	s.n = d.varint()
	s.lo, s.hi = d.float(), d.float()
	s.rng = d.uvarint()
	sketch := d.bool()
	if d.err != nil {
		return
	}
	if s.n < 0 || s.n > 0 && !(s.lo <= s.hi) {
		d.fail("bad count or bounds")
		return
	}
	if !sketch {
		s.exact = d.floats()
		if d.err == nil && (int64(len(s.exact)) != s.n || len(s.exact) > kllExact) {
			d.fail("%d exact values for a count of %d", len(s.exact), s.n)
		}
		return
	}
	n := d.count(1)
	if n == 0 || n > maxKLLLevels {
		d.fail("bad number of levels %d", n)
		return
	}
	var weight uint64
	s.levels = make([][]float64, n)
	for h := range n {
		l := d.floats()
		if d.err != nil {
			return
		}
		if uint64(len(l)) > (math.MaxInt64-weight)>>h {
			d.fail("level %d too large", h)
			return
		}
		s.levels[h] = l
		s.size += len(l)
		weight += uint64(len(l)) << h
	}
	if weight != uint64(s.n) {
		d.fail("sketch weight %d for a count of %d", weight, s.n)
		return
	}
	if s.levels[0] == nil {
		s.levels[0] = make([]float64, 0, kllK)
	}
	s.limit = s.capacity()
	if s.size >= s.limit {
		d.fail("sketch of %d items over its capacity %d", s.size, s.limit)
	}
}
