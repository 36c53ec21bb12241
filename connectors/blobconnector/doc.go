// Package blobconnector reads and writes datasets in object stores through
// gocloud.dev/blob (S3, GCS, Azure Blob Storage, or any bucket URL whose
// driver the program imports).
//
// This package registers no driver: a program imports the drivers it wants
// (s3blobdriver for S3; gocloud.dev/blob/gcsblob, …/azureblob) so that no
// cloud SDK is linked unless asked for. Opener returns a builtin.Opener to
// route a scheme (s3://bucket/key?endpoint=…) through a builtin.Registry.
//
// Reads: ReaderAt gives random access over range reads. A Parquet object
// is read by ParquetSource (what Opener returns for .parquet keys): the
// footer, then only the column chunks of the projected columns, in range
// reads of at most 1 MiB, never the whole object. Other formats are read by
// Source, which copies the object to a temporary file and reads that with
// the format's file source (one whole-object read; CSV and JSON are read
// whole anyway).
//
// Writes: a Sink writes the format to a temporary file, and on Commit
// uploads it with one blob.Writer that is closed only then; an aborted
// write cancels the upload, and the store never shows a partial object
// (see docs/connectors.md for what each store guarantees).
package blobconnector
