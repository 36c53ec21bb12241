// Package builtin maps file names to Sluice's built-in formats, so programs
// can open any supported file by its extension, and routes URLs to the
// openers a program registers by scheme (see Registry).
//
// CSV and JSON inputs may be named pipes or character devices (a shell's
// <(cmd), /dev/stdin): they are read once, as a stream. Parquet and Arrow
// IPC need a regular file and refuse anything else with an error wrapping
// connectors.ErrUnsupported, before opening it. Directories and sockets are
// refused by every format.
//
// The list of formats is plain data (Formats); nothing registers itself:
// database and object-store openers are registered by the program that
// links them (Registry.Register), so this package imports no driver.
package builtin

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/arrowconnector"
	"github.com/sluicedata/sluice/connectors/csvconnector"
	"github.com/sluicedata/sluice/connectors/jsonconnector"
	"github.com/sluicedata/sluice/connectors/parquetconnector"
	"github.com/sluicedata/sluice/internal/fileio"
)

// Options apply to whichever format a path selects; each format takes the
// options that concern it.
type Options struct {
	// SchemaHint types the columns of text formats (CSV, JSON) by name;
	// columns it lacks are inferred. Binary formats carry their own schema.
	SchemaHint *arrow.Schema
	// NullTokens are extra CSV field values read as null.
	NullTokens []string
	// Compression is the Parquet codec of sinks: snappy (default), zstd,
	// lz4 or none.
	Compression string
	// RowGroupRows and RowGroupBytes bound the row groups of Parquet
	// sinks: a row group is closed at RowGroupRows rows or once its
	// compressed pages reach RowGroupBytes, whichever comes first (zero
	// means the defaults, 1Mi rows and 128 MiB; see
	// parquetconnector.WithRowGroupRows and WithRowGroupBytes).
	RowGroupRows  int64
	RowGroupBytes int64
	// Limits bound what a text input (CSV, JSON) may declare: bytes per
	// record and per field, columns, JSON nesting (MaxRecordBytes, …; zero
	// fields mean the defaults of connectors.Limits). Binary formats
	// ignore them.
	connectors.Limits
	// Redact gives the form in which a cell value may appear in an error
	// message of a text source (nil shows values, quoted).
	Redact connectors.RedactFunc
	// Format names the format (a Format.Name: parquet, csv, json, arrow)
	// instead of the extension. Reading stdin ("-") needs it.
	Format string
	// Parallelism bounds how many parts of a directory or glob are read
	// ahead at once (zero means multiconnector's default).
	Parallelism int
	// Registry, when set, routes URL schemes for the package-level Open
	// and Create (and for reference datasets): a program registers its
	// database and object-store openers there (connectors/drivers) and
	// passes it down with the other options. Nil routes files and file://
	// URLs only.
	Registry *Registry
}

// csvOptions and jsonOptions are the options of text sources.
func csvOptions(opts Options) []csvconnector.Option {
	co := []csvconnector.Option{csvconnector.WithLimits(opts.Limits)}
	if opts.Redact != nil {
		co = append(co, csvconnector.WithRedact(opts.Redact))
	}
	return co
}

func jsonOptions(opts Options) []jsonconnector.Option {
	jo := []jsonconnector.Option{jsonconnector.WithLimits(opts.Limits)}
	if opts.Redact != nil {
		jo = append(jo, jsonconnector.WithRedact(opts.Redact))
	}
	return jo
}

// requireRegular refuses a pipe, a device or a directory for a format that
// needs random access, before anything opens it (opening a FIFO blocks).
func requireRegular(path, format string) error {
	if err := fileio.RequireRegular(path, format); err != nil {
		return fmt.Errorf("builtin: %w (%w)", err, connectors.ErrUnsupported)
	}
	return nil
}

// Format is one built-in format.
type Format struct {
	Name       string
	Extensions []string // lower case, with the dot
	Source     func(path string, opts Options) (connectors.Source, error)
	Sink       func(path string, opts Options) (connectors.Sink, error)
}

// Formats lists the built-in formats.
var Formats = []Format{
	{
		Name:       "parquet",
		Extensions: []string{".parquet", ".pq"},
		Source: func(path string, _ Options) (connectors.Source, error) {
			if err := requireRegular(path, "Parquet"); err != nil {
				return nil, err
			}
			return parquetconnector.NewSource(path)
		},
		Sink: func(path string, opts Options) (connectors.Sink, error) {
			var so []parquetconnector.SinkOption
			if opts.Compression != "" {
				so = append(so, parquetconnector.WithCompression(opts.Compression))
			}
			if opts.RowGroupRows != 0 {
				so = append(so, parquetconnector.WithRowGroupRows(opts.RowGroupRows))
			}
			if opts.RowGroupBytes != 0 {
				so = append(so, parquetconnector.WithRowGroupBytes(opts.RowGroupBytes))
			}
			return parquetconnector.NewSink(path, so...)
		},
	},
	{
		Name:       "csv",
		Extensions: []string{".csv", ".tsv"},
		Source: func(path string, opts Options) (connectors.Source, error) {
			co := csvOptions(opts)
			if opts.SchemaHint != nil {
				co = append(co, csvconnector.WithSchema(opts.SchemaHint))
			}
			if len(opts.NullTokens) > 0 {
				co = append(co, csvconnector.WithNullTokens(opts.NullTokens...))
			}
			if strings.EqualFold(filepath.Ext(path), ".tsv") {
				co = append(co, csvconnector.WithDelimiter('\t'))
			}
			return csvconnector.NewSource(path, co...), nil
		},
		Sink: func(path string, _ Options) (connectors.Sink, error) {
			var co []csvconnector.Option
			if strings.EqualFold(filepath.Ext(path), ".tsv") {
				co = append(co, csvconnector.WithDelimiter('\t'))
			}
			return csvconnector.NewSink(path, co...), nil
		},
	},
	{
		Name:       "json",
		Extensions: []string{".json", ".ndjson", ".jsonl"},
		Source: func(path string, opts Options) (connectors.Source, error) {
			jo := jsonOptions(opts)
			if opts.SchemaHint != nil {
				jo = append(jo, jsonconnector.WithSchema(opts.SchemaHint))
			}
			return jsonconnector.NewSource(path, jo...), nil
		},
		Sink: func(path string, _ Options) (connectors.Sink, error) {
			return jsonconnector.NewSink(path), nil
		},
	},
	{
		Name:       "arrow",
		Extensions: []string{".arrow", ".arrows", ".ipc", ".feather"},
		Source: func(path string, _ Options) (connectors.Source, error) {
			if err := requireRegular(path, "Arrow IPC"); err != nil {
				return nil, err
			}
			return arrowconnector.NewSource(path), nil
		},
		Sink: func(path string, _ Options) (connectors.Sink, error) {
			if strings.EqualFold(filepath.Ext(path), ".arrows") {
				return arrowconnector.NewSink(path, arrowconnector.WithStreamFormat()), nil
			}
			return arrowconnector.NewSink(path), nil
		},
	},
}

// ErrUnknownFormat is wrapped when no built-in format claims a path.
var ErrUnknownFormat = fmt.Errorf("unknown format: %w", connectors.ErrUnsupported)

// Lookup returns the format for path's extension.
func Lookup(path string) (Format, error) {
	ext := strings.ToLower(filepath.Ext(path))
	for _, f := range Formats {
		for _, e := range f.Extensions {
			if e == ext {
				return f, nil
			}
		}
	}
	return Format{}, fmt.Errorf("builtin: %s: %w (extension %q; known: %s)",
		path, ErrUnknownFormat, ext, strings.Join(Extensions(), ", "))
}

// LookupName returns the format called name (case-insensitive).
func LookupName(name string) (Format, error) {
	for _, f := range Formats {
		if strings.EqualFold(f.Name, name) {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = f.Name
	}
	return Format{}, fmt.Errorf("builtin: format %q: %w (known: %s)", name, ErrUnknownFormat, strings.Join(names, ", "))
}

// Extensions lists the extensions of Formats, in their order.
func Extensions() []string {
	var exts []string
	for _, f := range Formats {
		exts = append(exts, f.Extensions...)
	}
	return exts
}

// Open returns a source reading target: a file, a directory, a glob, "-"
// or a URL (see Registry.Open; schemes other than file:// need
// opts.Registry).
func Open(target string, opts Options) (connectors.Source, error) {
	return opts.registry().Open(target, opts)
}

// Create returns a sink writing target, a file path or file:// URL, in the
// format its extension (or opts.Format) names, or a URL of a scheme that
// opts.Registry routes.
func Create(target string, opts Options) (connectors.Sink, error) {
	return opts.registry().Create(target, opts)
}

func (o Options) registry() *Registry {
	if o.Registry != nil {
		return o.Registry
	}
	return New()
}
