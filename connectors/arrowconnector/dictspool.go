package arrowconnector

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/atomicfile"
)

// hasDictionaries reports whether schema has a top-level dictionary field.
func hasDictionaries(schema *arrow.Schema) bool {
	return slices.ContainsFunc(schema.Fields(), func(f arrow.Field) bool {
		return f.Type.ID() == arrow.DICTIONARY
	})
}

// dictSpool gives the top-level dictionary columns of a file-format write
// one dictionary each. The IPC file format holds a single dictionary per
// field, and batches may come with dictionaries that change, so Write maps
// each batch's indices onto the union of the dictionaries seen so far and
// spools the batch, with those indices in place of the dictionary columns,
// to an unlinked IPC stream next to the destination. drain then writes the
// spooled batches with the final union as every batch's dictionary: the
// union only grows, so indices mapped early stay valid.
//
// Dictionaries nested in other types (a list of dictionary values) are
// left to arrow-go, which accepts them only if they never change.
type dictSpool struct {
	mem    memory.Allocator
	cols   []int                     // dictionary column indices
	unify  []array.DictionaryUnifier // per dictionary column
	size   []int64                   // entries of each union so far
	types  []*arrow.DictionaryType   // per dictionary column
	schema *arrow.Schema             // the spool's: index types in place of dictionaries
	out    *arrow.Schema             // the written batches'
	f      *atomicfile.File
	w      *ipc.Writer
}

func newDictSpool(mem memory.Allocator, path string, schema *arrow.Schema) (_ *dictSpool, err error) {
	sp := &dictSpool{mem: mem, out: schema}
	defer func() {
		if err != nil {
			sp.close()
		}
	}()
	fields := schema.Fields()
	for i, f := range fields {
		dt, ok := f.Type.(*arrow.DictionaryType)
		if !ok {
			continue
		}
		u, err := array.NewDictionaryUnifier(mem, dt.ValueType)
		if err != nil {
			return nil, fmt.Errorf("column %q: dictionary of %s: %w", f.Name, dt.ValueType, connectors.ErrUnsupported)
		}
		sp.cols = append(sp.cols, i)
		sp.unify = append(sp.unify, u)
		sp.size = append(sp.size, 0)
		sp.types = append(sp.types, dt)
		fields[i].Type = dt.IndexType
	}
	sp.schema = arrow.NewSchema(fields, nil)
	if sp.f, err = atomicfile.Create(path); err != nil {
		return nil, fmt.Errorf("dictionary spool: %w", err)
	}
	// Unlinked at once, the spool cannot outlive the process. Where an
	// open file cannot be removed, close removes it.
	_ = os.Remove(sp.f.Name())
	sp.w = ipc.NewWriter(sp.f, ipc.WithSchema(sp.schema), ipc.WithAllocator(mem))
	return sp, nil
}

// maxEntries is the number of dictionary entries indices of type dt can
// address, as arrow-go counts them.
func maxEntries(dt arrow.DataType) int64 {
	switch dt.ID() {
	case arrow.INT8:
		return math.MaxInt8
	case arrow.UINT8:
		return math.MaxUint8
	case arrow.INT16:
		return math.MaxInt16
	case arrow.UINT16:
		return math.MaxUint16
	case arrow.INT32:
		return math.MaxInt32
	}
	return math.MaxInt64
}

// write spools batch, borrowed for the call.
func (sp *dictSpool) write(batch arrow.RecordBatch) error {
	cols := slices.Clone(batch.Columns())
	var made []arrow.Array
	defer func() {
		for _, a := range made {
			a.Release()
		}
	}()
	for k, c := range sp.cols {
		idx, err := sp.transpose(k, batch.ColumnName(c), batch.Column(c).(*array.Dictionary))
		if err != nil {
			return err
		}
		made = append(made, idx)
		cols[c] = idx
	}
	rec := array.NewRecordBatch(sp.schema, cols, batch.NumRows())
	defer rec.Release()
	return sp.w.Write(rec)
}

// transpose returns the indices of d mapped onto the union of dictionary
// column k, d's dictionary added to it.
func (sp *dictSpool) transpose(k int, name string, d *array.Dictionary) (arrow.Array, error) {
	dt := d.DataType().(*arrow.DictionaryType)
	tr, err := sp.unify[k].UnifyAndTranspose(d.Dictionary())
	if err != nil {
		return nil, fmt.Errorf("column %q: unifying dictionaries: %w", name, err)
	}
	defer tr.Release()
	m := arrow.Int32Traits.CastFromBytes(tr.Bytes())[:d.Dictionary().Len()]
	for _, v := range m {
		sp.size[k] = max(sp.size[k], int64(v)+1)
	}
	if sp.size[k] > maxEntries(dt.IndexType) {
		return nil, fmt.Errorf("column %q: %d distinct dictionary values across batches do not fit index type %s: %w",
			name, sp.size[k], dt.IndexType, connectors.ErrUnsupported)
	}
	out, err := array.TransposeDictIndices(sp.mem, d.Data(), dt, dt, d.Dictionary().Data(), m)
	if err != nil {
		return nil, fmt.Errorf("column %q: %w", name, err)
	}
	defer out.Release()
	data := array.NewData(dt.IndexType, out.Len(), out.Buffers()[:2], nil, out.NullN(), out.Offset())
	defer data.Release()
	return array.MakeFromData(data), nil
}

// drain writes the spooled batches to w, each dictionary column with its
// final union as dictionary.
func (sp *dictSpool) drain(w ipcWriter) error {
	if err := sp.w.Close(); err != nil {
		return fmt.Errorf("dictionary spool: %w", err)
	}
	sp.w = nil
	if _, err := sp.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("dictionary spool: %w", err)
	}
	dicts := make([]arrow.Array, len(sp.cols))
	defer func() {
		for _, d := range dicts {
			if d != nil {
				d.Release()
			}
		}
	}()
	for k := range sp.cols {
		d, err := sp.unify[k].GetResultWithIndexType(sp.types[k].IndexType)
		if err != nil {
			return fmt.Errorf("column %q: %w", sp.schema.Field(sp.cols[k]).Name, err)
		}
		dicts[k] = d
	}
	r, err := ipc.NewReader(sp.f, ipc.WithAllocator(sp.mem))
	if err != nil {
		return fmt.Errorf("dictionary spool: %w", err)
	}
	defer r.Release()
	for r.Next() {
		rec := r.RecordBatch()
		cols := slices.Clone(rec.Columns())
		for k, c := range sp.cols {
			cols[c] = array.NewDictionaryArray(sp.types[k], rec.Column(c), dicts[k])
		}
		out := array.NewRecordBatch(sp.out, cols, rec.NumRows())
		for _, c := range sp.cols {
			cols[c].Release()
		}
		err := fileDictErr(w.Write(out))
		out.Release()
		if err != nil {
			return err
		}
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("dictionary spool: %w", err)
	}
	return nil
}

// close releases what the spool holds and removes its file.
func (sp *dictSpool) close() {
	if sp.w != nil {
		_ = sp.w.Close()
		sp.w = nil
	}
	for _, u := range sp.unify {
		u.Release()
	}
	sp.unify = nil
	if sp.f != nil {
		_ = sp.f.Abort()
		sp.f = nil
	}
}
