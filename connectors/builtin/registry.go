package builtin

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/multiconnector"
	"github.com/sluicedata/sluice/rules"
)

// ErrUnknownScheme is wrapped when no opener is registered for a URL's
// scheme.
var ErrUnknownScheme = fmt.Errorf("unknown URL scheme: %w", connectors.ErrUnsupported)

// Stdin is the target that names standard input.
const Stdin = "-"

// Opener opens the datasets of one URL scheme. Either function may be nil
// when the scheme cannot be read (or written). The URL is the caller's
// target as parsed by url.Parse; Options carry the same hints as for
// files (SchemaHint, Format, …), each opener taking what concerns it.
type Opener struct {
	Source func(u *url.URL, opts Options) (connectors.Source, error)
	Sink   func(u *url.URL, opts Options) (connectors.Sink, error)
}

// Registry routes targets to formats and URL schemes. The zero value is
// not usable; New returns one that knows the built-in formats and the
// file scheme. Register before use; a Registry is then safe for
// concurrent Open and Create.
type Registry struct {
	schemes map[string]Opener
}

// New returns a registry of the built-in formats and the file scheme.
func New() *Registry { return &Registry{schemes: map[string]Opener{}} }

// Register routes URLs of scheme (lower case, without "://") to o. It
// refuses "file", which the registry handles itself, a scheme registered
// twice, and a name that is not a URL scheme.
func (r *Registry) Register(scheme string, o Opener) error {
	u, err := url.Parse(scheme + "://x")
	switch {
	case err != nil || u.Scheme != scheme || len(scheme) < 2:
		return fmt.Errorf("builtin: %q is not a URL scheme (lower case, two letters or more)", scheme)
	case scheme == "file":
		return fmt.Errorf("builtin: the file scheme is built in")
	case o.Source == nil && o.Sink == nil:
		return fmt.Errorf("builtin: scheme %q: an opener needs a Source or a Sink", scheme)
	}
	if _, dup := r.schemes[scheme]; dup {
		return fmt.Errorf("builtin: scheme %q registered twice", scheme)
	}
	r.schemes[scheme] = o
	return nil
}

// Schemes lists the URL schemes the registry routes, sorted, file first.
func (r *Registry) Schemes() []string {
	s := make([]string, 0, len(r.schemes)+1)
	for k := range r.schemes {
		s = append(s, k)
	}
	slices.Sort(s)
	return append([]string{"file"}, s...)
}

// Known describes what the registry opens, for usage text and errors:
// the formats' extensions and the URL schemes.
func (r *Registry) Known() string {
	sch := r.Schemes()
	for i, s := range sch {
		sch[i] = s + "://"
	}
	return "files " + strings.Join(Extensions(), ", ") + "; a directory or glob of them; - (stdin, with a format); URLs " + strings.Join(sch, ", ")
}

// scheme returns the URL of target when it has a scheme of two letters or
// more (so that C:\\x stays a path).
func scheme(target string) (*url.URL, bool, error) {
	i := strings.Index(target, "://")
	if i < 2 {
		return nil, false, nil
	}
	if strings.IndexFunc(target[:i], notSchemeRune) >= 0 {
		return nil, false, nil
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, true, fmt.Errorf("builtin: %w", err)
	}
	return u, true, nil
}

func notSchemeRune(c rune) bool {
	letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	return !letter && (c < '0' || c > '9') && c != '+' && c != '-' && c != '.'
}

func (r *Registry) opener(u *url.URL) (Opener, error) {
	o, ok := r.schemes[strings.ToLower(u.Scheme)]
	if !ok {
		return Opener{}, fmt.Errorf("builtin: %s://…: %w (known: %s)", u.Scheme, ErrUnknownScheme, strings.Join(r.Schemes(), ", "))
	}
	return o, nil
}

// fileURL returns the path of a file:// URL (file:///abs or file://localhost/abs).
func fileURL(u *url.URL) (string, error) {
	if u.Host != "" && u.Host != "localhost" {
		return "", fmt.Errorf("builtin: %s: a file URL names a local path (file:///path): %w", u.Redacted(), connectors.ErrUnsupported)
	}
	if u.Path == "" {
		return "", fmt.Errorf("builtin: %s: no path", u.Redacted())
	}
	return filepath.FromSlash(u.Path), nil
}

func (o Options) format(path string) (Format, error) {
	if o.Format != "" {
		return LookupName(o.Format)
	}
	return Lookup(path)
}

// Open returns a source reading target:
//
//   - a path, in the format its extension (or opts.Format) names;
//   - a directory, or a glob (`data/*.parquet`, `data/**/*.csv`), as one
//     dataset of many parts with Hive partition columns (multiconnector);
//   - "-", standard input, in opts.Format (CSV and JSON: Parquet and Arrow
//     IPC need random access);
//   - a URL: file:// as a path, other schemes through their Opener.
//
// A source is returned without reading anything unless routing needs it
// (a directory is listed, a glob expanded).
func (r *Registry) Open(target string, opts Options) (connectors.Source, error) {
	u, isURL, err := scheme(target)
	if err != nil {
		return nil, err
	}
	if isURL {
		if !strings.EqualFold(u.Scheme, "file") {
			o, err := r.opener(u)
			if err != nil {
				return nil, err
			}
			if o.Source == nil {
				return nil, fmt.Errorf("builtin: %s:// datasets cannot be read: %w", u.Scheme, connectors.ErrUnsupported)
			}
			return o.Source(u, opts)
		}
		if target, err = fileURL(u); err != nil {
			return nil, err
		}
	}
	if target == Stdin {
		if opts.Format == "" {
			return nil, fmt.Errorf("builtin: reading stdin (-) needs a format: %w", ErrUnknownFormat)
		}
		f, err := LookupName(opts.Format)
		if err != nil {
			return nil, err
		}
		return f.Source("/dev/stdin", opts)
	}
	if multiconnector.IsGlob(target) {
		if _, err := os.Lstat(target); errors.Is(err, os.ErrNotExist) {
			root, paths, err := multiconnector.Glob(target)
			if err != nil {
				return nil, err
			}
			return r.multi(root, paths, opts)
		}
	}
	if fi, err := os.Stat(target); err == nil && fi.IsDir() {
		paths, err := multiconnector.Dir(target)
		if err != nil {
			return nil, err
		}
		return r.multi(target, paths, opts)
	}
	f, err := opts.format(target)
	if err != nil {
		return nil, err
	}
	return f.Source(target, opts)
}

// multi opens the parts of a directory or glob as one source. Every part's
// format is checked before anything is read.
func (r *Registry) multi(root string, paths []string, opts Options) (connectors.Source, error) {
	for _, p := range paths {
		if _, err := opts.format(p); err != nil {
			return nil, fmt.Errorf("builtin: part of %s: %w", root, err)
		}
	}
	open := func(path string) (connectors.Source, error) {
		f, err := opts.format(path)
		if err != nil {
			return nil, err
		}
		po := opts
		po.SchemaHint = withoutKeys(opts.SchemaHint, root, path)
		return f.Source(path, po)
	}
	mo := []multiconnector.Option{multiconnector.WithSchemaHint(opts.SchemaHint)}
	if opts.Parallelism > 0 {
		mo = append(mo, multiconnector.WithParallelism(opts.Parallelism))
	}
	return multiconnector.NewSource(root, paths, open, mo...)
}

// withoutKeys drops from hint the partition keys of path, which the parts'
// files do not hold.
func withoutKeys(hint *arrow.Schema, root, path string) *arrow.Schema {
	if hint == nil {
		return nil
	}
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return hint
	}
	keys := multiconnector.HiveKeys(rel)
	if len(keys) == 0 {
		return hint
	}
	fields := slices.DeleteFunc(slices.Clone(hint.Fields()), func(f arrow.Field) bool { return slices.Contains(keys, f.Name) })
	md := hint.Metadata()
	return arrow.NewSchema(fields, &md)
}

// Create returns a sink writing target: a path (or file:// URL) in the
// format its extension or opts.Format names, or a URL through its
// scheme's Opener. Directories, globs and stdout are not written.
func (r *Registry) Create(target string, opts Options) (connectors.Sink, error) {
	u, isURL, err := scheme(target)
	if err != nil {
		return nil, err
	}
	if isURL {
		if !strings.EqualFold(u.Scheme, "file") {
			o, err := r.opener(u)
			if err != nil {
				return nil, err
			}
			if o.Sink == nil {
				return nil, fmt.Errorf("builtin: %s:// datasets cannot be written: %w", u.Scheme, connectors.ErrUnsupported)
			}
			return o.Sink(u, opts)
		}
		if target, err = fileURL(u); err != nil {
			return nil, err
		}
	}
	if target == Stdin {
		return nil, fmt.Errorf("builtin: writing to stdout (-): %w: an output is committed atomically, so it needs a file", connectors.ErrUnsupported)
	}
	if fi, err := os.Stat(target); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("builtin: %s is a directory: writing a partitioned dataset: %w", target, connectors.ErrUnsupported)
	}
	f, err := opts.format(target)
	if err != nil {
		return nil, err
	}
	return f.Sink(target, opts)
}

// ReferenceOpener opens the reference datasets of missing_references
// checks through the registry, projected to the referenced column. A
// reference dataset has its own schema: opts.SchemaHint (the checked
// dataset's) and opts.Format are not applied to it.
func (r *Registry) ReferenceOpener(opts Options) rules.ReferenceOpener {
	ro := Options{NullTokens: opts.NullTokens, Limits: opts.Limits, Redact: opts.Redact, Parallelism: opts.Parallelism, Registry: r}
	return func(ctx context.Context, ref rules.Reference) (array.RecordReader, error) {
		src, err := r.Open(ref.Dataset, ro)
		if err != nil {
			return nil, err
		}
		var cols []string // row_count('dataset') reads every column
		if ref.Column != "" {
			cols = []string{ref.Column}
		}
		return src.Open(ctx, connectors.ReadOptions{Columns: cols})
	}
}
