package rules

import (
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/rules/metrics"
)

// countKeys adds to m the number of times each non-null value of c occurs
// in its first rows, keyed as valueKey keys them. A dictionary column is
// counted per dictionary entry: its indices are tallied, then each entry
// used is converted once. Strings and 64-bit integers are keyed without
// going through CEL values.
func countKeys(c *colReader, rows int, m map[any]int64) error {
	switch a := c.arr.(type) {
	case *array.Dictionary:
		counts, ok := metrics.DictionaryCounts(a)
		if !ok {
			break
		}
		dict, err := newColReader(a.Dictionary())
		if err != nil {
			return err
		}
		for idx, n := range counts {
			if n > 0 && !dict.null(idx) {
				m[valueKey(dict.get(idx))] += n
			}
		}
		return nil
	case *array.String:
		for i := range rows {
			if !c.null(i) {
				m[a.Value(i)]++ // valueKey of a CEL string is the Go string
			}
		}
		return nil
	case *array.LargeString:
		for i := range rows {
			if !c.null(i) {
				m[a.Value(i)]++
			}
		}
		return nil
	case *array.Int64:
		for i, v := range a.Int64Values()[:rows] {
			if !c.null(i) {
				m[v]++ // valueKey of a CEL int is the int64
			}
		}
		return nil
	}
	for i := range rows {
		if !c.null(i) {
			m[valueKey(c.get(i))]++
		}
	}
	return nil
}
