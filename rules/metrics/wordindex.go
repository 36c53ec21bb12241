package metrics

// wordIndex maps 64-bit keys to their position in a freq state's keys: an
// open-addressing table with linear probing, several times faster than a
// Go map on the millions of distinct ids a uniqueness check sees.
type wordIndex struct {
	slots []wordSlot
	shift uint
	n     int
}

type wordSlot struct {
	key uint64
	pos int32 // position + 1; 0 is an empty slot
}

func newWordIndex() *wordIndex { return &wordIndex{slots: make([]wordSlot, 1<<10), shift: 64 - 10} }

func (x *wordIndex) home(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> x.shift }

// get returns the position of k.
func (x *wordIndex) get(k uint64) (int, bool) {
	mask := uint64(len(x.slots) - 1)
	for h := x.home(k); ; h = (h + 1) & mask {
		s := &x.slots[h]
		if s.pos == 0 {
			return 0, false
		}
		if s.key == k {
			return int(s.pos - 1), true
		}
	}
}

// getOrPut returns the position of k, or records pos for it and returns
// pos with added set.
func (x *wordIndex) getOrPut(k uint64, pos int) (int, bool) {
	if 2*(x.n+1) > len(x.slots) {
		x.grow()
	}
	mask := uint64(len(x.slots) - 1)
	for h := x.home(k); ; h = (h + 1) & mask {
		s := &x.slots[h]
		if s.pos == 0 {
			s.key, s.pos = k, int32(pos+1)
			x.n++
			return pos, true
		}
		if s.key == k {
			return int(s.pos - 1), false
		}
	}
}

// reserve grows the table, once, to hold n keys without growing again.
func (x *wordIndex) reserve(n int) {
	size, shift := len(x.slots), x.shift
	for 2*(n+1) > size {
		size, shift = 2*size, shift-1
	}
	if size == len(x.slots) {
		return
	}
	old := x.slots
	x.slots, x.shift = make([]wordSlot, size), shift
	x.rehash(old)
}

func (x *wordIndex) grow() {
	old := x.slots
	x.slots = make([]wordSlot, 2*len(old))
	x.shift--
	x.rehash(old)
}

// rehash puts the keys of old into the (larger, empty) table.
func (x *wordIndex) rehash(old []wordSlot) {
	mask := uint64(len(x.slots) - 1)
	for _, s := range old {
		if s.pos == 0 {
			continue
		}
		h := x.home(s.key)
		for x.slots[h].pos != 0 {
			h = (h + 1) & mask
		}
		x.slots[h] = s
	}
}
