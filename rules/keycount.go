package rules

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// countKeys adds to m the number of times each non-null value of c occurs
// in its first rows, keyed as valueKey keys them. A dictionary column is
// counted per dictionary entry: its indices are tallied, then each entry
// used is converted once. Strings and 64-bit integers are keyed without
// going through CEL values.
func countKeys(c *colReader, rows int, m map[any]int64) error {
	switch a := c.arr.(type) {
	case *array.Dictionary:
		counts := make([]int64, a.Dictionary().Len())
		if !tallyIndices(a, counts) {
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

// tallyIndices adds to counts the occurrences of each dictionary index of
// the non-null rows of d; false when the index type is not an integer
// type or an index is out of range (then nothing is added).
func tallyIndices(d *array.Dictionary, counts []int64) bool {
	switch ix := d.Indices().(type) {
	case *array.Int8:
		return tally(d, ix.Int8Values(), counts)
	case *array.Int16:
		return tally(d, ix.Int16Values(), counts)
	case *array.Int32:
		return tally(d, ix.Int32Values(), counts)
	case *array.Int64:
		return tally(d, ix.Int64Values(), counts)
	case *array.Uint8:
		return tally(d, ix.Uint8Values(), counts)
	case *array.Uint16:
		return tally(d, ix.Uint16Values(), counts)
	case *array.Uint32:
		return tally(d, ix.Uint32Values(), counts)
	case *array.Uint64:
		return tally(d, ix.Uint64Values(), counts)
	}
	return false
}

func tally[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](d arrow.Array, idx []T, counts []int64) bool {
	n := uint64(len(counts))
	for _, v := range idx {
		if uint64(v) >= n && (d.NullN() == 0) {
			return false
		}
	}
	if d.NullN() == 0 {
		for _, v := range idx {
			counts[v]++
		}
		return true
	}
	tmp := make([]int64, len(counts))
	for i, v := range idx {
		if d.IsNull(i) {
			continue
		}
		if uint64(v) >= n {
			return false
		}
		tmp[v]++
	}
	for i, c := range tmp {
		counts[i] += c
	}
	return true
}
