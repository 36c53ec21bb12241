package connectors

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/internal/arrowtypes"
	"github.com/sluicedata/sluice/lineage"
)

// DefaultBatchSize is the number of rows per batch when ReadOptions.BatchSize
// is zero.
const DefaultBatchSize = 64 * 1024

// MaxBatchSize is the largest ReadOptions.BatchSize a Source accepts.
// Readers allocate for the rows they actually read, never for the batch
// size alone.
const MaxBatchSize = 1 << 22

// RedactFunc returns the form of a cell value of column that may appear in
// a message (an error, a log line, a span). It returns value itself for a
// column whose values may be shown, and a mask such as "[redacted]" for
// one tagged pii.*. Connectors quote what it returns, escaping control
// characters. A nil RedactFunc shows every value.
type RedactFunc func(column, value string) string

// Show returns the form of value that a message about column may carry:
// redact's result, or value itself when redact is nil.
func (redact RedactFunc) Show(column, value string) string {
	if redact == nil {
		return value
	}
	return redact(column, value)
}

// ReadOptions tune Source.Open.
type ReadOptions struct {
	// Columns projects the read to these columns, in this order. Nil reads
	// every column. Naming a column the dataset lacks is an error wrapping
	// ErrNoColumn.
	Columns []string
	// BatchSize is the maximum number of rows per batch; zero means
	// DefaultBatchSize. More than MaxBatchSize, or negative, is refused by
	// Validate.
	BatchSize int
	// Allocator allocates the Arrow buffers of returned batches; nil means
	// memory.DefaultAllocator.
	Allocator memory.Allocator
	// Invalid says, per column name, what a reader of a text format (CSV,
	// JSON) does with a value that does not parse as the column's type,
	// declared or inferred. Nil means InvalidError for every column.
	// Readers of typed formats (Parquet, Arrow) ignore it: their values
	// always have their column's type.
	Invalid func(column string) InvalidPolicy
}

// NoteKey is the field metadata key under which a reader explains, in one
// line without values, how it typed a column when that is not what the
// data or the schema hint said plainly: for example that a JSON column of
// mixed types was read as string. Reports show the note.
const NoteKey = "sluice.note"

// DeclaredOnlyKey is the field metadata key (value "true") of a column a
// reader adds only because the rule file declares it, with no value of the
// data behind it (the JSON reader's hinted keys that no record has). The
// schema functions of dataset checks, column_count() and columns(), leave
// such columns out.
const DeclaredOnlyKey = arrowtypes.DeclaredOnlyKey

// InvalidPolicy is what a text reader does with a value that does not
// parse as its column's type (ReadOptions.Invalid).
type InvalidPolicy uint8

const (
	// InvalidError fails the read with an *InputError naming the line,
	// the column and the value (through the reader's RedactFunc).
	InvalidError InvalidPolicy = iota
	// InvalidNull makes the cell null and records nothing.
	InvalidNull
	// InvalidMark makes the cell null and records the column and the raw
	// text in the row's InvalidColumn.
	InvalidMark
)

// InvalidColumn is the column a text reader appends, after the columns
// read, when ReadOptions.Invalid returns InvalidMark for any column of the
// read. It is a nullable string: null for a row whose values all parse,
// otherwise a JSON object that maps the name of each marked column whose
// value did not parse to its raw text, in column order, for example
// {"amount":"12x","placed_at":"yesterday"}. Bytes that are not UTF-8 are
// replaced by U+FFFD. A file that has a column of this name cannot be
// read with marking (the reader fails with ErrUnsupported). The field
// carries the metadata MarksKey, which tells it from a column of that name
// in a typed file (a quarantine read back, for example).
const InvalidColumn = "_sluice_invalid"

// MarksKey is the field metadata key, with any value, of the InvalidColumn
// a reader appends.
const MarksKey = "sluice.marks"

// Marks reports whether o asks for InvalidColumn on a read of columns.
func (o ReadOptions) Marks(columns []string) bool {
	if o.Invalid == nil {
		return false
	}
	for _, c := range columns {
		if o.Invalid(c) == InvalidMark {
			return true
		}
	}
	return false
}

// Policy returns o.Invalid(column), or InvalidError when o.Invalid is nil.
func (o ReadOptions) Policy(column string) InvalidPolicy {
	if o.Invalid == nil {
		return InvalidError
	}
	return o.Invalid(column)
}

// Alloc returns o.Allocator or memory.DefaultAllocator.
func (o ReadOptions) Alloc() memory.Allocator {
	if o.Allocator == nil {
		return memory.DefaultAllocator
	}
	return o.Allocator
}

// Validate reports options a Source cannot honour: a batch size above
// MaxBatchSize or negative (wrapping ErrLimit).
func (o ReadOptions) Validate() error {
	if o.BatchSize < 0 || o.BatchSize > MaxBatchSize {
		return fmt.Errorf("batch size %d: %w: it must be between 1 and %d rows (0 means %d)", o.BatchSize, ErrLimit, MaxBatchSize, DefaultBatchSize)
	}
	return nil
}

// Rows returns o.BatchSize, DefaultBatchSize when it is zero or less, and
// at most MaxBatchSize.
func (o ReadOptions) Rows() int {
	switch {
	case o.BatchSize <= 0:
		return DefaultBatchSize
	case o.BatchSize > MaxBatchSize:
		return MaxBatchSize
	}
	return o.BatchSize
}

// ReserveRows is how many rows a reader reserves builder room for before
// reading a batch: the batch size, at most 4096. Builders grow past it as
// rows arrive, so memory follows the rows actually read.
func (o ReadOptions) ReserveRows() int {
	return min(o.Rows(), 4096)
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
	// NullCountExact reports that the file states NullCount for the chunk
	// (a missing statistic reads as zero otherwise).
	NullCountExact bool
	// MinMaxExact reports that Min and Max are the chunk's smallest and
	// largest non-null values themselves, not bounds a writer truncated,
	// widened or ordered by another rule (legacy min/max fields, truncated
	// strings). Only exact statistics may answer min() and max().
	MinMaxExact bool
}

// StatsProvider is implemented by sources that expose per-chunk column
// statistics, for example Parquet row-group statistics. The outer slice has
// one entry per chunk, in file order.
type StatsProvider interface {
	ColumnStats(ctx context.Context) ([][]ColumnStats, error)
}

// Default limits of text inputs (see Limits).
const (
	// DefaultMaxRecordBytes bounds a CSV record, an NDJSON line or one
	// element of a JSON array: 64 MiB, far above real rows, small enough
	// that a file without line breaks cannot exhaust memory.
	DefaultMaxRecordBytes = 64 << 20
	// DefaultMaxColumns bounds the columns of a CSV header or the keys of
	// JSON records: 65,536.
	DefaultMaxColumns = 1 << 16
	// DefaultMaxDepth bounds the nesting of JSON objects and arrays inside
	// a record: 64 levels.
	DefaultMaxDepth = 64
)

// Limits bound what a text input (CSV, JSON) declares, so that memory stays
// within a small multiple of the limits whatever the file holds. A zero
// field means its default. A violation is an *InputError wrapping ErrLimit
// with the line (and column where known) at which it was crossed, raised
// before the memory is allocated.
type Limits struct {
	// MaxRecordBytes bounds the bytes of one record: a CSV record (quoted
	// line breaks included), an NDJSON line, one element of a JSON array.
	// Zero means DefaultMaxRecordBytes.
	MaxRecordBytes int64 `yaml:"max_record_bytes,omitempty"`
	// MaxFieldBytes bounds the bytes of one field (CSV) or one value
	// (JSON). Zero means MaxRecordBytes.
	MaxFieldBytes int64 `yaml:"max_field_bytes,omitempty"`
	// MaxColumns bounds the columns of a CSV header and the distinct keys
	// of JSON records. Zero means DefaultMaxColumns.
	MaxColumns int `yaml:"max_columns,omitempty"`
	// MaxDepth bounds the nesting of JSON objects and arrays within a
	// record (the record's own object is level 1). Zero means
	// DefaultMaxDepth.
	MaxDepth int `yaml:"max_depth,omitempty"`
}

// Resolved returns l with every zero field replaced by its default.
func (l Limits) Resolved() Limits {
	if l.MaxRecordBytes <= 0 {
		l.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if l.MaxFieldBytes <= 0 || l.MaxFieldBytes > l.MaxRecordBytes {
		l.MaxFieldBytes = l.MaxRecordBytes
	}
	if l.MaxColumns <= 0 {
		l.MaxColumns = DefaultMaxColumns
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}
