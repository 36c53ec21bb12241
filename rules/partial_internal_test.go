package rules

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMergeKindsOrderFree: beyond MaxErrorKinds kinds, the kinds kept and
// their counts do not depend on the order or grouping of merges, and the
// total is exact.
func TestMergeKindsOrderFree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		var parts []map[string]int64
		var total int64
		for range 2 + rng.IntN(6) {
			m := map[string]int64{}
			for range rng.IntN(12) {
				n := int64(1 + rng.IntN(5))
				AddErrorKind(m, fmt.Sprintf("kind %c", 'a'+rng.IntN(26)), n)
				total += n
			}
			parts = append(parts, m)
		}
		fold := func(order []int) map[string]int64 {
			var acc map[string]int64
			for _, i := range order {
				acc = mergeKinds(acc, maps.Clone(parts[i]))
			}
			return acc
		}
		order := rng.Perm(len(parts))
		a := fold(order)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		b := fold(order)
		// (x·y)·z against x·(y·z)
		yz := mergeKinds(maps.Clone(parts[1]), parts[2%len(parts)])
		c := mergeKinds(maps.Clone(parts[0]), yz)
		d := mergeKinds(mergeKinds(maps.Clone(parts[0]), parts[1]), parts[2%len(parts)])
		assert.Equal(t, a, b)
		assert.Equal(t, c, d)
		var sum int64
		kinds := 0
		for k, n := range a {
			sum += n
			if k != OtherErrorKind {
				kinds++
			}
		}
		assert.Equal(t, total, sum)
		assert.LessOrEqual(t, kinds, MaxErrorKinds)
	}
}
