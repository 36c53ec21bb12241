package benchmarks

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", the row-scanning peer

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/postgresconnector"
)

// pgBenchRows is the size of the table the PostgreSQL benchmarks read.
const pgBenchRows = 1_000_000

// pgTable creates (once per server) the benchmark table of n rows: int8,
// int4, float8, numeric, text, timestamptz, bool, and returns the DSN and
// its name. It skips b without SLUICE_TEST_POSTGRES.
func pgTable(b *testing.B, n int) (dsn, table string) {
	b.Helper()
	dsn = os.Getenv("SLUICE_TEST_POSTGRES")
	if dsn == "" {
		b.Skip("SLUICE_TEST_POSTGRES is unset: start a server with tools/postgres/start.sh")
	}
	table = fmt.Sprintf("public.sluice_bench_orders_%d", n)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	if !exists {
		if _, err := conn.Exec(ctx, `CREATE TABLE `+table+` AS SELECT g::int8 AS id, (g % 1000)::int4 AS customer_id,
			(g % 10007) / 7.0::float8 AS amount, ((g % 100000) / 100.0)::numeric(12,2) AS price,
			(ARRAY['new','paid','shipped','cancelled','refunded'])[1 + g % 5] AS status,
			'2026-01-01'::timestamptz + g * interval '1 second' AS ordered_at, g % 3 = 0 AS flagged
			FROM generate_series(1, `+fmt.Sprint(n)+`) g`); err != nil {
			b.Fatal(err)
		}
	}
	return dsn, table
}

// BenchmarkPostgresRead reads the whole table into Arrow with
// postgresconnector (binary COPY decoded into builders), against pgx's own
// CopyTo of the same binary COPY into io.Discard (the wire and server cost,
// no decoding: the practical limit) and against database/sql row scanning
// through pgx's stdlib driver into typed Go values (no Arrow at all).
func BenchmarkPostgresRead(b *testing.B) {
	dsn, table := pgTable(b, pgBenchRows)
	ctx := context.Background()
	cols := "id, customer_id, amount, price, status, ordered_at, flagged"
	report := func(b *testing.B) {
		b.ReportMetric(float64(pgBenchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	}
	b.Run("sluice", func(b *testing.B) {
		src, err := postgresconnector.NewSource(dsn, postgresconnector.WithTable(table))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			rr, err := src.Open(ctx, connectors.ReadOptions{BatchSize: 64 * 1024})
			if err != nil {
				b.Fatal(err)
			}
			var n int64
			for rr.Next() {
				n += rr.RecordBatch().NumRows()
			}
			if err := rr.Err(); err != nil {
				b.Fatal(err)
			}
			rr.Release()
			if n != pgBenchRows {
				b.Fatalf("%d rows", n)
			}
		}
		report(b)
	})
	b.Run("pgx-copyto-discard", func(b *testing.B) {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(ctx)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := conn.PgConn().CopyTo(ctx, io.Discard, "COPY (SELECT "+cols+" FROM "+table+") TO STDOUT (FORMAT binary)"); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
	b.Run("database-sql-scan", func(b *testing.B) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		b.ReportAllocs()
		for b.Loop() {
			rows, err := db.QueryContext(ctx, "SELECT "+cols+" FROM "+table)
			if err != nil {
				b.Fatal(err)
			}
			var (
				id, cust      sql.NullInt64
				amount, price sql.NullFloat64
				status        sql.NullString
				at            sql.NullTime
				flagged       sql.NullBool
				n             int
			)
			for rows.Next() {
				if err := rows.Scan(&id, &cust, &amount, &price, &status, &at, &flagged); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if err := rows.Err(); err != nil {
				b.Fatal(err)
			}
			rows.Close()
			if n != pgBenchRows {
				b.Fatalf("%d rows", n)
			}
		}
		report(b)
	})
}
