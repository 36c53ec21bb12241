package arrowconnector_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/arrowconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

// The fuzz target keeps each execution cheap: one scratch file per fuzzing
// process, rewritten in place (os.WriteFile's truncation makes ext4 flush
// the file on close, a millisecond per execution), and seeds of a few
// kilobytes (the fuzzer minimizes every input that finds new coverage, in
// time quadratic in its length, and a worker that minimizes does not fuzz).

// scratchFile is a file that every execution of a fuzz target rewrites.
type scratchFile struct {
	f    *os.File
	path string
}

func newScratchFile(tb testing.TB, name string) *scratchFile {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	f, err := os.Create(path)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = f.Close() })
	return &scratchFile{f: f, path: path}
}

// write replaces the contents of the file with data and returns its path.
func (s *scratchFile) write(tb testing.TB, data []byte) string {
	tb.Helper()
	_, err := s.f.WriteAt(data, 0)
	require.NoError(tb, err)
	require.NoError(tb, s.f.Truncate(int64(len(data))))
	return s.path
}

var (
	fuzzMeta   = arrow.NewMetadata([]string{"owner"}, []string{"team-a"})
	dictType   = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}
	fuzzSchema = arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "kind", Type: dictType, Nullable: true},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "at", Type: arrow.FixedWidthTypes.Timestamp_us, Nullable: true},
		{Name: "pair", Type: arrow.StructOf(
			arrow.Field{Name: "k", Type: arrow.PrimitiveTypes.Int32},
			arrow.Field{Name: "v", Type: arrow.BinaryTypes.Binary, Nullable: true},
		), Nullable: true},
		{Name: "big", Type: arrow.BinaryTypes.LargeString, Nullable: true},
	}, &fuzzMeta)
)

// fuzzBatches are three small batches of fuzzSchema whose dictionaries
// differ: the second one grows the first (a delta in a stream), the third
// replaces it.
var fuzzBatches = []string{
	`[{"id": 1, "name": "a", "kind": "x", "tags": ["p", "q"], "score": 0.5, "ok": true, "at": "2024-01-02T03:04:05Z", "pair": {"k": 1, "v": "AQI="}, "big": "l"},
	  {"id": 2, "name": null, "kind": null, "tags": null, "score": null, "ok": null, "at": null, "pair": null, "big": null}]`,
	`[{"id": 3, "name": "", "kind": "x", "tags": [], "score": -1, "ok": false, "at": "2024-01-03T00:00:00Z", "pair": {"k": 2, "v": null}, "big": ""},
	  {"id": 4, "name": "d", "kind": "y", "tags": [null, "r"], "score": 2, "ok": true, "at": "2024-01-04T00:00:00Z", "pair": {"k": 3, "v": ""}, "big": "m"},
	  {"id": 5, "name": "e", "kind": "y", "tags": ["s"], "score": 3, "ok": true, "at": "2024-01-05T00:00:00Z", "pair": {"k": 4, "v": "/w=="}, "big": "n"}]`,
	`[{"id": 6, "name": "f", "kind": "z", "tags": ["t"], "score": 4, "ok": false, "at": null, "pair": {"k": 5, "v": "AA=="}, "big": "o"}]`,
}

// writeIPC writes fuzzBatches with an arrow-go writer: the file format
// when file is set, else the stream format.
func writeIPC(tb testing.TB, file bool, opts ...ipc.Option) []byte {
	tb.Helper()
	mem := memory.NewGoAllocator()
	var buf bytes.Buffer
	opts = append(opts, ipc.WithSchema(fuzzSchema), ipc.WithAllocator(mem))
	type writer interface {
		Write(arrow.RecordBatch) error
		Close() error
	}
	var w writer
	if file {
		fw, err := ipc.NewFileWriter(&buf, opts...)
		require.NoError(tb, err)
		w = fw
	} else {
		w = ipc.NewWriter(&buf, append(opts, ipc.WithDictionaryDeltas(true))...)
	}
	batches := fuzzBatches
	if file {
		// The file format holds one dictionary per field.
		batches = []string{fuzzBatches[0], fuzzBatches[0]}
	}
	for _, js := range batches {
		rec, _, err := array.RecordFromJSON(mem, fuzzSchema, strings.NewReader(js))
		require.NoError(tb, err)
		err = w.Write(rec)
		rec.Release()
		require.NoError(tb, err)
	}
	require.NoError(tb, w.Close())
	return buf.Bytes()
}

// fuzzSeeds are the seed inputs: files and streams written by arrow-go,
// compressed and not, and the Arrow files of the repository's testdata.
func fuzzSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	seeds := [][]byte{
		writeIPC(tb, true),
		writeIPC(tb, false),
		writeIPC(tb, true, ipc.WithZstd()),
		writeIPC(tb, false, ipc.WithLZ4()),
	}
	for _, pattern := range []string{"../../testdata/*/*.arrow", "../../testdata/*/*.arrows"} {
		paths, err := filepath.Glob(pattern)
		require.NoError(tb, err)
		for _, p := range paths {
			if fi, err := os.Stat(p); err == nil && fi.Size() <= 16<<10 {
				b, err := os.ReadFile(p)
				require.NoError(tb, err)
				seeds = append(seeds, b)
			}
		}
	}
	return seeds
}

// fuzzBatchSize is small so that stored batches are re-sliced.
const fuzzBatchSize = 2

// readFuzzed reads the file at path through Schema and Open: every batch
// must be valid Arrow data of at most fuzzBatchSize rows with the schema
// Schema returned. It returns the rows read and the first error.
func readFuzzed(tb testing.TB, path string, mem memory.Allocator) (int64, error) {
	ctx := context.Background()
	// Batches of no columns declare rows that no byte backs: a small
	// bound keeps each execution short.
	src := arrowconnector.NewSource(path, arrowconnector.WithLimits(arrowconnector.Limits{MaxBatchRows: 1 << 12}))
	sc, err := src.Schema(ctx)
	if err != nil {
		return 0, err
	}
	rr, err := src.Open(ctx, connectors.ReadOptions{Allocator: mem, BatchSize: fuzzBatchSize})
	if err != nil {
		return 0, err
	}
	defer rr.Release()
	require.True(tb, sc.Equal(rr.Schema()), "Schema %v, Open %v", sc, rr.Schema())
	var rows int64
	for rr.Next() {
		rec := rr.RecordBatch()
		require.LessOrEqual(tb, rec.NumRows(), int64(fuzzBatchSize))
		require.True(tb, sc.Equal(rec.Schema()), "batch schema %v", rec.Schema())
		require.NoError(tb, array.ValidateRecordFull(rec), "batch at row %d", rows)
		rows += rec.NumRows()
	}
	return rows, rr.Err()
}

// FuzzIPC mutates Arrow IPC files and streams: every read either succeeds
// with valid batches or fails with ErrCorrupt (or ErrUnsupported) naming
// the file and on one line, never panics, and releases all it allocated.
func FuzzIPC(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte("ARROW1"))
	f.Add([]byte{})
	scratch := newScratchFile(f, "fuzz.arrow")
	f.Fuzz(func(t *testing.T, data []byte) {
		path := scratch.write(t, data)
		_, err := readFuzzed(t, path, arrowtest.Allocator(t))
		if err == nil {
			return
		}
		require.Truef(t, errors.Is(err, connectors.ErrCorrupt) || errors.Is(err, connectors.ErrUnsupported),
			"neither ErrCorrupt nor ErrUnsupported: %v", err)
		assert.Contains(t, err.Error(), path)
		assert.NotContains(t, err.Error(), "\n")
	})
}

// TestFuzzSeeds holds the written seeds to files the reader reads in full,
// so that the fuzzer starts from inputs that reach every batch.
func TestFuzzSeeds(t *testing.T) {
	for i, s := range fuzzSeeds(t)[:4] {
		path := filepath.Join(t.TempDir(), "seed.arrow")
		require.NoError(t, os.WriteFile(path, s, 0o600))
		rows, err := readFuzzed(t, path, arrowtest.Allocator(t))
		require.NoError(t, err, "seed %d", i)
		want := int64(4) // files: the first batch twice
		if i%2 == 1 {
			want = 6 // streams: a dictionary delta, then a replacement
		}
		assert.Equal(t, want, rows, "seed %d", i)
	}
}

// TestMaxBatchRows holds both formats to the bound on the rows of a batch.
func TestMaxBatchRows(t *testing.T) {
	for i, s := range fuzzSeeds(t)[:2] {
		path := filepath.Join(t.TempDir(), "seed.arrow")
		require.NoError(t, os.WriteFile(path, s, 0o600))
		src := arrowconnector.NewSource(path, arrowconnector.WithLimits(arrowconnector.Limits{MaxBatchRows: 1}))
		rr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: arrowtest.Allocator(t)})
		if err == nil {
			for rr.Next() {
			}
			err = rr.Err()
			rr.Release()
		}
		require.ErrorIs(t, err, connectors.ErrCorrupt, "seed %d", i)
		assert.Contains(t, err.Error(), "rows exceeds the limit of 1", "seed %d", i)
	}
}
