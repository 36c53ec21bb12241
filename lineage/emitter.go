package lineage

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
)

// Emitter sends OpenLineage events somewhere. Emit is called synchronously
// from Start and Run.End with the event already within its size caps; it
// must honour ctx and be safe for concurrent use (several runs may share an
// emitter).
type Emitter interface {
	Emit(ctx context.Context, ev RunEvent) error
}

// EmitterFunc adapts a function to Emitter.
type EmitterFunc func(ctx context.Context, ev RunEvent) error

// Emit calls f.
func (f EmitterFunc) Emit(ctx context.Context, ev RunEvent) error { return f(ctx, ev) }

// FileEmitter appends events to a file as NDJSON, one event per line. Every
// event is written with a single write(2) on a descriptor opened with
// O_APPEND, so several goroutines and processes can share the file: lines
// never interleave on local file systems (NFS gives no such promise).
type FileEmitter struct {
	path string
	perm os.FileMode
}

// NewFileEmitter returns an emitter appending to path, created with mode
// 0o644 when missing.
func NewFileEmitter(path string) *FileEmitter { return &FileEmitter{path: path, perm: 0o644} }

// Emit appends ev as one JSON line.
func (e *FileEmitter) Emit(ctx context.Context, ev RunEvent) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("lineage: file emitter %s: %w", e.path, err)
	}
	line, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("lineage: file emitter %s: encode: %w", e.path, err)
	}
	line = append(line, '\n')
	f, err := os.OpenFile(e.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, e.perm)
	if err != nil {
		return fmt.Errorf("lineage: file emitter: %w", err)
	}
	_, werr := f.Write(line)
	cerr := f.Close()
	if werr != nil {
		return fmt.Errorf("lineage: file emitter %s: %w", e.path, werr)
	}
	if cerr != nil {
		return fmt.Errorf("lineage: file emitter %s: %w", e.path, cerr)
	}
	return nil
}
