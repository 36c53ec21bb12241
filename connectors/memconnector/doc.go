// Package memconnector keeps datasets in memory: a Store maps names to
// retained Arrow record batches, with a Source and a Sink per name.
//
// A Writer collects the batches it is given (retained, not copied) and
// Commit publishes them under the name at once, replacing what was there;
// Abort drops them. Readers opened before a Commit keep reading the version
// they opened. Datasets are identified as namespace "memory" and the name.
//
// Types: any Arrow type; batches are kept as written. Open re-slices batches
// larger than ReadOptions.BatchSize (zero copy) and projects columns by
// name; ReadOptions.Allocator is unused since nothing is allocated.
//
// A Store holds references to the batches' buffers until the dataset is
// replaced or deleted, or the Store is cleared: call Clear when done with a
// Store whose batches came from an allocator you check.
//
// Store, Source and Sink are safe for concurrent use; a Writer is not.
package memconnector
