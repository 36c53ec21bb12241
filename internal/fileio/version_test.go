package fileio

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A full read of a regular file to its end gives the SHA-256 of the file;
// a sniff, or a read that stops early, gives none.
func TestVersionOfFullRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.csv")
	data := strings.Repeat("a,b\n1,2\n", 100_000)
	require.NoError(t, os.WriteFile(path, []byte(data), 0o600))
	sum := sha256.Sum256([]byte(data))
	want := "sha256:" + hex.EncodeToString(sum[:])
	ctx := context.Background()
	in := New(path)

	r, err := in.Sniff(ctx)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, r)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	_, ok := in.Version()
	require.False(t, ok, "a sniff does not version the input")

	r, err = in.Open(ctx)
	require.NoError(t, err)
	_, err = io.CopyN(io.Discard, r, 1000)
	require.NoError(t, err)
	_, ok = in.Version()
	require.False(t, ok, "not read to the end")
	_, err = io.Copy(io.Discard, r)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	v, ok := in.Version()
	require.True(t, ok)
	require.Equal(t, want, v)

	r, err = in.Open(ctx)
	require.NoError(t, err)
	_, ok = in.Version()
	require.False(t, ok, "a new read forgets the last one's version until it ends")
	require.NoError(t, r.Close())
}
