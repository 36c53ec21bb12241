package rules

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// The outcome values are chosen so that bit 0 marks a failing row (Fail,
// Errored) and bit 1 a row that was not a plain result (Skip, Errored):
// outcomes are then counted and failing rows found eight at a time.
const (
	lowBits = 0x0101010101010101
)

// outcomeBytes views outcomes as bytes.
func outcomeBytes(out []Outcome) []byte {
	if len(out) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), len(out))
}

// CountOutcomes counts out by outcome.
func CountOutcomes(out []Outcome) OutcomeCounts {
	b := outcomeBytes(out)
	var b0, b1, both int
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		lo, hi := w&lowBits, w>>1&lowBits
		b0 += bits.OnesCount64(lo)
		b1 += bits.OnesCount64(hi)
		both += bits.OnesCount64(lo & hi)
	}
	var c OutcomeCounts
	for _, o := range out[i:] {
		c[o&3]++
	}
	c[Errored] += int64(both)
	c[Fail] += int64(b0 - both)
	c[Skip] += int64(b1 - both)
	c[Pass] = int64(len(out)) - c[Fail] - c[Skip] - c[Errored]
	return c
}

// FailingRows calls f with each row of out that failed (Fail or Errored),
// in order, until f returns false.
func FailingRows(out []Outcome, f func(row int) bool) {
	b := outcomeBytes(out)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:]) & lowBits
		for w != 0 {
			k := bits.TrailingZeros64(w) / 8
			if !f(i + k) {
				return
			}
			w &= w - 1
		}
	}
	for ; i < len(b); i++ {
		if b[i]&1 != 0 && !f(i) {
			return
		}
	}
}
