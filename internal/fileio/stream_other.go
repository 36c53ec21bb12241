//go:build !unix

package fileio

import (
	"io/fs"
	"os"
)

const nonBlock = 0

func regular(*os.File) {}

// rawFile reads a stream with plain blocking reads; the context is
// checked between reads.
type rawFile struct{ f *os.File }

func newStream(f *os.File, _ fs.FileMode) *stream { return &stream{raw: rawFile{f: f}} }

func (r *rawFile) arm()                       {}
func (r *rawFile) interrupt()                 {}
func (r *rawFile) read(p []byte) (int, error) { return r.f.Read(p) }
func (r *rawFile) close() error               { return r.f.Close() }
