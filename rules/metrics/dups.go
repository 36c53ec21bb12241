package metrics

import "slices"

// Duplicate is one key that occurs more than once: the values of the key's
// columns and the number of rows that have them.
type Duplicate struct {
	// Columns names the key's columns, one per value: the physical column
	// names of Spec.Columns, in order. Every Duplicate of one call shares
	// this slice.
	Columns []string
	// Values holds one value per key column, in the order of Spec.Columns,
	// of the Go type Result and most_common give values of that column:
	// int64, uint64, float64 (floats and decimals, NaN for every NaN, 0 for
	// -0), bool, string, []byte (binary), time.Time in UTC (dates and
	// timestamps) or time.Duration.
	Values []any
	// Count is the number of non-null rows with this key, at least 2. The
	// Counts of every duplicated key sum to duplicate_count.
	Count int64
}

// DuplicateSampler is implemented by the states that count every key
// exactly: those of duplicate_count (one column or several),
// distinct_count, unique_ratio and most_common. A quality gate uses it to
// show which keys a failing duplicate_count check found, so that their
// rows can be found again.
//
// Detect it with a type assertion on a State.
type DuplicateSampler interface {
	// Duplicates returns at most limit keys that occur in more than one
	// row, the most frequent first; keys of equal count are in the order
	// of their values, column by column (numbers ascending with NaN last,
	// strings and binary bytewise, times chronologically). It returns nil
	// when no key repeats or limit <= 0. Rows with a null in a key column
	// are not counted, as duplicate_count does not count them.
	//
	// The order is deterministic: equal states (also states merged in any
	// order from the same data) give equal results. It takes time
	// O(n log limit) for n distinct keys and memory O(limit), and does not
	// modify the state. The returned slice and its values belong to the
	// caller. Like every State method it is not safe for use concurrently
	// with Update or Merge.
	Duplicates(limit int) []Duplicate
}

var (
	_ DuplicateSampler = (*freq[int64])(nil)
	_ DuplicateSampler = (*freq[uint64])(nil)
	_ DuplicateSampler = (*freq[string])(nil)
	_ DuplicateSampler = (*dupState)(nil)
)

// Duplicates returns the most frequent repeated values; see DuplicateSampler.
func (s *freq[K]) Duplicates(limit int) []Duplicate {
	s.settle()
	t := top[K]{limit: limit, cmp: func(a, b K) int {
		switch {
		case s.less(a, b):
			return -1
		case s.less(b, a):
			return 1
		}
		return 0
	}}
	for i, c := range s.counts {
		if t.wants(s.keys[i], c) {
			t.add(s.keys[i], c)
		}
	}
	return t.result(s.spec.Columns, func(k K) []any { return []any{s.result(k)} })
}

// Duplicates returns the most frequent repeated row keys; see
// DuplicateSampler. A key that does not decode for the state's columns,
// which only a corrupt encoded state can hold, is left out.
func (s *dupState) Duplicates(limit int) []Duplicate {
	t := top[string]{limit: limit, cmp: func(a, b string) int { return compareKeys(a, b, s.cols) }}
	for k, c := range s.counts {
		if t.wants(k, c) && validKey(k, s.cols) {
			t.add(k, c)
		}
	}
	return t.result(s.spec.Columns, func(k string) []any {
		vals, _ := decodeKey(k, s.cols) // validated by add
		return vals
	})
}

// ranked is a key and its count.
type ranked[K any] struct {
	key   K
	count int64
}

// top keeps the limit first keys of count above 1 in the order of
// Duplicates: count descending, then key ascending by cmp. It is a heap
// whose root is the last of the keys kept, so that a key that does not
// belong is rejected in O(1) and one that does replaces the root in
// O(log limit).
type top[K any] struct {
	limit int
	cmp   func(a, b K) int
	heap  []ranked[K]
}

// before reports whether a comes before b in the order of Duplicates.
func (t *top[K]) before(a, b ranked[K]) bool {
	if a.count != b.count {
		return a.count > b.count
	}
	return t.cmp(a.key, b.key) < 0
}

// wants reports whether key k of count c would be kept.
func (t *top[K]) wants(k K, c int64) bool {
	switch {
	case c < 2 || t.limit <= 0:
		return false
	case len(t.heap) < t.limit:
		return true
	}
	return t.before(ranked[K]{k, c}, t.heap[0])
}

// add keeps key k of count c, for which wants is true, dropping the last
// key kept when there are limit already.
func (t *top[K]) add(k K, c int64) {
	e := ranked[K]{k, c}
	if len(t.heap) < t.limit {
		t.heap = append(t.heap, e)
		for i := len(t.heap) - 1; i > 0; {
			p := (i - 1) / 2
			if !t.before(t.heap[p], t.heap[i]) {
				break
			}
			t.heap[p], t.heap[i] = t.heap[i], t.heap[p]
			i = p
		}
		return
	}
	t.heap[0] = e
	for i := 0; ; {
		last := i
		for _, ch := range [2]int{2*i + 1, 2*i + 2} {
			if ch < len(t.heap) && t.before(t.heap[last], t.heap[ch]) {
				last = ch
			}
		}
		if last == i {
			return
		}
		t.heap[i], t.heap[last] = t.heap[last], t.heap[i]
		i = last
	}
}

// result returns the keys kept in order, of the named columns, their
// values given by values.
func (t *top[K]) result(columns []string, values func(K) []any) []Duplicate {
	if len(t.heap) == 0 {
		return nil
	}
	columns = slices.Clone(columns)
	slices.SortFunc(t.heap, func(a, b ranked[K]) int {
		switch {
		case t.before(a, b):
			return -1
		case t.before(b, a):
			return 1
		}
		return 0
	})
	out := make([]Duplicate, len(t.heap))
	for i, e := range t.heap {
		out[i] = Duplicate{Columns: columns, Values: values(e.key), Count: e.count}
	}
	return out
}
