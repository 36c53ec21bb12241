//go:build duckdb_arrow

package main

import (
	"database/sql"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"
)

const haveDuckDB = true

// openDuckDB opens an in-memory DuckDB with threads threads.
func openDuckDB(threads int) (*sql.DB, error) {
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	if _, err := db.Exec(fmt.Sprintf("SET threads = %d", threads)); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
