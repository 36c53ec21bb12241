package postgresconnector_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/connectortest"
	"github.com/sluicedata/sluice/connectors/postgresconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/lineage"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// database returns the DSN of SLUICE_TEST_POSTGRES and a fresh schema in
// it, dropped when t ends; it skips t when the variable is unset.
func database(t *testing.T) (dsn, schema string) {
	t.Helper()
	dsn = os.Getenv("SLUICE_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("SLUICE_TEST_POSTGRES is unset: start a throwaway server with tools/postgres/start.sh and export the DSN it prints")
	}
	schema = "sluice_test_" + strings.ToLower(rand.Text()[:12])
	exec(t, dsn, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { exec(t, dsn, "DROP SCHEMA "+schema+" CASCADE") })
	return dsn, schema
}

func exec(t *testing.T, dsn string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	for _, s := range stmts {
		_, err := conn.Exec(ctx, s)
		require.NoError(t, err, s)
	}
}

// tableOf is the table a conformance path maps to.
func tableOf(t *testing.T, path string) string {
	abs, err := filepath.Abs(path)
	require.NoError(t, err)
	h := sha256.Sum256([]byte(abs))
	return "t_" + hex.EncodeToString(h[:8])
}

func TestConformance(t *testing.T) {
	dsn, schema := database(t)
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	connectortest.Run(t, connectortest.Harness{
		Name: "postgres",
		Ext:  ".table",
		NewSource: func(t *testing.T, path string) connectors.Source {
			s, err := postgresconnector.NewSource(dsn, postgresconnector.WithTable(schema+"."+tableOf(t, path)))
			require.NoError(t, err)
			return s
		},
		NewSink: func(t *testing.T, path string) connectors.Sink {
			s, err := postgresconnector.NewSink(dsn, schema+"."+tableOf(t, path))
			require.NoError(t, err)
			return s
		},
		Types: []arrow.DataType{
			arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32,
			arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64,
			arrow.BinaryTypes.String, arrow.BinaryTypes.Binary, arrow.FixedWidthTypes.Date32,
			arrow.FixedWidthTypes.Timestamp_us,
		},
		HugeRows: 1 << 17,
		Dataset: func(path string) lineage.Dataset {
			return postgresconnector.DatasetName(cfg.Host, cfg.Port, cfg.Database, schema, tableOf(t, path))
		},
		NotFiles:           true,
		DictionaryAsValues: true,
		// text[] reads back as a list: ListText is not needed, but the
		// suite's list case needs list<string> to round-trip as such.
		ListText: nil,
	})
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
	if len(recs) == 0 {
		return rdr.Schema(), nil
	}
	cols := make([]arrow.Array, rdr.Schema().NumFields())
	for i := range cols {
		parts := make([]arrow.Array, len(recs))
		for j, r := range recs {
			parts[j] = r.Column(i)
		}
		c, err := array.Concatenate(parts, opts.Allocator)
		require.NoError(t, err)
		defer c.Release()
		cols[i] = c
	}
	var n int64
	for _, r := range recs {
		n += r.NumRows()
	}
	return rdr.Schema(), array.NewRecordBatch(rdr.Schema(), cols, n)
}

// TestTypes reads every mapped type, and a NULL row.
func TestTypes(t *testing.T) {
	dsn, schema := database(t)
	mem := arrowtest.Allocator(t)
	exec(t, dsn,
		`CREATE TABLE `+schema+`.t (b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
			n numeric, n2 numeric(12,3), s text, vc varchar(20), bp char(3), j json, jb jsonb, u uuid, by bytea,
			d date, ts timestamp, tz timestamptz, arr text[], varr varchar[], iv interval)`,
		`INSERT INTO `+schema+`.t VALUES (true, -32768, 2147483647, -9223372036854775808, 1.5, -2.25,
			123456789.000123456, -0.5, 'ünï', 'vc', 'ab', '{"a": 1}', '{"b": [1, 2]}',
			'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\x00ff10', '1999-12-31', '2026-01-02 03:04:05.123456',
			'2026-01-02 03:04:05+02', '{x,NULL,"y z"}', '{}', '1 day 2 hours')`,
		`INSERT INTO `+schema+`.t VALUES (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
			NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
		`INSERT INTO `+schema+`.t (n, n2) VALUES ('NaN', 0)`,
	)
	src, err := postgresconnector.NewSource(dsn, postgresconnector.WithTable(schema+".t"))
	require.NoError(t, err)
	sc, b := readAll(t, src, connectors.ReadOptions{Allocator: mem})
	require.NotNil(t, b)
	defer b.Release()
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	want := []arrow.DataType{
		arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
		arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Float64,
		arrow.BinaryTypes.String, arrow.BinaryTypes.String, arrow.BinaryTypes.String, arrow.BinaryTypes.String,
		arrow.BinaryTypes.String, arrow.BinaryTypes.String, arrow.BinaryTypes.Binary, arrow.FixedWidthTypes.Date32,
		ts, ts, arrow.ListOf(arrow.BinaryTypes.String), arrow.ListOf(arrow.BinaryTypes.String), arrow.BinaryTypes.String,
	}
	require.Equal(t, len(want), sc.NumFields())
	for i, dt := range want {
		assert.True(t, arrow.TypeEqual(dt, sc.Field(i).Type), "column %s: %s, want %s", sc.Field(i).Name, sc.Field(i).Type, dt)
		assert.True(t, b.Column(i).IsNull(1), "column %s row 1 is NULL", sc.Field(i).Name)
	}
	require.Equal(t, int64(3), b.NumRows())
	c := func(name string) arrow.Array { return b.Column(sc.FieldIndices(name)[0]) }
	assert.True(t, c("b").(*array.Boolean).Value(0))
	assert.Equal(t, int16(-32768), c("i2").(*array.Int16).Value(0))
	assert.Equal(t, int32(2147483647), c("i4").(*array.Int32).Value(0))
	assert.Equal(t, int64(math.MinInt64), c("i8").(*array.Int64).Value(0))
	assert.InDelta(t, 1.5, c("f4").(*array.Float32).Value(0), 0)
	assert.InDelta(t, -2.25, c("f8").(*array.Float64).Value(0), 0)
	assert.InDelta(t, 123456789.000123456, c("n").(*array.Float64).Value(0), 0)
	assert.InDelta(t, -0.5, c("n2").(*array.Float64).Value(0), 0)
	assert.True(t, math.IsNaN(c("n").(*array.Float64).Value(2)))
	assert.InDelta(t, 0.0, c("n2").(*array.Float64).Value(2), 0)
	assert.Equal(t, "ünï", c("s").(*array.String).Value(0))
	assert.Equal(t, "vc", c("vc").(*array.String).Value(0))
	assert.Equal(t, "ab ", c("bp").(*array.String).Value(0))
	assert.JSONEq(t, `{"a": 1}`, c("j").(*array.String).Value(0))
	assert.JSONEq(t, `{"b": [1, 2]}`, c("jb").(*array.String).Value(0))
	assert.Equal(t, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", c("u").(*array.String).Value(0))
	assert.Equal(t, []byte{0, 0xff, 0x10}, c("by").(*array.Binary).Value(0))
	assert.Equal(t, "1999-12-31", c("d").(*array.Date32).Value(0).FormattedString())
	assert.Equal(t, time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC), c("ts").(*array.Timestamp).Value(0).ToTime(arrow.Microsecond).UTC())
	assert.Equal(t, time.Date(2026, 1, 2, 1, 4, 5, 0, time.UTC), c("tz").(*array.Timestamp).Value(0).ToTime(arrow.Microsecond).UTC())
	arr := c("arr").(*array.List)
	s, e := arr.ValueOffsets(0)
	vals := arr.ListValues().(*array.String)
	require.Equal(t, int64(3), e-s)
	assert.Equal(t, "x", vals.Value(int(s)))
	assert.True(t, vals.IsNull(int(s+1)))
	assert.Equal(t, "y z", vals.Value(int(s+2)))
	varr := c("varr").(*array.List)
	s, e = varr.ValueOffsets(0)
	assert.Equal(t, s, e, "empty array")
	assert.False(t, varr.IsNull(0))
	assert.Equal(t, "1 day 02:00:00", c("iv").(*array.String).Value(0), "an unmapped type reads as its text")

	n, err := src.NumRows(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(3), n)

	schemaOnly, err := src.Schema(context.Background())
	require.NoError(t, err)
	assert.True(t, schemaOnly.Equal(arrow.NewSchema(sc.Fields(), nil)))
}

func TestProjectionAndQuery(t *testing.T) {
	dsn, schema := database(t)
	mem := arrowtest.Allocator(t)
	exec(t, dsn, `CREATE TABLE `+schema+`.orders (id int8, email text, amount numeric)`,
		`INSERT INTO `+schema+`.orders SELECT g, 'u' || g || '@x.org', g * 1.5 FROM generate_series(1, 5000) g`)
	src, err := postgresconnector.NewSource(dsn, postgresconnector.WithTable(schema+".orders"))
	require.NoError(t, err)
	sc, b := readAll(t, src, connectors.ReadOptions{Allocator: mem, Columns: []string{"amount", "id"}, BatchSize: 700})
	require.NotNil(t, b)
	defer b.Release()
	assert.Equal(t, "amount", sc.Field(0).Name)
	assert.Equal(t, "id", sc.Field(1).Name)
	assert.Equal(t, int64(5000), b.NumRows())
	assert.InDelta(t, 7500.0, b.Column(0).(*array.Float64).Value(4999), 0)

	_, err = src.Open(context.Background(), connectors.ReadOptions{Allocator: mem, Columns: []string{"nope"}})
	require.ErrorIs(t, err, connectors.ErrNoColumn)

	u, err := url.Parse(dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("query", "SELECT id, email FROM "+schema+".orders WHERE id <= 10")
	u.RawQuery = q.Encode()
	qs, err := postgresconnector.OpenURL(context.Background(), u)
	require.NoError(t, err)
	_, b2 := readAll(t, qs, connectors.ReadOptions{Allocator: mem})
	require.NotNil(t, b2)
	defer b2.Release()
	assert.Equal(t, int64(10), b2.NumRows())
	n, err := qs.NumRows(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(10), n)

	// Releasing a reader in the middle of a COPY stops it.
	rdr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem, BatchSize: 10})
	require.NoError(t, err)
	require.True(t, rdr.Next())
	rdr.Release()

	_, err = postgresconnector.NewSource(dsn)
	require.ErrorIs(t, err, postgresconnector.ErrNoTable)

	u.RawQuery = ""
	q = u.Query()
	q.Set("table", schema+".orders")
	u.RawQuery = q.Encode()
	ts, err := postgresconnector.OpenURL(context.Background(), u)
	require.NoError(t, err)
	assert.Equal(t, "postgres", strings.SplitN(ts.Dataset().Name, ".", 2)[0])
	assert.True(t, strings.HasSuffix(ts.Dataset().Name, "."+schema+".orders"))
	assert.True(t, strings.HasPrefix(ts.Dataset().Namespace, "postgres://"))
}

// TestHintAndInvalid widens to a rule file's declared types and applies
// ReadOptions.Invalid to values that do not convert (infinite dates).
func TestHintAndInvalid(t *testing.T) {
	dsn, schema := database(t)
	exec(t, dsn, `CREATE TABLE `+schema+`.t (id int4, d date, code int8)`,
		`INSERT INTO `+schema+`.t VALUES (1, '2026-01-01', 5), (2, 'infinity', 6), (3, '-infinity', NULL)`)
	hint := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "code", Type: arrow.BinaryTypes.String},
	}, nil)
	src, err := postgresconnector.NewSource(dsn, postgresconnector.WithTable(schema+".t"), postgresconnector.WithSchema(hint))
	require.NoError(t, err)

	t.Run("Error", func(t *testing.T) {
		mem := arrowtest.Allocator(t)
		rdr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem})
		require.NoError(t, err)
		defer rdr.Release()
		for rdr.Next() {
		}
		var ie *connectors.InputError
		require.ErrorAs(t, rdr.Err(), &ie)
		assert.Equal(t, 2, ie.Line)
		assert.Equal(t, "d", ie.Field)
	})
	t.Run("Mark", func(t *testing.T) {
		mem := arrowtest.Allocator(t)
		sc, b := readAll(t, src, connectors.ReadOptions{Allocator: mem,
			Invalid: func(string) connectors.InvalidPolicy { return connectors.InvalidMark }})
		require.NotNil(t, b)
		defer b.Release()
		assert.True(t, arrow.TypeEqual(arrow.PrimitiveTypes.Int64, sc.Field(0).Type))
		assert.True(t, arrow.TypeEqual(arrow.BinaryTypes.String, sc.Field(2).Type))
		assert.Equal(t, []int64{1, 2, 3}, b.Column(0).(*array.Int64).Int64Values())
		assert.Equal(t, "5", b.Column(2).(*array.String).Value(0))
		d := b.Column(1).(*array.Date32)
		assert.False(t, d.IsNull(0))
		assert.True(t, d.IsNull(1))
		marks := b.Column(3).(*array.String)
		assert.True(t, marks.IsNull(0))
		assert.JSONEq(t, `{"d":"infinity"}`, marks.Value(1))
		assert.JSONEq(t, `{"d":"-infinity"}`, marks.Value(2))
	})
}

// TestSinkTransaction: an Abort leaves the target table as it was and no
// temporary table; a Commit replaces it.
func TestSinkTransaction(t *testing.T) {
	dsn, schema := database(t)
	mem := arrowtest.Allocator(t)
	ctx := context.Background()
	exec(t, dsn, `CREATE TABLE `+schema+`.t (a int8)`, `INSERT INTO `+schema+`.t VALUES (41), (42)`)
	b, err := connectortest.Batch(mem, 5, arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String)
	require.NoError(t, err)
	defer b.Release()
	sink, err := postgresconnector.NewSink(dsn, schema+".t")
	require.NoError(t, err)
	src, err := postgresconnector.NewSource(dsn, postgresconnector.WithTable(schema+".t"))
	require.NoError(t, err)
	count := func() int64 {
		n, err := src.NumRows(ctx)
		require.NoError(t, err)
		return n
	}
	tables := func() []string {
		conn, err := pgx.Connect(ctx, dsn)
		require.NoError(t, err)
		defer conn.Close(ctx)
		rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, schema)
		require.NoError(t, err)
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		return names
	}
	w, err := sink.Create(ctx, b.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(b))
	assert.Equal(t, int64(2), count(), "before Commit")
	require.NoError(t, w.Abort(ctx))
	assert.Equal(t, int64(2), count(), "after Abort")
	assert.Equal(t, []string{"t"}, tables())

	w, err = sink.Create(ctx, b.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(b))
	require.NoError(t, w.Write(b))
	require.NoError(t, w.Commit(ctx))
	assert.Equal(t, int64(10), count())
	assert.Equal(t, []string{postgresconnector.LineageTable, "t"}, tables())

	_, err = postgresconnector.NewSink(dsn, "")
	require.ErrorIs(t, err, postgresconnector.ErrNoTable)
}

func TestLineage(t *testing.T) {
	dsn, schema := database(t)
	mem := arrowtest.Allocator(t)
	ctx := context.Background()
	b, err := connectortest.Batch(mem, 3, arrow.PrimitiveTypes.Int64)
	require.NoError(t, err)
	defer b.Release()
	sink, err := postgresconnector.NewSink(dsn, schema+".t")
	require.NoError(t, err)
	src, err := postgresconnector.NewSource(dsn, postgresconnector.WithTable(schema+".t"))
	require.NoError(t, err)
	write := func(meta map[string]string, commit bool) {
		w, err := sink.Create(ctx, b.Schema())
		require.NoError(t, err)
		mw, ok := w.(connectors.MetadataWriter)
		require.True(t, ok)
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
	write(map[string]string{lineage.MetaRunID: "run-1", lineage.MetaTraceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}, true)
	md, err := src.Metadata(ctx)
	require.NoError(t, err)
	assert.Equal(t, "run-1", md[lineage.MetaRunID])
	sc, got := readAll(t, src, connectors.ReadOptions{Allocator: mem})
	got.Release()
	v, ok := sc.Metadata().GetValue(lineage.MetaRunID)
	assert.True(t, ok, "the reader's schema carries the producer's metadata")
	assert.Equal(t, "run-1", v)

	write(map[string]string{lineage.MetaRunID: "run-2"}, false)
	md, err = src.Metadata(ctx)
	require.NoError(t, err)
	assert.Equal(t, "run-1", md[lineage.MetaRunID], "an aborted write leaves the metadata")
	write(map[string]string{lineage.MetaRunID: "run-3"}, true)
	md, err = src.Metadata(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{lineage.MetaRunID: "run-3"}, md)
}
