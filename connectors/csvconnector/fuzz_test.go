package csvconnector_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/csvconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		"a,b\n1,x\n2,y\n",
		"id,price,ok,at,day\n1,2.5,true,2024-01-02T03:04:05Z,2024-01-02\n,,,,\n",
		"a\n\"quoted\nnewline\"\n\"\"\n",
		"a,b\n1\n",
		"a,b\n1,x\"y\n",
		"a,b\n1,\xff\n",
		"\ufeffa;b\n1;2\n",
		"n\n1\n2\nthree\n",
		"t\n2024-01-02 03:04:05\n2024-13-45 99:99:99\n",
		"",
		"\n\n",
	} {
		f.Add([]byte(seed), 2)
	}
	// Real files: the fixtures and the hostile corpus, the small ones.
	for _, pattern := range []string{"../../testdata/*/%s", "../../testdata/*/*/%s"} {
		paths, _ := filepath.Glob(fmt.Sprintf(pattern, "*.csv"))
		for _, p := range paths {
			if fi, err := os.Stat(p); err == nil && fi.Size() <= 64<<10 {
				if data, err := os.ReadFile(p); err == nil {
					f.Add(data, 2)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, inferRows int) {
		path := filepath.Join(t.TempDir(), "in.csv")
		require.NoError(t, os.WriteFile(path, data, 0o644))
		mem := arrowtest.Allocator(t)
		src := csvconnector.NewSource(path, csvconnector.WithInferRows(inferRows%8), csvconnector.WithNullTokens("NA"))
		err := func() error {
			rdr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem, BatchSize: 3})
			if err != nil {
				return err
			}
			defer rdr.Release()
			for rdr.Next() {
				b := rdr.RecordBatch()
				assert.LessOrEqual(t, b.NumRows(), int64(3))
			}
			return rdr.Err()
		}()
		if err != nil {
			var ie *connectors.InputError
			assert.True(t, errors.As(err, &ie) || errors.Is(err, connectors.ErrCorrupt),
				"error %v is neither an *InputError nor ErrCorrupt", err)
		}
	})
}
