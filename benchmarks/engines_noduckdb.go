//go:build !duckdb_arrow

package benchmarks

import (
	"context"
	"errors"

	"github.com/apache/arrow-go/v18/arrow"
)

// HaveDuckDB reports whether the DuckDB peer is built in: it needs the
// build tag duckdb_arrow (duckdb-go's Arrow interface is behind it).
const HaveDuckDB = false

// DuckDB is the DuckDB peer; without the build tag duckdb_arrow it cannot
// be created.
type DuckDB struct{}

// NewDuckDB fails: build with -tags duckdb_arrow.
func NewDuckDB(context.Context, int, []RowRule, []string) (*DuckDB, error) {
	return nil, errors.New("duckdb: not built in; build with -tags duckdb_arrow")
}

// Close does nothing.
func (*DuckDB) Close() {}

// Run fails.
func (*DuckDB) Run(context.Context, []arrow.RecordBatch) (*Result, error) {
	return nil, errors.New("duckdb: not built in")
}
