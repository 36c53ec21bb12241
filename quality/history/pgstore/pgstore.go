// Package pgstore links the PostgreSQL driver (jackc/pgx/v5 through its
// database/sql adapter) into a program and opens history stores in
// PostgreSQL. Importing it is what lets history.Open accept a postgres://
// DSN; the history package itself links no driver, so that a program
// embedding the gate without history carries no database.
package pgstore

import (
	"context"
	"fmt"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the database/sql driver "pgx"

	"github.com/sluicedata/sluice/quality/history"
)

// Open opens (creating or migrating) the PostgreSQL history store at a
// postgres:// or postgresql:// URL, as history.OpenPostgres does. No error
// shows the URL's password.
func Open(ctx context.Context, url string) (history.Store, error) {
	d, err := history.ParseDSN(url)
	if err != nil {
		return nil, err
	}
	if d.Backend != history.BackendPostgres {
		return nil, fmt.Errorf("%w: %q is not a postgres:// URL", history.ErrDSN, d.String())
	}
	return history.Open(ctx, url)
}
