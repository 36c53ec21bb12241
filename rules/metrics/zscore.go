package metrics

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
)

// zscores is the state of zscore_max and zscore_min: the moments of the
// values (count, mean and squared deviations, merged like mean and stddev)
// and their extremes. The z-score of a value x is (x - mean) / s with s the
// sample standard deviation (n - 1 in the denominator, as pandas computes
// it), so the largest z-score is (max - mean) / s and the smallest
// (min - mean) / s: both come from mergeable states in one pass, and every
// value's z-score lies between them. NaN is skipped like a null.
type zscores struct {
	base
	n        int64
	mean, m2 float64
	lo, hi   float64
}

func (s *zscores) Update(cols []arrow.Array) error {
	if err := s.check(cols); err != nil {
		return err
	}
	return eachFloat(cols[0], false, s.add)
}

func (s *zscores) add(vals []float64) {
	var n int64
	var sum float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if v == v {
			n++
			sum += v
			lo, hi = min(lo, v), max(hi, v)
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
	s.combine(n, mean, m2, lo, hi)
}

func (s *zscores) combine(n int64, mean, m2, lo, hi float64) {
	if s.n == 0 {
		s.n, s.mean, s.m2, s.lo, s.hi = n, mean, m2, lo, hi
		return
	}
	total := s.n + n
	d := mean - s.mean
	s.mean += d * float64(n) / float64(total)
	s.m2 += m2 + d*d*float64(s.n)*float64(n)/float64(total)
	s.n = total
	s.lo, s.hi = min(s.lo, lo), max(s.hi, hi)
}

func (s *zscores) Merge(other State) error {
	o, err := mergeable(&s.base, s, other)
	if err != nil {
		return err
	}
	if o.n > 0 {
		s.combine(o.n, o.mean, o.m2, o.lo, o.hi)
	}
	return nil
}

// Result is nil without values and NaN when the sample standard deviation
// is 0 or undefined (a single value): then no z-score is a number, and a
// comparison with it is false.
func (s *zscores) Result() (any, error) {
	if s.n == 0 {
		return nil, nil
	}
	if s.n < 2 || s.m2 <= 0 {
		return math.NaN(), nil
	}
	sd := math.Sqrt(s.m2 / float64(s.n-1))
	if s.spec.Func == "zscore_min" {
		return (s.lo - s.mean) / sd, nil
	}
	return (s.hi - s.mean) / sd, nil
}

func (s *zscores) encKind() byte { return kindZScore }

func (s *zscores) encode(e *encoder) {
	e.varint(s.n)
	if s.n > 0 {
		e.float(s.mean)
		e.float(s.m2)
		e.float(s.lo)
		e.float(s.hi)
	}
}

func (s *zscores) decode(d *decoder) {
	s.n = d.varint()
	switch {
	case s.n < 0:
		d.fail("negative count %d", s.n)
	case s.n > 0:
		s.mean, s.m2, s.lo, s.hi = d.float(), d.float(), d.float(), d.float()
		if !(s.lo <= s.hi) && d.err == nil {
			d.fail("min above max")
		}
	}
}
