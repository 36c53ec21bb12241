package parquetconnector

import (
	"fmt"

	"github.com/sluicedata/sluice/connectors"
)

// Limits bound what a Parquet file may declare before any of it is
// decoded: a file that exceeds one is refused with an error naming the
// limit and the offset, instead of letting the decoder allocate what the
// file asks for. A zero field takes its default (DefaultLimits).
type Limits struct {
	// MaxFooterBytes bounds the encoded footer (FileMetaData).
	MaxFooterBytes int64
	// MaxFooterMemory bounds the memory decoding the footer may take, as
	// estimated from the lengths of its lists and strings.
	MaxFooterMemory int64
	// MaxColumns bounds the schema elements (columns and groups) of the
	// file and the column chunks of one row group.
	MaxColumns int
	// MaxRowGroups bounds the row groups of the file.
	MaxRowGroups int
	// MaxKeyValues bounds the key-value metadata entries of the file.
	MaxKeyValues int
	// MaxPageBytes bounds the compressed and the uncompressed size of one
	// page, dictionary pages included.
	MaxPageBytes int64
	// MaxPageValues bounds the values (levels included) of one page.
	MaxPageValues int64
}

// DefaultLimits are sized for real data: far above what writers produce
// (pages of about 1 MiB, tens of thousands of columns at most), far below
// what would exhaust the memory of a small machine.
var DefaultLimits = Limits{
	MaxFooterBytes:  256 << 20,
	MaxFooterMemory: 1 << 30,
	MaxColumns:      100_000,
	MaxRowGroups:    1_000_000,
	MaxKeyValues:    100_000,
	MaxPageBytes:    256 << 20,
	MaxPageValues:   1 << 26,
}

// withDefaults fills the zero fields of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxFooterBytes > 0 {
		d.MaxFooterBytes = l.MaxFooterBytes
	}
	if l.MaxFooterMemory > 0 {
		d.MaxFooterMemory = l.MaxFooterMemory
	}
	if l.MaxColumns > 0 {
		d.MaxColumns = l.MaxColumns
	}
	if l.MaxRowGroups > 0 {
		d.MaxRowGroups = l.MaxRowGroups
	}
	if l.MaxKeyValues > 0 {
		d.MaxKeyValues = l.MaxKeyValues
	}
	if l.MaxPageBytes > 0 {
		d.MaxPageBytes = l.MaxPageBytes
	}
	if l.MaxPageValues > 0 {
		d.MaxPageValues = l.MaxPageValues
	}
	return d
}

// SourceOption configures a Source.
type SourceOption func(*Source)

// WithLimits sets the limits a file must keep to; zero fields keep their
// defaults.
func WithLimits(l Limits) SourceOption {
	return func(s *Source) { s.limits = l.withDefaults() }
}

// limitError wraps a limit violation at offset off of path: it is
// connectors.ErrLimit and, as every footer or page problem, ErrCorrupt.
func limitError(path string, off int64, format string, args ...any) error {
	return fmt.Errorf("%w: %w", corruptAt(path, off, format, args...), connectors.ErrLimit)
}

// corruptAt wraps a problem at offset off of path as connectors.ErrCorrupt.
func corruptAt(path string, off int64, format string, args ...any) error {
	return fmt.Errorf("parquetconnector: %s: offset %d: %s: %w", path, off, fmt.Sprintf(format, args...), connectors.ErrCorrupt)
}
