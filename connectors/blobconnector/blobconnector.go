package blobconnector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"gocloud.dev/blob"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/lineage"
)

// ReaderAt is an io.ReaderAt over range reads of one object. It counts the
// bytes fetched. It is safe for concurrent use.
type ReaderAt struct {
	ctx     context.Context
	bucket  *blob.Bucket
	key     string
	size    int64
	fetched atomic.Int64
	reads   atomic.Int64
	onRead  func(n int64) // also told of each range read, when set
}

// NewReaderAt returns a ReaderAt over key and the object's size.
func NewReaderAt(ctx context.Context, bucket *blob.Bucket, key string) (*ReaderAt, error) {
	attrs, err := bucket.Attributes(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("blobconnector: %s: %w", key, err)
	}
	return &ReaderAt{ctx: ctx, bucket: bucket, key: key, size: attrs.Size}, nil
}

// Size is the object's size in bytes.
func (r *ReaderAt) Size() int64 { return r.size }

// Fetched is the number of bytes fetched so far, and the number of range reads.
func (r *ReaderAt) Fetched() (bytes, reads int64) { return r.fetched.Load(), r.reads.Load() }

// ReadAt reads len(p) bytes at off with one range read.
func (r *ReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	n := int64(len(p))
	if off+n > r.size {
		n = r.size - off
	}
	rd, err := r.bucket.NewRangeReader(r.ctx, r.key, off, n, nil)
	if err != nil {
		return 0, fmt.Errorf("blobconnector: %s: %w", r.key, err)
	}
	defer rd.Close()
	r.reads.Add(1)
	got, err := io.ReadFull(rd, p[:n])
	r.fetched.Add(int64(got))
	if r.onRead != nil {
		r.onRead(int64(got))
	}
	if err != nil {
		return got, fmt.Errorf("blobconnector: %s: range %d+%d: %w", r.key, off, n, err)
	}
	if got < len(p) {
		return got, io.EOF
	}
	return got, nil
}

// SourceFunc opens a format's file source for a local path.
type SourceFunc func(path string) (connectors.Source, error)

// SinkFunc opens a format's file sink for a local path.
type SinkFunc func(path string) (connectors.Sink, error)

// Source reads one object by copying it to a temporary file that the
// format's file source reads.
type Source struct {
	bucket *blob.Bucket
	key    string
	ds     lineage.Dataset
	open   SourceFunc
}

// NewSource returns a source of key in bucket, read with open; ds is its
// identity (OpenLineage: namespace "s3://bucket", name the key).
func NewSource(bucket *blob.Bucket, key string, ds lineage.Dataset, open SourceFunc) *Source {
	return &Source{bucket: bucket, key: key, ds: ds, open: open}
}

// Dataset returns the object's identity.
func (s *Source) Dataset() lineage.Dataset { return s.ds }

func (s *Source) local(ctx context.Context) (connectors.Source, func(), error) {
	dir, err := os.MkdirTemp("", "sluice-blob-")
	if err != nil {
		return nil, nil, fmt.Errorf("blobconnector: %w", err)
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	p := filepath.Join(dir, path.Base(s.key))
	f, err := os.Create(p)
	if err == nil {
		err = s.bucket.Download(ctx, s.key, f, nil)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("blobconnector: %s: %w", s.key, err)
	}
	src, err := s.open(p)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return src, cleanup, nil
}

// Schema fetches the object and reads its schema.
func (s *Source) Schema(ctx context.Context) (*arrow.Schema, error) {
	src, cleanup, err := s.local(ctx)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	return src.Schema(ctx)
}

// Open fetches the object and reads it; the temporary copy is removed when
// the returned reader is released.
func (s *Source) Open(ctx context.Context, opts connectors.ReadOptions) (array.RecordReader, error) {
	src, cleanup, err := s.local(ctx)
	if err != nil {
		return nil, err
	}
	rd, err := src.Open(ctx, opts)
	if err != nil {
		cleanup()
		return nil, err
	}
	return &cleanupReader{RecordReader: rd, cleanup: cleanup}, nil
}

type cleanupReader struct {
	array.RecordReader
	refs    atomic.Int64
	cleanup func()
}

func (r *cleanupReader) Retain() { r.refs.Add(1); r.RecordReader.Retain() }

func (r *cleanupReader) Release() {
	r.RecordReader.Release()
	if r.refs.Add(-1) == -1 {
		r.cleanup()
	}
}

// Sink writes one object: the format is written to a temporary file and
// uploaded on Commit.
type Sink struct {
	bucket *blob.Bucket
	key    string
	ds     lineage.Dataset
	create SinkFunc
}

// NewSink returns a sink of key in bucket written with create.
func NewSink(bucket *blob.Bucket, key string, ds lineage.Dataset, create SinkFunc) *Sink {
	return &Sink{bucket: bucket, key: key, ds: ds, create: create}
}

// Dataset returns the object's identity.
func (s *Sink) Dataset() lineage.Dataset { return s.ds }

// Create starts a write; nothing reaches the store before Commit.
func (s *Sink) Create(ctx context.Context, schema *arrow.Schema) (connectors.Writer, error) {
	dir, err := os.MkdirTemp("", "sluice-blob-")
	if err != nil {
		return nil, fmt.Errorf("blobconnector: %w", err)
	}
	p := filepath.Join(dir, path.Base(s.key))
	sink, err := s.create(p)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	w, err := sink.Create(ctx, schema)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return &writer{Writer: w, s: s, dir: dir, path: p}, nil
}

type writer struct {
	connectors.Writer
	s    *Sink
	dir  string
	path string
	done bool
}

// SetMetadata passes producer metadata to the format's writer.
func (w *writer) SetMetadata(key, value string) {
	if mw, ok := w.Writer.(connectors.MetadataWriter); ok {
		mw.SetMetadata(key, value)
	}
}

// Commit finishes the local file and uploads it as one object: the object
// appears (or is replaced) only when the upload completes.
func (w *writer) Commit(ctx context.Context) error {
	if w.done {
		return connectors.ErrClosed
	}
	w.done = true
	defer func() { _ = os.RemoveAll(w.dir) }()
	if err := w.Writer.Commit(ctx); err != nil {
		return err
	}
	f, err := os.Open(w.path)
	if err != nil {
		return fmt.Errorf("blobconnector: %w", err)
	}
	defer f.Close()
	uctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bw, err := w.s.bucket.NewWriter(uctx, w.s.key, nil)
	if err != nil {
		return fmt.Errorf("blobconnector: %s: %w", w.s.key, err)
	}
	if _, err := io.Copy(bw, f); err != nil {
		cancel() // a cancelled writer's Close leaves no object
		return errors.Join(fmt.Errorf("blobconnector: %s: %w", w.s.key, err), bw.Close())
	}
	if err := bw.Close(); err != nil {
		return fmt.Errorf("blobconnector: %s: %w", w.s.key, err)
	}
	return nil
}

// Abort drops the local file; the store is not touched.
func (w *writer) Abort(ctx context.Context) error {
	if w.done {
		return connectors.ErrClosed
	}
	w.done = true
	defer func() { _ = os.RemoveAll(w.dir) }()
	return w.Writer.Abort(ctx)
}

// Opener routes URLs of a bucket scheme (s3://bucket/key?query) through a
// builtin.Registry: the bucket is opened with blob.OpenBucket on the URL's
// scheme, host and query (the driver must be imported), the key is the
// path, and the key's extension (or Options.Format) picks the format. A
// path ending in "/" (s3://bucket/prefix/) is read as one dataset of every
// object under the prefix, as a local directory is (multiconnector: Hive
// key=value segments as columns, parts in key order, names starting with
// "." or "_" skipped). The bucket stays open for the life of the program.
func Opener(ctx context.Context) builtin.Opener {
	open := func(u *url.URL) (*blob.Bucket, string, lineage.Dataset, error) {
		key := path.Clean(u.Path)
		if len(key) > 0 && key[0] == '/' {
			key = key[1:]
		}
		if strings.HasSuffix(u.Path, "/") && key != "" && key != "." {
			key += "/" // a prefix: a dataset of parts
		}
		if u.Host == "" || key == "" || key == "." {
			return nil, "", lineage.Dataset{}, fmt.Errorf("blobconnector: %s: want %s://bucket/key", u.Redacted(), u.Scheme)
		}
		bu := url.URL{Scheme: u.Scheme, Host: u.Host, RawQuery: u.RawQuery}
		b, err := blob.OpenBucket(ctx, bu.String())
		if err != nil {
			return nil, "", lineage.Dataset{}, fmt.Errorf("blobconnector: %w", err)
		}
		return b, key, lineage.Dataset{Namespace: u.Scheme + "://" + u.Host, Name: key}, nil
	}
	return builtin.Opener{
		Source: func(u *url.URL, opts builtin.Options) (connectors.Source, error) {
			b, key, ds, err := open(u)
			if err != nil {
				return nil, err
			}
			if strings.HasSuffix(key, "/") {
				ds.Name = strings.TrimSuffix(key, "/")
				return prefixSource(ctx, b, key, ds, opts)
			}
			f, err := format(key, opts)
			if err != nil {
				return nil, err
			}
			if f.Name == "parquet" {
				return NewParquetSource(b, key, ds), nil
			}
			return NewSource(b, key, ds, func(p string) (connectors.Source, error) { return f.Source(p, opts) }), nil
		},
		Sink: func(u *url.URL, opts builtin.Options) (connectors.Sink, error) {
			b, key, ds, err := open(u)
			if err != nil {
				return nil, err
			}
			if strings.HasSuffix(key, "/") {
				return nil, fmt.Errorf("blobconnector: %s: writing a partitioned dataset: %w", u.Redacted(), connectors.ErrUnsupported)
			}
			f, err := format(key, opts)
			if err != nil {
				return nil, err
			}
			return NewSink(b, key, ds, func(p string) (connectors.Sink, error) { return f.Sink(p, opts) }), nil
		},
	}
}

func format(key string, opts builtin.Options) (builtin.Format, error) {
	if opts.Format != "" {
		return builtin.LookupName(opts.Format)
	}
	return builtin.Lookup(key)
}
