//go:build duckdb_arrow

package benchmarks

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

// HaveDuckDB reports whether the DuckDB peer is built in (build tag
// duckdb_arrow, which duckdb-go needs for its Arrow interface).
const HaveDuckDB = true

// DuckDB evaluates row rules and dataset metrics as one SQL query over the
// in-memory batches, registered as an Arrow view (duckdb.NewArrowFromConn,
// RegisterView; a view reads its stream once, so every run registers the
// batches again).
type DuckDB struct {
	db    *sql.DB
	conn  *sql.Conn
	arrow *duckdb.Arrow
	query string
	rows  int // row rules
	mets  []string
	cols  map[string]bool // the columns the query reads
}

var viewSeq atomic.Int64

// DuckDBMetrics are the SQL aggregates of case b's metrics, keyed by the
// Sluice call they correspond to. duplicate_count(id) is computed as
// count(id) - count(DISTINCT id): zero exactly when Sluice's is.
var DuckDBMetrics = map[string]string{
	"completeness(amount)":  "count(amount)::DOUBLE / count(*)",
	"duplicate_count(id)":   "count(id) - count(DISTINCT id)",
	"mean(amount)":          "avg(amount)",
	"stddev(amount)":        "stddev_pop(amount)",
	"quantile(amount, 0.5)": "approx_quantile(amount, 0.5)",
	"min(age)":              "min(age)",
}

// NewDuckDB opens an in-memory database with threads threads and prepares
// the query of rows and of the metrics named (keys of DuckDBMetrics).
func NewDuckDB(ctx context.Context, threads int, rows []RowRule, metrics []string) (*DuckDB, error) {
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	d := &DuckDB{db: sql.OpenDB(connector), rows: len(rows), mets: metrics, cols: map[string]bool{}}
	for _, r := range rows {
		for _, c := range r.Columns() {
			d.cols[c] = true
		}
	}
	for _, m := range metrics {
		// The column of a metric label: "quantile(amount, 0.5)" reads amount.
		arg := m[strings.IndexByte(m, '(')+1:]
		d.cols[arg[:strings.IndexAny(arg, ",)")]] = true
	}
	d.conn, err = d.db.Conn(ctx)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	if _, err := d.conn.ExecContext(ctx, fmt.Sprintf("SET threads = %d", threads)); err != nil {
		d.Close()
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	err = d.conn.Raw(func(dc any) error {
		d.arrow, err = duckdb.NewArrowFromConn(dc.(driver.Conn))
		return err
	})
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	var sel []string
	for _, r := range rows {
		guard := "TRUE"
		if g := r.Guarded(); len(g) > 0 {
			guard = strings.Join(g, " IS NOT NULL AND ") + " IS NOT NULL"
		}
		sel = append(sel,
			fmt.Sprintf("count(*) FILTER (WHERE %s AND %s)", guard, r.Expr.SQL()),
			fmt.Sprintf("count(*) FILTER (WHERE %s)", guard))
	}
	for _, m := range metrics {
		agg, ok := DuckDBMetrics[m]
		if !ok {
			d.Close()
			return nil, fmt.Errorf("duckdb: no SQL for metric %s", m)
		}
		sel = append(sel, "("+agg+")::DOUBLE")
	}
	d.query = "SELECT " + strings.Join(sel, ",\n  ") + "\nFROM "
	return d, nil
}

// Close closes the database.
func (d *DuckDB) Close() {
	if d.conn != nil {
		d.conn.Close()
	}
	d.db.Close()
}

// Run registers batches (borrowed) as a view and runs the query.
func (d *DuckDB) Run(ctx context.Context, batches []arrow.RecordBatch) (*Result, error) {
	// Only the columns the query reads are registered: DuckDB's scan of an
	// Arrow stream view pushes a projection down that the stream does not
	// apply, and then reads the wrong columns (or crashes on strings).
	projected := make([]arrow.RecordBatch, len(batches))
	for i, b := range batches {
		projected[i] = project(b, d.cols)
	}
	defer ReleaseAll(projected)
	rdr, err := array.NewRecordReader(projected[0].Schema(), projected)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("batches_%d", viewSeq.Add(1))
	// The exported stream retains rdr and releases it with the stream.
	release, err := d.arrow.RegisterView(rdr, name)
	rdr.Release()
	if err != nil {
		return nil, fmt.Errorf("duckdb: register view: %w", err)
	}
	defer release()
	defer d.conn.ExecContext(ctx, "DROP VIEW IF EXISTS "+name) //nolint:errcheck // best effort
	ints := make([]int64, 2*d.rows)
	floats := make([]sql.NullFloat64, len(d.mets))
	dest := make([]any, 0, len(ints)+len(floats))
	for i := range ints {
		dest = append(dest, &ints[i])
	}
	for i := range floats {
		dest = append(dest, &floats[i])
	}
	if err := d.conn.QueryRowContext(ctx, d.query+name).Scan(dest...); err != nil {
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	res := &Result{Rows: make([]*Counts, d.rows), Metrics: map[string]float64{}}
	for i := range res.Rows {
		res.Rows[i] = &Counts{Pass: ints[2*i], Evaluated: ints[2*i+1]}
	}
	for i, m := range d.mets {
		if floats[i].Valid {
			res.Metrics[m] = floats[i].Float64
		}
	}
	return res, nil
}

// project returns the columns of b named in keep, in b's order (no copy).
func project(b arrow.RecordBatch, keep map[string]bool) arrow.RecordBatch {
	var fields []arrow.Field
	var cols []arrow.Array
	for i, f := range b.Schema().Fields() {
		if keep[f.Name] {
			fields = append(fields, f)
			cols = append(cols, b.Column(i))
		}
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, b.NumRows())
}
