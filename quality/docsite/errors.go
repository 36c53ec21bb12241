package docsite

import "errors"

// ErrLineageFile is wrapped by the errors of ReadLineage about the content
// of the file: a line that is not a RunEvent, an event without a run id.
var ErrLineageFile = errors.New("docsite: bad lineage file")
