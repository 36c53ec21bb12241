package engine

import (
	"github.com/apache/arrow-go/v18/arrow/array"
)

// A plain string column that several string predicates of a Set read is
// dictionary-encoded once per batch: each distinct value is then tested
// once per predicate and the results gathered by index, as for a
// dictionary column. A column with too many distinct values for that to
// pay stays plain.

// stringDict is the dictionary of an encoded column.
type stringDict []string

func (d stringDict) Value(k int) string { return d[k] }

// encodeLimit is the share of distinct values (of the batch's rows) past
// which encoding stops: the column then stays plain.
const encodeLimit = 8

// encodeStrings encodes a plain string or large string array; ok is false
// when it has too many distinct values or is of another type.
func encodeStrings(arr any, n int) (*strColumn, bool) {
	switch a := arr.(type) {
	case *array.String:
		return encodeOffsets(a.ValueOffsets(), valueData(a.Data().Buffers()), n)
	case *array.LargeString:
		return encodeOffsets(a.ValueOffsets(), valueData(a.Data().Buffers()), n)
	}
	return nil, false
}

type encodeSlot struct {
	word uint64
	len  int32 // -1: empty
	code int32
}

func encodeOffsets[T int32 | int64](offs []T, data []byte, n int) (*strColumn, bool) {
	limit := n/encodeLimit + 16
	bits := uint(6)
	slots := make([]encodeSlot, 1<<bits)
	for i := range slots {
		slots[i].len = -1
	}
	var dict stringDict
	var long map[string]int32
	codes := make([]int32, n)
	for i := range n {
		start, end := int(offs[i]), int(offs[i+1])
		l := end - start
		if l > 8 {
			if long == nil {
				long = map[string]int32{}
			}
			k, ok := long[string(data[start:end])]
			if !ok {
				if len(dict) >= limit {
					return nil, false
				}
				k = int32(len(dict))
				v := string(data[start:end])
				dict = append(dict, v)
				long[v] = k
			}
			codes[i] = k
			continue
		}
		w := loadWord(data, start, l)
		mask := uint64(len(slots) - 1)
		h := ((w ^ uint64(l)<<59) * 0x9E3779B97F4A7C15) >> (64 - bits)
		for {
			s := &slots[h]
			if s.len == int32(l) && s.word == w {
				codes[i] = s.code
				break
			}
			if s.len < 0 {
				if len(dict) >= limit {
					return nil, false
				}
				s.word, s.len, s.code = w, int32(l), int32(len(dict))
				dict = append(dict, string(data[start:end]))
				codes[i] = s.code
				if 2*len(dict) > len(slots) {
					bits++
					slots = regrow(slots, bits)
				}
				break
			}
			h = (h + 1) & mask
		}
	}
	if len(dict) == 0 {
		dict = stringDict{""} // every row is null or the batch is empty
	}
	return &strColumn{dict: dict, dictNulls: make([]bool, len(dict)), idx32: codes,
		index: func(i int) int { return int(codes[i]) }}, true
}

func regrow(old []encodeSlot, bits uint) []encodeSlot {
	slots := make([]encodeSlot, 1<<bits)
	for i := range slots {
		slots[i].len = -1
	}
	mask := uint64(len(slots) - 1)
	for _, s := range old {
		if s.len < 0 {
			continue
		}
		h := ((s.word ^ uint64(s.len)<<59) * 0x9E3779B97F4A7C15) >> (64 - bits)
		for slots[h].len >= 0 {
			h = (h + 1) & mask
		}
		slots[h] = s
	}
	return slots
}
