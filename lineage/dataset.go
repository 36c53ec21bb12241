package lineage

import (
	"fmt"
	"path/filepath"
)

// Dataset is the identity of a dataset following the OpenLineage naming
// convention: a namespace naming the storage (for local files "file") and a
// name unique within it (for local files the absolute path).
//
// See https://openlineage.io/docs/spec/naming for the conventions.
type Dataset struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// FileNamespace is the OpenLineage namespace of datasets on the local file
// system.
const FileNamespace = "file"

// FileDataset returns the identity of the local file at path: namespace
// "file" and the cleaned absolute path as name.
func FileDataset(path string) (Dataset, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Dataset{}, fmt.Errorf("lineage: dataset identity of %q: %w", path, err)
	}
	return Dataset{Namespace: FileNamespace, Name: abs}, nil
}

// String returns "namespace://name" for files and "namespace/name" otherwise,
// a form meant for people, not for parsing.
func (d Dataset) String() string {
	if d.Namespace == FileNamespace {
		return "file://" + d.Name
	}
	return d.Namespace + "/" + d.Name
}

// IsZero reports whether d has neither namespace nor name.
func (d Dataset) IsZero() bool { return d.Namespace == "" && d.Name == "" }

// FileDatasetOf is FileDataset for callers that cannot fail: when the
// absolute path cannot be had (the working directory is gone), the name is
// the cleaned path as given.
func FileDatasetOf(path string) Dataset {
	d, err := FileDataset(path)
	if err != nil {
		return Dataset{Namespace: FileNamespace, Name: filepath.Clean(path)}
	}
	return d
}
