package parquetconnector

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/lineage"
)

// Source reads one Parquet file as Arrow record batches. It is safe for
// concurrent use: the file is opened anew by each call, and each Open
// returns an independent reader.
type Source struct {
	path    string
	dataset lineage.Dataset
	limits  Limits
	// at, when set, is the random-access input instead of the file at
	// path (NewReaderAtSource); path then only names it in messages.
	at     io.ReaderAt
	atSize int64
	// rgWorkers is the number of row groups decoded at once; zero means
	// DefaultRowGroupWorkers (WithRowGroupWorkers).
	rgWorkers int
}

var (
	_ connectors.Source        = (*Source)(nil)
	_ connectors.RowCounter    = (*Source)(nil)
	_ connectors.StatsProvider = (*Source)(nil)
)

// NewSource returns a Source reading the Parquet file at path. The file is
// opened lazily, by each call that needs it.
func NewSource(path string, opts ...SourceOption) (*Source, error) {
	ds, err := lineage.FileDataset(path)
	if err != nil {
		return nil, fmt.Errorf("parquetconnector: %w", err)
	}
	s := &Source{path: path, dataset: ds, limits: DefaultLimits}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// NewReaderAtSource returns a Source reading the Parquet data of size
// bytes in r, with identity ds; name names it in messages. Only the
// footer and the column chunks of the projected columns are read, each
// with ReadAt calls of at most 1 MiB: over an object store's range reads
// (blobconnector.ReaderAt) a projected read fetches those ranges and no
// others. r must be safe for concurrent ReadAt calls (io.ReaderAt's
// contract) and stay valid while the Source is used.
func NewReaderAtSource(name string, ds lineage.Dataset, r io.ReaderAt, size int64, opts ...SourceOption) *Source {
	s := &Source{path: name, dataset: ds, limits: DefaultLimits, at: r, atSize: size}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Dataset returns the file's identity: namespace "file", the absolute path
// as name.
func (s *Source) Dataset() lineage.Dataset { return s.dataset }

// corrupt wraps err as connectors.ErrCorrupt with the file's path.
func corrupt(path string, err error) error {
	if errors.Is(err, connectors.ErrCorrupt) {
		return err
	}
	return fmt.Errorf("parquetconnector: %s: %w: %w", path, connectors.ErrCorrupt, err)
}

// openFile opens path and decodes its footer, once checkFooter has
// validated it. A file that parquet-go cannot decode, even by panicking,
// yields an error wrapping connectors.ErrCorrupt. dataEnd is the offset
// where the footer starts.
func openFile(path string, lim Limits) (f readerAtCloser, pf *parquet.File, dataEnd int64, err error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("parquetconnector: %w", err)
	}
	f = osf
	defer func() {
		if p := recover(); p != nil {
			err = corrupt(path, fmt.Errorf("decoding footer: %v", p))
		}
		if err != nil {
			_ = f.Close()
			f, pf = nil, nil
		}
	}()
	st, err := osf.Stat()
	if err != nil {
		return f, nil, 0, fmt.Errorf("parquetconnector: %w", err)
	}
	if !st.Mode().IsRegular() {
		return f, nil, 0, fmt.Errorf("parquetconnector: %s: not a regular file: %w", path, connectors.ErrUnsupported)
	}
	pf, dataEnd, err = openAt(path, f, st.Size(), lim)
	return f, pf, dataEnd, err
}

// readerAtCloser is the input of a reader: a file, or the io.ReaderAt of
// NewReaderAtSource with a Close that does nothing.
type readerAtCloser interface {
	io.ReaderAt
	io.Closer
}

type nopCloser struct{ io.ReaderAt }

func (nopCloser) Close() error { return nil }

// open opens the Source's input: its ReaderAt, or the file at its path.
func (s *Source) open() (readerAtCloser, *parquet.File, int64, error) {
	if s.at == nil {
		return openFile(s.path, s.limits)
	}
	f := nopCloser{s.at}
	pf, dataEnd, err := openAt(s.path, f, s.atSize, s.limits)
	if err != nil {
		return nil, nil, 0, err
	}
	return f, pf, dataEnd, nil
}

// openAt decodes the footer of the size bytes of f once checkFooter has
// validated it; a panic of the decoder is an error wrapping ErrCorrupt.
func openAt(path string, f io.ReaderAt, size int64, lim Limits) (pf *parquet.File, dataEnd int64, err error) {
	defer func() {
		if p := recover(); p != nil {
			pf, err = nil, corrupt(path, fmt.Errorf("decoding footer: %v", p))
		}
	}()
	dataEnd, err = checkFooter(path, f, size, lim)
	if err != nil {
		return nil, 0, err
	}
	pf, err = parquet.OpenFile(f, size,
		parquet.SkipPageIndex(true),
		parquet.SkipBloomFilters(true),
		parquet.ReadBufferSize(1<<20),
	)
	if err != nil {
		return nil, 0, corrupt(path, err)
	}
	return pf, dataEnd, nil
}

// withFile opens the file, runs fn on it and closes it again, converting a
// panic of the decoder into ErrCorrupt.
func (s *Source) withFile(ctx context.Context, fn func(pf *parquet.File) error) (err error) {
	return s.withFileReader(ctx, func(_ readerAtCloser, pf *parquet.File) error { return fn(pf) })
}

// withFileReader is withFile passing the input too.
func (s *Source) withFileReader(ctx context.Context, fn func(f readerAtCloser, pf *parquet.File) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, pf, _, err := s.open()
	if err != nil {
		return err
	}
	defer f.Close()
	defer func() {
		if p := recover(); p != nil {
			err = corrupt(s.path, fmt.Errorf("%v", p))
		}
	}()
	return fn(f, pf)
}

// Schema returns the Arrow schema of the file from its footer. Key-value
// metadata of the file (except ARROW:schema) becomes schema metadata. When
// any column of the file is read with pqarrow (a nested column other than a
// list of primitives, or LZ4-compressed chunks), the types of every column
// are pqarrow's, as Open then reads every column with it. A column neither
// decoder maps makes Schema fail with an error wrapping
// connectors.ErrUnsupported that names the column.
func (s *Source) Schema(ctx context.Context) (*arrow.Schema, error) {
	var sc *arrow.Schema
	err := s.withFileReader(ctx, func(f readerAtCloser, pf *parquet.File) error {
		fs := buildSchema(pf)
		fields := make([]arrow.Field, len(fs.columns))
		for i, c := range fs.columns {
			if fs.errs[i] != nil && !needsFallback(pf, fs, i) {
				return fmt.Errorf("parquetconnector: %s: %w", s.path, fs.errs[i])
			}
			fields[i] = c.field
		}
		if fileNeedsFallback(pf, fs) {
			// Open reads every column of such a file with pqarrow, so
			// the schema is pqarrow's for every column.
			fb, err := s.fallbackFields(f)
			if err != nil {
				return err
			}
			for i, c := range fs.columns {
				fld, ok := fb[c.name]
				if !ok {
					return corrupt(s.path, fmt.Errorf("column %q not in the Arrow schema", c.name))
				}
				fields[i] = fld
			}
		}
		sc = arrow.NewSchema(fields, &fs.meta)
		return nil
	})
	return sc, err
}

// NumRows returns the row count stored in the footer.
func (s *Source) NumRows(ctx context.Context) (int64, error) {
	var n int64
	err := s.withFile(ctx, func(pf *parquet.File) error {
		n = pf.NumRows()
		return nil
	})
	return n, err
}

// ColumnStats returns the statistics of every supported flat top-level
// column (list columns have none) in every row group, in file order. Min and Max are nil where the file stores
// none or for types without a Go form here (decimals, INT96).
func (s *Source) ColumnStats(ctx context.Context) ([][]connectors.ColumnStats, error) {
	var out [][]connectors.ColumnStats
	err := s.withFile(ctx, func(pf *parquet.File) error {
		fs := buildSchema(pf)
		leaves := pf.Schema().Columns()
		for _, rg := range pf.Metadata().RowGroups {
			var stats []connectors.ColumnStats
			for i, c := range fs.columns {
				if fs.errs[i] != nil || c.list || c.index >= len(rg.Columns) || c.index >= len(leaves) {
					continue
				}
				md := rg.Columns[c.index].MetaData
				cs := connectors.ColumnStats{Column: c.name, NumValues: md.NumValues, NullCount: md.Statistics.NullCount}
				// parquet-go decodes an absent null_count as zero, so only a
				// non-zero count is known to have been written.
				cs.NullCountExact = md.Statistics.NullCount > 0
				minB, maxB := md.Statistics.MinValue, md.Statistics.MaxValue
				modern := minB != nil && maxB != nil
				if minB == nil && maxB == nil {
					minB, maxB = md.Statistics.Min, md.Statistics.Max
				}
				if minB != nil || maxB != nil {
					cs.Min = statValue(c, minB)
					cs.Max = statValue(c, maxB)
				}
				// Exact only from min_value/max_value, never the legacy
				// fields, and only for fixed-width types: parquet-go does not
				// expose is_min_value_exact, and writers truncate byte arrays.
				cs.MinMaxExact = modern && cs.Min != nil && cs.Max != nil && exactStatKind(c.kind)
				stats = append(stats, cs)
			}
			out = append(out, stats)
		}
		return nil
	})
	return out, err
}

// statValue decodes a plain-encoded statistic into a Go value.
func statValue(c column, b []byte) any {
	if b == nil {
		return nil
	}
	switch c.kind {
	case kBool:
		if len(b) < 1 {
			return nil
		}
		return b[0] != 0
	case kInt32, kInt8, kInt16, kUint8, kUint16:
		if len(b) < 4 {
			return nil
		}
		v := int32(binary.LittleEndian.Uint32(b))
		switch c.field.Type.ID() {
		case arrow.DATE32:
			return time.Unix(int64(v)*86400, 0).UTC()
		case arrow.UINT8, arrow.UINT16, arrow.UINT32:
			return uint64(uint32(v))
		}
		return int64(v)
	case kInt64:
		if len(b) < 8 {
			return nil
		}
		v := int64(binary.LittleEndian.Uint64(b))
		switch t := c.field.Type.(type) {
		case *arrow.TimestampType:
			switch t.Unit {
			case arrow.Millisecond:
				return time.UnixMilli(v).UTC()
			case arrow.Microsecond:
				return time.UnixMicro(v).UTC()
			default:
				return time.Unix(0, v).UTC()
			}
		case *arrow.Uint64Type:
			return uint64(v)
		}
		return v
	case kFloat32:
		if len(b) < 4 {
			return nil
		}
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
	case kFloat64:
		if len(b) < 8 {
			return nil
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b))
	case kBinary, kLarge, kDict:
		if isStringType(c.field.Type) {
			return string(b)
		}
		return append([]byte(nil), b...)
	case kFixed:
		return append([]byte(nil), b...)
	}
	return nil
}

// exactStatKind reports the kinds whose statistics a writer cannot
// truncate: the fixed-width numeric and boolean kinds.
func exactStatKind(k kind) bool {
	switch k {
	case kBool, kInt32, kInt8, kInt16, kUint8, kUint16, kInt64, kFloat32, kFloat64:
		return true
	}
	return false
}

func isStringType(dt arrow.DataType) bool {
	if d, ok := dt.(*arrow.DictionaryType); ok {
		dt = d.ValueType
	}
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING:
		return true
	}
	return false
}

// checkCodecs refuses LZ4 pages: the LZ4_RAW decoder of parquet-go v0.32.0
// grows its buffer for ever on a damaged page instead of failing.
func checkCodecs(pf *parquet.File, c column) error {
	for _, rg := range pf.Metadata().RowGroups {
		if c.index < len(rg.Columns) {
			switch rg.Columns[c.index].MetaData.Codec {
			case format.Lz4Raw, format.Lz4:
				return fmt.Errorf("column %q: LZ4 compression: %w", c.name, connectors.ErrUnsupported)
			}
		}
	}
	return nil
}

// Open starts a read of the columns opts.Columns (all when nil) in batches
// of at most opts.Rows() rows; a batch never spans two row groups. The
// reader holds the file open until it is released.
func (s *Source) Open(ctx context.Context, opts connectors.ReadOptions) (rr array.RecordReader, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, pf, dataEnd, err := s.open()
	if err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			err = corrupt(s.path, fmt.Errorf("%v", p))
		}
		if err != nil {
			_ = f.Close()
		}
	}()
	fs := buildSchema(pf)
	var sel []int
	if opts.Columns == nil {
		for i := range fs.columns {
			sel = append(sel, i)
		}
	} else {
		for _, name := range opts.Columns {
			i, ok := fs.byName[name]
			if !ok {
				return nil, fmt.Errorf("parquetconnector: %s: column %q: %w", s.path, name, connectors.ErrNoColumn)
			}
			sel = append(sel, i)
		}
	}
	if fileNeedsFallback(pf, fs) {
		return s.openFallback(ctx, f, sel, opts.Rows(), opts.Alloc())
	}
	fields := make([]arrow.Field, 0, len(sel))
	cols := make([]*colState, 0, len(sel))
	for _, i := range sel {
		if fs.errs[i] != nil {
			return nil, fmt.Errorf("parquetconnector: %s: %w", s.path, fs.errs[i])
		}
		if err := checkCodecs(pf, fs.columns[i]); err != nil {
			return nil, fmt.Errorf("parquetconnector: %s: %w", s.path, err)
		}
		fields = append(fields, fs.columns[i].field)
		cols = append(cols, &colState{column: fs.columns[i]})
	}
	r := &reader{
		ctx:    ctx,
		path:   s.path,
		file:   f,
		pf:     pf,
		schema: arrow.NewSchema(fields, &fs.meta),
		cols:   cols,
		mem:    opts.Alloc(),
		batch:  opts.Rows(),
		end:    dataEnd,
		limits: s.limits,
	}
	if w := s.rowGroupWorkers(len(pf.RowGroups())); w > 1 {
		r.pipe = newPipeline(r, w)
	}
	r.refs.Store(1)
	return r, nil
}
