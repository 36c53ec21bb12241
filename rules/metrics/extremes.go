package metrics

import (
	"cmp"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// extremes is the state of min and max: the smallest and largest non-null
// value in the column's domain. NaN is skipped.
type extremes[T cmp.Ordered] struct {
	base
	col    column
	has    bool
	lo, hi T
	each   func(arrow.Array, bool, func([]T)) error
	result func(T) any
}

func newExtremes(b base, c column) State {
	switch c.domain() {
	case domInt:
		return &extremes[int64]{base: b, col: c, each: eachInt, result: c.fromInt}
	case domUint:
		return &extremes[uint64]{base: b, col: c, each: eachUint, result: c.fromUint}
	case domFloat:
		return &extremes[float64]{base: b, col: c, each: eachFloat, result: func(v float64) any { return v }}
	default:
		return &extremes[string]{base: b, col: c, each: eachString, result: c.fromString}
	}
}

func (s *extremes[T]) Update(cols []arrow.Array) error {
	if err := s.check(cols); err != nil {
		return err
	}
	return s.each(cols[0], false, s.add)
}

func (s *extremes[T]) add(vals []T) {
	i := 0
	for i < len(vals) && isNaN(vals[i]) { // leading NaN
		i++
	}
	if i == len(vals) {
		return
	}
	lo, hi := vals[i], vals[i]
	for _, v := range vals[i+1:] {
		// NaN compares false both ways, so it never becomes lo or hi.
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	s.fold(lo, hi, true)
}

// fold merges a chunk's (or another state's) lo and hi; strings that
// alias Arrow buffers are copied when kept.
func (s *extremes[T]) fold(lo, hi T, alias bool) {
	if !s.has || lo < s.lo {
		s.lo = own(lo, alias)
	}
	if !s.has || hi > s.hi {
		s.hi = own(hi, alias)
	}
	s.has = true
}

func own[T cmp.Ordered](v T, alias bool) T {
	if !alias {
		return v
	}
	if str, ok := any(v).(string); ok {
		return any(strings.Clone(str)).(T)
	}
	return v
}

func (s *extremes[T]) Merge(other State) error {
	o, err := mergeable(&s.base, s, other)
	if err != nil {
		return err
	}
	if o.has {
		s.fold(o.lo, o.hi, false)
	}
	return nil
}

func (s *extremes[T]) Result() (any, error) {
	if !s.has {
		return nil, nil
	}
	if s.spec.Func == "min" {
		return s.result(s.lo), nil
	}
	return s.result(s.hi), nil
}

// isNaN reports whether v is a floating-point NaN, the only value unequal
// to itself; for integer instantiations it is always false.
func isNaN[T comparable](v T) bool {
	w := v
	return v != w
}
