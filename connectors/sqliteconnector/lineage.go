package sqliteconnector

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// LineageTable is the side table in which a Sink records, per table, the
// key-value metadata a producer set (connectors.MetadataWriter): the run
// id and trace context that a later read links to, as Parquet and Arrow
// files keep them in their footers.
const LineageTable = "_sluice_lineage"

// SetMetadata records key=value for the table in LineageTable at Commit,
// in the same transaction as the rows.
func (w *writer) SetMetadata(key, value string) {
	w.meta = append(w.meta, [2]string{key, value})
}

func writeLineage(ctx context.Context, tx *sql.Tx, table string, meta [][2]string) error {
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+LineageTable+
		" (dataset TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, written_at TEXT NOT NULL, PRIMARY KEY (dataset, key))"); err != nil {
		return err
	}
	// A new version of the table replaces the metadata of the previous one.
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+LineageTable+" WHERE dataset = ?", table); err != nil {
		return err
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for _, kv := range meta {
		if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO "+LineageTable+" VALUES (?, ?, ?, ?)", table, kv[0], kv[1], now); err != nil {
			return err
		}
	}
	return nil
}

// Metadata returns the key-value metadata the producer of the table set
// (empty when none was recorded, or for a query), for lineage.Metadata
// style links to the producing run.
func (s *Source) Metadata(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	if s.table == "" {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, "SELECT key, value FROM "+LineageTable+" WHERE dataset = ?", s.table)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return out, nil
		}
		return nil, s.wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, s.wrap(err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, s.wrap(err)
	}
	return out, nil
}
