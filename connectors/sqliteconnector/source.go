package sqliteconnector

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	_ "modernc.org/sqlite" // registers the database/sql driver "sqlite"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/internal/mark"
	"github.com/sluicedata/sluice/lineage"
)

// Namespace is the OpenLineage namespace of SQLite datasets.
const Namespace = "sqlite"

// DatasetName is the OpenLineage identity of table (or query) in the
// SQLite file path: namespace "sqlite", name "<absolute path>/<table>"
// (a relative path is made absolute, so that every reader of the file names
// it alike).
func DatasetName(path, table string) lineage.Dataset {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return lineage.Dataset{Namespace: Namespace, Name: path + "/" + table}
}

// Source reads a table or a query of a SQLite file. It is safe for
// concurrent use: each Open runs its own query.
type Source struct {
	path   string
	table  string
	query  string
	hint   *arrow.Schema
	redact connectors.RedactFunc
	db     *sql.DB
}

// NewSource returns a Source over the SQLite file path, which must exist,
// for WithTable or WithQuery. Close releases the database handle.
func NewSource(path string, opts ...SourceOption) (*Source, error) {
	s := &Source{path: path}
	for _, o := range opts {
		o(s)
	}
	if (s.table == "") == (s.query == "") {
		return nil, fmt.Errorf("%s: %w", path, ErrNoTable)
	}
	db, err := openDB(path, true)
	if err != nil {
		return nil, err
	}
	s.db = db
	return s, nil
}

// OpenURL returns a Source for a URL sqlite:///path/file.db?table=name (or
// &query=SELECT …); a relative path is written sqlite:relative/file.db.
// opts come after the URL's own settings.
func OpenURL(_ context.Context, u *url.URL, opts ...SourceOption) (*Source, error) {
	path, q, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	var base []SourceOption
	if t := q.Get("table"); t != "" {
		base = append(base, WithTable(t))
	}
	if s := q.Get("query"); s != "" {
		base = append(base, WithQuery(s))
	}
	return NewSource(path, append(base, opts...)...)
}

func parseURL(u *url.URL) (string, url.Values, error) {
	if u == nil || u.Scheme != "sqlite" {
		return "", nil, fmt.Errorf("sqliteconnector: want a sqlite: URL: %w", connectors.ErrUnsupported)
	}
	if u.Host != "" || u.User != nil {
		return "", nil, fmt.Errorf("sqliteconnector: %s: a SQLite URL has no host (write sqlite:///abs/path.db or sqlite:rel/path.db): %w", u.Redacted(), connectors.ErrUnsupported)
	}
	path := u.Path
	if path == "" {
		path = u.Opaque
	}
	if path == "" {
		return "", nil, fmt.Errorf("sqliteconnector: %s names no file: %w", u.Redacted(), connectors.ErrUnsupported)
	}
	return path, u.Query(), nil
}

func openDB(path string, readOnly bool) (*sql.DB, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=busy_timeout(30000)"
	if readOnly {
		dsn += "&mode=ro"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqliteconnector: %s: %w", path, err)
	}
	return db, nil
}

// Close releases the database handle.
func (s *Source) Close() error { return s.db.Close() }

// Dataset returns DatasetName(path, table or query).
func (s *Source) Dataset() lineage.Dataset {
	if s.table != "" {
		return DatasetName(s.path, s.table)
	}
	return DatasetName(s.path, s.query)
}

func (s *Source) from() string {
	if s.table != "" {
		return quoteIdent(s.table)
	}
	return "(" + s.query + ")"
}

// Schema returns the columns of the table or query, typed by the hint or
// by their declarations.
func (s *Source) Schema(ctx context.Context) (*arrow.Schema, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT * FROM "+s.from()+" LIMIT 0")
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, s.wrap(err)
	}
	fields := make([]arrow.Field, len(cts))
	for i, ct := range cts {
		fields[i] = arrow.Field{Name: ct.Name(), Type: s.typeOf(ct.Name(), ct.DatabaseTypeName()), Nullable: true}
	}
	return arrow.NewSchema(fields, nil), rows.Err()
}

func (s *Source) wrap(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("sqliteconnector: %s: %w", s.Dataset().Name, err)
}

func (s *Source) typeOf(name, decl string) arrow.DataType {
	if s.hint != nil {
		if i := s.hint.FieldIndices(name); len(i) > 0 {
			dt := s.hint.Field(i[0]).Type
			if supported(dt) {
				return dt
			}
			return arrow.BinaryTypes.String
		}
	}
	return declType(decl)
}

// declType maps a column declaration to an Arrow type, after SQLite's
// affinity rules with the common names of dates, times and booleans.
func declType(decl string) arrow.DataType {
	d := strings.ToUpper(decl)
	switch {
	case d == "DATE":
		return arrow.FixedWidthTypes.Date32
	case strings.Contains(d, "TIMESTAMP"), strings.Contains(d, "DATETIME"):
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case d == uint64Decl:
		return arrow.PrimitiveTypes.Uint64
	case strings.HasPrefix(d, "BOOL"):
		return arrow.FixedWidthTypes.Boolean
	case strings.Contains(d, "INT"):
		return arrow.PrimitiveTypes.Int64
	case strings.Contains(d, "CHAR"), strings.Contains(d, "CLOB"), strings.Contains(d, "TEXT"):
		return arrow.BinaryTypes.String
	case strings.Contains(d, "BLOB"):
		return arrow.BinaryTypes.Binary
	case strings.Contains(d, "REAL"), strings.Contains(d, "FLOA"), strings.Contains(d, "DOUB"), //nolint:misspell // SQLite's affinity rule matches DOUB (DOUBLE PRECISION)
		strings.Contains(d, "NUMERIC"), strings.Contains(d, "DECIMAL"):
		return arrow.PrimitiveTypes.Float64
	}
	return arrow.BinaryTypes.String
}

// NumRows counts the rows with SELECT count(*).
func (s *Source) NumRows(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+s.from()).Scan(&n); err != nil {
		return 0, s.wrap(err)
	}
	return n, nil
}

// Open runs the query of the projected columns.
func (s *Source) Open(ctx context.Context, opts connectors.ReadOptions) (array.RecordReader, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("sqliteconnector: %w", err)
	}
	full, err := s.Schema(ctx)
	if err != nil {
		return nil, err
	}
	fields := full.Fields()
	if opts.Columns != nil {
		fields = make([]arrow.Field, len(opts.Columns))
		for i, c := range opts.Columns {
			idx := full.FieldIndices(c)
			if len(idx) == 0 {
				return nil, fmt.Errorf("sqliteconnector: %s: column %q: %w", s.Dataset().Name, c, connectors.ErrNoColumn)
			}
			fields[i] = full.Field(idx[0])
		}
	}
	names := make([]string, len(fields))
	cols := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
		cols[i] = quoteIdent(f.Name)
	}
	marks := opts.Marks(names)
	if marks && slices.Contains(names, connectors.InvalidColumn) {
		return nil, mark.ReservedError("sqliteconnector", s.Dataset().Name)
	}
	out := slices.Clone(fields)
	if marks {
		out = append(out, mark.Field)
	}
	list := strings.Join(cols, ", ")
	if len(cols) == 0 {
		list = "1"
	}
	// The producer's metadata (LineageTable) rides on the reader's schema,
	// as a Parquet footer's does, so that a gate links its read to the run
	// that wrote the table.
	prod, err := s.Metadata(ctx)
	if err != nil {
		return nil, err
	}
	var md *arrow.Metadata
	if len(prod) > 0 {
		keys := slices.Sorted(maps.Keys(prod))
		vals := make([]string, len(keys))
		for i, k := range keys {
			vals[i] = prod[k]
		}
		m := arrow.NewMetadata(keys, vals)
		md = &m
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+list+" FROM "+s.from())
	if err != nil {
		return nil, s.wrap(err)
	}
	r := &reader{
		src: s, rows: rows, schema: arrow.NewSchema(out, md), fields: fields,
		opts: opts, marks: marks, nCols: len(cols),
	}
	r.refs.Store(1)
	return r, nil
}

type reader struct {
	refs   atomic.Int64
	src    *Source
	rows   *sql.Rows
	schema *arrow.Schema
	fields []arrow.Field
	opts   connectors.ReadOptions
	marks  bool
	nCols  int
	row    int64
	cur    arrow.RecordBatch
	err    error
	done   bool
}

func (r *reader) Retain() { r.refs.Add(1) }

func (r *reader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.rows.Close()
}

func (r *reader) Schema() *arrow.Schema { return r.schema }

func (r *reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch.
//
// Deprecated: use RecordBatch.
func (r *reader) Record() arrow.RecordBatch { return r.cur }

func (r *reader) Err() error { return r.err }

func (r *reader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.done {
		return false
	}
	bld := array.NewRecordBuilder(r.opts.Alloc(), r.schema)
	defer bld.Release()
	bld.Reserve(r.opts.ReserveRows())
	var m *mark.Marker
	if r.marks {
		m = mark.New(bld.Field(len(r.fields)).(*array.StringBuilder), r.fields)
	}
	vals := make([]any, max(r.nCols, 1))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for n < r.opts.Rows() {
		if !r.rows.Next() {
			r.done = true
			if err := r.rows.Err(); err != nil {
				r.err = r.src.wrap(err)
				return false
			}
			break
		}
		if err := r.rows.Scan(ptrs...); err != nil {
			r.err, r.done = r.src.wrap(err), true
			return false
		}
		r.row++
		for i, f := range r.fields {
			if err := appendValue(bld.Field(i), f.Type, vals[i]); err != nil {
				switch r.opts.Policy(f.Name) {
				case connectors.InvalidNull:
					bld.Field(i).AppendNull()
				case connectors.InvalidMark:
					bld.Field(i).AppendNull()
					m.Mark(i, rawText(vals[i]))
				default:
					r.err, r.done = &connectors.InputError{
						Path: r.src.Dataset().Name, Line: int(r.row), Column: i + 1, Field: f.Name,
						Err: fmt.Errorf("value %q: %w", r.src.redact.Show(f.Name, rawText(vals[i])), err),
					}, true
					return false
				}
			}
		}
		if m != nil {
			m.EndRow()
		}
		n++
	}
	if n == 0 {
		return false
	}
	r.cur = bld.NewRecordBatch()
	return true
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
