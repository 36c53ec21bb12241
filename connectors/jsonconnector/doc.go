// Package jsonconnector reads JSON records, as NDJSON (one object per line,
// or any whitespace-separated objects) or as one top-level array of
// objects, and writes NDJSON.
//
// # Reading
//
// NewSource(path, opts...) detects the layout from the first non-space
// byte: '[' is an array of objects, '{' a sequence of objects; an empty file
// has no rows and no columns (only the hinted ones). Records are streamed
// with encoding/json's Decoder, one at a time, so memory is bounded by one
// batch of ReadOptions.Rows() rows. Options:
//
//   - WithSchema(schema): a type hint; its fields are columns with their
//     types whether or not a record has the key. Any Arrow type may be
//     declared; types other than those below are decoded by arrow-go's
//     JSON decoding of one value (lists, structs, decimals…).
//   - WithInferRows(n): records read for type inference, default 1000.
//
// Columns are the keys of the first n records, in order of first
// appearance, then hinted keys never seen (their fields carry
// connectors.DeclaredOnlyKey: the schema functions of dataset checks,
// column_count() and columns(), leave them out). Types of keys not hinted:
//
//	int64    numbers written without '.', 'e' or 'E'
//	double   numbers, when any has a fraction or exponent
//	bool     true / false
//	string   strings, RFC 3339 ones included (declare a timestamp to parse
//	         them), keys that are null in every record read, and keys
//	         whose values mix kinds that have no common type (see below)
//
// Values of a key that mix kinds (a number and a string, an object and a
// number, an object and an array; null is no kind, and integers and floats
// unify to double) are read as strings: a string as its text, any other
// value as its compact JSON text ({"a":[1,2]}). The field's metadata under
// connectors.NoteKey says so in one line without values, e.g. "mixed JSON
// types (number, string) in the first 1000 records: read as string".
// Only objects, or only arrays, in a key not hinted fail with an error
// wrapping connectors.ErrUnsupported. Hinted columns parse: integers
// of every width (an integral "2.0" fits an integer column), floats,
// strings, date32 from "2006-01-02", timestamps of any unit and zone from
// the layouts csvconnector accepts (zone-less values are UTC).
//
// While reading, a missing key is null, a key that is not a column (or not
// projected) is skipped, JSON null is null. ReadOptions.Columns projects:
// only the projected keys are inferred and decoded; the values of the
// others are walked for their syntax (and the limits) but neither decoded
// nor copied, and a projection of hinted columns reads no record for
// inference. A key that appears twice in one record fails the read (an
// *InputError, "duplicate key") when it is a column read; a repeated key
// that is not read is skipped like any such key, and inference does not
// look for repeats (the kinds of both values count). Problems are
// *connectors.InputError values with Path, Line, Column (1-based byte in
// the line, at the start of the value) and Field: a value that does not fit
// its column's type (the message quotes it, truncated, and says to declare
// the type in the rule file when it was inferred), malformed JSON, a record
// that is not an object, a duplicate key, invalid UTF-8 in a string, data
// after a top-level array.
//
// ReadOptions.Invalid says, per column, what a value that does not fit its
// column's type (declared or inferred) does: a bad number, boolean, date
// or timestamp, invalid UTF-8 in a string, or a value of the wrong JSON
// kind (an object where int64 is declared, a number where a string is).
// connectors.InvalidError, the default, fails the read with the
// *InputError above; connectors.InvalidNull makes the cell null;
// connectors.InvalidMark makes it null and records it in
// connectors.InvalidColumn, a nullable string column Open appends after the
// columns read (in the reader's schema and every batch, never in
// Source.Schema): null for a row without a marked cell, else a JSON object
// mapping each marked column, in the order of the columns read, to the
// value's raw text: a string's decoded text, the JSON source text of any
// other value, e.g. {"amount":"12x","items":"{\"n\": 1}"}; bytes that are
// not UTF-8 become U+FFFD. JSON null is null, never invalid; inference
// never fails on a value. Asking to mark a file where inference saw a key
// _sluice_invalid, or whose hint declares it, fails Open with an error
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
// with control characters escaped.
//
// # Writing
//
// NewSink(path) writes one object per row with every column as a key, in
// schema order, null as null: integers and floats as numbers (floats keep a
// ".0" so they read back as floats; NaN and infinities fail with
// connectors.ErrUnsupported), date32 as "2006-01-02", timestamps as RFC 3339
// strings in UTC, strings escaped (invalid UTF-8 becomes U+FFFD),
// dictionary-encoded columns as their values (dictionaries may change
// between batches), lists as JSON arrays of their items (the quarantine's
// _sluice_failed_rules as ["rule_a","rule_b"]), other types as arrow-go
// marshals them. The file is written to a temporary file
// in the same directory and renamed over path by Commit; Abort removes it.
//
// Datasets are identified by lineage.FileDataset: namespace "file" and the
// absolute path. Sources and sinks are safe for concurrent use; a Writer is
// not.
package jsonconnector
