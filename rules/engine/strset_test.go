package engine

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
)

// TestStrSetMatchesAMap holds the byte-level set to a Go map on strings of
// every length from 0 to 80, at the end of the data buffer too (where a
// word cannot be loaded whole), on a sliced array.
func TestStrSetMatchesAMap(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rng := rand.New(rand.NewPCG(5, 6))
	word := func(l int) string {
		var sb strings.Builder
		for range l {
			sb.WriteByte("ab\x00é"[rng.IntN(4)])
		}
		return sb.String()
	}
	var members []string
	for l := range 81 {
		members = append(members, word(l))
	}
	members = append(members, "new", "paid", "shipped", "日本")
	set := newStrSet(members)
	want := map[string]bool{}
	for _, m := range members {
		want[m] = true
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	var rows []string
	for range 3000 {
		var v string
		if rng.IntN(2) == 0 {
			v = members[rng.IntN(len(members))]
		} else {
			v = word(rng.IntN(81))
		}
		rows = append(rows, v)
	}
	rows = append(rows, "a", "") // short values last: the tail path
	b.AppendValues(rows, nil)
	arr := b.NewStringArray()
	defer arr.Release()
	sliced := array.NewSlice(arr, 7, int64(arr.Len())).(*array.String)
	defer sliced.Release()
	for _, not := range []bool{false, true} {
		v := make([]uint64, (sliced.Len()+63)/64)
		require.True(t, set.evalPlain(sliced, sliced.Len(), not, v))
		for i := range sliced.Len() {
			assert.Equal(t, want[sliced.Value(i)] != not, getBit(v, i), "row %d %q", i, sliced.Value(i))
		}
	}
}
