package csvconnector

import "github.com/apache/arrow-go/v18/arrow"

// DefaultInferRows is the number of data rows type inference reads unless
// WithInferRows says otherwise.
const DefaultInferRows = 1000

// Option configures a Source or a Sink. Options that concern only reading
// (WithSchema, WithNullTokens, WithInferRows) are ignored by a Sink.
type Option func(*config)

type config struct {
	schema    *arrow.Schema
	nulls     []string
	delim     rune
	inferRows int
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
