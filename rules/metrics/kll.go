package metrics

import (
	"cmp"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
)

// KLL parameters.
const (
	kllK = 200 // capacity of the top level; sets the accuracy
	kllM = 8   // smallest level capacity
	// kllExact is the number of values kept exactly before a state turns
	// into a sketch: median and quantile are exact on up to this many
	// values.
	kllExact = 4096
	kllSeed  = 0x5deece66d9e3779b
)

// RankErrorQuantile is the normalized rank error of median and quantile on
// more than 4096 values: with 99% confidence the value returned for q has
// a rank within ±1.33% of q·n among the values seen. It is the empirical
// single-quantile bound of a KLL sketch with k=200 (Apache DataSketches'
// 2.296/k^0.9723); this sketch compacts the same way. On up to 4096 values
// the results are exact.
const RankErrorQuantile = 0.0133

// kll is a KLL quantile sketch (Karnin, Lang, Liberty 2016) of float64
// values with DataSketches' lazy compaction: levels[h] holds items of weight
// 2^h; level h may hold max(8, ceil(k·(2/3)^(depth))) items, and when all
// levels together are full the lowest full level is sorted and every other
// item (odd or even positions, by a coin flip) moves up one level. The coin
// comes from a fixed-seed generator, so a sketch is a deterministic function
// of the values and merges it saw. Up to kllExact values are kept as they
// are, which makes small inputs exact.
type kll struct {
	n      int64
	lo, hi float64
	exact  []float64   // every value while levels is nil
	levels [][]float64 // the sketch once more than kllExact values were seen
	size   int         // items in levels
	caps   []int       // capacity of each level
	limit  int         // total capacity of levels
	rng    uint64      // splitmix64 state
}

func newKLL() *kll { return &kll{rng: kllSeed} }

func (s *kll) add(v float64) {
	if s.n == 0 || v < s.lo {
		s.lo = v
	}
	if s.n == 0 || v > s.hi {
		s.hi = v
	}
	s.n++
	if s.levels == nil {
		s.exact = append(s.exact, v)
		if len(s.exact) > kllExact {
			s.toSketch()
		}
		return
	}
	s.insert(v)
}

func (s *kll) toSketch() {
	vals := s.exact
	s.exact = nil
	s.levels = [][]float64{make([]float64, 0, kllK)}
	s.limit = s.capacity()
	for _, v := range vals {
		s.insert(v)
	}
}

func (s *kll) insert(v float64) {
	s.levels[0] = append(s.levels[0], v)
	s.size++
	if s.size >= s.limit {
		s.compress()
	}
}

// levelCap is the capacity of level h of a sketch with levels levels.
func levelCap(h, levels int) int {
	c := math.Ceil(kllK * math.Pow(2.0/3.0, float64(levels-1-h)))
	return max(kllM, int(c))
}

// capacity sets the capacities of the levels and returns their total.
func (s *kll) capacity() int {
	s.caps = s.caps[:0]
	total := 0
	for h := range s.levels {
		c := levelCap(h, len(s.levels))
		s.caps = append(s.caps, c)
		total += c
	}
	return total
}

func (s *kll) coin() int {
	s.rng += 0x9e3779b97f4a7c15
	z := s.rng
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return int((z ^ z>>31) & 1)
}

// compress compacts full levels until the sketch fits its capacity.
func (s *kll) compress() {
	for s.size >= s.limit {
		h := 0
		for h < len(s.levels)-1 && len(s.levels[h]) < s.caps[h] {
			h++
		}
		if h == len(s.levels)-1 {
			s.levels = append(s.levels, nil)
			s.limit = s.capacity()
		}
		level := s.levels[h]
		slices.Sort(level)
		keep := len(level) % 2 // an odd item stays, the smallest
		for i := keep + s.coin(); i < len(level); i += 2 {
			s.levels[h+1] = append(s.levels[h+1], level[i])
		}
		s.size -= (len(level) - keep) / 2
		s.levels[h] = level[:keep]
	}
}

// merge folds o into s; o is not modified.
func (s *kll) merge(o *kll) {
	if o.n == 0 {
		return
	}
	if s.n == 0 || o.lo < s.lo {
		s.lo = o.lo
	}
	if s.n == 0 || o.hi > s.hi {
		s.hi = o.hi
	}
	s.n += o.n
	if s.levels == nil && o.levels == nil && len(s.exact)+len(o.exact) <= kllExact {
		s.exact = append(s.exact, o.exact...)
		return
	}
	if s.levels == nil {
		s.toSketch()
	}
	for _, v := range o.exact {
		s.insert(v)
	}
	for h, level := range o.levels {
		for h >= len(s.levels) {
			s.levels = append(s.levels, nil)
		}
		s.levels[h] = append(s.levels[h], level...)
		s.size += len(level)
	}
	s.limit = s.capacity()
	s.compress()
}

// quantile returns the q-quantile of the values seen; ok is false when
// there are none. Exact values are interpolated linearly between the
// closest ranks (as numpy's default); a sketch returns the smallest item
// whose weighted rank reaches q·n.
func (s *kll) quantile(q float64) (float64, bool) {
	switch {
	case s.n == 0:
		return 0, false
	case q <= 0:
		return s.lo, true
	case q >= 1:
		return s.hi, true
	}
	if s.levels == nil {
		x := slices.Clone(s.exact)
		slices.Sort(x)
		pos := q * float64(len(x)-1)
		i := int(pos)
		frac := pos - float64(i)
		if frac == 0 || i+1 >= len(x) || x[i] == x[i+1] {
			return x[i], true
		}
		return x[i] + frac*(x[i+1]-x[i]), true
	}
	type item struct {
		v float64
		w int64
	}
	items := make([]item, 0, s.size)
	for h, level := range s.levels {
		for _, v := range level {
			items = append(items, item{v, 1 << h})
		}
	}
	slices.SortFunc(items, func(a, b item) int { return cmp.Compare(a.v, b.v) })
	target := q * float64(s.n)
	var cum int64
	for _, it := range items {
		cum += it.w
		if float64(cum) >= target {
			return it.v, true
		}
	}
	return s.hi, true
}

// quantileState is the state of median and quantile. NaN is skipped.
type quantileState struct {
	base
	q      float64
	sketch *kll
}

func (s *quantileState) Update(cols []arrow.Array) error {
	if err := s.check(cols); err != nil {
		return err
	}
	return eachFloat(cols[0], false, func(vals []float64) {
		for _, v := range vals {
			if v == v {
				s.sketch.add(v)
			}
		}
	})
}

func (s *quantileState) Merge(other State) error {
	o, err := mergeable(&s.base, s, other)
	if err != nil {
		return err
	}
	s.sketch.merge(o.sketch)
	return nil
}

func (s *quantileState) Result() (any, error) {
	v, ok := s.sketch.quantile(s.q)
	if !ok {
		return nil, nil
	}
	return v, nil
}
