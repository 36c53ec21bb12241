package engine

import (
	"encoding/binary"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// strSet is a set of string literals matched straight on a plain string
// array's offsets and bytes: a row's length is tested against the members'
// lengths first, and a value of at most eight bytes is compared as one
// word.
type strSet struct {
	// table, when not nil, holds every member of at most eight bytes in a
	// collision-free hash table: a short value is tested without a branch.
	table *wordTable

	lenMask uint64              // bit l: a member has length l (l < 64)
	short   [9][]uint64         // members of length l ≤ 8, as little-endian words
	long    map[string]struct{} // members longer than eight bytes
}

func newStrSet(members []string) *strSet {
	s := &strSet{}
	for _, m := range members {
		l := len(m)
		if l < 64 {
			s.lenMask |= 1 << l
		}
		if l <= 8 {
			s.short[l] = append(s.short[l], loadWord([]byte(m), 0, l))
			continue
		}
		if s.long == nil {
			s.long = map[string]struct{}{}
		}
		s.long[m] = struct{}{}
	}
	s.table = newWordTable(s.short)
	return s
}

// wordTable is a perfect hash table of short members: slot h(w, l) holds
// the member whose word is w and length l, if any.
type wordTable struct {
	mul     uint64
	shift   uint
	entries []tableEntry
}

// tableEntry is a slot of a wordTable: a member's word and length, or a
// length of -1 for an empty slot.
type tableEntry struct {
	word uint64
	len  int64
}

func (t *wordTable) slot(w uint64, l int) uint64 {
	return ((w ^ uint64(l)<<59) * t.mul) >> t.shift
}

// newWordTable finds a multiplier that places every short member in a slot
// of its own, in a table of up to 1024 slots; nil when it finds none.
func newWordTable(short [9][]uint64) *wordTable {
	n := 0
	for _, ws := range short {
		n += len(ws)
	}
	if n == 0 {
		return nil
	}
	mul := uint64(0x9E3779B97F4A7C15)
	for bits := uint(2); bits <= 10; bits++ {
		if 1<<bits < 2*n {
			continue
		}
		for try := 0; try < 64; try++ {
			t := &wordTable{mul: mul | 1, shift: 64 - bits, entries: make([]tableEntry, 1<<bits)}
			for i := range t.entries {
				t.entries[i].len = -1
			}
			ok := true
			for l, ws := range short {
				for _, w := range ws {
					e := &t.entries[t.slot(w, l)]
					if e.len >= 0 {
						ok = false
						break
					}
					e.word, e.len = w, int64(l)
				}
			}
			if ok {
				return t
			}
			mul = mul*6364136223846793005 + 1442695040888963407
		}
	}
	return nil
}

var wordMasks = func() (m [16]uint64) {
	for l := 1; l <= 8; l++ {
		m[l] = ^uint64(0) >> (64 - 8*l)
	}
	return m
}()

// loadWord reads the l ≤ 8 bytes of data at start as a little-endian word.
func loadWord(data []byte, start, l int) uint64 {
	if start+8 <= len(data) {
		return binary.LittleEndian.Uint64(data[start:]) & wordMasks[l]
	}
	var w uint64
	for k := range l {
		w |= uint64(data[start+k]) << (8 * k)
	}
	return w
}

// has reports whether data[start:end] is a member.
func (s *strSet) has(data []byte, start, end int) bool {
	l := end - start
	if l < 64 && s.lenMask&(1<<l) == 0 {
		return false
	}
	if l <= 8 {
		w := loadWord(data, start, l)
		for _, m := range s.short[l] {
			if m == w {
				return true
			}
		}
		return false
	}
	if s.long == nil {
		return false
	}
	_, ok := s.long[string(data[start:end])] // no allocation for a map lookup
	return ok
}

// evalPlain sets bit i of v where row i of arr (a plain string or large
// string array) is a member, or is not when not is set; false when arr is
// of another type. Null rows are left to the caller.
func (s *strSet) evalPlain(arr any, n int, not bool, v []uint64) bool {
	switch a := arr.(type) {
	case *array.String:
		evalSet(s, a.ValueOffsets(), valueData(a.Data().Buffers()), n, not, v)
	case *array.LargeString:
		evalSet(s, a.ValueOffsets(), valueData(a.Data().Buffers()), n, not, v)
	default:
		return false
	}
	return true
}

func valueData(bufs []*memory.Buffer) []byte {
	if len(bufs) < 3 || bufs[2] == nil {
		return nil
	}
	return bufs[2].Bytes()
}

func evalSet[T int32 | int64](s *strSet, offs []T, data []byte, n int, not bool, v []uint64) {
	if t := s.table; t != nil {
		evalShort(t, offs, data, n, v)
		if s.long != nil || s.lenMask>>63 != 0 {
			// Members longer than eight bytes: the rows of such lengths.
			for i := range n {
				start, end := int(offs[i]), int(offs[i+1])
				if l := end - start; l > 8 && (l >= 64 || s.lenMask>>l&1 != 0) && s.has(data, start, end) {
					v[i>>6] |= 1 << (i & 63)
				}
			}
		}
		if not {
			for k := range v {
				v[k] = ^v[k]
			}
			if tail := n & 63; tail != 0 {
				v[len(v)-1] &= 1<<tail - 1
			}
		}
		return
	}
	for w := 0; w*64 < n; w++ {
		end := min(w*64+64, n)
		var word uint64
		for i := w * 64; i < end; i++ {
			word |= b2u(s.has(data, int(offs[i]), int(offs[i+1])) != not) << (i & 63)
		}
		v[w] = word
	}
}

// evalShort sets bit i of v where row i is a member of at most eight bytes.
// It has no branch a value can mispredict: statuses and codes come in
// random order, and a mispredicted branch costs more than the whole test.
func evalShort[T int32 | int64](t *wordTable, offs []T, data []byte, n int, v []uint64) {
	entries, mul, shift := t.entries, t.mul, t.shift
	mask := uint64(len(entries) - 1)
	for w := 0; w*64 < n; w++ {
		end := min(w*64+64, n)
		var word uint64
		for i := w * 64; i < end; i++ {
			start := int(offs[i])
			l := int(offs[i+1]) - start
			over := (8 - l) >> 63 // -1 when l > 8
			ls := l ^ ((l ^ 8) & over)
			var x uint64
			if start+8 <= len(data) {
				x = binary.LittleEndian.Uint64(data[start:]) & wordMasks[ls&15]
			} else {
				x = loadWord(data, start, ls)
			}
			e := &entries[((x^uint64(ls)<<59)*mul>>shift)&mask]
			word |= (b2u(e.word == x) & b2u(e.len == int64(l))) << (i & 63)
		}
		v[w] = word
	}
}
