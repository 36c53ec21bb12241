package hostile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// arrowFileMagic starts and ends an Arrow IPC file.
const arrowFileMagic = "ARROW1"

// HugeVector is the flatbuffer vector length the hostile Arrow files
// declare: the bytes ff ff ff 7f.
const HugeVector = 0x7fffffff

func arrowRecord(mem memory.Allocator) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"ada", "grace", "edsger"}, nil)
	return b.NewRecordBatch()
}

// ArrowFile returns a small valid Arrow IPC file (id int64, name string).
func ArrowFile() ([]byte, error) {
	mem := memory.NewGoAllocator()
	rec := arrowRecord(mem)
	defer rec.Release()
	var buf bytes.Buffer
	w, err := ipc.NewFileWriter(&buf, ipc.WithSchema(rec.Schema()), ipc.WithAllocator(mem))
	if err != nil {
		return nil, fmt.Errorf("hostile: arrow file: %w", err)
	}
	if err := w.Write(rec); err != nil {
		return nil, fmt.Errorf("hostile: arrow file: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("hostile: arrow file: %w", err)
	}
	return buf.Bytes(), nil
}

// ArrowStream returns a small valid Arrow IPC stream (id int64, name
// string).
func ArrowStream() ([]byte, error) {
	mem := memory.NewGoAllocator()
	rec := arrowRecord(mem)
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()), ipc.WithAllocator(mem))
	if err := w.Write(rec); err != nil {
		return nil, fmt.Errorf("hostile: arrow stream: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("hostile: arrow stream: %w", err)
	}
	return buf.Bytes(), nil
}

// fb reads the few flatbuffer structures the patches need, bounds-checked.
type fb []byte

var errFlatbuffer = errors.New("hostile: unexpected flatbuffer layout")

func (b fb) u32(off int) (int, error) {
	if off < 0 || off+4 > len(b) {
		return 0, errFlatbuffer
	}
	return int(binary.LittleEndian.Uint32(b[off:])), nil
}

func (b fb) u16(off int) (int, error) {
	if off < 0 || off+2 > len(b) {
		return 0, errFlatbuffer
	}
	return int(binary.LittleEndian.Uint16(b[off:])), nil
}

// field returns the position of field i of the table at off.
func (b fb) field(table, i int) (int, error) {
	so, err := b.u32(table)
	if err != nil {
		return 0, err
	}
	vt := table - int(int32(uint32(so)))
	vtSize, err := b.u16(vt)
	if err != nil {
		return 0, err
	}
	slot := 4 + 2*i
	if slot+2 > vtSize {
		return 0, errFlatbuffer
	}
	fo, err := b.u16(vt + slot)
	if err != nil || fo == 0 {
		return 0, errFlatbuffer
	}
	return table + fo, nil
}

// deref follows the offset stored at off.
func (b fb) deref(off int) (int, error) {
	o, err := b.u32(off)
	if err != nil {
		return 0, err
	}
	return off + o, nil
}

// schemaFieldsVector returns the position of the length of the fields
// vector of the Schema table at schema.
func (b fb) schemaFieldsVector(schema int) (int, error) {
	pos, err := b.field(schema, 1) // Schema.fields
	if err != nil {
		return 0, err
	}
	return b.deref(pos)
}

// messageSchemaFields returns, for a Message flatbuffer holding a Schema,
// the position of the length of the schema's fields vector.
func messageSchemaFields(msg fb) (int, error) {
	root, err := msg.deref(0)
	if err != nil {
		return 0, err
	}
	header, err := msg.field(root, 2) // Message.header
	if err != nil {
		return 0, err
	}
	schema, err := msg.deref(header)
	if err != nil {
		return 0, err
	}
	return msg.schemaFieldsVector(schema)
}

// firstMessage returns the bounds of the flatbuffer of the IPC message that
// starts at off (continuation marker, length, flatbuffer).
func firstMessage(b []byte, off int) (start, end int, err error) {
	if off+8 > len(b) || binary.LittleEndian.Uint32(b[off:]) != 0xffffffff {
		return 0, 0, errFlatbuffer
	}
	n := int(binary.LittleEndian.Uint32(b[off+4:]))
	start, end = off+8, off+8+n
	if end > len(b) {
		return 0, 0, errFlatbuffer
	}
	return start, end, nil
}

func putHuge(b []byte, at int) {
	binary.LittleEndian.PutUint32(b[at:], HugeVector)
}

// ArrowFileHugeVector returns an Arrow IPC file whose schema's field
// vector claims HugeVector entries (ff ff ff 7f), in the footer and in the
// schema message alike.
func ArrowFileHugeVector() ([]byte, error) {
	file, err := ArrowFile()
	if err != nil {
		return nil, err
	}
	out := append([]byte{}, file...)
	// The schema message follows the 8-byte magic and padding.
	start, end, err := firstMessage(out, 8)
	if err != nil {
		return nil, err
	}
	at, err := messageSchemaFields(fb(out[start:end]))
	if err != nil {
		return nil, err
	}
	putHuge(out, start+at)
	// The footer: flatbuffer, int32 length, magic.
	n := len(out)
	if n < 10 || string(out[n-6:]) != arrowFileMagic {
		return nil, errFlatbuffer
	}
	size := int(binary.LittleEndian.Uint32(out[n-10:]))
	fstart := n - 10 - size
	if fstart < 8 {
		return nil, errFlatbuffer
	}
	foot := fb(out[fstart : n-10])
	root, err := foot.deref(0)
	if err != nil {
		return nil, err
	}
	sp, err := foot.field(root, 1) // Footer.schema
	if err != nil {
		return nil, err
	}
	schema, err := foot.deref(sp)
	if err != nil {
		return nil, err
	}
	at, err = foot.schemaFieldsVector(schema)
	if err != nil {
		return nil, err
	}
	putHuge(out, fstart+at)
	return out, nil
}

// ArrowStreamHugeVector returns an Arrow IPC stream whose schema message
// claims HugeVector fields (ff ff ff 7f).
func ArrowStreamHugeVector() ([]byte, error) {
	stream, err := ArrowStream()
	if err != nil {
		return nil, err
	}
	out := append([]byte{}, stream...)
	start, end, err := firstMessage(out, 0)
	if err != nil {
		return nil, err
	}
	at, err := messageSchemaFields(fb(out[start:end]))
	if err != nil {
		return nil, err
	}
	putHuge(out, start+at)
	return out, nil
}

// ArrowStreamTruncated returns an Arrow IPC stream cut in the middle of its
// record batch message.
func ArrowStreamTruncated() ([]byte, error) {
	stream, err := ArrowStream()
	if err != nil {
		return nil, err
	}
	_, end, err := firstMessage(stream, 0)
	if err != nil {
		return nil, err
	}
	bstart, bend, err := firstMessage(stream, end)
	if err != nil {
		return nil, err
	}
	// Keep the schema, the batch's metadata and half of its body.
	msg := fb(stream[bstart:bend])
	root, err := msg.deref(0)
	if err != nil {
		return nil, err
	}
	pos, err := msg.field(root, 3) // Message.bodyLength
	if err != nil || pos+8 > len(msg) {
		return nil, errFlatbuffer
	}
	body := int(binary.LittleEndian.Uint64(msg[pos:]))
	if body < 2 || bend+body > len(stream) {
		return nil, errFlatbuffer
	}
	return append([]byte{}, stream[:bend+body/2]...), nil
}
