package metrics

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// MaxContingencyPairs bounds the distinct (a, b) value pairs a cramers_phi
// state counts exactly. Past it the state stops counting and its Result
// is an error: the table would not fit in a bounded state.
const MaxContingencyPairs = 1 << 20

// maxBins bounds the number of bins of cramers_phi.
const maxBins = 1000

// defaultBins is the number of bins when the argument is 0, as in Great
// Expectations.
const defaultBins = 10

// contingency is the state of cramers_phi(a, b, bins_a, bins_b): the exact
// count of every pair of values of the two columns, null (and NaN) counted
// as a value of its own. The counts merge by addition, in any order. The
// binning and the statistic are computed by Result:
//
//   - a numeric column (not bool) is cut into bins equal-width bins between
//     its smallest and largest value (numpy's histogram_bin_edges: the
//     range widened by 0.5 either way when all values are equal; the last
//     bin includes the largest value);
//   - any other column keeps each value as a category when it has at most
//     bins distinct values; otherwise the bins most frequent values are
//     kept (ties by ascending value) and the rest fall into one "other"
//     category;
//   - nulls are one "missing" category of either column.
//
// Only categories that occur form the table. With n counted rows and a
// table of r rows and c columns, Cramér's phi is sqrt(chi² / n / (min(r,
// c) - 1)), clamped to [0, 1], with Yates' continuity correction on a 2×2
// table (as scipy's chi2_contingency applies it); it is 0 when n is 0 or
// min(r, c) < 2.
type contingency struct {
	base
	cols       [2]column
	bins       [2]int
	counts     map[[2]string]int64
	overflowed bool
}

func newContingency(b base, cols []column) (State, error) {
	s := &contingency{base: b, cols: [2]column{cols[0], cols[1]}, counts: map[[2]string]int64{}}
	for i := range 2 {
		n, ok := b.spec.Args[i].(int64)
		if !ok {
			if f, fok := toFloat(b.spec.Args[i]); fok && f == math.Trunc(f) {
				n, ok = int64(f), true
			}
		}
		if !ok || n < 0 || n > maxBins || n == 1 {
			return nil, fmt.Errorf("metrics: cramers_phi(%s): bins must be 0 (10) or an integer in [2, %d], not %v: %w",
				strings.Join(b.spec.Columns, ", "), maxBins, b.spec.Args[i], ErrArgs)
		}
		if n == 0 {
			n = defaultBins
		}
		s.bins[i] = int(n)
	}
	return s, nil
}

// nullField is the key field of a null (or NaN): every value field starts
// with 1.
const nullField = "\x00"

// fields returns one key field per row of arr: nullField for a null or
// NaN, otherwise 1 and the value's row-key field (appendKeyX).
func fields(arr arrow.Array, c column) ([]string, error) {
	out := make([]string, 0, arr.Len())
	valid, _ := validity(arr)
	var key []byte
	put := func(row int, f func([]byte) []byte) {
		if valid != nil && !valid[row] {
			out = append(out, nullField)
			return
		}
		key = f(append(key[:0], 1))
		out = append(out, string(key))
	}
	var err error
	switch c.domain() {
	case domInt:
		err = eachInt(arr, true, func(vals []int64) {
			for _, v := range vals {
				put(len(out), func(k []byte) []byte { return appendKeyInt(k, v) })
			}
		})
	case domUint:
		err = eachUint(arr, true, func(vals []uint64) {
			for _, v := range vals {
				put(len(out), func(k []byte) []byte { return appendKeyUint(k, v) })
			}
		})
	case domFloat:
		err = eachFloat(arr, true, func(vals []float64) {
			for _, v := range vals {
				if v != v {
					out = append(out, nullField)
					continue
				}
				put(len(out), func(k []byte) []byte { return appendKeyFloat(k, v) })
			}
		})
	default:
		err = eachString(arr, true, func(vals []string) {
			for _, v := range vals {
				put(len(out), func(k []byte) []byte { return appendKeyString(k, v) })
			}
		})
	}
	return out, err
}

func (s *contingency) Update(cols []arrow.Array) error {
	if err := s.check(cols); err != nil {
		return err
	}
	if s.overflowed {
		return nil
	}
	a, err := fields(cols[0], s.cols[0])
	if err != nil {
		return fmt.Errorf("metrics: %s: %w", s.name(), err)
	}
	b, err := fields(cols[1], s.cols[1])
	if err != nil {
		return fmt.Errorf("metrics: %s: %w", s.name(), err)
	}
	for i := range a {
		s.counts[[2]string{a[i], b[i]}]++
	}
	s.bound()
	return nil
}

// bound drops the counts past MaxContingencyPairs.
func (s *contingency) bound() {
	if len(s.counts) > MaxContingencyPairs {
		s.overflowed = true
		clear(s.counts)
	}
}

func (s *contingency) Merge(other State) error {
	o, err := mergeable(&s.base, s, other)
	if err != nil {
		return err
	}
	if s.overflowed || o.overflowed {
		s.overflowed = true
		clear(s.counts)
		return nil
	}
	for k, c := range o.counts {
		s.counts[k] += c
	}
	s.bound()
	return nil
}

// Result is Cramér's phi, see contingency.
func (s *contingency) Result() (any, error) {
	if s.overflowed {
		return nil, fmt.Errorf("metrics: %s: more than %d distinct value pairs: %w", s.name(), MaxContingencyPairs, ErrUnsupported)
	}
	var marg [2]map[string]int64
	for i := range 2 {
		marg[i] = map[string]int64{}
	}
	for k, c := range s.counts {
		marg[0][k[0]] += c
		marg[1][k[1]] += c
	}
	var cat [2]map[string]int
	var ncat [2]int
	for i := range 2 {
		var err error
		cat[i], ncat[i], err = s.categories(i, marg[i])
		if err != nil {
			return nil, err
		}
	}
	table := make([][]float64, ncat[0])
	for r := range table {
		table[r] = make([]float64, ncat[1])
	}
	var n float64
	for k, c := range s.counts {
		table[cat[0][k[0]]][cat[1][k[1]]] += float64(c)
		n += float64(c)
	}
	return cramersPhi(table, n), nil
}

// categories maps each key field of column i to a category index, the
// categories numbered densely over those that occur.
func (s *contingency) categories(i int, marg map[string]int64) (map[string]int, int, error) {
	c := s.cols[i]
	keys := make([]string, 0, len(marg))
	for k := range marg {
		if k != nullField {
			keys = append(keys, k)
		}
	}
	label := map[string]int{} // key field → raw label (bin or rank)
	const missing, other = -1, -2
	if _, ok := marg[nullField]; ok {
		label[nullField] = missing
	}
	if c.numeric() {
		vals := make([]float64, len(keys))
		lo, hi := math.Inf(1), math.Inf(-1)
		for j, k := range keys {
			vals[j] = fieldFloat(k[1:], c)
			lo, hi = min(lo, vals[j]), max(hi, vals[j])
		}
		if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
			// numpy refuses to bin a range that is not finite.
			return nil, 0, fmt.Errorf("metrics: %s: column %q has an infinite value, which equal-width bins cannot hold: %w", s.name(), s.spec.Columns[i], ErrUnsupported)
		}
		edges := binEdges(lo, hi, s.bins[i])
		for j, k := range keys {
			// numpy.digitize: the bin b with edges[b] <= v < edges[b+1].
			label[k] = sort.SearchFloat64s(edges, math.Nextafter(vals[j], math.Inf(1))) - 1
		}
	} else {
		cols := []column{c}
		slices.SortFunc(keys, func(x, y string) int {
			if d := marg[y] - marg[x]; d != 0 {
				if d > 0 {
					return 1
				}
				return -1
			}
			return compareKeys(x[1:], y[1:], cols)
		})
		for j, k := range keys {
			if len(keys) > s.bins[i] && j >= s.bins[i] {
				label[k] = other
			} else {
				label[k] = j
			}
		}
	}
	dense := map[int]int{}
	out := make(map[string]int, len(label))
	for k, l := range label {
		if _, ok := dense[l]; !ok {
			dense[l] = len(dense)
		}
		out[k] = dense[l]
	}
	return out, len(dense), nil
}

// fieldFloat reads the number of a value key field (without its leading 1).
func fieldFloat(f string, c column) float64 {
	w, _, _, _ := keyField(f, c.domain())
	switch c.domain() {
	case domInt:
		return float64(int64(w))
	case domUint:
		return float64(w)
	}
	return math.Float64frombits(w)
}

// binEdges returns numpy's histogram_bin_edges(values, bins=n) for values
// between lo and hi, with the last edge moved up by one ulp so that hi
// falls in the last bin.
func binEdges(lo, hi float64, n int) []float64 {
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	edges := make([]float64, n+1)
	step := (hi - lo) / float64(n)
	for j := range edges {
		edges[j] = float64(j)*step + lo
	}
	edges[n] = math.Nextafter(hi, math.Inf(1))
	return edges
}

// cramersPhi computes Cramér's phi of a table of counts summing to n.
func cramersPhi(table [][]float64, n float64) float64 {
	r := len(table)
	if r == 0 || n == 0 {
		return 0
	}
	c := len(table[0])
	if min(r, c) < 2 {
		return 0
	}
	rows := make([]float64, r)
	cols := make([]float64, c)
	for i, row := range table {
		for j, v := range row {
			rows[i] += v
			cols[j] += v
		}
	}
	yates := r == 2 && c == 2
	var chi2 float64
	for i, row := range table {
		for j, o := range row {
			e := rows[i] * cols[j] / n
			d := math.Abs(o - e)
			if yates {
				d -= min(0.5, d)
			}
			chi2 += d * d / e
		}
	}
	phi := math.Sqrt(chi2 / n / float64(min(r, c)-1))
	return max(min(phi, 1), 0)
}

func (s *contingency) encKind() byte { return kindContingency }

func (s *contingency) encode(e *encoder) {
	e.bool(s.overflowed)
	keys := make([][2]string, 0, len(s.counts))
	for k := range s.counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y [2]string) int {
		if d := strings.Compare(x[0], y[0]); d != 0 {
			return d
		}
		return strings.Compare(x[1], y[1])
	})
	e.uvarint(uint64(len(keys)))
	for _, k := range keys {
		e.string(k[0])
		e.string(k[1])
		e.varint(s.counts[k])
	}
}

func (s *contingency) decode(d *decoder) {
	s.overflowed = d.bool()
	n := d.count(3)
	if n > MaxContingencyPairs {
		d.fail("%d pairs, more than %d", n, MaxContingencyPairs)
		return
	}
	for range n {
		if d.err != nil {
			return
		}
		k := [2]string{d.string(), d.string()}
		c := d.varint()
		for i := range 2 {
			if k[i] != nullField && (k[i] == "" || k[i][0] != 1 || !validKey(k[i][1:], []column{s.cols[i]})) {
				d.fail("bad value field")
				return
			}
		}
		if _, dup := s.counts[k]; dup || c <= 0 {
			d.fail("duplicate pair or non-positive count")
			return
		}
		s.counts[k] = c
	}
}
