package arrowconnector

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Limits bound what an Arrow IPC file may declare before arrow-go decodes
// it. arrow-go reads flatbuffers without verifying them: a vector length
// of 0x7fffffff in the schema makes it allocate without bound, a forged
// offset makes it index out of range. Every flatbuffer is therefore walked
// first (offsets and lengths in range, nesting bounded), and every length
// the file declares is held to the bytes the file has.
type Limits struct {
	// MaxMetadataBytes bounds the flatbuffer metadata of one message and
	// the footer of the file format.
	MaxMetadataBytes int64
	// MaxBodyBytes bounds the body of one message and the uncompressed
	// size of one compressed buffer.
	MaxBodyBytes int64
	// MaxFields bounds the fields of the schema, nested ones included.
	MaxFields int
	// MaxDepth bounds the nesting of the schema's fields.
	MaxDepth int
	// MaxBatchRows bounds the rows of one record batch (or dictionary).
	// A batch of no columns, or of null columns, declares rows that no
	// byte of the file backs: without a bound, reading it in small
	// batches would not end.
	MaxBatchRows int64
}

// DefaultLimits are those of arrow-go (64 MiB of metadata, 256 MiB of body
// per message), a schema of at most 100,000 fields nested 64 deep, and
// batches of at most 2^25 rows (an int64 column of more exceeds the body
// limit).
var DefaultLimits = Limits{
	MaxMetadataBytes: 64 << 20,
	MaxBodyBytes:     256 << 20,
	MaxFields:        100_000,
	MaxDepth:         64,
	MaxBatchRows:     1 << 25,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxMetadataBytes > 0 {
		d.MaxMetadataBytes = l.MaxMetadataBytes
	}
	if l.MaxBodyBytes > 0 {
		d.MaxBodyBytes = l.MaxBodyBytes
	}
	if l.MaxFields > 0 {
		d.MaxFields = l.MaxFields
	}
	if l.MaxDepth > 0 {
		d.MaxDepth = l.MaxDepth
	}
	if l.MaxBatchRows > 0 {
		d.MaxBatchRows = l.MaxBatchRows
	}
	return d
}

// errInvalid marks a problem found by the validation; the message carries
// the offset.
var errInvalid = errors.New("invalid Arrow IPC")

// fbError is a problem at a byte offset of the file.
type fbError struct {
	Off int64
	Msg string
}

func (e *fbError) Error() string { return fmt.Sprintf("offset %d: %s", e.Off, e.Msg) }

func (e *fbError) Unwrap() error { return errInvalid }

// fb walks one flatbuffer b that starts at file offset base. Tables are
// verified as they are visited: vtable and inline data in range, every
// field inside its table, every offset, vector and string inside b. The
// number of tables visited is bounded by the size of b, so that tables
// shared through forged offsets cannot make the walk (or the decoder)
// exponential.
type fb struct {
	b      []byte
	base   int64
	visits int
	lim    Limits
	fields int
}

type fbTable struct {
	pos, vt uint32
	vtLen   uint16
	inline  uint16
}

func (v *fb) fail(pos uint32, format string, args ...any) error {
	return &fbError{Off: v.base + int64(pos), Msg: fmt.Sprintf(format, args...)}
}

func (v *fb) u32(pos uint32) uint32 { return binary.LittleEndian.Uint32(v.b[pos:]) }
func (v *fb) u16(pos uint32) uint16 { return binary.LittleEndian.Uint16(v.b[pos:]) }

// has reports whether n bytes at pos are inside b.
func (v *fb) has(pos uint32, n uint64) bool { return uint64(pos)+n <= uint64(len(v.b)) }

// root returns the root table.
func (v *fb) root() (fbTable, error) {
	if !v.has(0, 4) {
		return fbTable{}, v.fail(0, "flatbuffer of %d bytes is too short", len(v.b))
	}
	return v.table(v.u32(0))
}

// table verifies the table at pos.
func (v *fb) table(pos uint32) (fbTable, error) {
	v.visits++
	if v.visits > len(v.b)/4+16 {
		return fbTable{}, v.fail(pos, "flatbuffer references more tables than it can hold")
	}
	if !v.has(pos, 4) {
		return fbTable{}, v.fail(pos, "table outside the flatbuffer of %d bytes", len(v.b))
	}
	vt := int64(pos) - int64(int32(v.u32(pos)))
	if vt < 0 || vt > math.MaxUint32 || !v.has(uint32(vt), 4) {
		return fbTable{}, v.fail(pos, "vtable outside the flatbuffer")
	}
	t := fbTable{pos: pos, vt: uint32(vt)}
	t.vtLen, t.inline = v.u16(t.vt), v.u16(t.vt+2)
	if t.vtLen < 4 || t.vtLen%2 != 0 || !v.has(t.vt, uint64(t.vtLen)) {
		return fbTable{}, v.fail(pos, "vtable of %d bytes invalid", t.vtLen)
	}
	if t.inline < 4 || !v.has(pos, uint64(t.inline)) {
		return fbTable{}, v.fail(pos, "table of %d bytes runs past the flatbuffer", t.inline)
	}
	return t, nil
}

// field returns the position of field id of t, of size bytes, or 0 when
// it is absent.
func (v *fb) field(t fbTable, id int, size uint16) (uint32, error) {
	slot := 4 + 2*uint32(id)
	if slot+2 > uint32(t.vtLen) {
		return 0, nil
	}
	off := v.u16(t.vt + slot)
	if off == 0 {
		return 0, nil
	}
	if off < 4 || uint32(off)+uint32(size) > uint32(t.inline) {
		return 0, v.fail(t.pos, "field %d at %d runs past its table of %d bytes", id, off, t.inline)
	}
	return t.pos + uint32(off), nil
}

// ref follows the offset field id of t; ok is false when it is absent.
func (v *fb) ref(t fbTable, id int) (target uint32, ok bool, err error) {
	p, err := v.field(t, id, 4)
	if err != nil || p == 0 {
		return 0, false, err
	}
	tg := uint64(p) + uint64(v.u32(p))
	if tg >= uint64(len(v.b)) {
		return 0, false, v.fail(p, "offset points outside the flatbuffer")
	}
	return uint32(tg), true, nil
}

// vector verifies the vector at field id of t, of elements of elem bytes,
// and returns the position of its first element and its length.
func (v *fb) vector(t fbTable, id int, elem uint64) (start uint32, n int, err error) {
	p, ok, err := v.ref(t, id)
	if err != nil || !ok {
		return 0, 0, err
	}
	if !v.has(p, 4) {
		return 0, 0, v.fail(p, "vector length outside the flatbuffer")
	}
	l := uint64(v.u32(p))
	if !v.has(p+4, l*elem) {
		return 0, 0, v.fail(p, "vector of %d elements of %d bytes exceeds the %d bytes left", l, elem, uint64(len(v.b))-uint64(p)-4)
	}
	return p + 4, int(l), nil
}

// tables visits the vector of tables at field id of t.
func (v *fb) tables(t fbTable, id int, fn func(fbTable) error) error {
	start, n, err := v.vector(t, id, 4)
	if err != nil {
		return err
	}
	for i := range n {
		p := start + 4*uint32(i)
		tg := uint64(p) + uint64(v.u32(p))
		if tg >= uint64(len(v.b)) {
			return v.fail(p, "offset points outside the flatbuffer")
		}
		e, err := v.table(uint32(tg))
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// sub visits the table at field id of t, when present.
func (v *fb) sub(t fbTable, id int, fn func(fbTable) error) error {
	p, ok, err := v.ref(t, id)
	if err != nil || !ok {
		return err
	}
	s, err := v.table(p)
	if err != nil {
		return err
	}
	if fn == nil {
		return nil
	}
	return fn(s)
}

func (v *fb) byteField(t fbTable, id int) (byte, error) {
	p, err := v.field(t, id, 1)
	if err != nil || p == 0 {
		return 0, err
	}
	return v.b[p], nil
}

func (v *fb) int64Field(t fbTable, id int) (int64, error) {
	p, err := v.field(t, id, 8)
	if err != nil || p == 0 {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(v.b[p:])), nil
}

func (v *fb) keyValues(t fbTable, id int) error {
	return v.tables(t, id, func(kv fbTable) error {
		if _, _, err := v.vector(kv, 0, 1); err != nil {
			return err
		}
		_, _, err := v.vector(kv, 1, 1)
		return err
	})
}

// Arrow flatbuffer field ids (Schema.fbs, Message.fbs, File.fbs).
const (
	typeTimestamp = 10
	typeUnion     = 14

	headerSchema     = 1
	headerDictionary = 2
	headerBatch      = 3
)

// schema verifies a Schema table.
func (v *fb) schema(t fbTable) error {
	if err := v.keyValues(t, 2); err != nil {
		return err
	}
	if _, _, err := v.vector(t, 3, 8); err != nil { // features
		return err
	}
	return v.tables(t, 1, func(f fbTable) error { return v.fieldTable(f, 1) })
}

// fieldTable verifies a Field table at nesting depth.
func (v *fb) fieldTable(t fbTable, depth int) error {
	v.fields++
	if v.fields > v.lim.MaxFields {
		return v.fail(t.pos, "schema of more than %d fields", v.lim.MaxFields)
	}
	if depth > v.lim.MaxDepth {
		return v.fail(t.pos, "schema nested deeper than %d", v.lim.MaxDepth)
	}
	if _, _, err := v.vector(t, 0, 1); err != nil { // name
		return err
	}
	typ, err := v.byteField(t, 2)
	if err != nil {
		return err
	}
	err = v.sub(t, 3, func(tt fbTable) error {
		switch typ {
		case typeTimestamp:
			_, _, err := v.vector(tt, 1, 1) // timezone
			return err
		case typeUnion:
			_, _, err := v.vector(tt, 1, 4) // typeIds
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := v.sub(t, 4, func(d fbTable) error { return v.sub(d, 1, nil) }); err != nil { // dictionary.indexType
		return err
	}
	if err := v.keyValues(t, 6); err != nil {
		return err
	}
	return v.tables(t, 5, func(c fbTable) error { return v.fieldTable(c, depth+1) })
}

// batchInfo is what a RecordBatch message declares about its body.
type batchInfo struct {
	compressed bool
	buffers    [][2]int64 // offset and length in the body
}

// recordBatch verifies a RecordBatch table against the body length.
func (v *fb) recordBatch(t fbTable, body int64, info *batchInfo) error {
	n, err := v.int64Field(t, 0)
	if err != nil {
		return err
	}
	if n < 0 {
		return v.fail(t.pos, "batch of %d rows", n)
	}
	if n > v.lim.MaxBatchRows {
		return v.fail(t.pos, "batch of %d rows exceeds the limit of %d", n, v.lim.MaxBatchRows)
	}
	start, nn, err := v.vector(t, 1, 16) // nodes
	if err != nil {
		return err
	}
	for i := range nn {
		p := start + 16*uint32(i)
		l := int64(binary.LittleEndian.Uint64(v.b[p:]))
		nulls := int64(binary.LittleEndian.Uint64(v.b[p+8:]))
		if l < 0 || nulls < 0 || nulls > l {
			return v.fail(p, "field node of %d values and %d nulls", l, nulls)
		}
	}
	start, nb, err := v.vector(t, 2, 16) // buffers
	if err != nil {
		return err
	}
	for i := range nb {
		p := start + 16*uint32(i)
		off := int64(binary.LittleEndian.Uint64(v.b[p:]))
		l := int64(binary.LittleEndian.Uint64(v.b[p+8:]))
		if off < 0 || l < 0 || off > body || l > body-off {
			return v.fail(p, "buffer at %d of %d bytes outside the message body of %d bytes", off, l, body)
		}
		info.buffers = append(info.buffers, [2]int64{off, l})
	}
	err = v.sub(t, 3, func(fbTable) error {
		info.compressed = true
		return nil
	})
	if err != nil {
		return err
	}
	start, nv, err := v.vector(t, 4, 8) // variadicBufferCounts
	if err != nil {
		return err
	}
	for i := range nv {
		p := start + 8*uint32(i)
		if c := int64(binary.LittleEndian.Uint64(v.b[p:])); c < 0 || c > int64(nb) {
			return v.fail(p, "variadic buffer count %d of %d buffers", c, nb)
		}
	}
	return nil
}

// message verifies a Message flatbuffer whose body has at most maxBody
// bytes, and returns its header type, body length and batch layout.
func (v *fb) message(maxBody int64) (typ byte, body int64, info batchInfo, err error) {
	t, err := v.root()
	if err != nil {
		return 0, 0, info, err
	}
	if typ, err = v.byteField(t, 1); err != nil {
		return 0, 0, info, err
	}
	if body, err = v.int64Field(t, 3); err != nil {
		return 0, 0, info, err
	}
	if body < 0 || body > maxBody {
		return 0, 0, info, v.fail(t.pos, "message body of %d bytes exceeds the %d bytes it may have", body, maxBody)
	}
	if err := v.keyValues(t, 4); err != nil {
		return 0, 0, info, err
	}
	err = v.sub(t, 2, func(h fbTable) error {
		switch typ {
		case headerSchema:
			return v.schema(h)
		case headerBatch:
			return v.recordBatch(h, body, &info)
		case headerDictionary:
			return v.sub(h, 1, func(rb fbTable) error { return v.recordBatch(rb, body, &info) })
		}
		return nil
	})
	return typ, body, info, err
}

// checkCompressed verifies the uncompressed length that prefixes each
// compressed buffer: -1 (stored as is) or at most lim.MaxBodyBytes, so
// that decompression allocates no more than the limit. readAt reads body
// bytes at an offset of the body.
func checkCompressed(info batchInfo, bodyOff int64, lim Limits, readAt func([]byte, int64) error) error {
	if !info.compressed {
		return nil
	}
	var b [8]byte
	for _, buf := range info.buffers {
		if buf[1] == 0 {
			continue
		}
		if buf[1] < 8 {
			return &fbError{Off: bodyOff + buf[0], Msg: fmt.Sprintf("compressed buffer of %d bytes lacks its length", buf[1])}
		}
		if err := readAt(b[:], buf[0]); err != nil {
			return err
		}
		n := int64(binary.LittleEndian.Uint64(b[:]))
		if n < -1 || n > lim.MaxBodyBytes {
			return &fbError{Off: bodyOff + buf[0], Msg: fmt.Sprintf("compressed buffer declares %d bytes, more than the limit of %d", n, lim.MaxBodyBytes)}
		}
	}
	return nil
}

// ipcFooterMagic ends the file format.
const ipcFooterMagic = "ARROW1"

// validateFile walks the footer of an Arrow IPC file of size bytes and the
// metadata of every block it lists.
func validateFile(r io.ReaderAt, size int64, lim Limits) error {
	const trailer = 4 + len(ipcFooterMagic)
	if size < int64(8+trailer) {
		return &fbError{Off: 0, Msg: fmt.Sprintf("file of %d bytes is too short", size)}
	}
	var tail [trailer]byte
	if _, err := r.ReadAt(tail[:], size-int64(trailer)); err != nil {
		return err
	}
	if string(tail[4:]) != ipcFooterMagic {
		return &fbError{Off: size - int64(len(ipcFooterMagic)), Msg: "no ARROW1 magic at the end of the file"}
	}
	n := int64(int32(binary.LittleEndian.Uint32(tail[:4])))
	footerEnd := size - int64(trailer)
	if n <= 0 || n > footerEnd-8 {
		return &fbError{Off: footerEnd, Msg: fmt.Sprintf("footer length %d outside the file of %d bytes", n, size)}
	}
	if n > lim.MaxMetadataBytes {
		return &fbError{Off: footerEnd, Msg: fmt.Sprintf("footer of %d bytes exceeds the limit of %d", n, lim.MaxMetadataBytes)}
	}
	footer := make([]byte, n)
	start := footerEnd - n
	if _, err := r.ReadAt(footer, start); err != nil {
		return err
	}
	v := fb{b: footer, base: start, lim: lim}
	t, err := v.root()
	if err != nil {
		return err
	}
	if err := v.sub(t, 1, v.schema); err != nil {
		return err
	}
	if err := v.keyValues(t, 4); err != nil {
		return err
	}
	for _, blocks := range []struct {
		id   int
		want byte
	}{{2, headerDictionary}, {3, headerBatch}} { // dictionaries, recordBatches
		id, want := blocks.id, blocks.want
		bs, nb, err := v.vector(t, id, 24)
		if err != nil {
			return err
		}
		for i := range nb {
			p := bs + 24*uint32(i)
			off := int64(binary.LittleEndian.Uint64(footer[p:]))
			meta := int64(int32(binary.LittleEndian.Uint32(footer[p+8:])))
			body := int64(binary.LittleEndian.Uint64(footer[p+16:]))
			if off < 8 || meta < 8 || body < 0 || off > start || meta > start-off || body > start-off-meta {
				return v.fail(p, "block at %d of %d+%d bytes outside the data of the file", off, meta, body)
			}
			if meta > lim.MaxMetadataBytes || body > lim.MaxBodyBytes {
				return v.fail(p, "block of %d+%d bytes exceeds the limits", meta, body)
			}
			if err := validateBlock(r, off, meta, body, want, lim); err != nil {
				return err
			}
		}
	}
	return nil
}

// validateBlock walks the message of a file block: a prefix (continuation
// marker and length, or the length alone in old files), the flatbuffer of a
// message of header type want, and a body of at most body bytes. arrow-go
// reads a dictionary block as a DictionaryBatch whatever its header type
// says, and the walk checks only the header type declared.
func validateBlock(r io.ReaderAt, off, meta, body int64, want byte, lim Limits) error {
	b := make([]byte, meta)
	if _, err := r.ReadAt(b, off); err != nil {
		return err
	}
	fbStart := int64(4)
	l := int64(int32(binary.LittleEndian.Uint32(b)))
	if uint32(l) == 0xffffffff {
		fbStart = 8
		l = int64(int32(binary.LittleEndian.Uint32(b[4:])))
	}
	if l <= 0 || l > meta-fbStart {
		return &fbError{Off: off, Msg: fmt.Sprintf("message metadata of %d bytes outside its block of %d", l, meta)}
	}
	v := fb{b: b[fbStart : fbStart+l], base: off + fbStart, lim: lim}
	typ, _, info, err := v.message(body)
	if err != nil {
		return err
	}
	if typ != want {
		return &fbError{Off: off, Msg: fmt.Sprintf("message of header type %d in a block of header type %d", typ, want)}
	}
	bodyOff := off + meta
	return checkCompressed(info, bodyOff, lim, func(p []byte, at int64) error {
		_, err := r.ReadAt(p, bodyOff+at)
		return err
	})
}

// guardedReader is the ipc.MessageReader of the stream format: it walks the
// metadata of each message and bounds its body by the limits and by the
// bytes left in the file (when its size is known) before arrow-go sees it.
type guardedReader struct {
	r    io.Reader
	pos  int64 // bytes consumed
	size int64 // file size, -1 when unknown (a pipe)
	lim  Limits
	refs atomic.Int64
	msg  *ipc.Message
}

var _ ipc.MessageReader = (*guardedReader)(nil)

func newGuardedReader(r io.Reader, size int64, lim Limits) *guardedReader {
	g := &guardedReader{r: bufio.NewReaderSize(r, 64<<10), size: size, lim: lim}
	g.refs.Store(1)
	return g
}

func (g *guardedReader) Retain() { g.refs.Add(1) }

func (g *guardedReader) Release() {
	if g.refs.Add(-1) == 0 && g.msg != nil {
		g.msg.Release()
		g.msg = nil
	}
}

func (g *guardedReader) read(b []byte) error {
	n, err := io.ReadFull(g.r, b)
	g.pos += int64(n)
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// left is the most bytes a part of the stream may declare.
func (g *guardedReader) left(limit int64) int64 {
	if g.size >= 0 {
		return min(limit, g.size-g.pos)
	}
	return limit
}

// Message returns the next message, valid until the next call, or io.EOF
// at the end of the stream.
func (g *guardedReader) Message() (*ipc.Message, error) {
	if g.msg != nil {
		g.msg.Release()
		g.msg = nil
	}
	var h [4]byte
	at := g.pos
	n, err := io.ReadFull(g.r, h[:])
	g.pos += int64(n)
	if n == 0 && errors.Is(err, io.EOF) {
		return nil, io.EOF // a stream without its end-of-stream marker
	}
	if err != nil {
		return nil, &fbError{Off: at, Msg: "message prefix truncated"}
	}
	l := binary.LittleEndian.Uint32(h[:])
	if l == 0xffffffff {
		if err := g.read(h[:]); err != nil {
			return nil, &fbError{Off: at, Msg: "message length truncated"}
		}
		l = binary.LittleEndian.Uint32(h[:])
	}
	if l == 0 {
		return nil, io.EOF
	}
	if int64(l) < 4 || int64(l) > g.left(g.lim.MaxMetadataBytes) {
		return nil, &fbError{Off: at, Msg: fmt.Sprintf("message metadata of %d bytes exceeds the %d bytes it may have", int32(l), g.left(g.lim.MaxMetadataBytes))}
	}
	meta := make([]byte, l)
	metaAt := g.pos
	if err := g.read(meta); err != nil {
		return nil, &fbError{Off: metaAt, Msg: "message metadata truncated"}
	}
	v := fb{b: meta, base: metaAt, lim: g.lim}
	_, bodyLen, info, err := v.message(g.left(g.lim.MaxBodyBytes))
	if err != nil {
		return nil, err
	}
	// The body is Go memory, not the caller's allocator: when arrow-go
	// fails on a damaged batch it drops the arrays it had built on the
	// body unreleased, and the garbage collector is the only owner that
	// reclaims them all.
	body := memory.NewBufferBytes(make([]byte, bodyLen))
	defer body.Release()
	bodyAt := g.pos
	if err := g.read(body.Bytes()); err != nil {
		return nil, &fbError{Off: bodyAt, Msg: "message body truncated"}
	}
	err = checkCompressed(info, bodyAt, g.lim, func(p []byte, off int64) error {
		copy(p, body.Bytes()[off:])
		return nil
	})
	if err != nil {
		return nil, err
	}
	mb := memory.NewBufferBytes(meta)
	g.msg = ipc.NewMessage(mb, body)
	mb.Release()
	return g.msg, nil
}

// valueFree is the message of a validation error of arrow-go without the
// data value some of them quote (invalid UTF-8 quotes the string), so that
// no value of a column reaches a message, and on one line.
func valueFree(err error) string {
	msg := err.Error()
	for _, cut := range []string{"is not valid utf8", "is not valid UTF-8"} {
		if i := strings.Index(msg, cut); i >= 0 {
			return msg[:i+len(cut)]
		}
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, msg)
}
