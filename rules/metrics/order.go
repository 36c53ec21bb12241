package metrics

import (
	"cmp"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Order directions of order_violations.
const (
	OrderIncreasing         = "increasing"
	OrderDecreasing         = "decreasing"
	OrderStrictlyIncreasing = "strictly_increasing"
	OrderStrictlyDecreasing = "strictly_decreasing"
)

// orderState is the state of order_violations(c, direction): the number of
// non-null values that break the order against the non-null value before
// them, with the first and last non-null value seen so that a state merged
// after this one checks the boundary between them. NaN is skipped like a
// null.
//
// Unlike the other states, its Merge is not commutative: s.Merge(o) means
// that o's rows follow s's. Run.Merge and EvalReader merge batch states in
// the reader's order, which is what this needs; a history of such states
// has no meaningful merge across runs.
type orderState[T cmp.Ordered] struct {
	base
	dir         string
	has         bool
	first, last T
	violations  int64
	each        func(arrow.Array, bool, func([]T)) error
}

func newOrder(b base, c column) (State, error) {
	dir, _ := b.spec.Args[0].(string)
	switch dir {
	case OrderIncreasing, OrderDecreasing, OrderStrictlyIncreasing, OrderStrictlyDecreasing:
	default:
		return nil, fmt.Errorf("metrics: order_violations(%s, %q): the direction is one of %q, %q, %q, %q: %w",
			b.spec.Columns[0], b.spec.Args[0], OrderIncreasing, OrderDecreasing, OrderStrictlyIncreasing, OrderStrictlyDecreasing, ErrArgs)
	}
	switch c.domain() {
	case domInt:
		return &orderState[int64]{base: b, dir: dir, each: eachInt}, nil
	case domUint:
		return &orderState[uint64]{base: b, dir: dir, each: eachUint}, nil
	case domFloat:
		return &orderState[float64]{base: b, dir: dir, each: eachFloat}, nil
	default:
		return &orderState[string]{base: b, dir: dir, each: eachString}, nil
	}
}

// breaks reports whether next, following prev, breaks the order.
func (s *orderState[T]) breaks(prev, next T) bool {
	switch s.dir {
	case OrderIncreasing:
		return next < prev
	case OrderDecreasing:
		return next > prev
	case OrderStrictlyIncreasing:
		return next <= prev
	default:
		return next >= prev
	}
}

func (s *orderState[T]) Update(cols []arrow.Array) error {
	if err := s.check(cols); err != nil {
		return err
	}
	return s.each(cols[0], false, s.add)
}

func (s *orderState[T]) add(vals []T) {
	var last T
	has := false
	for _, v := range vals {
		if isNaN(v) {
			continue
		}
		switch {
		case has:
			if s.breaks(last, v) {
				s.violations++
			}
		case s.has:
			if s.breaks(s.last, v) {
				s.violations++
			}
		default:
			s.first = own(v, true)
		}
		last, has = v, true
	}
	if has {
		s.last = own(last, true)
		s.has = true
	}
}

// Merge folds in the state of the rows that follow this state's rows.
func (s *orderState[T]) Merge(other State) error {
	o, err := mergeable(&s.base, s, other)
	if err != nil {
		return err
	}
	if !o.has {
		return nil
	}
	s.violations += o.violations
	if !s.has {
		s.first, s.has = o.first, true
	} else if s.breaks(s.last, o.first) {
		s.violations++
	}
	s.last = o.last
	return nil
}

// Result is the number of violations, 0 when no value was seen.
func (s *orderState[T]) Result() (any, error) { return s.violations, nil }

func (s *orderState[T]) encKind() byte { return kindOrder }

func (s *orderState[T]) encode(e *encoder) {
	e.varint(s.violations)
	e.bool(s.has)
	if s.has {
		encodeValue(e, s.first)
		encodeValue(e, s.last)
	}
}

func (s *orderState[T]) decode(d *decoder) {
	s.violations = d.varint()
	if s.violations < 0 {
		d.fail("negative count %d", s.violations)
	}
	s.has = d.bool()
	if s.has {
		s.first = decodeValue[T](d)
		s.last = decodeValue[T](d)
	} else if s.violations != 0 {
		d.fail("violations without values")
	}
}

// encodeValue writes a value of one of the four domains.
func encodeValue[T cmp.Ordered](e *encoder, v T) {
	switch x := any(v).(type) {
	case int64:
		e.varint(x)
	case uint64:
		e.uvarint(x)
	case float64:
		e.float(x)
	case string:
		e.string(x)
	}
}

// decodeValue reads a value written by encodeValue.
func decodeValue[T cmp.Ordered](d *decoder) T {
	var v T
	switch p := any(&v).(type) {
	case *int64:
		*p = d.varint()
	case *uint64:
		*p = d.uvarint()
	case *float64:
		*p = d.float()
	case *string:
		*p = d.string()
	}
	return v
}

// OrderSensitive reports whether the states of metric function fn merge
// only in row order (s.Merge(o) with o's rows after s's): order_violations.
// Every other state merges in any order. States of partitions of a dataset,
// which have no row order between them, are not combined for such a
// function.
func OrderSensitive(fn string) bool { return fn == "order_violations" }

// codable is implemented by the states whose encoding lives next to them:
// the kind byte and the payload after it.
type codable interface {
	encKind() byte
	encode(e *encoder)
	decode(d *decoder)
}

// kinds of the states that implement codable, after those of encode.go.
const (
	kindOrder byte = iota + 64
	kindZScore
	kindContingency
)
