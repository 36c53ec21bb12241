//go:build unix

package fileio_test

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sluicedata/sluice/internal/fileio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func mkfifo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.fifo")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	return path
}

// writeFIFO writes data to the FIFO at path once a reader opened it, and
// returns a channel closed when the writer is done.
func writeFIFO(t *testing.T, path string, data []byte) <-chan struct{} {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if !assert.NoError(t, err) {
			return
		}
		_, err = f.Write(data)
		assert.NoError(t, err)
		assert.NoError(t, f.Close())
	}()
	return done
}

func TestRegularFileReadTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.csv")
	require.NoError(t, os.WriteFile(path, []byte("a\n1\n"), 0o600))
	in := fileio.New(path)
	for range 3 {
		r, err := in.Sniff(context.Background())
		require.NoError(t, err)
		b, err := io.ReadAll(r)
		require.NoError(t, err)
		assert.Equal(t, "a\n1\n", string(b))
		require.NoError(t, r.Close())
	}
	r, err := in.Open(context.Background())
	require.NoError(t, err)
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, "a\n1\n", string(b))
	require.NoError(t, r.Close())
}

func TestFIFOSniffThenOpenReplays(t *testing.T) {
	path := mkfifo(t)
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	done := writeFIFO(t, path, data)
	in := fileio.New(path)

	r, err := in.Sniff(context.Background())
	require.NoError(t, err)
	head := make([]byte, 10)
	_, err = io.ReadFull(r, head)
	require.NoError(t, err)
	assert.Equal(t, "abcdefghij", string(head))
	require.NoError(t, r.Close())

	// A second look starts from the first byte too.
	r, err = in.Sniff(context.Background())
	require.NoError(t, err)
	_, err = io.ReadFull(r, head)
	require.NoError(t, err)
	assert.Equal(t, "abcdefghij", string(head))
	require.NoError(t, r.Close())

	r, err = in.Open(context.Background())
	require.NoError(t, err)
	all, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, data, all)
	require.NoError(t, r.Close())
	<-done

	_, err = in.Open(context.Background())
	require.ErrorIs(t, err, fileio.ErrConsumed)
}

func TestFIFOEmptyWriter(t *testing.T) {
	path := mkfifo(t)
	done := writeFIFO(t, path, nil)
	in := fileio.New(path)
	r, err := in.Open(context.Background())
	require.NoError(t, err)
	all, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Empty(t, all)
	require.NoError(t, r.Close())
	<-done
}

func TestFIFOCancelWithoutWriter(t *testing.T) {
	path := mkfifo(t)
	in := fileio.New(path)
	ctx, cancel := context.WithCancel(context.Background())
	r, err := in.Sniff(ctx) // must not block: no writer
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 16))
		errc <- err
	}()
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)
	require.NoError(t, r.Close())

	// The stream outlives the cancelled look: a writer now gives its data.
	done := writeFIFO(t, path, []byte("late\n"))
	r, err = in.Open(context.Background())
	require.NoError(t, err)
	all, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, "late\n", string(all))
	require.NoError(t, r.Close())
	<-done
}

func TestCanceledBeforeOpen(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := fileio.New(mkfifo(t)).Open(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

func TestRefused(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "s.sock")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	defer l.Close()
	for name, path := range map[string]string{"directory": dir, "socket": sock} {
		t.Run(name, func(t *testing.T) {
			_, err := fileio.New(path).Sniff(context.Background())
			require.ErrorIs(t, err, fileio.ErrFileType)
			assert.Contains(t, err.Error(), "is a "+name)
		})
	}
}

func TestCharDevice(t *testing.T) {
	in := fileio.New("/dev/zero")
	r, err := in.Sniff(context.Background())
	require.NoError(t, err)
	b := make([]byte, 8)
	_, err = io.ReadFull(r, b)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	r, err = in.Open(context.Background())
	require.NoError(t, err)
	_, err = io.ReadFull(r, make([]byte, 1<<16))
	require.NoError(t, err)
	require.NoError(t, r.Close())
}

func TestRequireRegular(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.parquet")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	tests := []struct {
		name, path string
		want       error
	}{
		{"regular", file, nil},
		{"missing", filepath.Join(dir, "none"), nil},
		{"fifo", mkfifo(t), fileio.ErrNotRegular},
		{"device", "/dev/null", fileio.ErrNotRegular},
		{"directory", dir, fileio.ErrFileType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fileio.RequireRegular(tt.path, "parquet")
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
		})
	}
}
