// Package postgresconnector reads and writes PostgreSQL tables on
// jackc/pgx/v5.
//
// A Source reads a table (WithTable, or ?table=schema.name in a
// postgres:// URL) or the rows of a query (WithQuery, &query=SELECT …).
// Rows come out with binary COPY — COPY (SELECT <projected columns> FROM
// …) TO STDOUT (FORMAT binary) — decoded straight from the wire format into
// Arrow builders, with no database/sql row scanning and no Go value per
// cell. Types map as follows (NULL is null in every column):
//
//	bool                        → bool
//	int2, int4, int8            → int16, int32, int64
//	float4, float8              → float32, float64
//	numeric                     → float64 (the nearest double; NaN stays NaN)
//	text, varchar, bpchar, name → string
//	json, jsonb                 → string (the JSON text)
//	uuid                        → string (8-4-4-4-12 lower-case hex)
//	bytea                       → binary
//	date                        → date32
//	timestamptz                 → timestamp[us, UTC]
//	timestamp                   → timestamp[us, UTC] (read as UTC, as CSV)
//	text[], varchar[]           → list<string> (one dimension)
//	anything else               → string, PostgreSQL's text form (::text)
//
// A WithSchema hint (a rule file's declared columns) widens integers and
// floats to the declared width (an int4 column declared int64 reads as
// int64) and reads any column declared string as its text form; other
// declarations keep the mapping above. Infinite dates and timestamps do not
// convert: they follow ReadOptions.Invalid as a text value that does not
// parse does (an *InputError, a null, or a null marked in
// connectors.InvalidColumn).
//
// RowCounter answers with SELECT count(*). Only the projected columns are
// selected. Predicates are not pushed down (see docs/connectors.md).
//
// A Sink writes a table in one transaction: CREATE TABLE of a new name,
// binary COPY FROM of every batch, and at Commit DROP of the previous table
// of the target name and ALTER TABLE … RENAME, then COMMIT — readers see
// the old table or the new one, and an Abort (a failed gate) rolls back and
// leaves the target untouched.
//
// Datasets are named per OpenLineage: namespace "postgres://host:port",
// name "db.schema.table" (DatasetName). A Sink records a producer's
// metadata (run id, trace context; connectors.MetadataWriter) in the side
// table _sluice_lineage of the target's schema, in the same transaction;
// a Source puts it in its reader's schema metadata, where a gate finds the
// producer to link to, as it does in a Parquet footer.
package postgresconnector
