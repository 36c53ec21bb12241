package sqliteconnector

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/csvconnector"
	"github.com/sluicedata/sluice/lineage"
)

// Sink writes a table of a SQLite file (created if absent), replacing the
// table of that name at Commit.
type Sink struct {
	path  string
	table string
}

// NewSink returns a Sink writing table in the SQLite file path.
func NewSink(path, table string, opts ...SinkOption) (*Sink, error) {
	if table == "" {
		return nil, fmt.Errorf("%s: %w", path, ErrNoTable)
	}
	s := &Sink{path: path, table: table}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// SinkURL returns a Sink for a URL sqlite:///path/file.db?table=name.
func SinkURL(_ context.Context, u *url.URL, opts ...SinkOption) (*Sink, error) {
	path, q, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	return NewSink(path, q.Get("table"), opts...)
}

// Dataset returns DatasetName(path, table).
func (s *Sink) Dataset() lineage.Dataset { return DatasetName(s.path, s.table) }

// Create begins the transaction and creates the new table.
func (s *Sink) Create(ctx context.Context, schema *arrow.Schema) (connectors.Writer, error) {
	cols := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		decl, err := declOf(f.Type)
		if err != nil {
			return nil, fmt.Errorf("sqliteconnector: column %q: %w", f.Name, err)
		}
		cols[i] = quoteIdent(f.Name) + " " + decl
	}
	db, err := openDB(s.path, false)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqliteconnector: %s: %w", s.path, err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := "_sluice_new_" + s.table + "_" + hex.EncodeToString(rnd[:])
	w := &writer{s: s, db: db, tx: tx, tmp: tmp, schema: schema}
	if _, err := tx.ExecContext(ctx, "CREATE TABLE "+quoteIdent(tmp)+" ("+strings.Join(cols, ", ")+")"); err != nil {
		w.close()
		return nil, fmt.Errorf("sqliteconnector: %s: %w", s.Dataset().Name, err)
	}
	if len(cols) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
		w.ins, err = tx.PrepareContext(ctx, "INSERT INTO "+quoteIdent(tmp)+" VALUES ("+ph+")")
		if err != nil {
			w.close()
			return nil, fmt.Errorf("sqliteconnector: %s: %w", s.Dataset().Name, err)
		}
	}
	w.ctx = ctx
	return w, nil
}

// uint64Decl declares a uint64 column. It has BLOB affinity (no INT in
// the name), so that values above MaxInt64, stored as decimal text, are
// kept as they are: INTEGER or NUMERIC affinity would turn them into
// lossy REALs.
const uint64Decl = "UNSIGNED64 BLOB"

// declOf is the column declaration of an Arrow type, one that declType
// maps back to the same family.
func declOf(dt arrow.DataType) (string, error) {
	switch dt.ID() {
	case arrow.BOOL:
		return "BOOLEAN", nil
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32:
		return "INTEGER", nil
	case arrow.UINT64:
		return uint64Decl, nil
	case arrow.FLOAT32, arrow.FLOAT64:
		return "REAL", nil
	case arrow.STRING, arrow.LARGE_STRING:
		return "TEXT", nil
	case arrow.BINARY, arrow.LARGE_BINARY:
		return "BLOB", nil
	case arrow.DATE32:
		return "DATE", nil
	case arrow.TIMESTAMP:
		return "TIMESTAMP", nil
	case arrow.DICTIONARY:
		return declOf(dt.(*arrow.DictionaryType).ValueType)
	case arrow.LIST, arrow.LARGE_LIST:
		if dt.(arrow.ListLikeType).Elem().ID() == arrow.STRING {
			return "TEXT", nil
		}
	}
	return "", fmt.Errorf("type %s: %w", dt, connectors.ErrUnsupported)
}

type writer struct {
	s      *Sink
	ctx    context.Context
	db     *sql.DB
	tx     *sql.Tx
	ins    *sql.Stmt
	tmp    string
	schema *arrow.Schema
	closed bool
	meta   [][2]string
}

func (w *writer) close() {
	if w.ins != nil {
		w.ins.Close()
	}
	_ = w.tx.Rollback()
	w.db.Close()
	w.closed = true
}

func (w *writer) Write(batch arrow.RecordBatch) error {
	if w.closed {
		return connectors.ErrClosed
	}
	if !batch.Schema().Equal(w.schema) {
		return fmt.Errorf("sqliteconnector: %s: %w", w.s.Dataset().Name, connectors.ErrSchemaMismatch)
	}
	if w.ins == nil {
		return nil
	}
	args := make([]any, batch.NumCols())
	for r := range int(batch.NumRows()) {
		for c := range args {
			v, err := valueOf(batch.Column(c), r)
			if err != nil {
				return fmt.Errorf("sqliteconnector: column %q: %w", w.schema.Field(c).Name, err)
			}
			args[c] = v
		}
		if _, err := w.ins.ExecContext(w.ctx, args...); err != nil {
			return fmt.Errorf("sqliteconnector: %s: %w", w.s.Dataset().Name, err)
		}
	}
	return nil
}

// valueOf is the value stored for row r of a.
func valueOf(a arrow.Array, r int) (any, error) {
	if a.IsNull(r) {
		return nil, nil
	}
	switch a := a.(type) {
	case *array.Boolean:
		return a.Value(r), nil
	case *array.Int8:
		return int64(a.Value(r)), nil
	case *array.Int16:
		return int64(a.Value(r)), nil
	case *array.Int32:
		return int64(a.Value(r)), nil
	case *array.Int64:
		return a.Value(r), nil
	case *array.Uint8:
		return int64(a.Value(r)), nil
	case *array.Uint16:
		return int64(a.Value(r)), nil
	case *array.Uint32:
		return int64(a.Value(r)), nil
	case *array.Uint64:
		if v := a.Value(r); v > 1<<63-1 {
			return strconv.FormatUint(v, 10), nil
		}
		return int64(a.Value(r)), nil
	case *array.Float32:
		return float64(a.Value(r)), nil
	case *array.Float64:
		return a.Value(r), nil
	case *array.String:
		return a.Value(r), nil
	case *array.LargeString:
		return a.Value(r), nil
	case *array.Binary:
		return append([]byte{}, a.Value(r)...), nil
	case *array.LargeBinary:
		return append([]byte{}, a.Value(r)...), nil
	case *array.Date32:
		return a.Value(r).ToTime().Format(time.DateOnly), nil
	case *array.Timestamp:
		return a.Value(r).ToTime(a.DataType().(*arrow.TimestampType).Unit).UTC().Format(time.RFC3339Nano), nil
	case *array.Dictionary:
		return valueOf(a.Dictionary(), a.GetValueIndex(r))
	case array.ListLike:
		start, end := a.ValueOffsets(r)
		items := make([]string, 0, end-start)
		vals, ok := a.ListValues().(*array.String)
		if !ok {
			return nil, fmt.Errorf("type %s: %w", a.DataType(), connectors.ErrUnsupported)
		}
		for i := start; i < end; i++ {
			items = append(items, vals.Value(int(i)))
		}
		if len(items) == 0 {
			return nil, nil
		}
		return csvconnector.ListText(items), nil
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
		"DROP TABLE IF EXISTS " + quoteIdent(w.s.table),
		"ALTER TABLE " + quoteIdent(w.tmp) + " RENAME TO " + quoteIdent(w.s.table),
	}
	for _, q := range stmts {
		if _, err := w.tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sqliteconnector: %s: %w", w.s.Dataset().Name, err)
		}
	}
	if err := writeLineage(ctx, w.tx, w.s.table, w.meta); err != nil {
		return fmt.Errorf("sqliteconnector: %s: %w", w.s.Dataset().Name, err)
	}
	if w.ins != nil {
		w.ins.Close()
		w.ins = nil
	}
	if err := w.tx.Commit(); err != nil {
		return fmt.Errorf("sqliteconnector: %s: %w", w.s.Dataset().Name, err)
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
