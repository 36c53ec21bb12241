package parquetconnector

import (
	"errors"
	"fmt"
)

// Thrift compact protocol type codes.
const (
	tStop   = 0
	tTrue   = 1
	tFalse  = 2
	tByte   = 3
	tI16    = 4
	tI32    = 5
	tI64    = 6
	tDouble = 7
	tBinary = 8
	tList   = 9
	tSet    = 10
	tMap    = 11
	tStruct = 12
	tUUID   = 13
)

// maxThriftDepth bounds the nesting of structs, lists and maps. The Parquet
// format nests at most seven levels deep (FileMetaData → RowGroup →
// ColumnChunk → ColumnMetaData → Statistics …); 32 leaves room for future
// fields without letting a crafted input exhaust the stack.
const maxThriftDepth = 32

// structWeight is a generous estimate, in bytes, of the memory a decoder
// spends on one decoded struct element of a list (parquet-go's
// format.ColumnChunk is the largest, about 600 bytes).
const structWeight = 1024

// errThrift marks a Thrift structure that runs past its bytes or breaks a
// limit; its message carries the offset.
var errThrift = errors.New("invalid thrift")

// thriftError is a problem found at a byte offset of the walked region.
type thriftError struct {
	Off   int64 // offset in the file
	Msg   string
	Limit bool // a limit of Limits was exceeded, the encoding itself may be valid
}

func (e *thriftError) Error() string { return fmt.Sprintf("offset %d: %s", e.Off, e.Msg) }

func (e *thriftError) Unwrap() error { return errThrift }

// listCap limits the length of the list found at a field path of a
// struct, e.g. {2} for FileMetaData.schema. A zero cap means no limit
// beyond the bytes left.
type listCap struct {
	path  []int16
	limit int
	what  string
}

// thriftWalker validates the Thrift compact encoding of one struct without
// decoding it: every length is checked against the bytes left, nesting is
// bounded and the decoded size is estimated, so that the decoder that runs
// next never allocates more than the input can justify. It is a validator,
// not a decoder: values are skipped, except the integer fields that ints
// asks for.
type thriftWalker struct {
	b     []byte
	pos   int
	base  int64 // file offset of b[0]
	caps  []listCap
	path  []int16
	alloc int64 // estimated bytes a decoder allocates
	max   int64 // bound on alloc

	// ints, when set, receives the integer fields at depth ≤ 2 with
	// their path (field id of the outer struct, then of the inner one;
	// 0 for a top-level field's second element).
	ints func(outer, inner int16, v int64)
	// at, when set, is called with the type, field path and offset in b
	// of every field value before it is walked.
	at func(typ byte, path []int16, off int)
}

func (w *thriftWalker) fail(format string, args ...any) error {
	return &thriftError{Off: w.base + int64(w.pos), Msg: fmt.Sprintf(format, args...)}
}

func (w *thriftWalker) limit(format string, args ...any) error {
	return &thriftError{Off: w.base + int64(w.pos), Msg: fmt.Sprintf(format, args...), Limit: true}
}

func (w *thriftWalker) left() int { return len(w.b) - w.pos }

func (w *thriftWalker) byte1() (byte, error) {
	if w.pos >= len(w.b) {
		return 0, w.fail("thrift structure truncated")
	}
	c := w.b[w.pos]
	w.pos++
	return c, nil
}

// uvarint reads an unsigned varint of at most 10 bytes.
func (w *thriftWalker) uvarint() (uint64, error) {
	var v uint64
	for shift := uint(0); shift < 70; shift += 7 {
		c, err := w.byte1()
		if err != nil {
			return 0, err
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, w.fail("thrift varint longer than 10 bytes")
}

func (w *thriftWalker) varint() (int64, error) {
	u, err := w.uvarint()
	return int64(u>>1) ^ -int64(u&1), err
}

// skip advances over n bytes that must be present.
func (w *thriftWalker) skip(n uint64, what string) error {
	if n > uint64(w.left()) {
		return w.fail("%s of %d bytes exceeds the %d bytes left", what, n, w.left())
	}
	w.pos += int(n)
	return nil
}

func (w *thriftWalker) charge(n int64) error {
	w.alloc += n
	if w.max > 0 && w.alloc > w.max {
		return w.limit("decoding would take more than %d bytes of memory", w.max)
	}
	return nil
}

// walkStruct validates a struct whose field header comes next.
func (w *thriftWalker) walkStruct(depth int) error {
	if depth > maxThriftDepth {
		return w.fail("thrift nesting deeper than %d", maxThriftDepth)
	}
	var last int16
	for {
		h, err := w.byte1()
		if err != nil {
			return err
		}
		typ := h & 0x0f
		if typ == tStop {
			if h != 0 {
				return w.fail("invalid thrift field header 0x%02x", h)
			}
			return nil
		}
		id := last + int16(h>>4)
		if h>>4 == 0 {
			v, err := w.varint()
			if err != nil {
				return err
			}
			if v < -(1<<15) || v >= 1<<15 {
				return w.fail("thrift field id %d out of range", v)
			}
			id = int16(v)
		}
		last = id
		w.path = append(w.path, id)
		if w.at != nil {
			w.at(typ, w.path, w.pos)
		}
		if err := w.walkValue(typ, depth); err != nil {
			return err
		}
		w.path = w.path[:len(w.path)-1]
	}
}

// walkValue validates one value of type typ (a compact field type).
func (w *thriftWalker) walkValue(typ byte, depth int) error {
	switch typ {
	case tTrue, tFalse:
		return nil
	case tByte:
		return w.skip(1, "byte")
	case tI16, tI32, tI64:
		v, err := w.varint()
		if err == nil && w.ints != nil && len(w.path) <= 2 {
			var outer, inner int16
			outer = w.path[0]
			if len(w.path) == 2 {
				inner = w.path[1]
			}
			w.ints(outer, inner, v)
		}
		return err
	case tDouble:
		return w.skip(8, "double")
	case tUUID:
		return w.skip(16, "uuid")
	case tBinary:
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		if err := w.skip(n, "binary"); err != nil {
			return err
		}
		return w.charge(int64(n))
	case tList, tSet:
		return w.walkList(depth)
	case tMap:
		return w.walkMap(depth)
	case tStruct:
		return w.walkStruct(depth + 1)
	}
	return w.fail("unknown thrift type %d", typ)
}

// minSize is the fewest bytes one value of a compact type takes.
func minSize(typ byte) int {
	switch typ {
	case tDouble:
		return 8
	case tUUID:
		return 16
	}
	return 1
}

func (w *thriftWalker) walkList(depth int) error {
	if depth > maxThriftDepth {
		return w.fail("thrift nesting deeper than %d", maxThriftDepth)
	}
	start := w.pos
	h, err := w.byte1()
	if err != nil {
		return err
	}
	typ := h & 0x0f
	n := uint64(h >> 4)
	if n == 0x0f {
		if n, err = w.uvarint(); err != nil {
			return err
		}
	}
	w.pos = start // report the list header's offset
	if n > uint64(w.left())/uint64(minSize(typ)) {
		return w.fail("list of %d elements exceeds the %d bytes left", n, w.left())
	}
	for _, c := range w.caps {
		if c.limit > 0 && equalPath(c.path, w.path) && n > uint64(c.limit) {
			return w.limit("%d %s exceed the limit of %d", n, c.what, c.limit)
		}
	}
	if err := w.skipHeader(h); err != nil {
		return err
	}
	weight := int64(16)
	if typ == tStruct {
		weight = structWeight
	}
	if err := w.charge(int64(n) * weight); err != nil {
		return err
	}
	if typ == tTrue || typ == tFalse {
		return w.skip(n, "list of bools") // one byte per element in a list
	}
	for range n {
		if err := w.walkValue(typ, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// skipHeader re-reads the list header that starts at w.pos.
func (w *thriftWalker) skipHeader(h byte) error {
	w.pos++
	if h>>4 == 0x0f {
		_, err := w.uvarint()
		return err
	}
	return nil
}

func (w *thriftWalker) walkMap(depth int) error {
	if depth > maxThriftDepth {
		return w.fail("thrift nesting deeper than %d", maxThriftDepth)
	}
	start := w.pos
	n, err := w.uvarint()
	if err != nil || n == 0 {
		return err
	}
	kv, err := w.byte1()
	if err != nil {
		return err
	}
	kt, vt := kv>>4, kv&0x0f
	if n > uint64(w.left())/uint64(minSize(kt)+minSize(vt)) {
		w.pos = start
		return w.fail("map of %d entries exceeds the %d bytes left", n, w.left())
	}
	if err := w.charge(int64(n) * 2 * structWeight); err != nil {
		return err
	}
	for range n {
		if err := w.walkValue(kt, depth+1); err != nil {
			return err
		}
		if err := w.walkValue(vt, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func equalPath(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
