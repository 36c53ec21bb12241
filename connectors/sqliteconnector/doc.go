// Package sqliteconnector reads and writes tables of SQLite database files
// on modernc.org/sqlite (pure Go, no cgo).
//
// A Source reads a table (WithTable) or the rows of a query (WithQuery).
// Only the projected columns are selected, and RowCounter answers with
// SELECT count(*). SQLite's types are dynamic: a column declared INTEGER
// may hold text. The reader converts every value to its column's Arrow
// type — the type of a WithSchema hint (a rule file's declared columns),
// else the type the column's declaration maps to (INT… → int64, REAL,
// FLOA…, DOUBLE → float64, BOOL… → bool, DATE → date32, DATETIME and
// TIMESTAMP → timestamp[us, UTC], BLOB → binary, UNSIGNED64 BLOB (what a Sink declares for uint64) → uint64, anything else → string)
// — with the type-violation semantics of the text readers: integers and
// reals stored as text parse, text timestamps in RFC 3339 or SQLite's
// "YYYY-MM-DD HH:MM:SS[.fff]" (read as UTC) parse, and a value that does
// not convert follows ReadOptions.Invalid (an *InputError naming the row
// and the column, a null, or a null marked in connectors.InvalidColumn
// with the value's text). NULL is null.
//
// A Sink writes a table in one transaction: it creates a new table,
// inserts every batch, and at Commit drops the previous table of the name
// and renames the new one in the same transaction, so that readers see
// the old table or the new one and an Abort (a failed gate) leaves the
// target untouched. Timestamps are stored as RFC 3339 text, dates as
// YYYY-MM-DD, lists of strings as csvconnector.ListText.
//
// Datasets are named per OpenLineage: namespace "sqlite", name
// "<path>/<table>" (DatasetName).
package sqliteconnector
