//go:build !duckdb_arrow

package main

import (
	"database/sql"
	"errors"
)

const haveDuckDB = false

func openDuckDB(int) (*sql.DB, error) {
	return nil, errors.New("built without DuckDB: use -tags duckdb_arrow")
}
