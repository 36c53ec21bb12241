package csvconnector

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/atomicfile"
	"github.com/sluicedata/sluice/lineage"
)

// Sink writes a CSV file with a header line.
type Sink struct {
	path string
	ds   lineage.Dataset
	cfg  config
}

var _ connectors.Sink = (*Sink)(nil)

// NewSink returns a Sink writing the CSV file at path. Of the options only
// WithDelimiter applies.
func NewSink(path string, opts ...Option) *Sink {
	return &Sink{path: path, ds: lineage.FileDatasetOf(path), cfg: newConfig(opts)}
}

// Dataset returns namespace "file" and the absolute path.
func (s *Sink) Dataset() lineage.Dataset { return s.ds }

// Create starts a write to a temporary file next to the sink's path and
// writes the header. Columns of types CSV cannot hold are refused with an
// error wrapping connectors.ErrUnsupported.
//
// Besides the types the Source reads, the Sink writes dictionary-encoded
// columns as their values, and lists (list, large_list, fixed_size_list)
// of those types as one cell: the items joined by ';' as ListText joins
// them, so the quarantine's _sluice_failed_rules column is a readable
// "rule_a;rule_b". Lists of lists, structs, maps and other nested types are
// refused.
func (s *Sink) Create(ctx context.Context, schema *arrow.Schema) (connectors.Writer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if schema == nil {
		return nil, fmt.Errorf("csvconnector: %s: nil schema: %w", s.path, connectors.ErrSchemaMismatch)
	}
	if s.cfg.delim == '"' || s.cfg.delim == '\r' || s.cfg.delim == '\n' || !utf8.ValidRune(s.cfg.delim) || s.cfg.delim == utf8.RuneError {
		return nil, fmt.Errorf("csvconnector: %s: invalid delimiter %q", s.path, s.cfg.delim)
	}
	for _, f := range schema.Fields() {
		if !sinkSupported(f.Type) {
			return nil, fmt.Errorf("csvconnector: %s: column %q: type %s: %w", s.path, f.Name, f.Type, connectors.ErrUnsupported)
		}
	}
	af, err := atomicfile.Start(s.path, "csvconnector: "+s.path)
	if err != nil {
		return nil, err
	}
	w := &Writer{sink: s, af: af, bw: bufio.NewWriterSize(af, 256<<10), schema: schema}
	af.Finish = w.bw.Flush
	w.delim = utf8.AppendRune(nil, s.cfg.delim)
	for i, f := range schema.Fields() {
		if i > 0 {
			w.line = append(w.line, w.delim...)
		}
		w.line = w.appendField(w.line, []byte(f.Name))
	}
	w.line = append(w.line, '\n')
	if _, err := w.bw.Write(w.line); err != nil {
		return nil, errors.Join(fmt.Errorf("csvconnector: %s: %w", s.path, err), af.Abort(ctx))
	}
	return w, nil
}

// Writer writes one CSV file.
type Writer struct {
	sink   *Sink
	af     *atomicfile.Write
	bw     *bufio.Writer
	schema *arrow.Schema
	delim  []byte
	line   []byte // scratch
	val    []byte // scratch
}

var _ connectors.Writer = (*Writer)(nil)

func (w *Writer) needsQuotes(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	if v[0] == ' ' || v[0] == '\t' {
		return true
	}
	return bytes.ContainsAny(v, "\"\r\n") || bytes.Contains(v, w.delim)
}

func (w *Writer) appendField(dst, v []byte) []byte {
	if !w.needsQuotes(v) {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	for _, c := range v {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

// Write appends the rows of batch, borrowed for the call.
func (w *Writer) Write(batch arrow.RecordBatch) error {
	if err := w.af.Open(); err != nil {
		return err
	}
	if !batch.Schema().Equal(w.schema) {
		return fmt.Errorf("csvconnector: %s: batch schema %s, want %s: %w",
			w.sink.path, batch.Schema(), w.schema, connectors.ErrSchemaMismatch)
	}
	cols := batch.Columns()
	for r := range int(batch.NumRows()) {
		w.line = w.line[:0]
		for c, col := range cols {
			if c > 0 {
				w.line = append(w.line, w.delim...)
			}
			if col.IsNull(r) {
				continue
			}
			w.val = appendValue(w.val[:0], col, r)
			w.line = w.appendField(w.line, w.val)
		}
		if len(w.line) == 0 {
			// A blank line would be skipped by readers: quote the lone
			// null of a one-column row.
			w.line = append(w.line, '"', '"')
		}
		w.line = append(w.line, '\n')
		if _, err := w.bw.Write(w.line); err != nil {
			return fmt.Errorf("csvconnector: %s: %w", w.sink.path, err)
		}
	}
	return nil
}

// appendFloat formats v so that it reads back as the same float and is
// not mistaken for an integer ("5.0", not "5").
func appendFloat(dst []byte, v float64, bits int) []byte {
	start := len(dst)
	dst = strconv.AppendFloat(dst, v, 'g', -1, bits)
	if !bytes.ContainsAny(dst[start:], ".eEnI") {
		dst = append(dst, '.', '0')
	}
	return dst
}

func appendValue(dst []byte, col arrow.Array, i int) []byte {
	switch a := col.(type) {
	case *array.Boolean:
		return strconv.AppendBool(dst, a.Value(i))
	case *array.Int8:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int32:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int64:
		return strconv.AppendInt(dst, a.Value(i), 10)
	case *array.Uint8:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint16:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint32:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint64:
		return strconv.AppendUint(dst, a.Value(i), 10)
	case *array.Float32:
		return appendFloat(dst, float64(a.Value(i)), 32)
	case *array.Float64:
		return appendFloat(dst, a.Value(i), 64)
	case *array.String:
		return append(dst, a.Value(i)...)
	case *array.LargeString:
		return append(dst, a.Value(i)...)
	case *array.Date32:
		return a.Value(i).ToTime().AppendFormat(dst, time.DateOnly)
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC().AppendFormat(dst, time.RFC3339Nano)
	case *array.Dictionary:
		return appendValue(dst, a.Dictionary(), a.GetValueIndex(i))
	case array.ListLike:
		lo, hi := a.ValueOffsets(i)
		items := a.ListValues()
		for j := lo; j < hi; j++ {
			if j > lo {
				dst = append(dst, ListSeparator)
			}
			dst = appendItem(dst, items, int(j))
		}
		return dst
	}
	return append(dst, col.ValueStr(i)...) // unreachable: Create checks types
}

// ListSeparator separates the items of a list in its CSV cell.
const ListSeparator = ';'

// NullItem is how a null item of a list is written in its CSV cell.
const NullItem = `\N`

// sinkSupported reports whether the Sink writes columns of type dt.
func sinkSupported(dt arrow.DataType) bool {
	switch d := dt.(type) {
	case *arrow.DictionaryType:
		return supported(d.ValueType)
	case arrow.ListLikeType:
		if e, ok := d.Elem().(*arrow.DictionaryType); ok {
			return supported(e.ValueType)
		}
		return supported(d.Elem()) && dt.ID() != arrow.MAP
	}
	return supported(dt)
}

// appendItem appends item j of a list's values, escaped as ListText says.
func appendItem(dst []byte, items arrow.Array, j int) []byte {
	if items.IsNull(j) {
		return append(dst, NullItem...)
	}
	start := len(dst)
	dst = appendValue(dst, items, j)
	if bytes.IndexByte(dst[start:], '\\') < 0 && bytes.IndexByte(dst[start:], ListSeparator) < 0 {
		return dst
	}
	v := string(dst[start:])
	dst = dst[:start]
	for k := range len(v) {
		if v[k] == '\\' || v[k] == ListSeparator {
			dst = append(dst, '\\')
		}
		dst = append(dst, v[k])
	}
	return dst
}

// ListText returns the CSV cell the Sink writes for a list of the given
// string items: the items joined by ListSeparator, a backslash or a ';'
// inside an item escaped by a backslash. The rule names odd;name, a\b and
// c make the cell odd\;name;a\\b;c: splitting a cell at each ';' not
// escaped, then dropping the escaping backslashes, gives the items back.
// Items of other types are written as their own cells would be, escaped
// the same way. A null item is written NullItem (\N), which the item \N
// cannot be taken for: it is written \\N. An empty list, a list of one
// empty string and a null list all write the empty cell, null in CSV.
func ListText(items []string) string {
	var sb strings.Builder
	for i, it := range items {
		if i > 0 {
			sb.WriteByte(ListSeparator)
		}
		for k := range len(it) {
			if it[k] == '\\' || it[k] == ListSeparator {
				sb.WriteByte('\\')
			}
			sb.WriteByte(it[k])
		}
	}
	return sb.String()
}

// Commit flushes, syncs and renames the file into place.
func (w *Writer) Commit(ctx context.Context) error { return w.af.Commit(ctx) }

// Abort removes the temporary file. It is safe after a failed Commit.
func (w *Writer) Abort(ctx context.Context) error { return w.af.Abort(ctx) }
