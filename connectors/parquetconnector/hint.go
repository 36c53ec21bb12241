package parquetconnector

import "encoding/binary"

// The ARROW:schema footer entry is an Arrow IPC schema message, a
// flatbuffer. arrow-go decodes it trusting every length and offset, so a
// damaged entry can make it allocate without bound or recurse for ever.
// safeSchemaMessage walks the parts that decoder iterates over (fields,
// children, key-value metadata) with bounds checks and a budget, and reports
// whether the message can be handed to it.

// fbuf is a flatbuffer with bounds-checked accessors; ok turns false on the
// first out-of-range access.
type fbuf struct {
	b  []byte
	ok bool
}

func (f *fbuf) u32(pos int) int {
	if pos < 0 || pos+4 > len(f.b) {
		f.ok = false
		return 0
	}
	return int(binary.LittleEndian.Uint32(f.b[pos:]))
}

func (f *fbuf) u16(pos int) int {
	if pos < 0 || pos+2 > len(f.b) {
		f.ok = false
		return 0
	}
	return int(binary.LittleEndian.Uint16(f.b[pos:]))
}

// field returns the absolute position of field slot of the table at pos,
// or 0 when absent.
func (f *fbuf) field(table, slot int) int {
	vt := table - int(int32(f.u32(table)))
	vtSize := f.u16(vt)
	off := 4 + 2*slot
	if !f.ok || off+2 > vtSize {
		return 0
	}
	o := f.u16(vt + off)
	if o == 0 {
		return 0
	}
	return table + o
}

// indirect follows the offset stored at pos.
func (f *fbuf) indirect(pos int) int { return pos + f.u32(pos) }

// vector returns the start and length of the vector of 4-byte elements
// referenced at pos.
func (f *fbuf) vector(pos int) (start, n int) {
	v := f.indirect(pos)
	n = f.u32(v)
	if !f.ok || v+4+4*n > len(f.b) || n < 0 {
		f.ok = false
		return 0, 0
	}
	return v + 4, n
}

func safeSchemaMessage(raw []byte) bool {
	b := raw
	// Stream framing: optional continuation marker, then a 4-byte length.
	if len(b) >= 4 && binary.LittleEndian.Uint32(b) == 0xFFFFFFFF {
		b = b[4:]
	}
	if len(b) < 4 {
		return false
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n <= 0 || n > len(b)-4 {
		return false
	}
	f := &fbuf{b: b[4 : 4+n], ok: true}
	msg := f.indirect(0)
	hdr := f.field(msg, 2) // Message.header
	if !f.ok || hdr == 0 {
		return false
	}
	schema := f.indirect(hdr)
	budget := 10_000
	if m := f.field(schema, 2); m != 0 { // Schema.custom_metadata
		f.vector(m)
	}
	fields := f.field(schema, 1) // Schema.fields
	if fields == 0 {
		return f.ok
	}
	var walk func(vec, depth int) bool
	walk = func(vec, depth int) bool {
		start, cnt := f.vector(vec)
		if !f.ok || depth > 64 {
			return false
		}
		for i := range cnt {
			budget--
			if budget < 0 {
				return false
			}
			fld := f.indirect(start + 4*i)
			if m := f.field(fld, 6); m != 0 { // Field.custom_metadata
				f.vector(m)
			}
			if name := f.field(fld, 0); name != 0 {
				f.vector1(name)
			}
			if ch := f.field(fld, 5); ch != 0 { // Field.children
				if !walk(ch, depth+1) {
					return false
				}
			}
			if !f.ok {
				return false
			}
		}
		return true
	}
	return walk(fields, 0) && f.ok
}

// vector1 checks a vector of bytes (a string) referenced at pos.
func (f *fbuf) vector1(pos int) {
	v := f.indirect(pos)
	n := f.u32(v)
	if !f.ok || n < 0 || v+4+n > len(f.b) {
		f.ok = false
	}
}
