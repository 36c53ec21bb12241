// Package arrowconnector reads and writes Arrow IPC files: the random-access
// file format (magic "ARROW1", usually .arrow or .feather v2) and the
// streaming format (.arrows).
//
// NewSource(path) detects the format from the first bytes: "ARROW1" means the
// file format, anything else is read as a stream. Types are whatever the
// file holds: Arrow IPC stores the Arrow schema itself, including schema
// metadata, which Schema returns. Open projects ReadOptions.Columns by
// selecting columns of each stored batch (zero copy) and re-slices stored
// batches larger than ReadOptions.BatchSize (zero copy); batches are never
// merged, so a file of small batches reads as small batches. Every batch is
// validated (array.ValidateRecordFull) before it is handed out; a truncated
// or damaged file yields an error wrapping connectors.ErrCorrupt, never a
// panic. What a file declares is bounded before it is allocated
// (WithLimits: flatbuffer sizes, body lengths against the file size, the
// rows of a batch — Limits.MaxBatchRows, 2^25 by default).
//
// NewSink(path, opts...) writes the file format, or the stream format with
// WithStreamFormat(). Writing goes to a temporary file in the same
// directory that Commit syncs and renames over path, so readers see the old
// file or the new one, never a part; Abort removes it. The Writer
// implements connectors.MetadataWriter: keys set with SetMetadata are stored
// in the schema metadata together with the metadata of the schema given to
// Create. The schema is written with the first batch, so SetMetadata must be
// called before the first Write; a key set later makes Commit fail with an
// error wrapping connectors.ErrUnsupported.
//
// Dictionary-encoded columns may change their dictionary between batches.
// A stream carries each change as a delta (the dictionary grew) or a
// replacement; the file format, which holds one dictionary per field, gets
// the union of all the batches' dictionaries, the indices mapped onto it
// (see Sink). Readers get back the values written either way.
//
// Datasets are identified by lineage.FileDataset: namespace "file" and the
// absolute path. Sources and sinks are safe for concurrent use; a Writer is
// not.
package arrowconnector
