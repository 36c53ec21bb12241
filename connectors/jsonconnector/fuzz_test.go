package jsonconnector_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/jsonconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		"{\"a\":1,\"b\":\"x\"}\n{\"a\":2.5,\"b\":null}\n",
		"[{\"a\":true},{\"a\":false,\"c\":[1,2]}]",
		"{\"t\":\"2024-01-02T03:04:05Z\",\"l\":[1,null]}",
		"{\"a\":1}\n{\"a\":\"x\"}\n",
		"{\"a\":1,}",
		"[{\"a\":1}] 3",
		"{\"s\":\"\xff\"}",
		"{\"a\":{\"b\":{}}}",
		"",
		"[]",
		"42",
	} {
		f.Add([]byte(seed), 2)
	}
	hint := arrow.NewSchema([]arrow.Field{
		{Name: "t", Type: jsonconnector.TimestampType},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)},
	}, nil)
	// Real files: the fixtures and the hostile corpus, the small ones. The
	// fuzzer minimizes every input that finds new coverage, in time
	// quadratic in its length, and a worker that minimizes does not fuzz:
	// the twenty golden reports of 5 KiB under testdata/messy/golden
	// stalled every worker for the whole run.
	for _, pattern := range []string{"../../testdata/*/%s", "../../testdata/*/*/%s"} {
		for _, ext := range []string{"*.json", "*.ndjson"} {
			paths, _ := filepath.Glob(fmt.Sprintf(pattern, ext))
			for _, p := range paths {
				if fi, err := os.Stat(p); err == nil && fi.Size() <= 2<<10 {
					if data, err := os.ReadFile(p); err == nil {
						f.Add(data, 2)
					}
				}
			}
		}
	}
	// One file per fuzzing process, rewritten in place: a new directory
	// and os.WriteFile per execution (whose truncation makes ext4 flush
	// the file on close) cost more than the read.
	path := filepath.Join(f.TempDir(), "in.json")
	file, err := os.Create(path)
	require.NoError(f, err)
	f.Cleanup(func() { _ = file.Close() })
	f.Fuzz(func(t *testing.T, data []byte, inferRows int) {
		_, werr := file.WriteAt(data, 0)
		require.NoError(t, werr)
		require.NoError(t, file.Truncate(int64(len(data))))
		mem := arrowtest.Allocator(t)
		src := jsonconnector.NewSource(path, jsonconnector.WithInferRows(inferRows%8), jsonconnector.WithSchema(hint))
		err := func() error {
			rdr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem, BatchSize: 3})
			if err != nil {
				return err
			}
			defer rdr.Release()
			for rdr.Next() {
				assert.LessOrEqual(t, rdr.RecordBatch().NumRows(), int64(3))
			}
			return rdr.Err()
		}()
		if err != nil {
			var ie *connectors.InputError
			assert.True(t, errors.As(err, &ie) || errors.Is(err, connectors.ErrCorrupt) || errors.Is(err, connectors.ErrUnsupported),
				"error %v is neither an *InputError nor ErrCorrupt/ErrUnsupported", err)
		}
	})
}
