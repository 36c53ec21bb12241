package lineage

import "go.opentelemetry.io/otel/attribute"

// Job identifies the recurring work a Run is one execution of, in
// OpenLineage terms: a namespace (the scheduler or team) and a name unique in
// it (for instance "orders.nightly_export").
type Job struct {
	Namespace string
	Name      string
}

// Field is one column of a dataset, the unit of column-level lineage.
type Field struct {
	Dataset Dataset
	Name    string
}

// Transformation describes how an input field contributes to an output
// field, as in the OpenLineage columnLineage facet: Type is DIRECT (the
// value derives from the input) or INDIRECT (the input influenced which rows
// or how, e.g. a filter); Subtype refines it (IDENTITY, TRANSFORMATION,
// AGGREGATION, FILTER, JOIN, GROUP_BY, SORT, WINDOW, CONDITIONAL); Masking
// reports that the output hides the input's value (hash, redaction).
type Transformation struct {
	Type        string `json:"type"`
	Subtype     string `json:"subtype,omitempty"`
	Description string `json:"description,omitempty"`
	Masking     bool   `json:"masking"`
}

// Transformation types and subtypes named by the OpenLineage spec.
const (
	TransformDirect   = "DIRECT"
	TransformIndirect = "INDIRECT"

	SubtypeIdentity       = "IDENTITY"
	SubtypeTransformation = "TRANSFORMATION"
	SubtypeAggregation    = "AGGREGATION"
	SubtypeFilter         = "FILTER"
	SubtypeJoin           = "JOIN"
	SubtypeGroupBy        = "GROUP_BY"
	SubtypeSort           = "SORT"
	SubtypeWindow         = "WINDOW"
	SubtypeConditional    = "CONDITIONAL"
)

// Identity is a column copied unchanged: DIRECT/IDENTITY.
func Identity() Transformation {
	return Transformation{Type: TransformDirect, Subtype: SubtypeIdentity}
}

// Filter is an input that decided which rows passed (a row rule of a gate):
// INDIRECT/FILTER. description is typically the rule name or expression.
func Filter(description string) Transformation {
	return Transformation{Type: TransformIndirect, Subtype: SubtypeFilter, Description: description}
}

// Masked is a column computed from its input so that the original value is
// not recoverable (hash, redaction, tokenization): DIRECT/TRANSFORMATION with
// Masking set.
func Masked(description string) Transformation {
	return Transformation{Type: TransformDirect, Subtype: SubtypeTransformation, Description: description, Masking: true}
}

// Assertion is the outcome of one quality rule on a dataset, filled by
// package quality from its report. A failed assertion is a result, not an
// error.
type Assertion struct {
	Name        string // rule name, e.g. "amount_non_negative"
	Type        string // classification: "row", "not_null", "unique", "row_count", "freshness", "expression"…
	Column      string // column the rule is about; empty for the whole dataset
	Success     bool   // true when the rule found no issues (independent of severity)
	Severity    string // "error", "warn", "info"
	Description string
	Expected    string // threshold, serialized
	Actual      string // observed value, serialized
	Content     string // the rule body, e.g. the CEL expression
	ContentType string // e.g. "cel"
}

// Metrics are dataset and column measurements of a check, filled by package
// quality. Nil pointers are unknown and omitted from events.
type Metrics struct {
	RowCount  *int64
	Bytes     *int64
	FileCount *int64
	Columns   map[string]ColumnMetrics
}

// ColumnMetrics are per-column measurements; nil is unknown.
type ColumnMetrics struct {
	NullCount     *int64             `json:"nullCount,omitempty"`
	DistinctCount *int64             `json:"distinctCount,omitempty"`
	Sum           *float64           `json:"sum,omitempty"`
	Count         *float64           `json:"count,omitempty"`
	Min           *float64           `json:"min,omitempty"`
	Max           *float64           `json:"max,omitempty"`
	Quantiles     map[string]float64 `json:"quantiles,omitempty"`
}

// Tag is a key/value label on a job or run (OpenLineage tags facets).
type Tag struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source,omitempty"`
	// Field names the column a dataset tag applies to (dataset tags facet
	// only; empty on job and run tags).
	Field string `json:"field,omitempty"`
}

// IOInfo describes the physical side of a read or a write. Every field is
// optional.
type IOInfo struct {
	// Path is the local file or object path; it sets the file.path span
	// attribute, and file.size is set from the byte count at End.
	Path string
	// DataSourceURI is the URI of the storage (e.g. "postgres://db:5432",
	// "s3://bucket"); it fills the dataSource facet. When empty the dataset
	// namespace is used if it is an absolute URI.
	DataSourceURI string
	// Metadata is the dataset's key-value metadata (Parquet/Arrow) when
	// known before the read starts. Producer metadata found in it (see
	// ProducerMetadata) links the read span to the producing span. It can
	// also be given later with IO.LinkProducer.
	Metadata map[string]string
	// Attributes are added to the span as given, for semantic conventions
	// this package does not model, e.g. db.system.name and
	// db.collection.name for SQL datasets.
	Attributes []attribute.KeyValue
	// ColumnTags are the tags of the dataset's columns, keyed by column
	// name ("pii.email", "gdpr.personal", "purpose=billing"). They fill the
	// dataset's tags facet (one entry per tag with its field; key=value
	// tags split at the first "=", others get the value "true") and the
	// span attribute sluice.privacy.tagged_columns (column names only,
	// sorted). Values of the columns are never recorded.
	ColumnTags map[string][]string
}

// Ptr returns a pointer to v, handy to fill Metrics and ColumnMetrics.
func Ptr[T any](v T) *T { return &v }
