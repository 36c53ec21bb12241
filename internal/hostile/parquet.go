package hostile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/parquet-go/parquet-go"
)

// parquetMagic starts and ends every Parquet file.
const parquetMagic = "PAR1"

// Thrift compact protocol type ids used by the patches below.
const (
	thriftI32    = 0x5
	thriftList   = 0x9
	thriftStruct = 0xc
)

// HugeLength is the length the hostile files declare for a list or a
// page: far more than the file holds, and enough to exhaust memory when
// trusted.
const HugeLength = 0x0fffffff

// createdBy is fixed: parquet-go's default depends on the build.
var createdBy = parquet.CreatedBy("sluice-hostile", "1", "")

type parquetRow struct {
	ID   int64  `parquet:"id"`
	Name string `parquet:"name"`
}

type parquetName struct {
	Name string `parquet:"name"`
}

// Parquet returns a small valid file with the columns id (int64) and name
// (string): the base the other Parquet cases damage.
func Parquet() ([]byte, error) {
	var buf bytes.Buffer
	rows := []parquetRow{{1, "ada"}, {2, "grace"}, {3, "edsger"}}
	if err := parquet.Write(&buf, rows, createdBy); err != nil {
		return nil, fmt.Errorf("hostile: writing parquet: %w", err)
	}
	return buf.Bytes(), nil
}

// parquetNames is a valid one-column file (name string, uncompressed),
// whose first page header starts right after the magic.
func parquetNames() ([]byte, error) {
	var buf bytes.Buffer
	rows := []parquetName{{"ada"}, {"grace"}, {"edsger"}, {"barbara"}}
	if err := parquet.Write(&buf, rows, createdBy); err != nil {
		return nil, fmt.Errorf("hostile: writing parquet: %w", err)
	}
	return buf.Bytes(), nil
}

// footer splits a Parquet file into its body and its thrift footer.
func footer(file []byte) (body, meta []byte, err error) {
	n := len(file)
	if n < 12 || string(file[:4]) != parquetMagic || string(file[n-4:]) != parquetMagic {
		return nil, nil, errors.New("hostile: not a parquet file")
	}
	size := int(binary.LittleEndian.Uint32(file[n-8 : n-4]))
	if size > n-12 {
		return nil, nil, errors.New("hostile: parquet footer length out of range")
	}
	return file[:n-8-size], file[n-8-size : n-8], nil
}

// withFooter assembles body, footer, footer length and magic.
func withFooter(body, meta []byte) []byte {
	out := append([]byte{}, body...)
	out = append(out, meta...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(meta)))
	return append(out, parquetMagic...)
}

// uvarint reads a thrift compact varint at b[off:].
func uvarint(b []byte, off int) (v uint64, n int, err error) {
	v, n = binary.Uvarint(b[off:])
	if n <= 0 {
		return 0, 0, fmt.Errorf("hostile: bad varint at offset %d", off)
	}
	return v, n, nil
}

// ParquetSchemaListLength returns a file whose footer declares a schema
// list of n elements (FileMetaData field 2) while holding only a few: a
// reader that trusts the length allocates n schema elements.
func ParquetSchemaListLength(n uint32) ([]byte, error) {
	file, err := Parquet()
	if err != nil {
		return nil, err
	}
	body, meta, err := footer(file)
	if err != nil {
		return nil, err
	}
	// FileMetaData: field 1 (version, i32), then field 2 (schema, list).
	if len(meta) < 4 || meta[0] != 1<<4|thriftI32 {
		return nil, errors.New("hostile: unexpected parquet footer: no version field first")
	}
	_, vn, err := uvarint(meta, 1)
	if err != nil {
		return nil, err
	}
	at := 1 + vn
	if meta[at] != 1<<4|thriftList {
		return nil, errors.New("hostile: unexpected parquet footer: no schema list second")
	}
	at++
	// The list header: size<<4|type, or 0xf0|type and a varint size.
	if meta[at]&0x0f != thriftStruct {
		return nil, errors.New("hostile: unexpected parquet footer: schema list is not of structs")
	}
	headerLen := 1
	if meta[at]>>4 == 0x0f {
		_, sn, err := uvarint(meta, at+1)
		if err != nil {
			return nil, err
		}
		headerLen += sn
	}
	patched := append([]byte{}, meta[:at]...)
	patched = append(patched, 0xf0|thriftStruct)
	patched = binary.AppendUvarint(patched, uint64(n))
	patched = append(patched, meta[at+headerLen:]...)
	return withFooter(body, patched), nil
}

// ParquetTruncatedFooter returns a file whose footer lost its second half
// while the trailing length and magic still claim the whole footer.
func ParquetTruncatedFooter() ([]byte, error) {
	file, err := Parquet()
	if err != nil {
		return nil, err
	}
	body, meta, err := footer(file)
	if err != nil {
		return nil, err
	}
	out := append([]byte{}, body...)
	out = append(out, meta[:len(meta)/2]...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(meta)))
	return append(out, parquetMagic...), nil
}

// ParquetBadMagic returns a valid file whose leading and trailing magic
// say PAR2.
func ParquetBadMagic() ([]byte, error) {
	file, err := Parquet()
	if err != nil {
		return nil, err
	}
	out := append([]byte{}, file...)
	copy(out, "PAR2")
	copy(out[len(out)-4:], "PAR2")
	return out, nil
}

// ParquetHugePageSize returns a file whose first page header declares
// HugeLength bytes both uncompressed and compressed.
func ParquetHugePageSize() ([]byte, error) {
	file, err := parquetNames()
	if err != nil {
		return nil, err
	}
	// PageHeader: field 1 type (i32), 2 uncompressed_page_size (i32),
	// 3 compressed_page_size (i32), each a zigzag varint.
	at := len(parquetMagic)
	if file[at] != 1<<4|thriftI32 {
		return nil, errors.New("hostile: unexpected page header: no type field first")
	}
	_, tn, err := uvarint(file, at+1)
	if err != nil {
		return nil, err
	}
	pos := at + 1 + tn
	out := append([]byte{}, file[:pos]...)
	huge := uint64(HugeLength) << 1 // zigzag of a positive i32
	for range 2 {
		if file[pos] != 1<<4|thriftI32 {
			return nil, errors.New("hostile: unexpected page header: no size field")
		}
		_, sn, err := uvarint(file, pos+1)
		if err != nil {
			return nil, err
		}
		out = append(out, file[pos])
		out = binary.AppendUvarint(out, huge)
		pos += 1 + sn
	}
	return append(out, file[pos:]...), nil
}
