package history

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// Names of the database/sql drivers the stores open. This package links
// no driver: a program that opens a store imports the package of its
// backend, quality/history/sqlitestore (modernc.org/sqlite) or
// quality/history/pgstore (jackc/pgx), which brings the driver in. A
// program that only embeds the gate, without history, links neither.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "pgx"
)

// ErrNoDriver is wrapped by the error of Open, OpenSQLite and OpenPostgres
// when the program links no driver for the store's backend. The message
// names the package to import.
var ErrNoDriver = errors.New("history: no database driver")

const modulePath = "github.com/sluicedata/sluice/quality/history/"

// needDriver reports ErrNoDriver unless database/sql knows driver; pkg is
// the sub-package that links it.
func needDriver(driver, pkg string) error {
	if slices.Contains(sql.Drivers(), driver) {
		return nil
	}
	return fmt.Errorf("%w %q: import %s%s in the program (the sluice command does)", ErrNoDriver, driver, modulePath, pkg)
}
