package postgresconnector

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/internal/mark"
	"github.com/sluicedata/sluice/lineage"
)

// DatasetName is the OpenLineage identity of a table: namespace
// "postgres://host:port", name "db.schema.table".
func DatasetName(host string, port uint16, db, schema, table string) lineage.Dataset {
	return lineage.Dataset{
		Namespace: "postgres://" + host + ":" + strconv.Itoa(int(port)),
		Name:      db + "." + schema + "." + table,
	}
}

// splitTable splits "schema.table" ("table" is in schema public).
func splitTable(name string) (schema, table string) {
	if s, t, ok := strings.Cut(name, "."); ok {
		return s, t
	}
	return "public", name
}

func ident(schema, table string) string { return quoteIdent(schema) + "." + quoteIdent(table) }

func quoteIdent(s string) string { return pgx.Identifier{s}.Sanitize() }

// Source reads a table or a query of a PostgreSQL database. It is safe for
// concurrent use: each call opens its own connection.
type Source struct {
	cfg    *pgx.ConnConfig
	schema string // of the table
	table  string // WithTable, then the table part alone
	query  string
	hint   *arrow.Schema
	redact connectors.RedactFunc
}

var (
	_ connectors.Source     = (*Source)(nil)
	_ connectors.RowCounter = (*Source)(nil)
)

// NewSource returns a Source over the database of dsn (a pgx connection
// string or postgres:// URL) for WithTable or WithQuery. Nothing is
// connected until a call needs it.
func NewSource(dsn string, opts ...SourceOption) (*Source, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgresconnector: %w", err)
	}
	s := &Source{cfg: cfg}
	for _, o := range opts {
		o(s)
	}
	if (s.table == "") == (s.query == "") {
		return nil, fmt.Errorf("postgresconnector: %s: %w", redacted(dsn), ErrNoTable)
	}
	if s.table != "" {
		s.schema, s.table = splitTable(s.table)
	}
	return s, nil
}

// OpenURL returns a Source for postgres://user@host:port/db?table=schema.name
// (or &query=SELECT …); the URL's other settings (sslmode, …) are the
// connection's. opts come after the URL's own settings.
func OpenURL(_ context.Context, u *url.URL, opts ...SourceOption) (*Source, error) {
	dsn, q, err := splitURL(u)
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
	return NewSource(dsn, append(base, opts...)...)
}

// splitURL takes table and query out of the URL's query.
func splitURL(u *url.URL) (string, url.Values, error) {
	if u == nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, fmt.Errorf("postgresconnector: want a postgres:// URL: %w", connectors.ErrUnsupported)
	}
	q := u.Query()
	rest := url.Values{}
	for k, v := range q {
		if k != "table" && k != "query" {
			rest[k] = v
		}
	}
	c := *u
	c.RawQuery = rest.Encode()
	return c.String(), q, nil
}

func redacted(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return "(connection string)"
}

// Dataset returns DatasetName of the table, or "db.<query>" for a query.
func (s *Source) Dataset() lineage.Dataset {
	if s.table != "" {
		return DatasetName(s.cfg.Host, s.cfg.Port, s.cfg.Database, s.schema, s.table)
	}
	d := DatasetName(s.cfg.Host, s.cfg.Port, s.cfg.Database, "", "")
	d.Name = s.cfg.Database + "." + s.query
	return d
}

func (s *Source) from() string {
	if s.table != "" {
		return ident(s.schema, s.table)
	}
	return "(" + s.query + ") AS q"
}

func (s *Source) wrap(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("postgresconnector: %s: %w", s.Dataset().Name, err)
}

func (s *Source) connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, s.cfg)
	if err != nil {
		return nil, s.wrap(err)
	}
	return conn, nil
}

// columns describes the columns of the table or query, without running it.
func (s *Source) columns(ctx context.Context, conn *pgx.Conn) ([]pgconn.FieldDescription, error) {
	sd, err := conn.Prepare(ctx, "", "SELECT * FROM "+s.from())
	if err != nil {
		return nil, s.wrap(err)
	}
	return sd.Fields, nil
}

// Schema returns the columns of the table or query with their Arrow types.
func (s *Source) Schema(ctx context.Context) (*arrow.Schema, error) {
	conn, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	fds, err := s.columns(ctx, conn)
	if err != nil {
		return nil, err
	}
	fields := make([]arrow.Field, len(fds))
	for i, fd := range fds {
		fields[i] = s.plan(fd).field
	}
	return arrow.NewSchema(fields, nil), nil
}

// NumRows counts the rows with SELECT count(*).
func (s *Source) NumRows(ctx context.Context) (int64, error) {
	conn, err := s.connect(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+s.from()).Scan(&n); err != nil {
		return 0, s.wrap(err)
	}
	return n, nil
}

// Open starts a binary COPY of the projected columns on a connection of
// its own, closed when the reader is released.
func (s *Source) Open(ctx context.Context, opts connectors.ReadOptions) (array.RecordReader, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("postgresconnector: %w", err)
	}
	conn, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = conn.Close(context.WithoutCancel(ctx))
		}
	}()
	fds, err := s.columns(ctx, conn)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]int, len(fds))
	for i, fd := range fds {
		if _, dup := byName[fd.Name]; !dup {
			byName[fd.Name] = i
		}
	}
	sel := make([]int, 0, len(fds))
	if opts.Columns == nil {
		for i := range fds {
			sel = append(sel, i)
		}
	} else {
		for _, c := range opts.Columns {
			i, found := byName[c]
			if !found {
				return nil, fmt.Errorf("postgresconnector: %s: column %q: %w", s.Dataset().Name, c, connectors.ErrNoColumn)
			}
			sel = append(sel, i)
		}
	}
	plans := make([]plan, len(sel))
	names := make([]string, len(sel))
	exprs := make([]string, len(sel))
	fields := make([]arrow.Field, len(sel))
	for i, j := range sel {
		plans[i] = s.plan(fds[j])
		names[i] = fds[j].Name
		fields[i] = plans[i].field
		exprs[i] = quoteIdent(fds[j].Name)
		if plans[i].cast {
			exprs[i] += "::text"
		}
	}
	marks := opts.Marks(names)
	if marks && slices.Contains(names, connectors.InvalidColumn) {
		return nil, mark.ReservedError("postgresconnector", s.Dataset().Name)
	}
	out := slices.Clone(fields)
	if marks {
		out = append(out, mark.Field)
	}
	prod, err := s.metadata(ctx, conn)
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
	list := strings.Join(exprs, ", ")
	sql := "COPY (SELECT " + list + " FROM " + s.from() + ") TO STDOUT (FORMAT binary)"
	r := newReader(ctx, s, conn, sql, arrow.NewSchema(out, md), fields, plans, opts, marks)
	ok = true
	return r, nil
}
