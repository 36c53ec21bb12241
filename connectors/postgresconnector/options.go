package postgresconnector

import (
	"errors"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedata/sluice/connectors"
)

// ErrNoTable is wrapped by the error of a Source given neither a table
// nor a query, or both, and of a Sink given no table.
var ErrNoTable = errors.New("postgresconnector: give exactly one of a table or a query")

// SourceOption configures a Source.
type SourceOption func(*Source)

// WithTable reads the table name, "schema.table" or "table" (schema
// public).
func WithTable(name string) SourceOption { return func(s *Source) { s.table = name } }

// WithQuery reads the rows of a SELECT statement. The dataset's name is
// then "db.<query>"; prefer a table or a view for lineage.
func WithQuery(query string) SourceOption { return func(s *Source) { s.query = query } }

// WithSchema gives the declared Arrow types of columns by name (a rule
// file's columns:), see the package documentation.
func WithSchema(schema *arrow.Schema) SourceOption { return func(s *Source) { s.hint = schema } }

// WithRedact sets how values appear in error messages (pii.* columns).
func WithRedact(r connectors.RedactFunc) SourceOption { return func(s *Source) { s.redact = r } }

// SinkOption configures a Sink.
type SinkOption func(*Sink)
