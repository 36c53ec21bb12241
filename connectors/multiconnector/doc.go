// Package multiconnector reads a set of files — the parts of a directory or
// a glob — as one dataset.
//
// Parts are read in lexical order of their paths and the batches come out
// in that order, as if the parts were concatenated: a report over a
// multi-part source equals the report over the concatenated file. Up to
// WithParallelism parts are opened and read ahead at once, each buffering
// at most a couple of batches, so memory is bounded by the parallelism, not
// by the number of parts.
//
// Hive-style path segments (`date=2026-01-01/country=fr/part-0.parquet`)
// become columns appended after the parts' own columns. A partition column
// is typed from a declared schema (WithSchemaHint: date32, int64 or string)
// or, when undeclared, inferred over every part's value at once: date32 if
// every value is a YYYY-MM-DD date, int64 if every value is an integer,
// string otherwise. `__HIVE_DEFAULT_PARTITION__` is null.
//
// Schema differences between parts are an error wrapping
// connectors.ErrSchemaMismatch that names the first part and the differing
// one: the parts must agree on names, order and types. For text formats a
// declared schema (the rule file's columns) types every part alike, so
// parts whose inferred types would differ agree once declared.
package multiconnector
