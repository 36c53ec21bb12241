package rules_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sluicedata/sluice/rules"
)

func TestCountOutcomesAndFailingRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 7, 8, 9, 64, 1000} {
		out := make([]rules.Outcome, n)
		var want rules.OutcomeCounts
		var failing []int
		for i := range out {
			out[i] = rules.Outcome(rng.IntN(4))
			want[out[i]]++
			if out[i] == rules.Fail || out[i] == rules.Errored {
				failing = append(failing, i)
			}
		}
		assert.Equal(t, want, rules.CountOutcomes(out), "%d rows", n)
		var got []int
		rules.FailingRows(out, func(row int) bool { got = append(got, row); return true })
		assert.Equal(t, failing, got, "%d rows", n)
		if len(failing) > 2 {
			got = got[:0]
			rules.FailingRows(out, func(row int) bool { got = append(got, row); return len(got) < 2 })
			assert.Equal(t, failing[:2], got, "stops when asked")
		}
	}
}
