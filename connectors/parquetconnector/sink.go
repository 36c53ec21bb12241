package parquetconnector

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/atomicfile"
	"github.com/sluicedata/sluice/lineage"
)

// Defaults of the Sink's options.
const (
	// DefaultRowGroupRows is the most rows of a row group unless
	// WithRowGroupRows says otherwise: 1Mi.
	DefaultRowGroupRows = 1 << 20
	// DefaultRowGroupBytes is the compressed size at which a row group is
	// closed unless WithRowGroupBytes says otherwise: 128 MiB.
	DefaultRowGroupBytes = 128 << 20
)

// sliceRows is the most rows handed to the column writers at once; the
// size of the row group is checked between slices, so a huge batch cannot
// overshoot WithRowGroupBytes by more than one slice.
const sliceRows = 64 << 10

// SinkOption configures a Sink.
type SinkOption func(*sinkConfig) error

type sinkConfig struct {
	codec         compress.Compression
	rowGroupRows  int64
	rowGroupBytes int64
	mem           memory.Allocator
}

// WithCompression selects the page compression: "snappy" (the default),
// "zstd", "lz4" (the LZ4_RAW codec of the format) or "none". This
// package's Source reads LZ4-compressed columns through pqarrow (see the
// package documentation), as other readers (Arrow C++, Spark, DuckDB,
// Polars) do.
func WithCompression(name string) SinkOption {
	return func(c *sinkConfig) error {
		switch name {
		case "snappy":
			c.codec = compress.Codecs.Snappy
		case "zstd":
			c.codec = compress.Codecs.Zstd
		case "lz4", "lz4_raw":
			c.codec = compress.Codecs.Lz4Raw
		case "none", "uncompressed":
			c.codec = compress.Codecs.Uncompressed
		default:
			return fmt.Errorf("parquetconnector: unknown compression %q (want snappy, zstd, lz4 or none)", name)
		}
		return nil
	}
}

// WithRowGroupRows bounds the rows of a row group: a row group is closed
// once it holds n rows (default DefaultRowGroupRows, 1Mi). n must be
// positive.
func WithRowGroupRows(n int64) SinkOption {
	return func(c *sinkConfig) error {
		if n <= 0 {
			return fmt.Errorf("parquetconnector: row group rows %d: must be positive", n)
		}
		c.rowGroupRows = n
		return nil
	}
}

// WithRowGroupBytes bounds the size of a row group: a row group is closed
// once its compressed pages reach n bytes (default DefaultRowGroupBytes,
// 128 MiB), whichever of this and WithRowGroupRows comes first. The size is
// checked every 64Ki rows and counts the pages written so far, so a row
// group may exceed n by up to those rows and one open page (1 MiB) per
// column. n must be positive.
func WithRowGroupBytes(n int64) SinkOption {
	return func(c *sinkConfig) error {
		if n <= 0 {
			return fmt.Errorf("parquetconnector: row group bytes %d: must be positive", n)
		}
		c.rowGroupBytes = n
		return nil
	}
}

// WithAllocator sets the allocator of the writer's buffers: the pages of
// the open row group and the encoders' scratch space (default
// memory.DefaultAllocator). Everything allocated is released by Commit or
// Abort.
func WithAllocator(mem memory.Allocator) SinkOption {
	return func(c *sinkConfig) error {
		if mem == nil {
			return errors.New("parquetconnector: nil allocator")
		}
		c.mem = mem
		return nil
	}
}

// Sink writes one Parquet file. Each Create starts an independent write;
// the last Commit wins.
type Sink struct {
	path    string
	dataset lineage.Dataset
	cfg     sinkConfig
}

var _ connectors.Sink = (*Sink)(nil)

// NewSink returns a Sink writing the Parquet file at path.
func NewSink(path string, opts ...SinkOption) (*Sink, error) {
	ds, err := lineage.FileDataset(path)
	if err != nil {
		return nil, fmt.Errorf("parquetconnector: %w", err)
	}
	s := &Sink{path: path, dataset: ds, cfg: sinkConfig{
		codec:         compress.Codecs.Snappy,
		rowGroupRows:  DefaultRowGroupRows,
		rowGroupBytes: DefaultRowGroupBytes,
		mem:           memory.DefaultAllocator,
	}}
	for _, o := range opts {
		if err := o(&s.cfg); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// MaxSinkColumns is the most columns the Sink writes: this package's
// reader (parquet-go) numbers the leaf columns of a schema with an int16
// and reserves one value.
const MaxSinkColumns = 65534

// Dataset returns the file's identity.
func (s *Sink) Dataset() lineage.Dataset { return s.dataset }

// Create starts a write of batches of the given schema into a temporary
// file beside the destination. Lists of primitives are written as the
// standard three-level Parquet LIST; other nested Arrow types (structs,
// maps, lists of lists or of dictionaries) and timestamps in seconds are not
// supported (an error wrapping connectors.ErrUnsupported names the column).
func (s *Sink) Create(ctx context.Context, schema *arrow.Schema) (wr connectors.Writer, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if n := schema.NumFields(); n > MaxSinkColumns {
		return nil, fmt.Errorf("parquetconnector: %s: %d columns exceed the %d a Parquet file can hold: %w",
			s.path, n, MaxSinkColumns, connectors.ErrUnsupported)
	}
	props := []pq.WriterProperty{
		pq.WithAllocator(s.cfg.mem),
		pq.WithCompression(s.cfg.codec),
		pq.WithCreatedBy("sluice"),
		pq.WithStats(true),
		pq.WithPageIndexEnabled(true),
		pq.WithStoreDecimalAsInteger(true),
		pq.WithMaxRowGroupLength(s.cfg.rowGroupRows),
		// Only Arrow dictionary columns are dictionary encoded: a reader of
		// this package types a dictionary-encoded BYTE_ARRAY column as an
		// Arrow dictionary, so encoding plain columns would change their
		// type on the way back.
		pq.WithDictionaryDefault(false),
	}
	for _, f := range schema.Fields() {
		if err := checkField(f); err != nil {
			return nil, fmt.Errorf("parquetconnector: %s: column %q: %w", s.path, f.Name, err)
		}
		if f.Type.ID() == arrow.DICTIONARY {
			props = append(props, pq.WithDictionaryPath(pq.ColumnPath{f.Name}, true))
		}
	}
	// Mode 0666 under the umask; stale temporary files of the directory go.
	tmp, err := atomicfile.CreateTemp(s.path)
	if err != nil {
		return nil, fmt.Errorf("parquetconnector: %w", err)
	}
	w := &writer{
		path:   s.path,
		tmp:    tmp,
		out:    &switchWriter{w: tmp},
		schema: schema,
		cfg:    s.cfg,
		meta:   map[string]string{},
	}
	for i, f := range schema.Fields() {
		if dt, ok := f.Type.(*arrow.DictionaryType); ok {
			w.dicts = append(w.dicts, newDictColumn(i, dt, s.cfg.mem))
		}
	}
	defer func() {
		if p := recover(); p != nil {
			_ = w.discard()
			wr, err = nil, fmt.Errorf("parquetconnector: %s: creating the writer: %v", s.path, p)
		}
	}()
	// The footer's key-value metadata is the writer's (SetMetadata and
	// ARROW:schema, written at Commit), not the schema's: the schema's
	// metadata travels inside ARROW:schema. pqarrow would copy it, so it
	// gets the fields alone; Schema.Equal ignores schema metadata, so the
	// batches of schema match.
	bare := arrow.NewSchema(schema.Fields(), nil)
	// The ARROW:schema entry is written at Commit from schema itself:
	// pqarrow's WithStoreSchema renames list elements to "element", which
	// would change the element names readers restore.
	fw, err := pqarrow.NewFileWriter(bare, w.out, pq.NewWriterProperties(props...), pqarrow.NewArrowWriterProperties())
	if err != nil {
		_ = w.discard()
		return nil, fmt.Errorf("parquetconnector: %s: %w", s.path, err)
	}
	w.fw = fw
	return w, nil
}

// switchWriter is the writer pqarrow writes to: it hides the file's Close
// (Commit syncs and closes the file itself) and can be pointed at
// io.Discard so that an aborted writer releases its buffers without
// writing them.
type switchWriter struct {
	w io.Writer
}

func (s *switchWriter) Write(p []byte) (int, error) { return s.w.Write(p) }

// writer is the connectors.Writer of a Sink.
type writer struct {
	path      string
	tmp       *os.File
	out       *switchWriter
	fw        *pqarrow.FileWriter
	schema    *arrow.Schema
	cfg       sinkConfig
	groupRows int64 // rows of the open row group
	dicts     []*dictColumn
	early     int // row groups closed early for new dictionary values
	meta      map[string]string
	keys      []string
	closed    bool
	failed    error
}

var _ connectors.MetadataWriter = (*writer)(nil)

// SetMetadata stores a key-value pair in the file footer.
func (w *writer) SetMetadata(key, value string) {
	if _, ok := w.meta[key]; !ok {
		w.keys = append(w.keys, key)
	}
	w.meta[key] = value
}

// Write appends batch, borrowed for the call. Row groups are closed at
// the bounds of WithRowGroupRows and WithRowGroupBytes; only the open row
// group is held in memory.
func (w *writer) Write(batch arrow.RecordBatch) (err error) {
	if w.closed {
		return connectors.ErrClosed
	}
	if w.failed != nil {
		return w.failed
	}
	if !batch.Schema().Equal(w.schema) {
		return fmt.Errorf("parquetconnector: %s: batch schema %s: %w", w.path, batch.Schema(), connectors.ErrSchemaMismatch)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("parquetconnector: %s: writing: %v", w.path, p)
		}
		if err != nil {
			w.failed = err
			_ = w.discard()
		}
	}()
	if err := checkNulls(w.schema, batch); err != nil {
		return fmt.Errorf("parquetconnector: %s: %w", w.path, err)
	}
	n := batch.NumRows()
	for lo := int64(0); lo < n; {
		if w.groupRows >= w.cfg.rowGroupRows || w.fw.RowGroupTotalCompressedBytes() >= w.cfg.rowGroupBytes {
			if err := w.newRowGroup(); err != nil {
				return err
			}
		}
		size := min(n-lo, w.cfg.rowGroupRows-w.groupRows, sliceRows)
		part := batch
		if size != n {
			part = batch.NewSlice(lo, lo+size)
		} else {
			part.Retain()
		}
		if len(w.dicts) > 0 {
			unified, err := w.unify(part)
			part.Release()
			if err != nil {
				return err
			}
			part = unified
		}
		err := w.fw.WriteBuffered(part)
		part.Release()
		if err != nil {
			return fmt.Errorf("parquetconnector: %s: %w", w.path, err)
		}
		w.groupRows += size
		lo += size
	}
	return nil
}

// newRowGroup closes the open row group; the next write starts another.
func (w *writer) newRowGroup() error {
	if err := w.fw.NewBufferedRowGroupChecked(); err != nil {
		return fmt.Errorf("parquetconnector: %s: %w", w.path, err)
	}
	w.groupRows = 0
	for _, d := range w.dicts {
		d.endGroup()
	}
	return nil
}

// unify returns part with its dictionary columns remapped to the
// dictionaries of the row group (see dictColumn), closing the row group
// first when part brings new values; the caller releases the result.
func (w *writer) unify(part arrow.RecordBatch) (arrow.RecordBatch, error) {
	type mapped struct {
		m        []int32
		identity bool
	}
	maps := make([]mapped, len(w.dicts))
	grows := false
	for i, d := range w.dicts {
		maps[i].m, maps[i].identity = d.mapping(part.Column(d.col).(*array.Dictionary))
		grows = grows || d.grows(maps[i].m)
	}
	if grows && w.groupRows >= max(w.cfg.rowGroupRows/16, 1) && w.early < maxEarlyCloses {
		w.early++
		if err := w.newRowGroup(); err != nil {
			return nil, err
		}
	}
	cols := slices.Clone(part.Columns())
	var owned []arrow.Array
	defer func() {
		for _, a := range owned {
			a.Release()
		}
	}()
	for i, d := range w.dicts {
		a, err := d.unified(part.Column(d.col).(*array.Dictionary), maps[i].m, maps[i].identity)
		if err != nil {
			return nil, fmt.Errorf("parquetconnector: %s: column %q: %w", w.path, w.schema.Field(d.col).Name, err)
		}
		owned = append(owned, a)
		cols[d.col] = a
	}
	return array.NewRecordBatch(part.Schema(), cols, part.NumRows()), nil
}

// Commit writes the last row group and the footer, syncs the temporary
// file and renames it over the destination.
func (w *writer) Commit(ctx context.Context) (err error) {
	if w.closed {
		return connectors.ErrClosed
	}
	w.closed = true
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("parquetconnector: %s: commit: %v", w.path, p)
		}
		if err != nil {
			if derr := w.discard(); derr != nil {
				err = errors.Join(err, derr)
			}
		}
	}()
	if w.failed != nil {
		return fmt.Errorf("parquetconnector: %s: commit after a failed write: %w", w.path, w.failed)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, k := range w.keys {
		if err := w.fw.AppendKeyValueMetadata(k, w.meta[k]); err != nil {
			return fmt.Errorf("parquetconnector: %s: %w", w.path, err)
		}
	}
	if _, ok := w.meta[arrowSchemaKey]; !ok {
		var buf bytes.Buffer
		iw := ipc.NewWriter(&buf, ipc.WithSchema(w.schema), ipc.WithAllocator(memory.NewGoAllocator()))
		if err := iw.Close(); err != nil {
			return fmt.Errorf("parquetconnector: %s: serializing the Arrow schema: %w", w.path, err)
		}
		if err := w.fw.AppendKeyValueMetadata(arrowSchemaKey, base64.StdEncoding.EncodeToString(buf.Bytes())); err != nil {
			return fmt.Errorf("parquetconnector: %s: %w", w.path, err)
		}
	}
	fw := w.fw
	w.fw = nil
	w.endGroups()
	if err := fw.Close(); err != nil {
		return fmt.Errorf("parquetconnector: %s: %w", w.path, err)
	}
	if err := w.tmp.Sync(); err != nil {
		return fmt.Errorf("parquetconnector: %s: %w", w.path, err)
	}
	if err := w.tmp.Close(); err != nil {
		return fmt.Errorf("parquetconnector: %s: %w", w.path, err)
	}
	if err := os.Rename(w.tmp.Name(), w.path); err != nil {
		return fmt.Errorf("parquetconnector: %w", err)
	}
	w.tmp = nil
	if d, err := os.Open(filepath.Dir(w.path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// Abort removes the temporary file.
func (w *writer) Abort(context.Context) error {
	if w.closed {
		return connectors.ErrClosed
	}
	w.closed = true
	return w.discard()
}

// endGroups releases the dictionaries of the open row group (the Parquet
// writer holds its own references).
func (w *writer) endGroups() {
	for _, d := range w.dicts {
		d.endGroup()
	}
}

// discard releases the buffers of the Parquet writer, writing nothing
// more, and removes the temporary file.
func (w *writer) discard() error {
	if w.fw != nil {
		fw := w.fw
		w.fw = nil
		w.out.w = io.Discard
		w.endGroups()
		func() {
			// A writer that failed part way may fail again on Close; its
			// buffers are then left to the garbage collector.
			defer func() { _ = recover() }()
			_ = fw.Close()
		}()
	}
	if w.tmp == nil {
		return nil
	}
	name := w.tmp.Name()
	_ = w.tmp.Close()
	w.tmp = nil
	if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("parquetconnector: %w", err)
	}
	return nil
}
