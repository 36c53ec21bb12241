package hostile

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCommittedCorpus: testdata/hostile holds exactly what the builders
// make (regenerate with go run ./internal/cmd/genhostile).
func TestCommittedCorpus(t *testing.T) {
	files, err := Files()
	require.NoError(t, err)
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			assert.NotEmpty(t, f.Note)
			got, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hostile", f.Name))
			if len(f.Data) > CommitLimit {
				assert.ErrorIs(t, err, os.ErrNotExist, "cases over CommitLimit are generated, not committed")
				return
			}
			require.NoError(t, err, "go run ./internal/cmd/genhostile -out testdata/hostile")
			assert.True(t, bytes.Equal(f.Data, got), "testdata/hostile/%s differs from its builder", f.Name)
		})
	}
}

func TestDeterministic(t *testing.T) {
	a, err := Files()
	require.NoError(t, err)
	b, err := Files()
	require.NoError(t, err)
	assert.Equal(t, a, b)
}

// The bases of the damaged files are valid: the damage, not the base, is
// what a reader must survive.
func TestBasesAreValid(t *testing.T) {
	for _, build := range []func() ([]byte, error){Parquet, parquetNames} {
		data, err := build()
		require.NoError(t, err)
		f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
		require.NoError(t, err)
		assert.Positive(t, f.NumRows())
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	file, err := ArrowFile()
	require.NoError(t, err)
	fr, err := ipc.NewFileReader(bytes.NewReader(file), ipc.WithAllocator(mem))
	require.NoError(t, err)
	assert.Equal(t, 1, fr.NumRecords())
	require.NoError(t, fr.Close())
	stream, err := ArrowStream()
	require.NoError(t, err)
	sr, err := ipc.NewReader(bytes.NewReader(stream), ipc.WithAllocator(mem))
	require.NoError(t, err)
	rows := int64(0)
	for sr.Next() {
		rows += sr.RecordBatch().NumRows()
	}
	require.NoError(t, sr.Err())
	sr.Release()
	assert.Equal(t, int64(3), rows)
}

func TestDamage(t *testing.T) {
	huge := binary.AppendUvarint([]byte{0xfc}, HugeLength)
	ff := []byte{0xff, 0xff, 0xff, 0x7f}

	list, err := ParquetSchemaListLength(HugeLength)
	require.NoError(t, err)
	_, meta, err := footer(list)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x15, 0x04, 0x19}, meta[:3], "version 2, then the schema list")
	assert.Equal(t, huge, meta[3:3+len(huge)])

	page, err := ParquetHugePageSize()
	require.NoError(t, err)
	size := binary.AppendUvarint(nil, HugeLength<<1)
	assert.Equal(t, 2, bytes.Count(page, size), "both page sizes")

	for _, build := range []func() ([]byte, error){ArrowFileHugeVector, ArrowStreamHugeVector} {
		data, err := build()
		require.NoError(t, err)
		assert.Positive(t, bytes.Count(data, ff))
	}
	arrowFile, err := ArrowFileHugeVector()
	require.NoError(t, err)
	assert.Equal(t, 2, bytes.Count(arrowFile, ff), "the schema message and the footer")

	full, err := ArrowStream()
	require.NoError(t, err)
	cut, err := ArrowStreamTruncated()
	require.NoError(t, err)
	assert.Less(t, len(cut), len(full))
	assert.Equal(t, full[:len(cut)], cut)

	bad, err := ParquetBadMagic()
	require.NoError(t, err)
	assert.Equal(t, "PAR2", string(bad[:4]))
	assert.Equal(t, "PAR2", string(bad[len(bad)-4:]))
}

func TestText(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WideCSV(&b, ParquetMaxColumns+2))
	lines := bytes.Split(bytes.TrimSuffix(b.Bytes(), []byte("\n")), []byte("\n"))
	require.Len(t, lines, 3)
	assert.Equal(t, ParquetMaxColumns+2, bytes.Count(lines[0], []byte(","))+1)

	b.Reset()
	require.NoError(t, LongLineCSV(&b, 1<<20+3))
	assert.Equal(t, len("a,b\n1,")+1<<20+3+1, b.Len())

	assert.Len(t, NestedJSON(10), len(`[{"a": 1, "b": }]`)+20+1)
	assert.Contains(t, string(PIIEmailCSV()), PlantedEmails[3])
	assert.Contains(t, string(PIIPhoneCSV()), PlantedPhone)
	for _, e := range PlantedEmails {
		assert.Contains(t, e, PlantedMarker)
	}
}
