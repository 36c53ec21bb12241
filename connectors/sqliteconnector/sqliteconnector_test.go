package sqliteconnector_test

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/connectortest"
	"github.com/sluicedata/sluice/connectors/csvconnector"
	"github.com/sluicedata/sluice/connectors/sqliteconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/lineage"
)

const table = "t"

func source(t *testing.T, path string, opts ...sqliteconnector.SourceOption) *sqliteconnector.Source {
	t.Helper()
	src, err := sqliteconnector.NewSource(path, append([]sqliteconnector.SourceOption{sqliteconnector.WithTable(table)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = src.Close() })
	return src
}

func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{
		Name: "sqlite",
		Ext:  ".db",
		NewSource: func(t *testing.T, path string) connectors.Source {
			return source(t, path)
		},
		NewHintedSource: func(t *testing.T, path string, schema *arrow.Schema) connectors.Source {
			return source(t, path, sqliteconnector.WithSchema(schema))
		},
		NewSink: func(t *testing.T, path string) connectors.Sink {
			s, err := sqliteconnector.NewSink(path, table)
			require.NoError(t, err)
			return s
		},
		Types: []arrow.DataType{
			arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16,
			arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Uint8,
			arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint64, arrow.PrimitiveTypes.Float32,
			arrow.PrimitiveTypes.Float64, arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString,
			arrow.BinaryTypes.Binary, arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Timestamp_us,
			arrow.FixedWidthTypes.Timestamp_ns,
		},
		// Rows are inserted one statement at a time: a million would take
		// minutes.
		HugeRows: 1 << 15,
		Dataset: func(path string) lineage.Dataset {
			return sqliteconnector.DatasetName(path, table)
		},
		// The database file is created by a Sink's Create (its rows stay in
		// the transaction until Commit), so the suite checks visibility
		// through Source.Open rather than the directory.
		NotFiles:           true,
		DictionaryAsValues: true,
		ListText:           csvconnector.ListText,
	})
}

// exec creates a database at path with the statements.
func exec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	defer db.Close()
	for _, s := range stmts {
		_, err := db.Exec(s)
		require.NoError(t, err, s)
	}
}

func readAll(t *testing.T, src connectors.Source, opts connectors.ReadOptions) (*arrow.Schema, arrow.RecordBatch) {
	t.Helper()
	rdr, err := src.Open(context.Background(), opts)
	require.NoError(t, err)
	defer rdr.Release()
	var recs []arrow.RecordBatch
	for rdr.Next() {
		rdr.RecordBatch().Retain()
		recs = append(recs, rdr.RecordBatch())
	}
	require.NoError(t, rdr.Err())
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	tbl := array.NewTableFromRecords(rdr.Schema(), recs)
	defer tbl.Release()
	tr := array.NewTableReader(tbl, tbl.NumRows()+1)
	defer tr.Release()
	if !tr.Next() {
		return rdr.Schema(), nil
	}
	b := tr.RecordBatch()
	b.Retain()
	return rdr.Schema(), b
}

// TestDeclaredTypes reads every declared type the mapping knows, NULLs in
// each column.
func TestDeclaredTypes(t *testing.T) {
	mem := arrowtest.Allocator(t)
	path := filepath.Join(t.TempDir(), "types.db")
	exec(t, path,
		`CREATE TABLE t (i INTEGER, bi BIGINT, r REAL, d DOUBLE, f FLOAT, n NUMERIC, b BOOLEAN,
			dt DATE, ts TIMESTAMP, dtt DATETIME, s TEXT, vc VARCHAR(10), bl BLOB, x)`,
		`INSERT INTO t VALUES (1, 9007199254740993, 1.5, -2.25, 3, 4.5, 1,
			'2026-01-02', '2026-01-02 03:04:05.123', '2026-01-02T03:04:05Z', 'a', 'b', x'00ff', 'anything')`,
		`INSERT INTO t VALUES (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
	)
	src := source(t, path)
	schema, b := readAll(t, src, connectors.ReadOptions{Allocator: mem})
	require.NotNil(t, b)
	defer b.Release()
	want := map[string]arrow.DataType{
		"i": arrow.PrimitiveTypes.Int64, "bi": arrow.PrimitiveTypes.Int64,
		"r": arrow.PrimitiveTypes.Float64, "d": arrow.PrimitiveTypes.Float64,
		"f": arrow.PrimitiveTypes.Float64, "n": arrow.PrimitiveTypes.Float64,
		"b": arrow.FixedWidthTypes.Boolean, "dt": arrow.FixedWidthTypes.Date32,
		"ts":  &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"},
		"dtt": &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"},
		"s":   arrow.BinaryTypes.String, "vc": arrow.BinaryTypes.String,
		"bl": arrow.BinaryTypes.Binary, "x": arrow.BinaryTypes.String,
	}
	require.Equal(t, len(want), schema.NumFields())
	for i, f := range schema.Fields() {
		assert.True(t, arrow.TypeEqual(want[f.Name], f.Type), "column %s: %s", f.Name, f.Type)
		assert.True(t, b.Column(i).IsNull(1), "column %s row 1 is NULL", f.Name)
		assert.False(t, b.Column(i).IsNull(0), "column %s row 0", f.Name)
	}
	col := func(name string) arrow.Array { return b.Column(schema.FieldIndices(name)[0]) }
	assert.Equal(t, int64(1), col("i").(*array.Int64).Value(0))
	assert.Equal(t, int64(9007199254740993), col("bi").(*array.Int64).Value(0))
	assert.InDelta(t, 1.5, col("r").(*array.Float64).Value(0), 0)
	assert.InDelta(t, 3.0, col("f").(*array.Float64).Value(0), 0)
	assert.True(t, col("b").(*array.Boolean).Value(0))
	assert.Equal(t, "2026-01-02", col("dt").(*array.Date32).Value(0).FormattedString())
	ts := col("ts").(*array.Timestamp).Value(0).ToTime(arrow.Microsecond)
	assert.Equal(t, time.Date(2026, 1, 2, 3, 4, 5, 123e6, time.UTC), ts.UTC())
	ts = col("dtt").(*array.Timestamp).Value(0).ToTime(arrow.Microsecond)
	assert.Equal(t, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), ts.UTC())
	assert.Equal(t, []byte{0, 0xff}, col("bl").(*array.Binary).Value(0))
	assert.Equal(t, "anything", col("x").(*array.String).Value(0))

	n, err := src.NumRows(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(2), n)
}

func TestProjection(t *testing.T) {
	mem := arrowtest.Allocator(t)
	path := filepath.Join(t.TempDir(), "p.db")
	exec(t, path, `CREATE TABLE t (a INTEGER, b TEXT, c REAL)`, `INSERT INTO t VALUES (1, 'x', 2.5), (2, 'y', NULL)`)
	src := source(t, path)
	schema, b := readAll(t, src, connectors.ReadOptions{Allocator: mem, Columns: []string{"c", "a"}})
	require.NotNil(t, b)
	defer b.Release()
	assert.Equal(t, []string{"c", "a"}, []string{schema.Field(0).Name, schema.Field(1).Name})
	assert.Equal(t, int64(2), b.NumRows())
	assert.Equal(t, []int64{1, 2}, b.Column(1).(*array.Int64).Int64Values())

	_, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem, Columns: []string{"nope"}})
	require.ErrorIs(t, err, connectors.ErrNoColumn)
}

func TestQuery(t *testing.T) {
	mem := arrowtest.Allocator(t)
	path := filepath.Join(t.TempDir(), "q.db")
	exec(t, path, `CREATE TABLE t (a INTEGER, b TEXT)`, `INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'z')`)
	u, err := url.Parse("sqlite://" + path + "?query=" + url.QueryEscape("SELECT a, b FROM t WHERE a >= 2"))
	require.NoError(t, err)
	src, err := sqliteconnector.OpenURL(context.Background(), u)
	require.NoError(t, err)
	defer src.Close()
	_, b := readAll(t, src, connectors.ReadOptions{Allocator: mem})
	require.NotNil(t, b)
	defer b.Release()
	assert.Equal(t, []int64{2, 3}, b.Column(0).(*array.Int64).Int64Values())
	n, err := src.NumRows(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(2), n)

	_, err = sqliteconnector.NewSource(path)
	require.ErrorIs(t, err, sqliteconnector.ErrNoTable)
	_, err = sqliteconnector.OpenURL(context.Background(), &url.URL{Scheme: "sqlite", Host: "h", Path: "/x.db"})
	require.ErrorIs(t, err, connectors.ErrUnsupported)
}

// TestDynamicTypes converts SQLite's dynamic values to the declared types
// of a hint (a rule file's columns), as for CSV, with each policy for
// values that do not convert.
func TestDynamicTypes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dyn.db")
	exec(t, path,
		`CREATE TABLE t (id, amount, at TEXT, ok, label INTEGER)`,
		`INSERT INTO t VALUES ('1', '2.5', '2026-03-04 05:06:07', 'true', 7)`,
		`INSERT INTO t VALUES (2, 3, '2026-03-04T05:06:07+02:00', 0, 'text in an integer column')`,
		`INSERT INTO t VALUES ('x3', 'lots', 'yesterday', 'maybe', NULL)`,
	)
	hint := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
		{Name: "at", Type: arrow.FixedWidthTypes.Timestamp_us},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "label", Type: arrow.BinaryTypes.String},
	}, nil)

	t.Run("Error", func(t *testing.T) {
		mem := arrowtest.Allocator(t)
		src := source(t, path, sqliteconnector.WithSchema(hint),
			sqliteconnector.WithRedact(func(col, v string) string { return "<" + col + ">" }))
		rdr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem})
		require.NoError(t, err)
		defer rdr.Release()
		for rdr.Next() {
		}
		var ie *connectors.InputError
		require.ErrorAs(t, rdr.Err(), &ie)
		assert.Equal(t, 3, ie.Line)
		assert.Equal(t, "id", ie.Field)
		assert.Equal(t, 1, ie.Column)
		assert.NotContains(t, rdr.Err().Error(), "x3", "the redact function shows the value")
		assert.Contains(t, rdr.Err().Error(), "<id>")
	})
	t.Run("Null", func(t *testing.T) {
		mem := arrowtest.Allocator(t)
		src := source(t, path, sqliteconnector.WithSchema(hint))
		_, b := readAll(t, src, connectors.ReadOptions{Allocator: mem,
			Invalid: func(string) connectors.InvalidPolicy { return connectors.InvalidNull }})
		require.NotNil(t, b)
		defer b.Release()
		require.Equal(t, int64(3), b.NumRows())
		id := b.Column(0).(*array.Int64)
		assert.Equal(t, []int64{1, 2}, id.Int64Values()[:2])
		assert.True(t, id.IsNull(2))
		amount := b.Column(1).(*array.Float64)
		assert.InDelta(t, 2.5, amount.Value(0), 0)
		assert.InDelta(t, 3.0, amount.Value(1), 0)
		assert.True(t, amount.IsNull(2))
		at := b.Column(2).(*array.Timestamp)
		assert.Equal(t, time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC), at.Value(0).ToTime(arrow.Microsecond).UTC())
		assert.Equal(t, time.Date(2026, 3, 4, 3, 6, 7, 0, time.UTC), at.Value(1).ToTime(arrow.Microsecond).UTC())
		assert.True(t, at.IsNull(2))
		ok := b.Column(3).(*array.Boolean)
		assert.True(t, ok.Value(0))
		assert.False(t, ok.Value(1))
		assert.True(t, ok.IsNull(2))
		label := b.Column(4).(*array.String)
		assert.Equal(t, "7", label.Value(0))
		assert.Equal(t, "text in an integer column", label.Value(1))
		assert.True(t, label.IsNull(2), "NULL stays null")
	})
	t.Run("Mark", func(t *testing.T) {
		mem := arrowtest.Allocator(t)
		src := source(t, path, sqliteconnector.WithSchema(hint))
		schema, b := readAll(t, src, connectors.ReadOptions{Allocator: mem,
			Invalid: func(string) connectors.InvalidPolicy { return connectors.InvalidMark }})
		require.NotNil(t, b)
		defer b.Release()
		require.Equal(t, connectors.InvalidColumn, schema.Field(schema.NumFields()-1).Name)
		marks := b.Column(schema.NumFields() - 1).(*array.String)
		assert.True(t, marks.IsNull(0))
		assert.True(t, marks.IsNull(1))
		assert.JSONEq(t, `{"id":"x3","amount":"lots","at":"yesterday","ok":"maybe"}`, marks.Value(2))
	})
}

// TestSinkTransaction writes a table over an existing one: until Commit
// readers see the old rows, an Abort leaves them, a Commit replaces them.
func TestSinkTransaction(t *testing.T) {
	mem := arrowtest.Allocator(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	exec(t, path, `CREATE TABLE t (a INTEGER)`, `INSERT INTO t VALUES (41), (42)`)
	b, err := connectortest.Batch(mem, 5, arrow.PrimitiveTypes.Int64)
	require.NoError(t, err)
	defer b.Release()
	sink, err := sqliteconnector.NewSink(path, table)
	require.NoError(t, err)
	count := func() int64 {
		src := source(t, path)
		n, err := src.NumRows(ctx)
		require.NoError(t, err)
		return n
	}

	w, err := sink.Create(ctx, b.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(b))
	require.NoError(t, w.Abort(ctx))
	assert.Equal(t, int64(2), count(), "after Abort")
	tables := func() []string {
		db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		require.NoError(t, err)
		defer db.Close()
		rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
		require.NoError(t, err)
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			require.NoError(t, rows.Scan(&n))
			names = append(names, n)
		}
		return names
	}
	assert.Equal(t, []string{"t"}, tables(), "no temporary table left")

	w, err = sink.Create(ctx, b.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(b))
	require.NoError(t, w.Commit(ctx))
	assert.Equal(t, int64(5), count(), "after Commit")
	assert.Equal(t, []string{sqliteconnector.LineageTable, "t"}, tables())

	_, err = sqliteconnector.NewSink(path, "")
	require.ErrorIs(t, err, sqliteconnector.ErrNoTable)
}

// TestLineage records a producer's metadata in the side table with the
// rows and reads it back; a new version replaces it.
func TestLineage(t *testing.T) {
	mem := arrowtest.Allocator(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "l.db")
	b, err := connectortest.Batch(mem, 3, arrow.PrimitiveTypes.Int64)
	require.NoError(t, err)
	defer b.Release()
	sink, err := sqliteconnector.NewSink(path, table)
	require.NoError(t, err)

	write := func(meta map[string]string, commit bool) {
		w, err := sink.Create(ctx, b.Schema())
		require.NoError(t, err)
		mw, ok := w.(connectors.MetadataWriter)
		require.True(t, ok, "the writer takes producer metadata")
		for k, v := range meta {
			mw.SetMetadata(k, v)
		}
		require.NoError(t, w.Write(b))
		if commit {
			require.NoError(t, w.Commit(ctx))
		} else {
			require.NoError(t, w.Abort(ctx))
		}
	}
	write(map[string]string{"sluice.run_id": "run-1", "sluice.traceparent": "00-abc-def-01"}, true)
	md, err := source(t, path).Metadata(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"sluice.run_id": "run-1", "sluice.traceparent": "00-abc-def-01"}, md)
	// The reader's schema carries it, as a Parquet footer's metadata, for
	// the gate's link to the producer.
	schema, got := readAll(t, source(t, path), connectors.ReadOptions{Allocator: mem})
	got.Release()
	v, ok := schema.Metadata().GetValue("sluice.run_id")
	assert.True(t, ok)
	assert.Equal(t, "run-1", v)

	write(map[string]string{"sluice.run_id": "run-2"}, false)
	md, err = source(t, path).Metadata(ctx)
	require.NoError(t, err)
	assert.Equal(t, "run-1", md["sluice.run_id"], "an aborted write leaves the producer's metadata")

	write(map[string]string{"sluice.run_id": "run-3"}, true)
	md, err = source(t, path).Metadata(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"sluice.run_id": "run-3"}, md)

	// A table never written by a Sink has no metadata, and no error.
	other := filepath.Join(t.TempDir(), "o.db")
	exec(t, other, `CREATE TABLE t (a INTEGER)`)
	md, err = source(t, other).Metadata(ctx)
	require.NoError(t, err)
	assert.Empty(t, md)
}
