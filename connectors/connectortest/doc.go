// Package connectortest is the conformance kit for Sluice connectors, in the
// spirit of OpenTelemetry's consumertest: every Source/Sink implementation
// calls Run from its own tests with a Harness describing the format.
//
// Run writes batches through the Sink and reads them back through the Source,
// checking:
//
//   - round trip of every type in Harness.Types, with nulls;
//   - empty input (zero rows; the schema survives where the format can keep it);
//   - one huge batch read back in several batches of ReadOptions.BatchSize;
//   - projection (ReadOptions.Columns subset and order; an unknown column
//     is an error wrapping connectors.ErrNoColumn);
//   - nothing is visible before Commit, and Abort leaves the directory as it
//     was;
//   - Write, Commit and Abort after Commit return connectors.ErrClosed;
//   - a batch of another schema is refused with connectors.ErrSchemaMismatch;
//   - Dataset() of source and sink is the expected identity (namespace
//     "file" and the absolute path by default);
//   - two readers opened at once are independent.
//
// Every Arrow allocation made by the suite, and by the readers under test
// through ReadOptions.Allocator, is on a checked allocator that must be back
// to zero at the end of each subtest.
//
// Batch builds a deterministic batch of given types with nulls, usable by
// any test.
package connectortest
