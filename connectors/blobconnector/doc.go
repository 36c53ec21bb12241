// Package blobconnector reads and writes datasets in object stores through
// gocloud.dev/blob (S3, GCS, Azure Blob Storage, or any bucket URL whose
// driver the program imports).
//
// This package registers no driver: a program imports the drivers it wants
// (s3blobdriver for S3; gocloud.dev/blob/gcsblob, …/azureblob) so that no
// cloud SDK is linked unless asked for. Opener returns a builtin.Opener to
// route a scheme (s3://bucket/key?endpoint=…) through a builtin.Registry.
//
// Reads: ReaderAt gives random access over range reads, so a Parquet reader
// fetches only the footer and the column chunks it asks for. Source, until
// the Parquet source accepts an io.ReaderAt, copies the object to a
// temporary file and reads that with the format's file source (a whole
// object read).
//
// Writes: a Sink writes the format to a temporary file, and on Commit
// uploads it with one blob.Writer that is closed only then; an aborted
// write cancels the upload, and the store never shows a partial object
// (see docs/sources.md for what each store guarantees).
package blobconnector
