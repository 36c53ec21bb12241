package blobconnector

import (
	"context"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"gocloud.dev/blob"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/parquetconnector"
	"github.com/sluicedata/sluice/lineage"
)

// ParquetSource reads one Parquet object with range reads: the footer,
// then only the column chunks of the projected columns (parquetconnector
// over a ReaderAt), never the whole object. It is safe for concurrent use;
// each call asks the store for the object's size anew.
type ParquetSource struct {
	bucket  *blob.Bucket
	key     string
	ds      lineage.Dataset
	opts    []parquetconnector.SourceOption
	fetched atomic.Int64
	reads   atomic.Int64
}

var (
	_ connectors.Source     = (*ParquetSource)(nil)
	_ connectors.RowCounter = (*ParquetSource)(nil)
)

// NewParquetSource returns a range-reading source of key in bucket with
// identity ds.
func NewParquetSource(bucket *blob.Bucket, key string, ds lineage.Dataset, opts ...parquetconnector.SourceOption) *ParquetSource {
	return &ParquetSource{bucket: bucket, key: key, ds: ds, opts: opts}
}

// Dataset returns the object's identity.
func (s *ParquetSource) Dataset() lineage.Dataset { return s.ds }

// Fetched is the number of bytes fetched and of range reads made so far by
// every call of the source (a reader's reads count as they happen).
func (s *ParquetSource) Fetched() (bytes, reads int64) { return s.fetched.Load(), s.reads.Load() }

func (s *ParquetSource) source(ctx context.Context) (*parquetconnector.Source, error) {
	ra, err := NewReaderAt(ctx, s.bucket, s.key)
	if err != nil {
		return nil, err
	}
	ra.onRead = func(n int64) { s.fetched.Add(n); s.reads.Add(1) }
	name := s.ds.Namespace + "/" + s.ds.Name
	return parquetconnector.NewReaderAtSource(name, s.ds, ra, ra.Size(), s.opts...), nil
}

// Schema reads the schema from the object's footer.
func (s *ParquetSource) Schema(ctx context.Context) (*arrow.Schema, error) {
	src, err := s.source(ctx)
	if err != nil {
		return nil, err
	}
	return src.Schema(ctx)
}

// NumRows reads the row count from the object's footer.
func (s *ParquetSource) NumRows(ctx context.Context) (int64, error) {
	src, err := s.source(ctx)
	if err != nil {
		return 0, err
	}
	return src.NumRows(ctx)
}

// ColumnStats reads the row groups' statistics from the object's footer.
func (s *ParquetSource) ColumnStats(ctx context.Context) ([][]connectors.ColumnStats, error) {
	src, err := s.source(ctx)
	if err != nil {
		return nil, err
	}
	return src.ColumnStats(ctx)
}

// Open reads the projected columns' chunks as the reader advances. The
// reader uses ctx for its range reads.
func (s *ParquetSource) Open(ctx context.Context, opts connectors.ReadOptions) (array.RecordReader, error) {
	src, err := s.source(ctx)
	if err != nil {
		return nil, err
	}
	return src.Open(ctx, opts)
}
