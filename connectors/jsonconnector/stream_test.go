//go:build unix

package jsonconnector_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/jsonconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

func TestFIFOReadOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.json")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	done := make(chan struct{})
	go func() {
		defer close(done)
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if !assert.NoError(t, err) {
			return
		}
		_, err = f.WriteString("{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n")
		assert.NoError(t, err)
		assert.NoError(t, f.Close())
	}()
	src := jsonconnector.NewSource(path, jsonconnector.WithInferRows(2))
	ctx := context.Background()
	schema, err := src.Schema(ctx)
	require.NoError(t, err)
	assert.Equal(t, "int64", schema.Field(0).Type.String())

	mem := arrowtest.Allocator(t)
	rdr, err := src.Open(ctx, connectors.ReadOptions{Allocator: mem})
	require.NoError(t, err)
	defer rdr.Release()
	var rows int64
	for rdr.Next() {
		rows += rdr.RecordBatch().NumRows()
	}
	require.NoError(t, rdr.Err())
	assert.Equal(t, int64(3), rows)
	<-done
}

func TestFIFOCancelWithoutWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.json")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := jsonconnector.NewSource(path).Schema(ctx)
		errc <- err
	}()
	cancel()
	err := <-errc
	require.ErrorIs(t, err, context.Canceled)
}
