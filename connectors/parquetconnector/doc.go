// Package parquetconnector reads and writes Parquet files as Arrow record
// batches, built on github.com/parquet-go/parquet-go.
//
// The reader decodes column pages and copies their values in bulk into
// Arrow buffers, with no row structs and no per-value boxing. Flat columns of
// these Parquet types are supported:
//
//   - BOOLEAN → bool; FLOAT, DOUBLE → float32, float64
//   - INT32 → int32, or int8/int16/uint8/uint16/uint32 (INT logical type),
//     date32 (DATE), time32[ms] (TIME), decimal128 (DECIMAL)
//   - INT64 → int64, uint64, timestamp[ms|us|ns] (TIMESTAMP; UTC-adjusted
//     timestamps carry a time zone: the one recorded in the ARROW:schema
//     footer entry, else "UTC"), time64, decimal128
//   - BYTE_ARRAY → string (STRING, ENUM, JSON) or binary; large_string and
//     large_binary when the ARROW:schema entry asks for them; decimal128
//   - FIXED_LEN_BYTE_ARRAY → fixed_size_binary, or decimal128 (DECIMAL)
//   - INT96 → timestamp[ns] (legacy)
//
// Optional columns get validity bitmaps from their definition levels. A
// BYTE_ARRAY column whose chunks the footer reports as dictionary encoded
// (or whose ARROW:schema type is a dictionary) is read as a
// dictionary<int32, string|binary> array whose dictionary is the chunk's; if
// a chunk switches to plain pages part way, those values extend the batch's
// dictionary, so values are never lost. Batches never span two row groups.
//
// Top-level lists of any of these types are read as Arrow list arrays: the
// standard three-level LIST (optional group (LIST) { repeated group list {
// optional T element } }), the legacy two-level form and a bare repeated
// primitive (a non-null list). Offsets and validity come from the
// repetition and definition levels, the elements are copied in bulk like a
// flat column; null lists, empty lists and null elements are kept, and rows
// that continue on the next page are joined. List elements are never read
// as dictionaries, and list columns have no ColumnStats.
//
// Other nested columns (maps, structs, lists of lists or of groups) and
// LZ4-compressed columns (LZ4_RAW and the Hadoop-framed LZ4) are read with
// arrow-go's pqarrow instead (struct, map, list<struct>, …). A file with
// such a column is read with pqarrow as a whole: Schema reports pqarrow's
// types for every column and every Open reads with pqarrow, whatever it
// selects, so the two agree; its batches may span row groups.
//
// ColumnStats marks statistics exact conservatively. NullCountExact is set
// only for a non-zero null_count, because parquet-go decodes an absent
// null_count as zero. MinMaxExact is set only when both bounds come from
// min_value/max_value (never the legacy min/max fields) and the column is
// boolean, integer or floating point: parquet-go does not expose
// is_min_value_exact/is_max_value_exact, and writers truncate byte arrays,
// so string, binary, fixed, decimal and INT96 bounds are never exact.
//
// Row groups are decoded ahead of the consumer on goroutines, at most
// WithRowGroupWorkers of them at once (DefaultRowGroupWorkers, 2, and
// never more than GOMAXPROCS), the columns of each batch in parallel too;
// batches are returned in file order and are the same as those of a
// sequential read. A reader holds the decoded batches of at most that many
// row groups, so its memory is bounded by the row-group size, not the file.
//
// A damaged or truncated file yields an error wrapping connectors.ErrCorrupt
// with the path, never a panic: panics of the decoder are recovered at the
// package boundary, and the footer length and the ARROW:schema entry are
// validated before they are trusted; a string value that is not valid
// UTF-8 is damage too (binary columns hold any bytes). LZ4-compressed
// columns never reach parquet-go's LZ4 decoder, which does not terminate on
// a damaged page; pqarrow reads them (see above), its panics recovered as
// ErrCorrupt. On some damaged files parquet-go prints a warning line to
// standard error.
//
// The Sink writes with arrow-go's Parquet writer: Arrow arrays go to column
// chunks, in row groups of at most WithRowGroupRows rows (1Mi) or
// WithRowGroupBytes compressed bytes (128 MiB), so only the open row group
// is in memory; chunks carry statistics and the file a page index; snappy
// by default (zstd, lz4 — LZ4_RAW, which this reader reads through
// pqarrow as said above — or none, see WithCompression). Arrow
// dictionary columns are written dictionary encoded, the dictionaries of
// their batches unified; other columns PLAIN; list<T> columns of the flat
// types above as the three-level LIST. The Sink stores the Arrow schema under ARROW:schema so Arrow readers restore the
// exact types, and commits atomically: the data goes to a temporary file in
// the destination directory, which is synced and renamed over the
// destination on Commit and removed on Abort or any failure.
package parquetconnector
