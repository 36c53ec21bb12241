package metrics

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

// New returns an empty state for spec over columns of the given Arrow types
// (one per Spec.Columns, in order). It fails with an error wrapping
// ErrUnsupported when the function is unknown or does not apply to a type,
// and ErrArgs when the constant arguments or the number of columns are
// wrong (quantile outside [0,1]).
//
// Types accepted for values: int8…int64, uint8…uint64, float32, float64,
// decimal128, bool, string, large_string, binary, large_binary, date32,
// date64, timestamp (any unit and time zone), duration, and dictionaries of
// those. null_count and completeness accept any type.
//
// Functions with no column (row_count) are given no types; their Update
// takes one column of the batch, any one, only for its length. For a batch
// without columns use RowCounter.
//
// Results, per function:
//   - row_count, null_count, distinct_count, approx_distinct,
//     duplicate_count, min_length, max_length: int64;
//   - completeness, unique_ratio, sum, mean, stddev, median, quantile,
//     mean_length: float64 (decimal128 columns are read as float64);
//   - min, max, most_common: the column's own type: int64 (signed ints),
//     uint64 (unsigned ints), float64 (floats, decimal128), bool, string,
//     []byte (binary), time.Time in UTC (dates, timestamps),
//     time.Duration (durations).
//
// A result is nil when the metric is undefined on the data seen: every
// metric but row_count and null_count is undefined when there is no
// non-null value, and completeness is undefined on no rows (an empty
// dataset is not evaluated, rather than passing silently). sum of no values
// is nil too, as in SQL.
//
// Numeric metrics (sum, mean, stddev, median, quantile, min, max) skip NaN
// like a null; distinct_count, approx_distinct, unique_ratio, most_common
// and duplicate_count count every NaN as one value, and -0 as 0.
func New(spec Spec, types []arrow.DataType) (State, error) {
	f, ok := lookup(spec.Func)
	if !ok {
		return nil, fmt.Errorf("metrics: %s: unknown function: %w", spec.Func, ErrUnsupported)
	}
	if len(types) != len(spec.Columns) {
		return nil, fmt.Errorf("metrics: %s: %d columns but %d types: %w", spec.Func, len(spec.Columns), len(types), ErrArgs)
	}
	if f.Columns >= 0 && len(types) != f.Columns || f.Columns < 0 && len(types) == 0 {
		want := fmt.Sprint(f.Columns)
		if f.Columns < 0 {
			want = "one or more"
		}
		return nil, fmt.Errorf("metrics: %s: takes %s columns, got %d: %w", spec.Func, want, len(types), ErrArgs)
	}
	if len(spec.Args) != len(f.Args) {
		return nil, fmt.Errorf("metrics: %s: takes %d constant arguments, got %d: %w", spec.Func, len(f.Args), len(spec.Args), ErrArgs)
	}
	b := base{spec: cloneSpec(spec), types: slices.Clone(types)}
	cols := make([]column, len(types))
	for i, t := range types {
		c, ok := classify(t)
		if !ok && f.Name != "null_count" && f.Name != "completeness" {
			return nil, fmt.Errorf("metrics: %s(%s): column type %s: %w", spec.Func, spec.Columns[i], t, ErrUnsupported)
		}
		switch {
		case f.Numeric && !c.numeric(),
			f.Strings && c.kind != kindString:
			return nil, fmt.Errorf("metrics: %s(%s): column type %s: %w", spec.Func, spec.Columns[i], t, ErrUnsupported)
		}
		cols[i] = c
	}
	switch f.Name {
	case "row_count":
		return &rowCount{base: b}, nil
	case "null_count", "completeness":
		for i, t := range types {
			switch t.ID() {
			case arrow.SPARSE_UNION, arrow.DENSE_UNION, arrow.RUN_END_ENCODED:
				// No validity bitmap: nulls live in the children.
				return nil, fmt.Errorf("metrics: %s(%s): column type %s: %w", spec.Func, spec.Columns[i], t, ErrUnsupported)
			}
		}
		return &nullState{base: b}, nil
	case "distinct_count", "unique_ratio", "most_common":
		return newFreq(b, cols[0]), nil
	case "duplicate_count":
		if len(cols) == 1 {
			return newFreq(b, cols[0]), nil
		}
		return &dupState{base: b, cols: cols, counts: map[string]int64{}}, nil
	case "approx_distinct":
		return newHLL(b, cols[0]), nil
	case "min", "max":
		return newExtremes(b, cols[0]), nil
	case "sum", "mean", "stddev":
		return &moments{base: b}, nil
	case "median", "quantile":
		q := 0.5
		if f.Name == "quantile" {
			var ok bool
			q, ok = toFloat(spec.Args[0])
			if !ok || !(q >= 0 && q <= 1) {
				return nil, fmt.Errorf("metrics: quantile(%s, %v): q must be a number in [0,1]: %w", spec.Columns[0], spec.Args[0], ErrArgs)
			}
		}
		return &quantileState{base: b, q: q, sketch: newKLL()}, nil
	case "min_length", "max_length", "mean_length":
		return &lengths{base: b}, nil
	case "order_violations":
		return newOrder(b, cols[0])
	case "zscore_max", "zscore_min":
		return &zscores{base: b}, nil
	case "cramers_phi":
		return newContingency(b, cols)
	case "most_common_all":
		return newFreq(b, cols[0]), nil
	}
	return nil, fmt.Errorf("metrics: %s: no state: %w", spec.Func, ErrUnsupported)
}

// RowCounter is implemented by the state of row_count: it counts the rows
// of a batch given only their number, for batches without columns.
type RowCounter interface {
	UpdateRows(n int64)
}

func lookup(name string) (Func, bool) {
	for _, f := range Catalog {
		if f.Name == name {
			return f, true
		}
	}
	return Func{}, false
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int64:
		return float64(v), true
	case int:
		return float64(v), true
	}
	return 0, false
}

func cloneSpec(s Spec) Spec {
	return Spec{Func: s.Func, Columns: slices.Clone(s.Columns), Args: slices.Clone(s.Args)}
}

// base holds what every state has: its spec and column types.
type base struct {
	spec  Spec
	types []arrow.DataType
}

// Spec returns a copy of the state's spec.
func (b *base) Spec() Spec { return cloneSpec(b.spec) }

func (b *base) name() string {
	return b.spec.Func + "(" + strings.Join(b.spec.Columns, ", ") + ")"
}

// check validates the columns given to Update.
func (b *base) check(cols []arrow.Array) error {
	if len(cols) != len(b.types) {
		return fmt.Errorf("metrics: %s: update with %d columns, want %d: %w", b.name(), len(cols), len(b.types), ErrArgs)
	}
	for i, c := range cols {
		if c == nil {
			return fmt.Errorf("metrics: %s: column %q is nil: %w", b.name(), b.spec.Columns[i], ErrArgs)
		}
		if !arrow.TypeEqual(c.DataType(), b.types[i]) {
			return fmt.Errorf("metrics: %s: column %q has type %s, want %s: %w", b.name(), b.spec.Columns[i], c.DataType(), b.types[i], ErrMismatch)
		}
		if c.Len() != cols[0].Len() {
			return fmt.Errorf("metrics: %s: column %q has %d rows, %q has %d: %w", b.name(), b.spec.Columns[i], c.Len(), b.spec.Columns[0], cols[0].Len(), ErrArgs)
		}
	}
	return nil
}

// mergeable returns other as a *T when it is a state of the same spec and
// types as b and not b itself.
func mergeable[T any, P interface {
	*T
	State
	baseOf() *base
}](b *base, self P, other State) (P, error) {
	o, ok := other.(P)
	if !ok || o == nil {
		return nil, fmt.Errorf("metrics: %s: cannot merge a %T: %w", b.name(), other, ErrMismatch)
	}
	if o == self {
		return nil, fmt.Errorf("metrics: %s: cannot merge a state into itself: %w", b.name(), ErrArgs)
	}
	ob := o.baseOf()
	if ob.spec.Func != b.spec.Func || !slices.Equal(ob.spec.Columns, b.spec.Columns) ||
		!reflect.DeepEqual(ob.spec.Args, b.spec.Args) {
		return nil, fmt.Errorf("metrics: %s: cannot merge %s: %w", b.name(), ob.name(), ErrMismatch)
	}
	if !slices.EqualFunc(ob.types, b.types, func(x, y arrow.DataType) bool { return arrow.TypeEqual(x, y) }) {
		return nil, fmt.Errorf("metrics: %s: cannot merge a state over other column types: %w", b.name(), ErrMismatch)
	}
	return o, nil
}

func (b *base) baseOf() *base { return b }

// rowCount is the state of row_count.
type rowCount struct {
	base
	n int64
}

// Update counts the rows of cols[0], a column of the batch (any).
func (s *rowCount) Update(cols []arrow.Array) error {
	if len(cols) != 1 || cols[0] == nil {
		return fmt.Errorf("metrics: row_count(): update with %d columns, want one column of the batch: %w", len(cols), ErrArgs)
	}
	s.n += int64(cols[0].Len())
	return nil
}

// UpdateRows counts n rows.
func (s *rowCount) UpdateRows(n int64) { s.n += n }

func (s *rowCount) Merge(other State) error {
	o, err := mergeable(&s.base, s, other)
	if err != nil {
		return err
	}
	s.n += o.n
	return nil
}

func (s *rowCount) Result() (any, error) { return s.n, nil }

// nullState is the state of null_count and completeness.
type nullState struct {
	base
	rows, nulls int64
}

func (s *nullState) Update(cols []arrow.Array) error {
	if err := s.check(cols); err != nil {
		return err
	}
	s.rows += int64(cols[0].Len())
	s.nulls += int64(nullCount(cols[0]))
	return nil
}

func (s *nullState) Merge(other State) error {
	o, err := mergeable(&s.base, s, other)
	if err != nil {
		return err
	}
	s.rows += o.rows
	s.nulls += o.nulls
	return nil
}

func (s *nullState) Result() (any, error) {
	if s.spec.Func == "null_count" {
		return s.nulls, nil
	}
	if s.rows == 0 {
		return nil, nil
	}
	return float64(s.rows-s.nulls) / float64(s.rows), nil
}

// moments is the state of sum, mean and stddev: the count, the mean and
// the sum of squared deviations (Welford), merged with Chan et al.'s
// parallel formula, and a compensated (Neumaier) sum. NaN is skipped.
type moments struct {
	base
	n        int64
	mean, m2 float64
	sum, c   float64 // Neumaier sum and its compensation
}

func (s *moments) Update(cols []arrow.Array) error {
	if err := s.check(cols); err != nil {
		return err
	}
	return eachFloat(cols[0], false, s.add)
}

// add folds in a chunk: its own count, mean and squared deviations (two
// passes over the chunk, which is in cache), then Chan's merge.
func (s *moments) add(vals []float64) {
	var n int64
	var sum float64
	for _, v := range vals {
		if v == v {
			n++
			sum += v
		}
	}
	if n == 0 {
		return
	}
	mean := sum / float64(n)
	var m2 float64
	for _, v := range vals {
		if v == v {
			d := v - mean
			m2 += d * d
		}
	}
	s.combine(n, mean, m2)
	for _, v := range vals {
		if v == v {
			s.addSum(v)
		}
	}
}

func (s *moments) addSum(v float64) {
	t := s.sum + v
	if math.Abs(s.sum) >= math.Abs(v) {
		s.c += (s.sum - t) + v
	} else {
		s.c += (v - t) + s.sum
	}
	s.sum = t
}

func (s *moments) combine(n int64, mean, m2 float64) {
	if s.n == 0 {
		s.n, s.mean, s.m2 = n, mean, m2
		return
	}
	total := s.n + n
	d := mean - s.mean
	s.mean += d * float64(n) / float64(total)
	s.m2 += m2 + d*d*float64(s.n)*float64(n)/float64(total)
	s.n = total
}

func (s *moments) Merge(other State) error {
	o, err := mergeable(&s.base, s, other)
	if err != nil {
		return err
	}
	if o.n > 0 {
		s.combine(o.n, o.mean, o.m2)
		s.addSum(o.sum)
		s.c += o.c
	}
	return nil
}

func (s *moments) Result() (any, error) {
	if s.n == 0 {
		return nil, nil
	}
	switch s.spec.Func {
	case "sum":
		if math.IsInf(s.sum, 0) || math.IsNaN(s.sum) {
			return s.sum, nil // the compensation is NaN past an infinity
		}
		return s.sum + s.c, nil
	case "mean":
		return s.mean, nil
	default:
		return math.Sqrt(max(s.m2, 0) / float64(s.n)), nil
	}
}

// lengths is the state of min_length, max_length and mean_length, in
// Unicode code points (an invalid UTF-8 byte counts as one).
type lengths struct {
	base
	n, sum, lo, hi int64
}

func (s *lengths) Update(cols []arrow.Array) error {
	if err := s.check(cols); err != nil {
		return err
	}
	return eachString(cols[0], false, func(vals []string) {
		for _, v := range vals {
			l := int64(utf8.RuneCountInString(v))
			if s.n == 0 || l < s.lo {
				s.lo = l
			}
			if s.n == 0 || l > s.hi {
				s.hi = l
			}
			s.n++
			s.sum += l
		}
	})
}

func (s *lengths) Merge(other State) error {
	o, err := mergeable(&s.base, s, other)
	if err != nil {
		return err
	}
	if o.n == 0 {
		return nil
	}
	if s.n == 0 || o.lo < s.lo {
		s.lo = o.lo
	}
	if s.n == 0 || o.hi > s.hi {
		s.hi = o.hi
	}
	s.n += o.n
	s.sum += o.sum
	return nil
}

func (s *lengths) Result() (any, error) {
	if s.n == 0 {
		return nil, nil
	}
	switch s.spec.Func {
	case "min_length":
		return s.lo, nil
	case "max_length":
		return s.hi, nil
	default:
		return float64(s.sum) / float64(s.n), nil
	}
}
