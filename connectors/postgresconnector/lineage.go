package postgresconnector

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// LineageTable is the side table, in the schema of each table a Sink
// writes, in which the Sink records the key-value metadata a producer set
// (connectors.MetadataWriter): the run id and trace context that a later
// read links to, as Parquet and Arrow files keep them in their footers.
// One row per (dataset, key), dataset being the table's name.
const LineageTable = "_sluice_lineage"

// SetMetadata records key=value for the table in LineageTable at Commit,
// in the same transaction as the rows.
func (w *writer) SetMetadata(key, value string) {
	w.meta = append(w.meta, [2]string{key, value})
}

func writeLineage(ctx context.Context, tx pgx.Tx, schema, table string, meta [][2]string) error {
	lt := ident(schema, LineageTable)
	if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+lt+
		" (dataset text NOT NULL, key text NOT NULL, value text NOT NULL, written_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (dataset, key))"); err != nil {
		return err
	}
	// A new version of the table replaces the metadata of the previous one.
	if _, err := tx.Exec(ctx, "DELETE FROM "+lt+" WHERE dataset = $1", table); err != nil {
		return err
	}
	for _, kv := range meta {
		if _, err := tx.Exec(ctx, "INSERT INTO "+lt+" (dataset, key, value) VALUES ($1, $2, $3) ON CONFLICT (dataset, key) DO UPDATE SET value = EXCLUDED.value",
			table, kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// Metadata returns the key-value metadata the producer of the table set
// (empty when none was recorded, or for a query).
func (s *Source) Metadata(ctx context.Context) (map[string]string, error) {
	conn, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return s.metadata(ctx, conn)
}

func (s *Source) metadata(ctx context.Context, conn *pgx.Conn) (map[string]string, error) {
	out := map[string]string{}
	if s.table == "" {
		return out, nil
	}
	rows, err := conn.Query(ctx, "SELECT key, value FROM "+ident(s.schema, LineageTable)+" WHERE dataset = $1", s.table)
	if err == nil {
		for rows.Next() {
			var k, v string
			if err = rows.Scan(&k, &v); err != nil {
				break
			}
			out[k] = v
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table: nothing recorded
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, s.wrap(err)
	}
	return out, nil
}
