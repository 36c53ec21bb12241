package jsonconnector

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/atomicfile"
	"github.com/sluicedata/sluice/lineage"
)

// Sink writes NDJSON: one object per row, one line per object.
type Sink struct {
	path string
	ds   lineage.Dataset
}

var _ connectors.Sink = (*Sink)(nil)

// NewSink returns a Sink writing NDJSON to path. No option applies to a
// Sink today.
func NewSink(path string, _ ...Option) *Sink {
	return &Sink{path: path, ds: lineage.FileDatasetOf(path)}
}

// Dataset returns namespace "file" and the absolute path.
func (s *Sink) Dataset() lineage.Dataset { return s.ds }

// Create starts a write to a temporary file next to the sink's path.
//
// Every column type is written: dictionary-encoded columns as their
// values (the dictionaries may change between batches), lists as JSON
// arrays of their items written as the item type's column would be (the
// quarantine's _sluice_failed_rules is ["rule_a","rule_b"]), other nested
// types as arrow-go marshals them.
func (s *Sink) Create(ctx context.Context, schema *arrow.Schema) (connectors.Writer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if schema == nil {
		return nil, fmt.Errorf("jsonconnector: %s: nil schema: %w", s.path, connectors.ErrSchemaMismatch)
	}
	af, err := atomicfile.Start(s.path, "jsonconnector: "+s.path)
	if err != nil {
		return nil, err
	}
	w := &Writer{sink: s, af: af, bw: bufio.NewWriterSize(af, 256<<10), schema: schema}
	af.Finish = w.bw.Flush
	for i, f := range schema.Fields() {
		var k []byte
		if i > 0 {
			k = append(k, ',')
		}
		k = appendString(k, f.Name)
		w.keys = append(w.keys, append(k, ':'))
	}
	return w, nil
}

// Writer writes one NDJSON file.
type Writer struct {
	sink   *Sink
	af     *atomicfile.Write
	bw     *bufio.Writer
	schema *arrow.Schema
	keys   [][]byte // `"name":` with a leading comma after the first
	line   []byte
}

var _ connectors.Writer = (*Writer)(nil)

// Write appends the rows of batch, borrowed for the call. NaN and
// infinities, which JSON cannot hold, fail with an error wrapping
// connectors.ErrUnsupported.
func (w *Writer) Write(batch arrow.RecordBatch) error {
	if err := w.af.Open(); err != nil {
		return err
	}
	if !batch.Schema().Equal(w.schema) {
		return fmt.Errorf("jsonconnector: %s: batch schema %s, want %s: %w",
			w.sink.path, batch.Schema(), w.schema, connectors.ErrSchemaMismatch)
	}
	cols := batch.Columns()
	for r := range int(batch.NumRows()) {
		w.line = append(w.line[:0], '{')
		for c, col := range cols {
			w.line = append(w.line, w.keys[c]...)
			var err error
			if w.line, err = appendValue(w.line, col, r); err != nil {
				return fmt.Errorf("jsonconnector: %s: column %q row %d: %w", w.sink.path, batch.ColumnName(c), r, err)
			}
		}
		w.line = append(w.line, '}', '\n')
		if _, err := w.bw.Write(w.line); err != nil {
			return fmt.Errorf("jsonconnector: %s: %w", w.sink.path, err)
		}
	}
	return nil
}

func appendFloat(dst []byte, v float64, bits int) ([]byte, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return dst, fmt.Errorf("%v cannot be written as JSON: %w", v, connectors.ErrUnsupported)
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, v, 'g', -1, bits)
	if !bytes.ContainsAny(dst[start:], ".e") {
		dst = append(dst, '.', '0')
	}
	return dst, nil
}

func appendValue(dst []byte, col arrow.Array, i int) ([]byte, error) {
	if col.IsNull(i) {
		return append(dst, "null"...), nil
	}
	switch a := col.(type) {
	case *array.Boolean:
		return strconv.AppendBool(dst, a.Value(i)), nil
	case *array.Int8:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10), nil
	case *array.Int16:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10), nil
	case *array.Int32:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10), nil
	case *array.Int64:
		return strconv.AppendInt(dst, a.Value(i), 10), nil
	case *array.Uint8:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10), nil
	case *array.Uint16:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10), nil
	case *array.Uint32:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10), nil
	case *array.Uint64:
		return strconv.AppendUint(dst, a.Value(i), 10), nil
	case *array.Float32:
		return appendFloat(dst, float64(a.Value(i)), 32)
	case *array.Float64:
		return appendFloat(dst, a.Value(i), 64)
	case *array.String:
		return appendString(dst, a.Value(i)), nil
	case *array.LargeString:
		return appendString(dst, a.Value(i)), nil
	case *array.Date32:
		dst = append(dst, '"')
		dst = a.Value(i).ToTime().AppendFormat(dst, time.DateOnly)
		return append(dst, '"'), nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		dst = append(dst, '"')
		dst = a.Value(i).ToTime(unit).UTC().AppendFormat(dst, time.RFC3339Nano)
		return append(dst, '"'), nil
	case *array.Dictionary:
		return appendValue(dst, a.Dictionary(), a.GetValueIndex(i))
	case *array.List, *array.LargeList, *array.FixedSizeList, *array.ListView, *array.LargeListView:
		l := a.(array.ListLike)
		lo, hi := l.ValueOffsets(i)
		items := l.ListValues()
		dst = append(dst, '[')
		for j := lo; j < hi; j++ {
			if j > lo {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, items, int(j)); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	}
	v, err := json.Marshal(col.GetOneForMarshal(i))
	if err != nil {
		return dst, fmt.Errorf("%w: %w", connectors.ErrUnsupported, err)
	}
	return append(dst, v...), nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Commit flushes, syncs and renames the file into place.
func (w *Writer) Commit(ctx context.Context) error { return w.af.Commit(ctx) }

// Abort removes the temporary file. It is safe after a failed Commit.
func (w *Writer) Abort(ctx context.Context) error { return w.af.Abort(ctx) }
