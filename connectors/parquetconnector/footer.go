package parquetconnector

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/format"

	"github.com/sluicedata/sluice/connectors"
)

// Field ids of format.FileMetaData and format.RowGroup.
const (
	fmdSchema    = 2
	fmdRowGroups = 4
	fmdKeyValues = 5
	rgColumns    = 1
)

// checkFooter validates the trailer of the file (magic and footer length)
// and walks the Thrift encoding of its FileMetaData, before parquet-go
// trusts any length in it with an allocation. It returns the offset where
// the footer starts, which is where the column chunks must end.
func checkFooter(path string, f io.ReaderAt, size int64, lim Limits) (int64, error) {
	if size < 12 {
		return 0, corruptAt(path, 0, "file of %d bytes is too short for Parquet", size)
	}
	var tail [8]byte
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return 0, corrupt(path, fmt.Errorf("reading footer: %w", err))
	}
	switch string(tail[4:]) {
	case "PAR1":
	case "PARE":
		return 0, fmt.Errorf("parquetconnector: %s: encrypted footer: %w", path, connectors.ErrUnsupported)
	default:
		return 0, corruptAt(path, size-4, "no Parquet magic at the end of the file")
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 {
		return 0, corruptAt(path, size-8, "footer length %d exceeds the file size %d", n, size)
	}
	if n > lim.MaxFooterBytes {
		return 0, limitError(path, size-8, "footer length %d exceeds the limit of %d bytes", n, lim.MaxFooterBytes)
	}
	start := size - 8 - n
	b := make([]byte, n)
	if _, err := f.ReadAt(b, start); err != nil {
		return 0, corrupt(path, fmt.Errorf("reading footer: %w", err))
	}
	if err := walkFooter(b, start, lim); err != nil {
		return 0, thriftErr(path, "footer", err)
	}
	return start, nil
}

// walkFooter validates the encoded FileMetaData b found at file offset base.
func walkFooter(b []byte, base int64, lim Limits) error {
	w := thriftWalker{
		b:    b,
		base: base,
		max:  lim.MaxFooterMemory,
		caps: []listCap{
			{path: []int16{fmdSchema}, limit: lim.MaxColumns, what: "schema elements"},
			{path: []int16{fmdRowGroups}, limit: lim.MaxRowGroups, what: "row groups"},
			{path: []int16{fmdRowGroups, rgColumns}, limit: lim.MaxColumns, what: "column chunks"},
			{path: []int16{fmdKeyValues}, limit: lim.MaxKeyValues, what: "key-value entries"},
		},
	}
	return w.walkStruct(0)
}

// thriftErr turns an error of the walker into the error of path.
func thriftErr(path, what string, err error) error {
	var te *thriftError
	if errors.As(err, &te) {
		if te.Limit {
			return limitError(path, te.Off, "%s: %s", what, te.Msg)
		}
		return corruptAt(path, te.Off, "%s: %s", what, te.Msg)
	}
	return corrupt(path, fmt.Errorf("%s: %w", what, err))
}

// Field ids of format.PageHeader and of the page headers in it.
const (
	phType         = 1
	phUncompressed = 2
	phCompressed   = 3
	phDataV1       = 5
	phDict         = 7
	phDataV2       = 8
	dpNumValues    = 1 // DataPageHeader, DictionaryPageHeader, DataPageHeaderV2
	dp2NumNulls    = 2
	dp2NumRows     = 3
	dp2DefBytes    = 5
	dp2RepBytes    = 6
)

// pageHeader holds the fields of a page header that size allocations.
type pageHeader struct {
	typ, uncompressed, compressed int64
	numValues, numNulls, numRows  int64
	levelBytes                    int64
}

// checkChunk validates the byte range of a column chunk and walks the
// header of each of its pages: sizes and value counts are checked against
// the bytes of the chunk and the limits before parquet-go allocates from
// them. dataEnd is the offset where the footer starts.
func checkChunk(f io.ReaderAt, md *format.ColumnMetaData, dataEnd int64, lim Limits) error {
	base := md.DataPageOffset
	if md.DictionaryPageOffset != 0 {
		base = md.DictionaryPageOffset
	}
	if base < 4 || base >= dataEnd {
		return &thriftError{Off: base, Msg: fmt.Sprintf("column chunk starts outside the data of the file (%d bytes)", dataEnd)}
	}
	if md.TotalCompressedSize < 0 || md.TotalCompressedSize > dataEnd-base {
		return &thriftError{Off: base, Msg: fmt.Sprintf("column chunk of %d bytes runs past the data of the file (%d bytes)", md.TotalCompressedSize, dataEnd)}
	}
	if md.DataPageOffset < base || md.DataPageOffset >= base+max(md.TotalCompressedSize, 1) {
		return &thriftError{Off: md.DataPageOffset, Msg: fmt.Sprintf("data page offset outside its column chunk at %d", base)}
	}
	if md.NumValues < 0 {
		return &thriftError{Off: base, Msg: fmt.Sprintf("column chunk has %d values", md.NumValues)}
	}
	end := base + md.TotalCompressedSize
	buf := make([]byte, 0, 4<<10)
	for pos := base; pos < end; {
		h, n, err := readPageHeader(f, pos, end, &buf)
		if err != nil {
			return err
		}
		if err := h.check(pos, end-pos-n, md, lim); err != nil {
			return err
		}
		pos += n + h.compressed
	}
	return nil
}

// readPageHeader walks the page header at pos, reading windows of growing
// size until the header fits, and returns it with its encoded length.
func readPageHeader(f io.ReaderAt, pos, end int64, buf *[]byte) (pageHeader, int64, error) {
	var h pageHeader
	size := int64(cap(*buf))
	for {
		size = min(size, end-pos)
		b := (*buf)[:size]
		if _, err := f.ReadAt(b, pos); err != nil {
			return h, 0, fmt.Errorf("offset %d: reading page header: %w", pos, err)
		}
		h = pageHeader{typ: -1, uncompressed: -1, compressed: -1}
		w := thriftWalker{b: b, base: pos, max: 64 << 20, ints: h.set}
		err := w.walkStruct(0)
		if err == nil {
			*buf = b
			return h, int64(w.pos), nil
		}
		// A header cut by the window is read again in a larger one; a
		// header longer than 16 MiB is not a page header.
		if size == end-pos || size >= 16<<20 {
			return h, 0, err
		}
		size *= 4
		if int64(cap(*buf)) < size {
			*buf = make([]byte, 0, size)
		}
	}
}

func (h *pageHeader) set(outer, inner int16, v int64) {
	switch {
	case outer == phType && inner == 0:
		h.typ = v
	case outer == phUncompressed && inner == 0:
		h.uncompressed = v
	case outer == phCompressed && inner == 0:
		h.compressed = v
	case (outer == phDataV1 || outer == phDict || outer == phDataV2) && inner == dpNumValues:
		h.numValues = v
	case outer == phDataV2 && inner == dp2NumNulls:
		h.numNulls = v
	case outer == phDataV2 && inner == dp2NumRows:
		h.numRows = v
	case outer == phDataV2 && (inner == dp2DefBytes || inner == dp2RepBytes):
		if v < 0 {
			h.levelBytes = -1
		} else if h.levelBytes >= 0 {
			h.levelBytes += v
		}
	}
}

// check validates the header of the page at off, followed by left bytes of
// its column chunk.
func (h *pageHeader) check(off, left int64, md *format.ColumnMetaData, lim Limits) error {
	bad := func(format string, args ...any) error {
		return &thriftError{Off: off, Msg: fmt.Sprintf(format, args...)}
	}
	over := func(format string, args ...any) error {
		return &thriftError{Off: off, Msg: fmt.Sprintf(format, args...), Limit: true}
	}
	switch {
	case h.typ < 0 || h.compressed < 0 || h.uncompressed < 0:
		return bad("page header lacks its type or sizes")
	case h.compressed > left:
		return bad("page of %d bytes exceeds the %d bytes left in its column chunk", h.compressed, left)
	case h.compressed > lim.MaxPageBytes:
		return over("page of %d bytes exceeds the limit of %d", h.compressed, lim.MaxPageBytes)
	case h.uncompressed > lim.MaxPageBytes:
		return over("uncompressed page of %d bytes exceeds the limit of %d", h.uncompressed, lim.MaxPageBytes)
	case h.numValues < 0 || h.numNulls < 0 || h.numRows < 0 || h.levelBytes < 0:
		return bad("negative count in page header")
	case h.numValues > lim.MaxPageValues:
		return over("page of %d values exceeds the limit of %d", h.numValues, lim.MaxPageValues)
	case h.numNulls > h.numValues || h.numRows > h.numValues:
		return bad("page of %d values declares %d nulls and %d rows", h.numValues, h.numNulls, h.numRows)
	case h.levelBytes > h.compressed:
		return bad("page levels of %d bytes exceed the page of %d bytes", h.levelBytes, h.compressed)
	}
	if r := maxRatio(md.Codec); r > 0 && h.uncompressed > h.compressed*r+1024 {
		return bad("page of %d bytes cannot expand to %d bytes with %s", h.compressed, h.uncompressed, md.Codec)
	}
	switch format.PageType(h.typ) {
	case format.DataPage, format.DataPageV2:
		if h.numValues > md.NumValues {
			return bad("page of %d values exceeds the %d values of its column chunk", h.numValues, md.NumValues)
		}
	case format.DictionaryPage:
		// A dictionary is plain encoded: every value takes at least a
		// byte, but for booleans, which are not dictionary encoded.
		if h.numValues > max(h.uncompressed, h.compressed) {
			return bad("dictionary of %d values in a page of %d bytes", h.numValues, max(h.uncompressed, h.compressed))
		}
	}
	return nil
}

// maxRatio is the largest expansion of the codec's format, 0 when it has
// none worth stating.
func maxRatio(c format.CompressionCodec) int64 {
	switch c {
	case format.Snappy:
		return 24 // a 3-byte copy yields at most 64 bytes
	case format.Gzip:
		return 1032 // deflate's limit
	}
	return 0
}
