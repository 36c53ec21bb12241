package csvconnector

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedata/sluice/connectors"
)

// DefaultInferRows is the number of data rows type inference reads unless
// WithInferRows says otherwise.
const DefaultInferRows = 1000

// Option configures a Source or a Sink. Options that concern only reading
// (WithSchema, WithNullTokens, WithInferRows, WithLimits, WithRedact) are
// ignored by a Sink.
type Option func(*config)

type config struct {
	schema    *arrow.Schema
	nulls     []string
	delim     rune
	inferRows int
	limits    connectors.Limits
	redact    connectors.RedactFunc
}

func newConfig(opts []Option) config {
	c := config{delim: ',', inferRows: DefaultInferRows}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithSchema gives types for some or all columns, matched by header name;
// columns it does not name are inferred. Its fields absent from the header
// are ignored. Field order and nullability are not used: the schema read
// follows the header and every field is nullable.
func WithSchema(schema *arrow.Schema) Option {
	return func(c *config) { c.schema = schema }
}

// WithNullTokens adds field values read as null, for example "NA" or
// "NULL". The empty field is always null, in string columns too.
func WithNullTokens(tokens ...string) Option {
	return func(c *config) { c.nulls = append(c.nulls, tokens...) }
}

// WithDelimiter sets the field delimiter (default ','), for reading and
// writing.
func WithDelimiter(r rune) Option {
	return func(c *config) { c.delim = r }
}

// WithInferRows sets how many data rows type inference reads (default
// DefaultInferRows). Zero or less means DefaultInferRows.
func WithInferRows(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.inferRows = n
		}
	}
}

// WithLimits bounds the bytes of a record and of a field and the number of
// columns (zero fields mean the defaults of connectors.Limits; MaxDepth
// does not apply to CSV). A file that exceeds one fails with an
// *connectors.InputError wrapping connectors.ErrLimit, raised before the
// record is buffered.
func WithLimits(l connectors.Limits) Option {
	return func(c *config) { c.limits = l }
}

// WithRedact passes every cell value that an error message quotes through
// redact, for example to mask the values of columns tagged pii.*. Without
// it values are shown, quoted.
func WithRedact(redact connectors.RedactFunc) Option {
	return func(c *config) { c.redact = redact }
}
