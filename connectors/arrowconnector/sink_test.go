package arrowconnector_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/arrowconnector"
	"github.com/sluicedata/sluice/connectors/connectortest"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

var formats = []struct {
	name string
	ext  string
	opts []arrowconnector.Option
}{
	{name: "file", ext: ".arrow"},
	{name: "stream", ext: ".arrows", opts: []arrowconnector.Option{arrowconnector.WithStreamFormat()}},
}

// sinkOpts returns the options of format f with a checked allocator for
// the Writer's own buffers.
func sinkOpts(t *testing.T, opts []arrowconnector.Option) []arrowconnector.Option {
	t.Helper()
	return append([]arrowconnector.Option{arrowconnector.WithAllocator(arrowtest.Allocator(t))}, opts...)
}

// stringsOf returns the values of a string or dictionary-of-string column,
// "<null>" for null.
func stringsOf(t *testing.T, a arrow.Array) []string {
	t.Helper()
	out := make([]string, a.Len())
	for i := range out {
		if a.IsNull(i) {
			out[i] = "<null>"
			continue
		}
		switch v := a.(type) {
		case *array.Dictionary:
			out[i] = v.Dictionary().(*array.String).Value(v.GetValueIndex(i))
		case *array.String:
			out[i] = v.Value(i)
		default:
			require.Failf(t, "unexpected array", "type %s", a.DataType())
		}
	}
	return out
}

func readColumns(t *testing.T, path string, mem memory.Allocator) (dicts int, cols [][]string) {
	t.Helper()
	rdr, err := arrowconnector.NewSource(path).Open(context.Background(), connectors.ReadOptions{Allocator: mem})
	require.NoError(t, err)
	defer rdr.Release()
	seen := map[arrow.ArrayData]bool{}
	for rdr.Next() {
		b := rdr.RecordBatch()
		if cols == nil {
			cols = make([][]string, b.NumCols())
		}
		for c := 1; c < int(b.NumCols()); c++ {
			cols[c] = append(cols[c], stringsOf(t, b.Column(c))...)
		}
		seen[b.Column(1).Data().Dictionary()] = true
	}
	require.NoError(t, rdr.Err())
	return len(seen), cols
}

// TestChangingDictionaries pins how each format carries dictionaries
// that change between batches: the file format as one unified dictionary,
// the stream as deltas and replacements.
func TestChangingDictionaries(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			batches := connectortest.DictionaryBatches(mem)
			defer func() {
				for _, b := range batches {
					b.Release()
				}
			}()
			var want [][]string
			for _, b := range batches {
				if want == nil {
					want = make([][]string, b.NumCols())
				}
				for c := 1; c < int(b.NumCols()); c++ {
					want[c] = append(want[c], stringsOf(t, b.Column(c))...)
				}
			}
			path := filepath.Join(t.TempDir(), "d"+f.ext)
			ctx := context.Background()
			w, err := arrowconnector.NewSink(path, sinkOpts(t, f.opts)...).Create(ctx, batches[0].Schema())
			require.NoError(t, err)
			for _, b := range batches {
				require.NoError(t, w.Write(b))
			}
			require.NoError(t, w.Commit(ctx))
			assert.Equal(t, []string{"d" + f.ext}, dirNames(t, filepath.Dir(path)), "no spool left")

			dicts, got := readColumns(t, path, mem)
			assert.Equal(t, want[1], got[1], "d32")
			assert.Equal(t, want[2], got[2], "d8")
			if f.name == "file" {
				assert.Equal(t, 1, dicts, "one dictionary in a file")
			} else {
				assert.Greater(t, dicts, 1, "the stream carries the changes")
			}
		})
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// int8Batch returns a batch of one dictionary<int8, string> column whose
// dictionary is the values v<from>..v<from+n-1>, each used once.
func int8Batch(mem memory.Allocator, from, n int) arrow.RecordBatch {
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{{Name: "d", Type: dt, Nullable: true}}, nil)
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	ib := array.NewInt8Builder(mem)
	defer ib.Release()
	for i := range n {
		sb.Append(fmt.Sprintf("v%d", from+i))
		ib.Append(int8(i))
	}
	dict, idx := sb.NewArray(), ib.NewArray()
	defer dict.Release()
	defer idx.Release()
	col := array.NewDictionaryArray(dt, idx, dict)
	defer col.Release()
	return array.NewRecordBatch(schema, []arrow.Array{col}, int64(n))
}

// TestDictionaryUnionOverflow: a file's unified dictionary that outgrows
// the index type is refused, and Abort leaves nothing.
func TestDictionaryUnionOverflow(t *testing.T) {
	mem := arrowtest.Allocator(t)
	a, b := int8Batch(mem, 0, 100), int8Batch(mem, 100, 100)
	defer a.Release()
	defer b.Release()
	dir := t.TempDir()
	path := filepath.Join(dir, "d.arrow")
	ctx := context.Background()
	w, err := arrowconnector.NewSink(path, sinkOpts(t, nil)...).Create(ctx, a.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(a))
	err = w.Write(b)
	require.ErrorIs(t, err, connectors.ErrUnsupported)
	assert.Contains(t, err.Error(), `column "d": 200 distinct dictionary values across batches do not fit index type int8`)
	require.NoError(t, w.Abort(ctx))
	assert.Empty(t, dirNames(t, dir))

	// The stream format replaces the dictionary instead.
	spath := filepath.Join(dir, "d.arrows")
	w, err = arrowconnector.NewSink(spath, sinkOpts(t, formats[1].opts)...).Create(ctx, a.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(a))
	require.NoError(t, w.Write(b))
	require.NoError(t, w.Commit(ctx))
}

// TestEmptyDictionaryFile: a file of dictionary columns and no rows keeps
// its schema.
func TestEmptyDictionaryFile(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			path := filepath.Join(t.TempDir(), "d"+f.ext)
			ctx := context.Background()
			schema := connectortest.DictionarySchema()
			w, err := arrowconnector.NewSink(path, sinkOpts(t, f.opts)...).Create(ctx, schema)
			require.NoError(t, err)
			require.NoError(t, w.Commit(ctx))
			got, err := arrowconnector.NewSource(path).Schema(ctx)
			require.NoError(t, err)
			connectortest.AssertSameSchema(t, schema, got)
			_, cols := readColumns(t, path, mem)
			assert.Empty(t, cols)
		})
	}
}

// listOfDictBatch returns a batch of one list<dictionary<int32, string>>
// column holding one list of the given values, under its own dictionary.
func listOfDictBatch(mem memory.Allocator, vals ...string) arrow.RecordBatch {
	dt := arrow.ListOf(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String})
	schema := arrow.NewSchema([]arrow.Field{{Name: "l", Type: dt, Nullable: true}, {Name: "d", Type: connectortest.DictionarySchema().Field(1).Type, Nullable: true}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	lb := b.Field(0).(*array.ListBuilder)
	vb := lb.ValueBuilder().(*array.BinaryDictionaryBuilder)
	db := b.Field(1).(*array.BinaryDictionaryBuilder)
	lb.Append(true)
	for _, v := range vals {
		_ = vb.AppendString(v)
		_ = db.AppendString(v)
	}
	for range len(vals) - 1 {
		lb.Append(true)
	}
	return b.NewRecordBatch()
}

// TestNestedDictionaryChange: a dictionary nested in a list may change in
// a stream; a file refuses the change with ErrUnsupported and leaves
// nothing.
func TestNestedDictionaryChange(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			a, b := listOfDictBatch(mem, "x", "y"), listOfDictBatch(mem, "z", "x")
			defer a.Release()
			defer b.Release()
			dir := t.TempDir()
			path := filepath.Join(dir, "n"+f.ext)
			ctx := context.Background()
			w, err := arrowconnector.NewSink(path, sinkOpts(t, f.opts)...).Create(ctx, a.Schema())
			require.NoError(t, err)
			require.NoError(t, w.Write(a))
			require.NoError(t, w.Write(b))
			err = w.Commit(ctx)
			if f.name == "stream" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, connectors.ErrUnsupported)
			assert.Contains(t, err.Error(), "nested")
			require.NoError(t, w.Abort(ctx))
			assert.Empty(t, dirNames(t, dir))
		})
	}
}
