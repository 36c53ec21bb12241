package fileio

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"os"
)

// Version returns the content version of the input as its last full read
// saw it: "sha256:" and the hex SHA-256 of every byte of a regular file,
// computed while the read went through it, so that recording what was
// checked costs no second pass over the data. It is false until a full read
// (Open, not Sniff) of a regular file has reached the end of the file, and
// for streams, whose bytes cannot be read again to verify it.
func (in *Input) Version() (string, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.version, in.version != ""
}

// hashed is a regular file opened for a full read, hashing what it reads.
type hashed struct {
	f    *os.File
	in   *Input
	h    hash.Hash
	done bool
}

func newHashed(f *os.File, in *Input) *hashed {
	return &hashed{f: f, in: in, h: sha256.New()}
}

func (r *hashed) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	if !r.done {
		r.h.Write(p[:n])
		if errors.Is(err, io.EOF) {
			r.done = true
			v := "sha256:" + hex.EncodeToString(r.h.Sum(nil))
			r.in.mu.Lock()
			r.in.version = v
			r.in.mu.Unlock()
		}
	}
	return n, err
}

func (r *hashed) Close() error { return r.f.Close() }
