package parquetconnector

import (
	"fmt"
	"math"
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
)

// A Parquet column chunk has one dictionary, and arrow-go's writer keeps
// a dictionary column dictionary encoded only while every batch carries
// the dictionary of the chunk's first batch: on any other it falls back to
// PLAIN for the rest of the chunk. Batches rarely share a dictionary
// (readers build one per batch or per row group, builders grow theirs), so
// the Sink unifies them: each dictionary column keeps the union of the
// values seen in the file, every row group starts with the union as its
// dictionary, and the indices of each batch are remapped into it (no copy
// when they already agree). A batch that brings new values closes the row
// group early, so the next one starts with the larger union, if the row
// group holds a sixteenth of WithRowGroupRows at least and the writer has
// closed fewer than maxEarlyCloses row groups early; otherwise, and once
// the union outgrows a dictionary page, the chunk falls back to PLAIN for
// the rest of the row group, as arrow-go would.

// maxEarlyCloses bounds the row groups a writer closes early for new
// dictionary values.
const maxEarlyCloses = 16

// maxDictBytes bounds the plain-encoded size of a union: arrow-go falls
// back to PLAIN once a dictionary page outgrows it.
var maxDictBytes = int(pq.DefaultDictionaryPageSizeLimit)

// dictColumn is the union of the dictionaries of one dictionary column.
type dictColumn struct {
	col    int
	dt     *arrow.DictionaryType
	mem    memory.Allocator
	memo   map[string]int32
	values []string // the union, in order of first appearance
	bytes  int      // plain-encoded size of values
	max    int      // most entries the index type can address
	full   bool     // the union cannot grow
	group  arrow.Array
}

func newDictColumn(col int, dt *arrow.DictionaryType, mem memory.Allocator) *dictColumn {
	maxIdx := math.MaxInt32
	switch dt.IndexType.ID() {
	case arrow.INT8:
		maxIdx = math.MaxInt8
	case arrow.UINT8:
		maxIdx = math.MaxUint8
	case arrow.INT16:
		maxIdx = math.MaxInt16
	case arrow.UINT16:
		maxIdx = math.MaxUint16
	}
	return &dictColumn{col: col, dt: dt, mem: mem, memo: map[string]int32{}, max: maxIdx + 1}
}

// dictValue returns value i of a dictionary of strings or binaries, borrowed
// from the array's buffer. Create refuses other dictionaries (checkType)
// and Write batches of another schema, so its panic marks a broken
// invariant, not an input; the writer recovers it into an error.
func dictValue(a arrow.Array, i int) string {
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Binary:
		b := a.Value(i)
		return unsafe.String(unsafe.SliceData(b), len(b))
	case *array.LargeBinary:
		b := a.Value(i)
		return unsafe.String(unsafe.SliceData(b), len(b))
	}
	panic(fmt.Sprintf("parquetconnector: dictionary of %s", a.DataType()))
}

// mapping maps the dictionary of a into the union, adding its new values,
// and returns the union index of each entry; nil when the union cannot
// take them (it is full, or the dictionary holds a null). identity says
// the mapping is i → i.
func (d *dictColumn) mapping(a *array.Dictionary) (m []int32, identity bool) {
	dict := a.Dictionary()
	if dict.NullN() > 0 {
		return nil, false
	}
	m = make([]int32, dict.Len())
	identity = true
	for i := range m {
		v := dictValue(dict, i)
		k, ok := d.memo[v]
		if !ok {
			if d.full || len(d.values) >= d.max || d.bytes+len(v)+4 > maxDictBytes {
				d.full = true
				return nil, false
			}
			k = int32(len(d.values))
			v = strings.Clone(v)
			d.memo[v] = k
			d.values = append(d.values, v)
			d.bytes += len(v) + 4
		}
		m[i] = k
		identity = identity && k == int32(i)
	}
	return m, identity
}

// grows reports whether m names values the open row group's dictionary
// lacks.
func (d *dictColumn) grows(m []int32) bool {
	if d.group == nil || m == nil {
		return false
	}
	for _, k := range m {
		if int(k) >= d.group.Len() {
			return true
		}
	}
	return false
}

// endGroup forgets the dictionary of the row group that ended.
func (d *dictColumn) endGroup() {
	if d.group != nil {
		d.group.Release()
		d.group = nil
	}
}

// groupDict returns the dictionary of the open row group: the union as of
// its first batch.
func (d *dictColumn) groupDict() arrow.Array {
	if d.group == nil {
		b := array.NewBuilder(d.mem, d.dt.ValueType)
		defer b.Release()
		switch b := b.(type) {
		case *array.StringBuilder:
			b.AppendValues(d.values, nil)
		case *array.LargeStringBuilder:
			b.AppendValues(d.values, nil)
		case *array.BinaryBuilder:
			b.AppendStringValues(d.values, nil)
		}
		d.group = b.NewArray()
	}
	return d.group
}

// unified returns a, whose mapping into the union is m, as an array of the
// row group's dictionary; the caller releases it. Without a mapping, or
// when m names values the row group's dictionary lacks, it returns a
// (retained), which makes the chunk fall back to PLAIN.
func (d *dictColumn) unified(a *array.Dictionary, m []int32, identity bool) (arrow.Array, error) {
	if m == nil || d.grows(m) {
		a.Retain()
		return a, nil
	}
	dict := d.groupDict()
	if identity {
		return array.NewDictionaryArray(d.dt, a.Indices(), dict), nil
	}
	idx, err := remapIndices(a.Indices(), m)
	if err != nil {
		return nil, err
	}
	defer idx.Release()
	return array.NewDictionaryArray(d.dt, idx, dict), nil
}

// remapIndices returns the indices idx mapped through m, of idx's type;
// nulls are kept (their slots hold 0).
func remapIndices(idx arrow.Array, m []int32) (arrow.Array, error) {
	switch a := idx.(type) {
	case *array.Int8:
		return remapped(a, a.Int8Values(), m)
	case *array.Uint8:
		return remapped(a, a.Uint8Values(), m)
	case *array.Int16:
		return remapped(a, a.Int16Values(), m)
	case *array.Uint16:
		return remapped(a, a.Uint16Values(), m)
	case *array.Int32:
		return remapped(a, a.Int32Values(), m)
	case *array.Uint32:
		return remapped(a, a.Uint32Values(), m)
	case *array.Int64:
		return remapped(a, a.Int64Values(), m)
	case *array.Uint64:
		return remapped(a, a.Uint64Values(), m)
	}
	return nil, fmt.Errorf("dictionary index type %s", idx.DataType())
}

func remapped[T int8 | uint8 | int16 | uint16 | int32 | uint32 | int64 | uint64](a arrow.Array, in []T, m []int32) (arrow.Array, error) {
	n := a.Len()
	width := int(unsafe.Sizeof(T(0)))
	buf := make([]byte, n*width)
	out := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(buf))), n)
	nulls := a.NullN()
	for i, v := range in {
		if nulls > 0 && a.IsNull(i) {
			continue
		}
		if uint64(v) >= uint64(len(m)) {
			return nil, fmt.Errorf("row %d: dictionary index %d out of range [0, %d)", i, v, len(m))
		}
		out[i] = T(m[v])
	}
	var validity *memory.Buffer
	if nulls > 0 {
		bits := make([]byte, bitutil.BytesForBits(int64(n)))
		bitutil.CopyBitmap(a.NullBitmapBytes(), a.Data().Offset(), n, bits, 0)
		validity = memory.NewBufferBytes(bits)
	}
	data := array.NewData(a.DataType(), n, []*memory.Buffer{validity, memory.NewBufferBytes(buf)}, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}
