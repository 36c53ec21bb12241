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
	return s
}

var wordMasks = func() (m [9]uint64) {
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
	for w := 0; w*64 < n; w++ {
		end := min(w*64+64, n)
		var word uint64
		for i := w * 64; i < end; i++ {
			word |= b2u(s.has(data, int(offs[i]), int(offs[i+1])) != not) << (i & 63)
		}
		v[w] = word
	}
}
