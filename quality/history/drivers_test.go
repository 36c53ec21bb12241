package history

// The tests of this package open real stores: they link both drivers, as
// a program does by importing sqlitestore and pgstore (which import this
// package, so the tests cannot import them).
import (
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"
)
