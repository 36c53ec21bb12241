package metrics

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWordIndexMatchesAMap holds the index to a Go map through many grows,
// with keys that collide in the low bits and the zero key.
func TestWordIndexMatchesAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := newWordIndex()
	want := map[uint64]int{}
	for i := range 50_000 {
		var k uint64
		switch rng.IntN(3) {
		case 0:
			k = uint64(rng.IntN(1000)) << 32 // equal low bits
		case 1:
			k = uint64(rng.IntN(20_000))
		default:
			k = rng.Uint64()
		}
		pos, added := x.getOrPut(k, len(want))
		if p, ok := want[k]; ok {
			require.False(t, added, "key %d", k)
			require.Equal(t, p, pos)
		} else {
			require.True(t, added, "key %d at %d", k, i)
			want[k] = pos
		}
	}
	assert.Equal(t, len(want), x.n)
	for k, p := range want {
		got, ok := x.get(k)
		require.True(t, ok)
		require.Equal(t, p, got)
	}
	_, ok := x.get(0xdead_beef_0000_0001)
	assert.False(t, ok)
}

// reserve grows the table once; every key stays found, and no put after it
// grows the table again up to the reserved count.
func TestWordIndexReserve(t *testing.T) {
	x := newWordIndex()
	for k := range uint64(300) {
		x.getOrPut(k*7919, int(k))
	}
	x.reserve(5000)
	size := len(x.slots)
	require.GreaterOrEqual(t, size, 2*5001)
	for k := range uint64(300) {
		pos, ok := x.get(k * 7919)
		require.True(t, ok)
		require.Equal(t, int(k), pos)
	}
	for k := uint64(300); k < 5000; k++ {
		x.getOrPut(k*7919, int(k))
	}
	require.Len(t, x.slots, size)
	x.reserve(10) // never shrinks
	require.Len(t, x.slots, size)
}
