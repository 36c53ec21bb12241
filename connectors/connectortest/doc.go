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
//   - two readers opened at once are independent;
//   - dictionary-encoded columns whose dictionary changes between batches
//     (a delta, a replacement, the same arrays again; see
//     DictionaryBatches), list<string> columns with null and empty lists
//     (ListBatches), and the schema of a quality gate's quarantine: the
//     Harness.Types columns followed by FailedRulesColumn, a list<string>
//     of rule names holding ';', ',' and '\' (Quarantine).
//
// Values read back must equal those written. Formats that cannot keep a
// type as such declare the equivalence they offer instead, and the suite
// holds them to it: Harness.DictionaryAsValues (a dictionary column reads
// back as a plain column of its value type), Harness.DictionaryIndex (it
// reads back with another index type), Harness.ListText (a list<string>
// reads back as one string cell, csvconnector.ListText for CSV) and
// Harness.ListsWriteOnly (the sink writes lists, the source cannot read
// them without a type hint). Dictionaries are compared by value: a reader
// may see one unified dictionary where several were written.
//
// Every Arrow allocation made by the suite, and by the readers under test
// through ReadOptions.Allocator, is on a checked allocator that must be back
// to zero at the end of each subtest.
//
// Batch builds a deterministic batch of given types with nulls, usable by
// any test; Quarantine, DictionaryBatches and ListBatches build the
// batches of the cases above.
package connectortest
