package metrics

import "slices"

// mostCommonAll is the result of most_common_all: every value of the
// highest count, ascending in the order most_common breaks ties by, as a
// []any of the values' result types; nil when no value was seen.
func (s *freq[K]) mostCommonAll() any {
	s.settle()
	var n int64
	for _, c := range s.counts {
		n = max(n, c)
	}
	if n == 0 {
		return nil
	}
	var best []K
	for i, c := range s.counts {
		if c == n {
			best = append(best, s.keys[i])
		}
	}
	slices.SortFunc(best, func(a, b K) int {
		switch {
		case s.less(a, b):
			return -1
		case s.less(b, a):
			return 1
		}
		return 0
	})
	out := make([]any, len(best))
	for i, k := range best {
		out[i] = s.result(k)
	}
	return out
}
