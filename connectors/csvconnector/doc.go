// Package csvconnector reads and writes CSV files with a header line
// (RFC 4180, through encoding/csv).
//
// # Reading
//
// NewSource(path, opts...) reads a file whose first line names the columns
// (a UTF-8 byte order mark is dropped). A name the header repeats is an
// *connectors.InputError wrapping connectors.ErrCorrupt, from Schema and
// Open, that names both 1-based positions:
//
//	orders.csv:1: duplicate column "id" in the header (columns 1 and 4)
//
// Names are compared byte for byte ("id" and "ID" are two columns).
// Options:
//
//   - WithSchema(schema): a type hint. Its fields give the types of the
//     header columns of the same name; other columns are inferred; hint
//     fields the header lacks are ignored.
//   - WithNullTokens(tokens...): extra values read as null, e.g. "NA". The
//     empty field is always null, in string columns too (CSV cannot tell
//     an empty string from a missing value).
//   - WithDelimiter(r): field delimiter, default ','.
//   - WithInferRows(n): rows read for type inference, default 1000.
//
// Inference looks at the non-null values of the first n data rows of each
// column and picks the first type all of them parse as:
//
//	int64      strconv.ParseInt, base 10 ("007" is the integer 7)
//	double     strconv.ParseFloat, starting with a digit, sign or '.'
//	bool       true / false, any letter case
//	date32     2006-01-02
//	timestamp  RFC 3339 with or without zone ("2006-01-02T15:04:05Z07:00",
//	           "2006-01-02T15:04:05"), "2006-01-02 15:04:05" with or
//	           without zone, fractional seconds allowed; read as
//	           timestamp[us, tz=UTC] (TimestampType); values without a zone
//	           are UTC
//	string     anything else, and columns with no value in those rows
//
// A declared (hinted) column may also be int8/16/32, uint8/16/32/64,
// float32, large_string, or timestamp of any unit and zone; other types are
// refused with an error wrapping connectors.ErrUnsupported.
//
// Reading streams the file in batches of ReadOptions.Rows() rows, with
// memory bounded by one batch. ReadOptions.Columns projects: only the
// projected columns are inferred, parsed and validated, and (for a
// single-byte delimiter) the bytes of the other fields are not even
// copied; their quoting, the field count and the limits are still
// checked. A projection of declared columns reads the header and no row
// for inference. Problems in the input are
// *connectors.InputError values (Path, Line, Column = 1-based field index,
// Field = column name): a value that does not parse as its column's type
// (the message quotes the value, truncated, and says to declare the type in
// the rule file when it was inferred), a line with the wrong number of
// fields, invalid UTF-8 in a string field or the header, a bare quote. A file
// without a header (0 bytes, or blank lines only) is not an error: it has
// no rows, and its columns are those of WithSchema (none without it).
//
// ReadOptions.Invalid says, per column, what a value that does not parse as
// its column's type (declared or inferred: a bad number, boolean, date or
// timestamp, invalid UTF-8 in a string column) does. connectors.InvalidError,
// the default, fails the read with the *connectors.InputError above;
// connectors.InvalidNull makes the cell null; connectors.InvalidMark makes
// it null and records it in connectors.InvalidColumn, a nullable string
// column Open appends after the columns read (in the reader's schema and
// every batch, never in Source.Schema): null for a row without a marked
// cell, else a JSON object of the marked columns' raw field text, in the
// order of the columns read, e.g. {"amount":"12x","placed_at":"yesterday"},
// with bytes that are not UTF-8 replaced by U+FFFD. A null token is null,
// never invalid; inference never fails on a value. Asking to mark a file
// whose header has a column named _sluice_invalid fails Open with an error
// wrapping connectors.ErrUnsupported that names the file.
//
// Schema and Open read the first rows for inference (Open only when a
// column it reads is not declared); Open then reads the input again from
// the top. A named pipe or a character device is opened
// once, without blocking, and read as a stream: what inference read is
// kept and replayed by Open (so a stream source is opened once); every
// read honours the context.
//
// Limits (WithLimits, connectors.Limits): a record (64 MiB), a field
// (the record's limit), the columns (65,536) and, for JSON, the nesting
// (64 levels) are bounded before anything is buffered; a violation is an
// *connectors.InputError wrapping connectors.ErrLimit with the line. A
// batch size above connectors.MaxBatchSize is refused. Values quoted in
// errors pass through WithRedact's connectors.RedactFunc and are quoted
// with control characters escaped. encoding/csv skips blank
// lines, so a one-column file cannot hold a null as an empty line (the
// writer writes "" instead).
//
// # Writing
//
// NewSink(path, opts...) writes a header line and one line per row, fields
// quoted when they hold the delimiter, a quote, a line break or a leading
// space. Null is the empty field; floats keep a decimal point ("5.0") so
// they read back as floats; timestamps are RFC 3339 in UTC with as many
// fractional digits as needed; dates are 2006-01-02. Types are those listed
// above for reading, dictionary-encoded columns of them (written as their
// values), and lists of them (list, large_list, fixed_size_list) written
// as one cell: the items joined by ';', a ';' or '\' inside an item
// escaped with '\', a null item as \N — so the quarantine's
// _sluice_failed_rules reads "rule_a;odd\;name" (see ListText). An empty
// list, like a null one, is the empty field. Create refuses other types
// (lists of lists, structs, maps) with connectors.ErrUnsupported.
// Only WithDelimiter applies to a Sink. The file is written to a temporary
// file in the same directory and renamed over path by Commit; Abort removes
// it.
//
// Datasets are identified by lineage.FileDataset: namespace "file" and the
// absolute path. Sources and sinks are safe for concurrent use; a Writer is
// not.
package csvconnector
