// Package connectors defines how Sluice reads and writes datasets: a Source
// streams Arrow record batches, a Sink creates a Writer whose Commit is atomic
// (a reader never sees a half-written dataset) and whose Abort leaves nothing
// behind.
//
// Formats live in subpackages named after their kind: parquetconnector,
// csvconnector, jsonconnector, arrowconnector and memconnector. The package
// connectortest holds the conformance suite every connector passes, and the
// package builtin maps file names to the built-in formats.
//
// Ownership follows arrow-go: a reader or batch returned to the caller is the
// caller's to Release; a batch passed to Writer.Write is borrowed for the
// duration of the call.
package connectors
