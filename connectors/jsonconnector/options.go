package jsonconnector

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedata/sluice/connectors"
)

// DefaultInferRows is the number of records type inference reads unless
// WithInferRows says otherwise.
const DefaultInferRows = 1000

// Option configures a Source. A Sink takes none today; NewSink accepts
// options for symmetry and ignores them.
type Option func(*config)

type config struct {
	schema    *arrow.Schema
	inferRows int
	limits    connectors.Limits
	redact    connectors.RedactFunc
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

// WithLimits bounds the bytes of a record (an NDJSON value or an element
// of a top-level array) and of one value, the keys of a record and the
// distinct keys inferred, and the nesting depth (zero fields mean the
// defaults of connectors.Limits). A file that exceeds one fails with an
// *connectors.InputError wrapping connectors.ErrLimit, raised before the
// record is buffered.
func WithLimits(l connectors.Limits) Option {
	return func(c *config) { c.limits = l }
}

// WithRedact passes every value that an error message quotes through
// redact, for example to mask the values of columns tagged pii.*. Without
// it values are shown, quoted.
func WithRedact(redact connectors.RedactFunc) Option {
	return func(c *config) { c.redact = redact }
}
