package connectors

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/lineage"
)

// DefaultBatchSize is the number of rows per batch when ReadOptions.BatchSize
// is zero.
const DefaultBatchSize = 64 * 1024

// ReadOptions tune Source.Open.
type ReadOptions struct {
	// Columns projects the read to these columns, in this order. Nil reads
	// every column. Naming a column the dataset lacks is an error wrapping
	// ErrNoColumn.
	Columns []string
	// BatchSize is the maximum number of rows per batch; zero means
	// DefaultBatchSize.
	BatchSize int
	// Allocator allocates the Arrow buffers of returned batches; nil means
	// memory.DefaultAllocator.
	Allocator memory.Allocator
}

// Alloc returns o.Allocator or memory.DefaultAllocator.
func (o ReadOptions) Alloc() memory.Allocator {
	if o.Allocator == nil {
		return memory.DefaultAllocator
	}
	return o.Allocator
}

// Rows returns o.BatchSize or DefaultBatchSize.
func (o ReadOptions) Rows() int {
	if o.BatchSize <= 0 {
		return DefaultBatchSize
	}
	return o.BatchSize
}

// Source is a dataset that can be read as a stream of Arrow record batches.
//
// Implementations are safe for concurrent use: each Open returns an
// independent reader.
type Source interface {
	// Dataset returns the identity of the dataset per OpenLineage naming.
	Dataset() lineage.Dataset
	// Schema returns the full Arrow schema of the dataset without reading its
	// rows where the format allows.
	Schema(ctx context.Context) (*arrow.Schema, error)
	// Open starts a read. The returned reader is the caller's to Release. A
	// problem met while reading is reported by the reader's Err after Next
	// returns false; it wraps ErrCorrupt or is an *InputError where the
	// input itself is at fault.
	Open(ctx context.Context, opts ReadOptions) (array.RecordReader, error)
}

// Sink is a dataset that can be written.
type Sink interface {
	// Dataset returns the identity of the dataset per OpenLineage naming.
	Dataset() lineage.Dataset
	// Create starts a write of batches of the given schema. Nothing is
	// visible to readers until the Writer commits.
	Create(ctx context.Context, schema *arrow.Schema) (Writer, error)
}

// Writer receives the batches of one write.
//
// Exactly one of Commit or Abort ends a write; calling either again returns
// ErrClosed. Abort after a failed Write or Commit is always safe and leaves no
// output behind. A Writer is not safe for concurrent use.
type Writer interface {
	// Write appends a batch, borrowed for the call. Its schema must equal the
	// schema given to Create (ErrSchemaMismatch otherwise).
	Write(batch arrow.RecordBatch) error
	// Commit makes everything written visible at once.
	Commit(ctx context.Context) error
	// Abort discards everything written.
	Abort(ctx context.Context) error
}

// MetadataWriter is implemented by writers that can store key-value
// metadata with the dataset (Parquet and Arrow key-value metadata). Set
// before Commit.
type MetadataWriter interface {
	SetMetadata(key, value string)
}

// RowCounter is implemented by sources that know their row count from
// metadata without reading rows.
type RowCounter interface {
	NumRows(ctx context.Context) (int64, error)
}

// ColumnStats are the statistics a format stores for one column of one
// chunk of rows (a Parquet row group), usable for pruning.
type ColumnStats struct {
	Column    string
	NumValues int64
	NullCount int64
	// Min and Max are the smallest and largest values as Go values (int64,
	// uint64, float64, bool, string, []byte, time.Time), or nil when the
	// format stores none.
	Min, Max any
}

// StatsProvider is implemented by sources that expose per-chunk column
// statistics, for example Parquet row-group statistics. The outer slice has
// one entry per chunk, in file order.
type StatsProvider interface {
	ColumnStats(ctx context.Context) ([][]ColumnStats, error)
}
