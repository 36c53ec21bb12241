// Package sqlitestore links the SQLite driver (modernc.org/sqlite, pure
// Go) into a program and opens history stores in SQLite files. Importing
// it is what lets history.Open accept a SQLite path or sqlite: DSN; the
// history package itself links no driver, so that a program embedding
// the gate without history carries no database.
package sqlitestore

import (
	"context"

	_ "modernc.org/sqlite" // registers the database/sql driver "sqlite"

	"github.com/sluicedata/sluice/quality/history"
)

// Open opens (creating or migrating) the SQLite history store at path, as
// history.OpenSQLite does; "" means history.DefaultDSN.
func Open(ctx context.Context, path string) (history.Store, error) {
	return history.OpenSQLite(ctx, path)
}
