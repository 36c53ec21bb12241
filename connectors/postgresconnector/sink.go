package postgresconnector

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/url"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/lineage"
)

// Sink writes a table of a PostgreSQL database, replacing the table of
// that name at Commit. The schema must exist.
type Sink struct {
	cfg    *pgx.ConnConfig
	schema string
	table  string
}

var _ connectors.Sink = (*Sink)(nil)

// NewSink returns a Sink writing table ("schema.table" or "table", schema
// public) in the database of dsn.
func NewSink(dsn, table string, opts ...SinkOption) (*Sink, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgresconnector: %w", err)
	}
	if table == "" {
		return nil, fmt.Errorf("postgresconnector: %s: %w", redacted(dsn), ErrNoTable)
	}
	s := &Sink{cfg: cfg}
	s.schema, s.table = splitTable(table)
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// SinkURL returns a Sink for postgres://user@host:port/db?table=schema.name.
func SinkURL(_ context.Context, u *url.URL, opts ...SinkOption) (*Sink, error) {
	dsn, q, err := splitURL(u)
	if err != nil {
		return nil, err
	}
	if q.Get("query") != "" {
		return nil, fmt.Errorf("postgresconnector: %s: a query cannot be written: %w", u.Redacted(), connectors.ErrUnsupported)
	}
	return NewSink(dsn, q.Get("table"), opts...)
}

// Dataset returns DatasetName of the table.
func (s *Sink) Dataset() lineage.Dataset {
	return DatasetName(s.cfg.Host, s.cfg.Port, s.cfg.Database, s.schema, s.table)
}

func (s *Sink) wrap(err error) error {
	return fmt.Errorf("postgresconnector: %s: %w", s.Dataset().Name, err)
}

// declOf is the column type of an Arrow type.
func declOf(dt arrow.DataType) (string, error) {
	switch dt.ID() {
	case arrow.BOOL:
		return "boolean", nil
	case arrow.INT8, arrow.INT16, arrow.UINT8:
		return "smallint", nil
	case arrow.INT32, arrow.UINT16:
		return "integer", nil
	case arrow.INT64, arrow.UINT32:
		return "bigint", nil
	case arrow.UINT64:
		return "numeric(20, 0)", nil
	case arrow.FLOAT32:
		return "real", nil
	case arrow.FLOAT64:
		return "double precision", nil
	case arrow.STRING, arrow.LARGE_STRING:
		return "text", nil
	case arrow.BINARY, arrow.LARGE_BINARY:
		return "bytea", nil
	case arrow.DATE32:
		return "date", nil
	case arrow.TIMESTAMP:
		if dt.(*arrow.TimestampType).TimeZone != "" {
			return "timestamptz", nil
		}
		return "timestamp", nil
	case arrow.DICTIONARY:
		return declOf(dt.(*arrow.DictionaryType).ValueType)
	case arrow.LIST, arrow.LARGE_LIST:
		if dt.(arrow.ListLikeType).Elem().ID() == arrow.STRING {
			return "text[]", nil
		}
	}
	return "", fmt.Errorf("type %s: %w", dt, connectors.ErrUnsupported)
}

// Create connects, begins the transaction and creates the new table.
func (s *Sink) Create(ctx context.Context, schema *arrow.Schema) (connectors.Writer, error) {
	cols := make([]string, schema.NumFields())
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		decl, err := declOf(f.Type)
		if err != nil {
			return nil, fmt.Errorf("postgresconnector: column %q: %w", f.Name, err)
		}
		cols[i] = quoteIdent(f.Name) + " " + decl
		names[i] = f.Name
	}
	conn, err := pgx.ConnectConfig(ctx, s.cfg)
	if err != nil {
		return nil, s.wrap(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, s.wrap(err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := "_sluice_new_" + hex.EncodeToString(rnd[:])
	w := &writer{s: s, ctx: ctx, conn: conn, tx: tx, tmp: tmp, schema: schema, names: names}
	if _, err := tx.Exec(ctx, "CREATE TABLE "+ident(s.schema, tmp)+" ("+strings.Join(cols, ", ")+")"); err != nil {
		w.close()
		return nil, s.wrap(err)
	}
	return w, nil
}

type writer struct {
	s      *Sink
	ctx    context.Context
	conn   *pgx.Conn
	tx     pgx.Tx
	tmp    string
	schema *arrow.Schema
	names  []string
	closed bool
	meta   [][2]string
}

func (w *writer) close() {
	ctx := context.WithoutCancel(w.ctx)
	_ = w.tx.Rollback(ctx)
	_ = w.conn.Close(ctx)
	w.closed = true
}

// Write copies the batch into the new table with binary COPY FROM.
func (w *writer) Write(batch arrow.RecordBatch) error {
	if w.closed {
		return connectors.ErrClosed
	}
	if !batch.Schema().Equal(w.schema) {
		return fmt.Errorf("postgresconnector: %s: %w", w.s.Dataset().Name, connectors.ErrSchemaMismatch)
	}
	if batch.NumCols() == 0 || batch.NumRows() == 0 {
		return nil
	}
	row := make([]any, batch.NumCols())
	src := pgx.CopyFromFunc(func() func() ([]any, error) {
		r := 0
		return func() ([]any, error) {
			if r >= int(batch.NumRows()) {
				return nil, nil
			}
			for c := range row {
				v, err := valueOf(batch.Column(c), r)
				if err != nil {
					return nil, fmt.Errorf("column %q: %w", w.names[c], err)
				}
				row[c] = v
			}
			r++
			return row, nil
		}
	}())
	if _, err := w.tx.CopyFrom(w.ctx, pgx.Identifier{w.s.schema, w.tmp}, w.names, src); err != nil {
		return fmt.Errorf("postgresconnector: %s: %w", w.s.Dataset().Name, err)
	}
	return nil
}

// valueOf is the Go value pgx encodes for row r of a.
func valueOf(a arrow.Array, r int) (any, error) {
	if a.IsNull(r) {
		return nil, nil
	}
	switch a := a.(type) {
	case *array.Boolean:
		return a.Value(r), nil
	case *array.Int8:
		return int16(a.Value(r)), nil
	case *array.Int16:
		return a.Value(r), nil
	case *array.Int32:
		return a.Value(r), nil
	case *array.Int64:
		return a.Value(r), nil
	case *array.Uint8:
		return int16(a.Value(r)), nil
	case *array.Uint16:
		return int32(a.Value(r)), nil
	case *array.Uint32:
		return int64(a.Value(r)), nil
	case *array.Uint64:
		return pgtype.Numeric{Int: new(big.Int).SetUint64(a.Value(r)), Valid: true}, nil
	case *array.Float32:
		return a.Value(r), nil
	case *array.Float64:
		return a.Value(r), nil
	case *array.String:
		return a.Value(r), nil
	case *array.LargeString:
		return a.Value(r), nil
	case *array.Binary:
		return a.Value(r), nil
	case *array.LargeBinary:
		return a.Value(r), nil
	case *array.Date32:
		return a.Value(r).ToTime(), nil
	case *array.Timestamp:
		return a.Value(r).ToTime(a.DataType().(*arrow.TimestampType).Unit).UTC(), nil
	case *array.Dictionary:
		return valueOf(a.Dictionary(), a.GetValueIndex(r))
	case array.ListLike:
		start, end := a.ValueOffsets(r)
		vals, ok := a.ListValues().(*array.String)
		if !ok {
			return nil, fmt.Errorf("type %s: %w", a.DataType(), connectors.ErrUnsupported)
		}
		items := make([]*string, 0, end-start)
		for i := start; i < end; i++ {
			if vals.IsNull(int(i)) {
				items = append(items, nil)
				continue
			}
			v := vals.Value(int(i))
			items = append(items, &v)
		}
		return items, nil
	}
	return nil, fmt.Errorf("type %s: %w", a.DataType(), connectors.ErrUnsupported)
}

// Commit replaces the target table by the new one and commits.
func (w *writer) Commit(ctx context.Context) error {
	if w.closed {
		return connectors.ErrClosed
	}
	defer w.close()
	stmts := []string{
		"DROP TABLE IF EXISTS " + ident(w.s.schema, w.s.table),
		"ALTER TABLE " + ident(w.s.schema, w.tmp) + " RENAME TO " + quoteIdent(w.s.table),
	}
	for _, q := range stmts {
		if _, err := w.tx.Exec(ctx, q); err != nil {
			return w.s.wrap(err)
		}
	}
	if err := writeLineage(ctx, w.tx, w.s.schema, w.s.table, w.meta); err != nil {
		return w.s.wrap(err)
	}
	if err := w.tx.Commit(ctx); err != nil {
		return w.s.wrap(err)
	}
	return nil
}

// Abort rolls the transaction back: the target is untouched.
func (w *writer) Abort(context.Context) error {
	if w.closed {
		return connectors.ErrClosed
	}
	w.close()
	return nil
}
