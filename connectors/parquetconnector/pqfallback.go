package parquetconnector

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pqfile "github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/parquet-go/parquet-go"

	"github.com/sluicedata/sluice/connectors"
)

// needsFallback reports whether the top-level column i of fs is read with
// arrow-go's pqarrow instead of the decoder of this package: a nested
// column it does not map (structs, maps, lists of groups or of lists) or a
// column with LZ4-compressed chunks.
func needsFallback(pf *parquet.File, fs *fileSchema, i int) bool {
	if err := fs.errs[i]; err != nil {
		return errors.Is(err, connectors.ErrUnsupported)
	}
	return checkCodecs(pf, fs.columns[i]) != nil
}

// fileNeedsFallback reports whether any column of the file is read with
// pqarrow. Then every column is, whatever the projection, so that Schema
// and Open give the same types for every column (pqarrow maps some flat
// columns differently, e.g. a dictionary-encoded string as plain utf8).
func fileNeedsFallback(pf *parquet.File, fs *fileSchema) bool {
	for i := range fs.columns {
		if needsFallback(pf, fs, i) {
			return true
		}
	}
	return false
}

// pqarrowFile opens the size bytes of f with arrow-go's Parquet reader; a
// panic of that reader is an error wrapping ErrCorrupt.
func pqarrowFile(path string, f io.ReaderAt, size int64, batch int, mem memory.Allocator) (fr *pqarrow.FileReader, err error) {
	defer func() {
		if p := recover(); p != nil {
			fr, err = nil, corrupt(path, fmt.Errorf("%v", p))
		}
	}()
	pr, err := pqfile.NewParquetReader(io.NewSectionReader(f, 0, size), pqfile.WithReadProps(nil))
	if err != nil {
		return nil, corrupt(path, err)
	}
	fr, err = pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{BatchSize: int64(batch)}, mem)
	if err != nil {
		_ = pr.Close()
		return nil, corrupt(path, err)
	}
	return fr, nil
}

// size returns the byte size of the Source's input.
func (s *Source) size(f readerAtCloser) (int64, error) {
	if s.at != nil {
		return s.atSize, nil
	}
	if sf, ok := f.(interface {
		Seek(int64, int) (int64, error)
	}); ok {
		return sf.Seek(0, io.SeekEnd)
	}
	return 0, fmt.Errorf("parquetconnector: %s: cannot size input", s.path)
}

// fallbackFields returns the pqarrow fields of the top-level columns of
// the input, by name.
func (s *Source) fallbackFields(f readerAtCloser) (map[string]arrow.Field, error) {
	size, err := s.size(f)
	if err != nil {
		return nil, err
	}
	fr, err := pqarrowFile(s.path, f, size, 1, memory.NewGoAllocator())
	if err != nil {
		return nil, err
	}
	defer fr.ParquetReader().Close()
	sc, err := fr.Schema()
	if err != nil {
		return nil, corrupt(s.path, err)
	}
	out := make(map[string]arrow.Field, sc.NumFields())
	for _, fld := range sc.Fields() {
		out[fld.Name] = fld
	}
	return out, nil
}

// openFallback reads the top-level columns sel of the input with pqarrow,
// in batches of at most batch rows (which may span row groups). The
// returned reader closes f when it is released.
func (s *Source) openFallback(ctx context.Context, f readerAtCloser, sel []int, batch int, mem memory.Allocator) (rr array.RecordReader, err error) {
	size, err := s.size(f)
	if err != nil {
		return nil, err
	}
	fr, err := pqarrowFile(s.path, f, size, batch, mem)
	if err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			err = corrupt(s.path, fmt.Errorf("%v", p))
		}
		if err != nil {
			_ = fr.ParquetReader().Close()
		}
	}()
	var leaves []int
	for _, i := range sel {
		if i >= len(fr.Manifest.Fields) {
			return nil, corrupt(s.path, fmt.Errorf("schema has %d columns", len(fr.Manifest.Fields)))
		}
		leaves = appendLeaves(leaves, &fr.Manifest.Fields[i])
	}
	inner, err := fr.GetRecordReader(ctx, leaves, nil)
	if err != nil {
		return nil, corrupt(s.path, err)
	}
	// pqarrow returns the columns in file order; the caller asked for sel's.
	isc := inner.Schema()
	order := make([]int, 0, len(sel))
	fields := make([]arrow.Field, 0, len(sel))
	for _, i := range sel {
		name := fr.Manifest.Fields[i].Field.Name
		idx := isc.FieldIndices(name)
		if len(idx) != 1 {
			inner.Release()
			return nil, corrupt(s.path, fmt.Errorf("column %q not read", name))
		}
		order = append(order, idx[0])
		fields = append(fields, isc.Field(idx[0]))
	}
	md := isc.Metadata()
	fb := &fallbackReader{inner: inner, file: f, path: s.path, order: order, schema: arrow.NewSchema(fields, &md)}
	fb.refs.Store(1)
	return fb, nil
}

// appendLeaves appends the leaf column indices under f.
func appendLeaves(out []int, f *pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return append(out, f.ColIndex)
	}
	for k := range f.Children {
		out = appendLeaves(out, &f.Children[k])
	}
	return out
}
