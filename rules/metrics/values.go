package metrics

// Which metrics carry the values of their columns: what a store of
// personal data must mask or leave out.

// ValueBearing reports whether the result of metric function fn is a value
// of its column, or computed from the values so that it reveals them: min,
// max, sum, mean, stddev, median, quantile, most_common, most_common_all
// and the z-scores zscore_max and zscore_min. Counts
// (row_count, null_count, distinct_count, approx_distinct, …), ratios and
// lengths are not.
func ValueBearing(fn string) bool {
	switch fn {
	case "min", "max", "sum", "mean", "stddev", "median", "quantile", "most_common",
		"most_common_all", "zscore_max", "zscore_min":
		return true
	}
	return false
}

// KeepsValues reports whether the state of metric function fn holds values
// of its columns: the exact value sets and frequent items of
// distinct_count, unique_ratio, most_common and duplicate_count, the
// extremes of min and max, the moments of sum, mean and stddev and the
// samples of median and quantile, the first and last value of
// order_violations and the value pairs of cramers_phi. The states of
// row_count, null_count,
// completeness, the lengths and approx_distinct (HyperLogLog registers)
// hold counts only.
func KeepsValues(fn string) bool {
	switch fn {
	case "distinct_count", "unique_ratio", "most_common", "duplicate_count",
		"order_violations", "cramers_phi":
		return true
	}
	return ValueBearing(fn)
}

// MapStrings returns a copy of s in which every string value it keeps as a
// member of an exact value set or of frequent items (the states of
// distinct_count, unique_ratio, most_common and single-column
// duplicate_count over a string column) is replaced by f(value); values
// that f maps to one result have their counts summed. A keyed hash as f
// keeps the state mergeable with others mapped by the same f. It returns
// false for any other state: one whose values f cannot replace without
// changing what the state means (the order of min and max, the moments and
// samples of numbers). s is not modified.
func MapStrings(s State, f func(string) string) (State, bool) {
	fs, ok := s.(*freq[string])
	if !ok || fs.words != nil {
		return nil, false
	}
	out := *fs
	out.base = base{spec: cloneSpec(fs.spec), types: append(fs.types[:0:0], fs.types...)}
	out.index = make(map[string]int, len(fs.keys))
	out.keys = make([]string, 0, len(fs.keys))
	out.counts = make([]int64, 0, len(fs.keys))
	for i, k := range fs.keys {
		m := f(k)
		if j, ok := out.index[m]; ok {
			out.counts[j] += fs.counts[i]
			continue
		}
		out.insert(m, fs.counts[i])
	}
	return &out, true
}
