package parquetconnector

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
)

// reader is the array.RecordReader returned by Source.Open. It decodes the
// pages of each projected column chunk and copies their values in bulk into
// Arrow buffers.
type reader struct {
	refs   atomic.Int64
	ctx    context.Context
	path   string
	file   readerAtCloser
	pf     *parquet.File
	schema *arrow.Schema
	cols   []*colState
	mem    memory.Allocator
	batch  int
	end    int64 // offset of the footer: the column chunks end before it
	limits Limits

	// pipe, when set, decodes row groups ahead on goroutines (see
	// pipeline); rg, rgLeft and cols then serve only as its template.
	pipe *pipeline

	rg     int   // index of the next row group to start
	rgLeft int64 // rows of the current row group not yet returned
	cur    arrow.RecordBatch
	err    error
	done   bool
}

func (r *reader) Retain() { r.refs.Add(1) }

func (r *reader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.finish()
}

// finish releases the column state and closes the file; idempotent. A
// panic of the decoder while it lets go of its pages is recovered: the
// file is closed all the same.
func (r *reader) finish() {
	r.done = true
	if r.pipe != nil {
		// The decoding goroutines read the file: they stop before it closes.
		r.pipe.stop()
	}
	defer func() {
		if p := recover(); p != nil && r.err == nil {
			r.err = corrupt(r.path, fmt.Errorf("%v", p))
		}
		if r.file != nil {
			_ = r.file.Close()
			r.file = nil
		}
	}()
	for _, c := range r.cols {
		c.close()
	}
	if r.file != nil {
		_ = r.file.Close()
		r.file = nil
	}
}

func (r *reader) Schema() *arrow.Schema { return r.schema }

func (r *reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch.
//
// Deprecated: use RecordBatch.
func (r *reader) Record() arrow.RecordBatch { return r.cur }

func (r *reader) Err() error { return r.err }

func (r *reader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.done {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		r.finish()
		return false
	}
	rec, err := r.next()
	if err != nil {
		r.err = err
		r.finish()
		return false
	}
	if rec == nil {
		r.finish()
		return false
	}
	r.cur = rec
	return true
}

// next decodes the next batch, or returns nil at the end of the file.
func (r *reader) next() (rec arrow.RecordBatch, err error) {
	var arrs []arrow.Array
	defer func() {
		if p := recover(); p != nil {
			err = corrupt(r.path, fmt.Errorf("%v", p))
		}
		if err != nil {
			for _, a := range arrs {
				a.Release()
			}
			if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				err = corrupt(r.path, err)
			}
		}
	}()
	if r.pipe != nil {
		return r.pipe.next()
	}
	for r.rgLeft == 0 {
		if r.rg >= len(r.pf.RowGroups()) {
			return nil, nil
		}
		r.rg++
		if r.rgLeft, err = r.startRowGroup(r.rg-1, r.cols); err != nil {
			return nil, err
		}
	}
	n := int(min(int64(r.batch), r.rgLeft))
	arrs, err = r.readColumns(r.cols, n)
	if err != nil {
		return nil, err
	}
	r.rgLeft -= int64(n)
	rec = array.NewRecordBatch(r.schema, arrs, int64(n))
	for _, a := range arrs {
		a.Release()
	}
	arrs = nil
	return rec, nil
}

// startRowGroup checks the projected column chunks of row group k and
// points cols at them; it returns the row count of the group.
func (r *reader) startRowGroup(k int, cols []*colState) (int64, error) {
	rg := r.pf.RowGroups()[k]
	rows := rg.NumRows()
	if rows < 0 {
		return 0, fmt.Errorf("row group %d: negative row count", k)
	}
	chunks := rg.ColumnChunks()
	mds := r.pf.Metadata().RowGroups[k].Columns
	for _, c := range cols {
		if c.index >= len(chunks) || c.index >= len(mds) {
			return 0, fmt.Errorf("row group %d lacks column %q", k, c.name)
		}
		if err := checkChunk(r.file, &mds[c.index].MetaData, r.end, r.limits); err != nil {
			return 0, thriftErr(r.path, fmt.Sprintf("column %q", c.name), err)
		}
		c.startChunk(chunks[c.index])
	}
	return rows, nil
}

// parallelRows is the smallest batch whose columns are decoded
// concurrently: below it a goroutine costs more than it saves.
const parallelRows = 4096

// readColumns decodes the next n rows of every projected column. The
// columns are independent (each has its own pages; the file is read with
// ReadAt), so they are decoded on up to GOMAXPROCS goroutines. On an
// error the arrays decoded are released.
func (r *reader) readColumns(cols []*colState, n int) ([]arrow.Array, error) {
	arrs := make([]arrow.Array, len(cols))
	errs := make([]error, len(cols))
	workers := min(len(cols), runtime.GOMAXPROCS(0))
	if workers <= 1 || n < parallelRows {
		for i := range cols {
			if arrs[i], errs[i] = readColumn(r.mem, cols[i], n); errs[i] != nil {
				break
			}
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= len(cols) {
						return
					}
					arrs[i], errs[i] = readColumn(r.mem, cols[i], n)
				}
			})
		}
		wg.Wait()
	}
	for _, err := range errs {
		if err == nil {
			continue
		}
		// The first column's error, in column order: one line.
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
		return nil, err
	}
	return arrs, nil
}

// readColumn decodes the next n rows of column c; a panic of the decoder
// is its error (it may run on a goroutine of readColumns).
func readColumn(mem memory.Allocator, c *colState, n int) (a arrow.Array, err error) {
	defer func() {
		if p := recover(); p != nil {
			a, err = nil, fmt.Errorf("column %q: %v", c.name, p)
		}
	}()
	a, err = c.read(mem, n)
	if err != nil {
		return nil, fmt.Errorf("column %q: %w", c.name, err)
	}
	return a, nil
}

// colState is the decoding state of one projected column.
type colState struct {
	column

	pages parquet.Pages
	page  parquet.Page
	defs  []byte // definition levels of the page; nil when it has no nulls
	data  encoding.Values
	idx   []int32 // dictionary indexes of the page, when dictionary encoded
	dict  parquet.Dictionary
	nrows int // rows of the page
	nvals int // non-null values of the page
	row   int // next row of the page
	val   int // next value of the page

	// dictionary values of the current chunk, for dictionary output
	dictOf   parquet.Dictionary
	dictData encoding.Values
	dictArr  *array.Data

	scratch []byte // string bytes of the batch being built
	extraB  []byte // plain values met in a dictionary column: bytes
	extraO  []uint32

	// list columns: the levels of the page, read level by level
	reps      []byte // repetition levels of the page
	ldefs     []byte // definition levels of the page
	nlev      int    // levels of the page
	lev       int    // next level of the page
	edefs     []byte // definition levels of the element slots of a run
	elemHint  int    // elements of the previous batch, to size the next
	chunkDone bool   // no page left in the chunk
}

func (c *colState) close() {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	if c.pages != nil {
		_ = c.pages.Close()
		c.pages = nil
	}
	if c.dictArr != nil {
		c.dictArr.Release()
		c.dictArr = nil
	}
	c.dictOf = nil
}

func (c *colState) startChunk(cc parquet.ColumnChunk) {
	c.close()
	c.pages = cc.Pages()
	c.nrows, c.row = 0, 0
	c.nlev, c.lev, c.chunkDone = 0, 0, false
}

var errShortChunk = errors.New("column chunk has fewer values than its row group")

// nextPage moves to the next page of the chunk.
func (c *colState) nextPage() error {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	for {
		p, err := c.pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return errShortChunk
		}
		if err != nil {
			return err
		}
		if p.NumRows() == 0 {
			parquet.Release(p)
			continue
		}
		c.page = p
		break
	}
	p := c.page
	c.nrows = int(p.NumRows())
	c.row, c.val = 0, 0
	c.defs = nil
	if c.maxDef > 0 {
		defs := p.DefinitionLevels()
		if len(defs) != c.nrows {
			return fmt.Errorf("page has %d definition levels for %d rows", len(defs), c.nrows)
		}
		for _, d := range defs {
			if d != c.maxDef {
				c.defs = defs
				break
			}
		}
	}
	return c.loadValues(p)
}

// loadValues prepares the values of page p for decoding and counts them.
func (c *colState) loadValues(p parquet.Page) error {
	c.data = p.Data()
	c.dict = p.Dictionary()
	c.idx = nil
	if c.dict != nil {
		c.idx = c.data.Int32()
		c.nvals = len(c.idx)
		if c.dict != c.dictOf {
			if c.dictArr != nil {
				c.dictArr.Release()
				c.dictArr = nil
			}
			c.dictOf = c.dict
			c.dictData = c.dict.Page().Data()
		}
		return nil
	}
	switch c.data.Kind() {
	case encoding.Boolean:
		c.nvals = int(p.NumValues() - p.NumNulls())
		if len(c.data.Boolean())*8 < c.nvals {
			return errors.New("boolean page shorter than its value count")
		}
	case encoding.Int32:
		c.nvals = len(c.data.Int32())
	case encoding.Float:
		c.nvals = len(c.data.Float())
	case encoding.Int64:
		c.nvals = len(c.data.Int64())
	case encoding.Double:
		c.nvals = len(c.data.Double())
	case encoding.Int96:
		c.nvals = len(c.data.Int96())
	case encoding.ByteArray:
		_, off := c.data.ByteArray()
		c.nvals = max(len(off)-1, 0)
		if err := checkOffsets(c.data); err != nil {
			return err
		}
	case encoding.FixedLenByteArray:
		b, size := c.data.FixedLenByteArray()
		if size <= 0 {
			return errors.New("fixed-length values of size 0")
		}
		c.nvals = len(b) / size
	default:
		return fmt.Errorf("unexpected page of kind %v", c.data.Kind())
	}
	return nil
}

func checkOffsets(v encoding.Values) error {
	b, off := v.ByteArray()
	for i := 1; i < len(off); i++ {
		if off[i] < off[i-1] || int(off[i]) > len(b) {
			return errors.New("byte array offsets out of range")
		}
	}
	return nil
}

// segment is a run of rows of the current page placed at out[at:at+k].
type segment struct {
	at, k int
	defs  []byte // nil: every row has a value
	v0    int    // first value of the run
	nv    int    // values in the run
}

// read decodes n rows of the column into an Arrow array.
func (c *colState) read(mem memory.Allocator, n int) (arrow.Array, error) {
	if c.list {
		return c.readList(mem, n)
	}
	b := newBuilder(c, mem, n)
	defer b.release()
	at := 0
	for at < n {
		if c.row >= c.nrows {
			if err := c.nextPage(); err != nil {
				return nil, err
			}
		}
		k := min(n-at, c.nrows-c.row)
		s := segment{at: at, k: k, v0: c.val, nv: k}
		if c.defs != nil {
			s.defs = c.defs[c.row : c.row+k]
			s.nv = 0
			for _, d := range s.defs {
				if d == c.maxDef {
					s.nv++
				}
			}
		}
		if c.val+s.nv > c.nvals {
			return nil, errors.New("page has fewer values than its definition levels say")
		}
		if err := b.put(c, s); err != nil {
			return nil, err
		}
		c.row += k
		c.val += s.nv
		at += k
	}
	return b.finish(c)
}

// builder accumulates one batch of one column.
type builder struct {
	mem    memory.Allocator
	n      int
	nulls  int
	valid  *memory.Buffer // validity bitmap, all ones until a null is met
	values *memory.Buffer // fixed-width values, indexes or offsets
	width  int            // bytes per value; -1 for bits
	kind   kind
	dt     arrow.DataType
}

func newBuilder(c *colState, mem memory.Allocator, n int) *builder {
	b := &builder{mem: mem, n: n, kind: c.kind, dt: c.valueType()}
	width := 0
	switch c.kind {
	case kBool:
		width = -1
	case kInt8, kUint8:
		width = 1
	case kInt16, kUint16:
		width = 2
	case kInt32, kFloat32, kDict:
		width = 4
	case kInt64, kFloat64, kInt96:
		width = 8
	case kBinary:
		width = 4
		c.scratch = c.scratch[:0]
	case kLarge:
		width = 8
		c.scratch = c.scratch[:0]
	case kFixed:
		width = c.valueType().(*arrow.FixedSizeBinaryType).ByteWidth
	case kDecInt32, kDecInt64, kDecBytes:
		width = 16
	}
	b.width = width
	b.values = memory.NewResizableBuffer(mem)
	switch {
	case width < 0:
		b.values.Resize(int(bitutil.BytesForBits(int64(n))))
		clear(b.values.Bytes())
	case c.kind == kBinary || c.kind == kLarge:
		b.values.Resize((n + 1) * width)
		clear(b.values.Bytes()[:width])
	default:
		b.values.Resize(n * width)
	}
	if c.kind == kDict {
		c.extraB, c.extraO = c.extraB[:0], append(c.extraO[:0], 0)
	}
	return b
}

func (b *builder) release() {
	if b.valid != nil {
		b.valid.Release()
		b.valid = nil
	}
	if b.values != nil {
		b.values.Release()
		b.values = nil
	}
}

// reserve grows the builder to hold at least total values (list elements,
// whose count is learnt as pages are read).
func (b *builder) reserve(total int) {
	if total <= b.n {
		return
	}
	nc := max(total, 2*b.n)
	switch {
	case b.width < 0:
		b.values.Resize(int(bitutil.BytesForBits(int64(nc))))
	case b.kind == kBinary || b.kind == kLarge:
		b.values.Resize((nc + 1) * b.width)
	default:
		b.values.Resize(nc * b.width)
	}
	if b.valid != nil {
		old := int(bitutil.BytesForBits(int64(b.n)))
		b.valid.Resize(int(bitutil.BytesForBits(int64(nc))))
		bm := b.valid.Bytes()
		for i := old; i < len(bm); i++ {
			bm[i] = 0xff
		}
	}
	b.n = nc
}

// setNulls records the null rows of s in the validity bitmap.
func (b *builder) setNulls(s segment, maxDef byte) {
	if s.defs == nil {
		return
	}
	if b.valid == nil {
		b.valid = memory.NewResizableBuffer(b.mem)
		b.valid.Resize(int(bitutil.BytesForBits(int64(b.n))))
		bm := b.valid.Bytes()
		for i := range bm {
			bm[i] = 0xff
		}
	}
	bm := b.valid.Bytes()
	for i, d := range s.defs {
		if d != maxDef {
			bitutil.ClearBit(bm, s.at+i)
			b.nulls++
		}
	}
}

func castSlice[T any](b []byte) []T {
	if len(b) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/int(unsafe.Sizeof(z)))
}

type number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

// scatter places the values src of the run s into dst, leaving null rows
// zero.
func scatter[S, D number](dst []D, src []S, s segment, maxDef byte) {
	out := dst[s.at : s.at+s.k]
	if s.defs == nil {
		if same, ok := any(out).([]S); ok {
			copy(same, src[:s.k])
			return
		}
		for i := range out {
			out[i] = D(src[i])
		}
		return
	}
	j := 0
	for i, d := range s.defs {
		if d == maxDef {
			out[i] = D(src[j])
			j++
		} else {
			out[i] = 0
		}
	}
}

// gather places the dictionary values dict[idx[...]] of the run s into dst.
func gather[S, D number](dst []D, dict []S, idx []int32, s segment, maxDef byte) error {
	out := dst[s.at : s.at+s.k]
	n := uint32(len(dict))
	if s.defs == nil {
		for i, x := range idx[:s.k] {
			if uint32(x) >= n {
				return errBadIndex
			}
			out[i] = D(dict[x])
		}
		return nil
	}
	j := 0
	for i, d := range s.defs {
		if d == maxDef {
			x := idx[j]
			if uint32(x) >= n {
				return errBadIndex
			}
			out[i] = D(dict[x])
			j++
		} else {
			out[i] = 0
		}
	}
	return nil
}

var errBadIndex = errors.New("dictionary index out of range")

func putNumber[S, D number](b *builder, c *colState, s segment, plain func(encoding.Values) []S) error {
	dst := castSlice[D](b.values.Bytes())
	if c.idx != nil {
		return gather(dst, plain(c.dictData), c.idx[s.v0:s.v0+s.nv], s, c.maxDef)
	}
	scatter(dst, plain(c.data)[s.v0:s.v0+s.nv], s, c.maxDef)
	return nil
}

func int32s(v encoding.Values) []int32     { return v.Int32() }
func int64s(v encoding.Values) []int64     { return v.Int64() }
func float32s(v encoding.Values) []float32 { return v.Float() }
func float64s(v encoding.Values) []float64 { return v.Double() }

// put decodes the run s of the current page.
func (b *builder) put(c *colState, s segment) error {
	b.setNulls(s, c.maxDef)
	switch c.kind {
	case kInt32:
		return putNumber[int32, int32](b, c, s, int32s)
	case kInt64:
		return putNumber[int64, int64](b, c, s, int64s)
	case kInt8:
		return putNumber[int32, int8](b, c, s, int32s)
	case kUint8:
		return putNumber[int32, uint8](b, c, s, int32s)
	case kInt16:
		return putNumber[int32, int16](b, c, s, int32s)
	case kUint16:
		return putNumber[int32, uint16](b, c, s, int32s)
	case kFloat32:
		return putNumber[float32, float32](b, c, s, float32s)
	case kFloat64:
		return putNumber[float64, float64](b, c, s, float64s)
	case kBool:
		return b.putBool(c, s)
	case kBinary:
		return putBinary[int32](b, c, s)
	case kLarge:
		return putBinary[int64](b, c, s)
	case kDict:
		return b.putDict(c, s)
	default:
		return b.putOther(c, s)
	}
}

// eachValue calls fn(row, value) for every row of s holding a value, with
// value the index of the value in the page.
func eachValue(s segment, maxDef byte, fn func(i, j int) error) error {
	j := s.v0
	for i := range s.k {
		if s.defs != nil && s.defs[i] != maxDef {
			continue
		}
		if err := fn(s.at+i, j); err != nil {
			return err
		}
		j++
	}
	return nil
}

func (b *builder) putBool(c *colState, s segment) error {
	out := b.values.Bytes()
	return eachValue(s, c.maxDef, func(i, j int) error {
		var v bool
		if c.idx != nil {
			x := c.idx[j]
			bits := c.dictData.Boolean()
			if x < 0 || int(x) >= c.dict.Len() || int(x)/8 >= len(bits) {
				return errBadIndex
			}
			v = bitutil.BitIsSet(bits, int(x))
		} else {
			v = bitutil.BitIsSet(c.data.Boolean(), j)
		}
		bitutil.SetBitTo(out, i, v)
		return nil
	})
}

// bytesAt returns value j of the current page as bytes (byte arrays and
// fixed-length byte arrays).
func (c *colState) bytesAt(j int) ([]byte, error) {
	v := c.data
	if c.idx != nil {
		x := c.idx[j]
		if x < 0 || int(x) >= c.dict.Len() {
			return nil, errBadIndex
		}
		v, j = c.dictData, int(x)
	}
	switch v.Kind() {
	case encoding.ByteArray:
		data, off := v.ByteArray()
		if j+1 >= len(off) || off[j] > off[j+1] || int(off[j+1]) > len(data) {
			return nil, errBadIndex
		}
		return data[off[j]:off[j+1]], nil
	case encoding.FixedLenByteArray:
		data, size := v.FixedLenByteArray()
		if (j+1)*size > len(data) {
			return nil, errBadIndex
		}
		return data[j*size : (j+1)*size], nil
	}
	return nil, fmt.Errorf("unexpected values of kind %v", v.Kind())
}

func putBinary[O int32 | int64](b *builder, c *colState, s segment) error {
	offs := castSlice[O](b.values.Bytes())
	base := len(c.scratch)
	if c.idx == nil && s.defs == nil {
		// Plain page without nulls: one bulk copy.
		data, off := c.data.ByteArray()
		lo, hi := off[s.v0], off[s.v0+s.nv]
		c.scratch = append(c.scratch, data[lo:hi]...)
		delta := O(base) - O(lo)
		for i := range s.k {
			offs[s.at+i+1] = O(off[s.v0+i+1]) + delta
		}
		return checkOffsetWidth[O](len(c.scratch))
	}
	if c.idx != nil {
		data, off := c.dictData.ByteArray()
		nd := uint32(len(off) - 1)
		j := s.v0
		for i := range s.k {
			if s.defs == nil || s.defs[i] == c.maxDef {
				x := uint32(c.idx[j])
				if x >= nd {
					return errBadIndex
				}
				c.scratch = append(c.scratch, data[off[x]:off[x+1]]...)
				j++
			}
			offs[s.at+i+1] = O(len(c.scratch))
		}
		return checkOffsetWidth[O](len(c.scratch))
	}
	data, off := c.data.ByteArray()
	j := s.v0
	for i := range s.k {
		if s.defs[i] == c.maxDef {
			c.scratch = append(c.scratch, data[off[j]:off[j+1]]...)
			j++
		}
		offs[s.at+i+1] = O(len(c.scratch))
	}
	return checkOffsetWidth[O](len(c.scratch))
}

func checkOffsetWidth[O int32 | int64](n int) error {
	var z O
	if unsafe.Sizeof(z) == 4 && n > 1<<31-1 {
		return fmt.Errorf("batch holds more than 2 GiB of strings: %w", errTooLarge)
	}
	return nil
}

var errTooLarge = errors.New("use a smaller batch size")

func (b *builder) putDict(c *colState, s segment) error {
	out := castSlice[int32](b.values.Bytes())[s.at : s.at+s.k]
	if c.idx != nil {
		nd := uint32(c.dict.Len())
		if s.defs == nil {
			src := c.idx[s.v0 : s.v0+s.nv]
			for _, x := range src {
				if uint32(x) >= nd {
					return errBadIndex
				}
			}
			copy(out, src)
			return nil
		}
		j := s.v0
		for i, d := range s.defs {
			if d == c.maxDef {
				x := c.idx[j]
				if uint32(x) >= nd {
					return errBadIndex
				}
				out[i] = x
				j++
			} else {
				out[i] = 0
			}
		}
		return nil
	}
	// A plain page in a dictionary column: its values extend this batch's
	// dictionary; the indexes are fixed up in finish (-1-k is extra k).
	data, off := c.data.ByteArray()
	j := s.v0
	for i := range s.k {
		if s.defs != nil && s.defs[i] != c.maxDef {
			out[i] = 0
			continue
		}
		k := len(c.extraO) - 1
		c.extraB = append(c.extraB, data[off[j]:off[j+1]]...)
		c.extraO = append(c.extraO, uint32(len(c.extraB)))
		out[i] = int32(-1 - k)
		j++
	}
	return nil
}

func (b *builder) putOther(c *colState, s segment) error {
	switch c.kind {
	case kFixed:
		w := c.valueType().(*arrow.FixedSizeBinaryType).ByteWidth
		out := b.values.Bytes()
		return eachValue(s, c.maxDef, func(i, j int) error {
			v, err := c.bytesAt(j)
			if err != nil {
				return err
			}
			if len(v) != w {
				return errors.New("fixed-length value of the wrong size")
			}
			copy(out[i*w:], v)
			return nil
		})
	case kDecInt32, kDecInt64:
		out := castSlice[decimal128.Num](b.values.Bytes())
		clearRange(out, s)
		return eachValue(s, c.maxDef, func(i, j int) error {
			var v int64
			src, jj := c.data, j
			if c.idx != nil {
				src, jj = c.dictData, int(c.idx[j])
				if jj < 0 || jj >= c.dict.Len() {
					return errBadIndex
				}
			}
			if c.kind == kDecInt32 {
				v = int64(src.Int32()[jj])
			} else {
				v = src.Int64()[jj]
			}
			out[i] = decimal128.FromI64(v)
			return nil
		})
	case kDecBytes:
		out := castSlice[decimal128.Num](b.values.Bytes())
		clearRange(out, s)
		return eachValue(s, c.maxDef, func(i, j int) error {
			v, err := c.bytesAt(j)
			if err != nil {
				return err
			}
			n, err := decimalFromBigEndian(v)
			out[i] = n
			return err
		})
	case kInt96:
		out := castSlice[int64](b.values.Bytes())
		clearRange(out, s)
		return eachValue(s, c.maxDef, func(i, j int) error {
			src, jj := c.data, j
			if c.idx != nil {
				src, jj = c.dictData, int(c.idx[j])
				if jj < 0 || jj >= c.dict.Len() {
					return errBadIndex
				}
			}
			v := src.Int96()[jj]
			nanos := int64(uint64(v[1])<<32 | uint64(v[0]))
			days := int64(v[2]) - 2440588
			out[i] = days*86400_000_000_000 + nanos
			return nil
		})
	}
	return fmt.Errorf("no decoder for kind %d", c.kind)
}

func clearRange[T any](out []T, s segment) {
	if s.defs != nil {
		clear(out[s.at : s.at+s.k])
	}
}

// decimalFromBigEndian decodes a big-endian two's complement integer of at
// most 16 bytes.
func decimalFromBigEndian(v []byte) (decimal128.Num, error) {
	if len(v) > 16 {
		return decimal128.Num{}, errors.New("decimal wider than 16 bytes")
	}
	var buf [16]byte
	if len(v) > 0 && v[0]&0x80 != 0 {
		for i := range buf {
			buf[i] = 0xff
		}
	}
	copy(buf[16-len(v):], v)
	hi := int64(binary.BigEndian.Uint64(buf[:8]))
	lo := binary.BigEndian.Uint64(buf[8:])
	return decimal128.New(hi, lo), nil
}

// finish turns the accumulated buffers into an array.
func (b *builder) finish(c *colState) (arrow.Array, error) {
	var valid *memory.Buffer
	if b.nulls > 0 {
		valid = b.valid
	}
	switch c.kind {
	case kBinary, kLarge:
		if isStringType(b.dt) {
			var err error
			if c.kind == kBinary {
				err = checkUTF8(c.scratch, castSlice[int32](b.values.Bytes())[:b.n+1])
			} else {
				err = checkUTF8(c.scratch, castSlice[int64](b.values.Bytes())[:b.n+1])
			}
			if err != nil {
				return nil, err
			}
		}
		data := memory.NewResizableBuffer(b.mem)
		data.Resize(len(c.scratch))
		copy(data.Bytes(), c.scratch)
		defer data.Release()
		d := array.NewData(b.dt, b.n, []*memory.Buffer{valid, b.values, data}, nil, b.nulls, 0)
		defer d.Release()
		return array.MakeFromData(d), nil
	case kDict:
		dict, err := c.dictionary(b)
		if err != nil {
			return nil, err
		}
		defer dict.Release()
		d := array.NewDataWithDictionary(b.dt, b.n, []*memory.Buffer{valid, b.values}, b.nulls, 0, dict)
		defer d.Release()
		return array.MakeFromData(d), nil
	default:
		d := array.NewData(b.dt, b.n, []*memory.Buffer{valid, b.values}, nil, b.nulls, 0)
		defer d.Release()
		return array.MakeFromData(d), nil
	}
}

// dictionary returns the dictionary of the batch (the caller releases it):
// the chunk's dictionary, extended by the values of plain pages, if any.
func (c *colState) dictionary(b *builder) (*array.Data, error) {
	vt := b.dt.(*arrow.DictionaryType).ValueType
	var data []byte
	var off []uint32
	if c.dictOf != nil {
		data, off = c.dictData.ByteArray()
	}
	nd := max(len(off)-1, 0)
	if len(c.extraO) <= 1 && c.dictArr != nil {
		c.dictArr.Retain()
		return c.dictArr, nil
	}
	// Build dictionary values + extras.
	ne := len(c.extraO) - 1
	offs := memory.NewResizableBuffer(b.mem)
	offs.Resize((nd + ne + 1) * 4)
	o := castSlice[int32](offs.Bytes())
	vals := memory.NewResizableBuffer(b.mem)
	var base uint32
	if nd > 0 {
		base = off[0]
	}
	size := 0
	if nd > 0 {
		size = int(off[nd] - base)
	}
	if size+len(c.extraB) > 1<<31-1 {
		offs.Release()
		vals.Release()
		return nil, errTooLarge
	}
	vals.Resize(size + len(c.extraB))
	vb := vals.Bytes()
	if nd > 0 {
		copy(vb, data[base:off[nd]])
		for i := 0; i <= nd; i++ {
			o[i] = int32(off[i] - base)
		}
	} else {
		o[0] = 0
	}
	copy(vb[size:], c.extraB)
	for k := 1; k <= ne; k++ {
		o[nd+k] = int32(size) + int32(c.extraO[k])
	}
	if isStringType(vt) {
		if err := checkUTF8(vb, o[:nd+ne+1]); err != nil {
			offs.Release()
			vals.Release()
			return nil, err
		}
	}
	d := array.NewData(vt, nd+ne, []*memory.Buffer{nil, offs, vals}, nil, 0, 0)
	offs.Release()
	vals.Release()
	if ne > 0 {
		idx := castSlice[int32](b.values.Bytes())
		for i, x := range idx[:b.n] {
			if x < 0 {
				idx[i] = int32(nd) + (-1 - x)
			}
		}
		return d, nil
	}
	c.dictArr = d
	d.Retain()
	return d, nil
}

var errUTF8 = errors.New("a string is not valid UTF-8")

// checkUTF8 holds the values data[offs[i]:offs[i+1]] of a string column to
// UTF-8, as Arrow requires: the bytes are valid together and no value
// starts inside a character (then none ends inside one either).
func checkUTF8[O int32 | int64](data []byte, offs []O) error {
	if !utf8.Valid(data) {
		return errUTF8
	}
	for i := 0; i+1 < len(offs); i++ {
		if lo := offs[i]; offs[i+1] > lo && !utf8.RuneStart(data[lo]) {
			return errUTF8
		}
	}
	return nil
}
