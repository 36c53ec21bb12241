package jsonconnector

import "github.com/apache/arrow-go/v18/arrow"

// DefaultInferRows is the number of records type inference reads unless
// WithInferRows says otherwise.
const DefaultInferRows = 1000

// Option configures a Source. A Sink takes none today; NewSink accepts
// options for symmetry and ignores them.
type Option func(*config)

type config struct {
	schema    *arrow.Schema
	inferRows int
}

func newConfig(opts []Option) config {
	c := config{inferRows: DefaultInferRows}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithSchema gives the types of some or all keys; keys it does not name are
// inferred. Its fields are columns even when no record has the key (all
// null then).
func WithSchema(schema *arrow.Schema) Option {
	return func(c *config) { c.schema = schema }
}

// WithInferRows sets how many records type inference reads (default
// DefaultInferRows). Zero or less means DefaultInferRows.
func WithInferRows(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.inferRows = n
		}
	}
}
