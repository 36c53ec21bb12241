package sqliteconnector

import (
	"errors"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedata/sluice/connectors"
)

// ErrNoTable is wrapped by the error of a Source given neither a table
// nor a query, or both.
var ErrNoTable = errors.New("sqliteconnector: give exactly one of a table or a query")

// SourceOption configures a Source.
type SourceOption func(*Source)

// WithTable reads the table name.
func WithTable(name string) SourceOption { return func(s *Source) { s.table = name } }

// WithQuery reads the rows of a SELECT statement. The dataset's name is
// then "<path>/<query>"; prefer a table or a view for lineage.
func WithQuery(query string) SourceOption { return func(s *Source) { s.query = query } }

// WithSchema gives the declared Arrow type of columns by name (a rule
// file's columns:). Columns it does not name keep the type their
// declaration maps to.
func WithSchema(schema *arrow.Schema) SourceOption { return func(s *Source) { s.hint = schema } }

// WithRedact sets how values appear in error messages (pii.* columns).
func WithRedact(r connectors.RedactFunc) SourceOption { return func(s *Source) { s.redact = r } }

// SinkOption configures a Sink.
type SinkOption func(*Sink)
