package metrics

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// Spec names one metric: a function applied to columns with constant
// arguments, for example quantile(amount, 0.9) is
// Spec{Func: "quantile", Columns: []string{"amount"}, Args: []any{0.9}}.
type Spec struct {
	Func    string
	Columns []string // physical column names
	Args    []any    // constant arguments after the columns (float64, int64, string)
}

// State is the mergeable state of one metric.
//
// A State is not safe for concurrent use; give each goroutine its own and
// Merge them.
type State interface {
	// Spec returns the metric this state computes.
	Spec() Spec
	// Update folds in one batch: cols holds the metric's columns, in Spec
	// order, all of the same length. The arrays are borrowed for the call.
	// Dictionary-encoded arrays are accepted wherever their value type is.
	// A metric without columns (row_count) is given one column of the
	// batch, any one, for its length (or see RowCounter).
	Update(cols []arrow.Array) error
	// Merge folds in another state of the same Spec (ErrMismatch otherwise).
	Merge(other State) error
	// Result returns the metric's value: int64, float64, string, bool,
	// time.Time or time.Duration (and uint64 or []byte for min, max and
	// most_common of unsigned and binary columns), or nil when the metric
	// is undefined on the data seen (the mean of no values, the min of an
	// all-null column).
	Result() (any, error)
}

// ResultType says which type a metric returns.
type ResultType int

const (
	ResultInt          ResultType = iota // int64
	ResultDouble                         // float64
	ResultSameAsColumn                   // the column's own type (min, max, most_common)
	ResultListOfColumn                   // a list of the column's own type (most_common_all)
)

// Func describes one metric function for the rule compiler.
type Func struct {
	Name string
	// Columns is the number of column arguments (-1: one or more, for
	// duplicate_count).
	Columns int
	// Args lists the kinds of the constant arguments after the columns:
	// "double", "int" or "string".
	Args []string
	// Result is the type of the value.
	Result ResultType
	// Numeric reports whether the columns must be numeric (int, uint,
	// double, decimal), or timestamp for min/max style functions
	// (see Ordered).
	Numeric bool
	// Ordered reports whether the columns must be ordered (numbers,
	// strings, timestamps, dates): min, max, median, quantile.
	Ordered bool
	// Strings reports whether the columns must be strings (length metrics).
	Strings bool
	Doc     string
}

// Catalog lists the metric functions computed from column data. Metrics the
// rule compiler handles itself — count_if, fraction_if (a row expression
// counted by a Counter), missing_references (a Reference state) and now() —
// are not listed here.
var Catalog = []Func{
	{Name: "row_count", Columns: 0, Result: ResultInt, Doc: "number of rows"},
	{Name: "null_count", Columns: 1, Result: ResultInt, Doc: "number of null values"},
	{Name: "completeness", Columns: 1, Result: ResultDouble, Doc: "fraction of non-null values; undefined (nil) on an empty dataset"},
	{Name: "distinct_count", Columns: 1, Result: ResultInt, Doc: "exact number of distinct non-null values"},
	{Name: "approx_distinct", Columns: 1, Result: ResultInt, Doc: "HyperLogLog estimate of the number of distinct non-null values"},
	{Name: "duplicate_count", Columns: -1, Result: ResultInt, Doc: "rows whose key (all columns non-null) occurs more than once"},
	{Name: "unique_ratio", Columns: 1, Result: ResultDouble, Doc: "values occurring exactly once / non-null values"},
	{Name: "min", Columns: 1, Result: ResultSameAsColumn, Ordered: true, Doc: "smallest non-null value"},
	{Name: "max", Columns: 1, Result: ResultSameAsColumn, Ordered: true, Doc: "largest non-null value"},
	{Name: "sum", Columns: 1, Result: ResultDouble, Numeric: true, Doc: "sum of non-null values"},
	{Name: "mean", Columns: 1, Result: ResultDouble, Numeric: true, Doc: "arithmetic mean of non-null values"},
	{Name: "stddev", Columns: 1, Result: ResultDouble, Numeric: true, Doc: "population standard deviation (Welford)"},
	{Name: "median", Columns: 1, Result: ResultDouble, Numeric: true, Doc: "KLL estimate of the median"},
	{Name: "quantile", Columns: 1, Args: []string{"double"}, Result: ResultDouble, Numeric: true, Doc: "KLL estimate of the q-quantile, 0 <= q <= 1"},
	{Name: "min_length", Columns: 1, Result: ResultInt, Strings: true, Doc: "shortest string, in Unicode code points"},
	{Name: "max_length", Columns: 1, Result: ResultInt, Strings: true, Doc: "longest string, in Unicode code points"},
	{Name: "mean_length", Columns: 1, Result: ResultDouble, Strings: true, Doc: "mean string length, in Unicode code points"},
	{Name: "most_common", Columns: 1, Result: ResultSameAsColumn, Doc: "most frequent non-null value (exact; ties broken by smallest value)"},
	{Name: "most_common_all", Columns: 1, Result: ResultListOfColumn, Doc: "every most frequent non-null value, ascending (exact; all values of a tie)"},
	{Name: "order_violations", Columns: 1, Args: []string{"string"}, Result: ResultInt, Ordered: true, Doc: "non-null values out of order against the non-null value before them, in row order; the direction is 'increasing', 'decreasing', 'strictly_increasing' or 'strictly_decreasing'"},
	{Name: "zscore_max", Columns: 1, Result: ResultDouble, Numeric: true, Doc: "largest z-score (max - mean) / s, s the sample standard deviation; NaN when s is 0 or undefined"},
	{Name: "zscore_min", Columns: 1, Result: ResultDouble, Numeric: true, Doc: "smallest z-score (min - mean) / s, s the sample standard deviation; NaN when s is 0 or undefined"},
	{Name: "cramers_phi", Columns: 2, Args: []string{"int", "int"}, Result: ResultDouble, Doc: "Cramér's phi (V) of the contingency table of two columns, numbers binned into the given number of equal-width bins (0: 10), other values in categories"},
}

// New returns an empty state for spec over columns of the given Arrow types
// (one per Spec.Columns, in order). It fails with an error wrapping
// ErrUnsupported when the function is unknown or does not apply to a type,
// and ErrArgs when the constant arguments are wrong (quantile outside [0,1]).
//
// Implemented in states.go.
// func New(spec Spec, types []arrow.DataType) (State, error)
