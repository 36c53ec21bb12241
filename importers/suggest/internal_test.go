package suggest

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWiden(t *testing.T) {
	tests := []struct {
		name           string
		lo, hi         float64
		integer        bool
		wantLo, wantHi float64
	}{
		// flights-3m distance: range 4941, margin 494.1, step 100.
		{"non-negative stays non-negative", 21, 4962, true, 0, 5500},
		// flights-3m delay: range 2804, margin 280.4, step 100.
		{"both signs", -1116, 1688, true, -1400, 2000},
		{"non-positive stays non-positive", -90, -10, true, -98, -2},
		{"constant", 7, 7, true, 6, 8},
		{"small floats", 0.25, 0.75, false, 0.2, 0.8},
		{"integer step at least 1", 1, 3, true, 0, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi, _ := widen(tc.lo, tc.hi, tc.integer)
			assert.InDelta(t, tc.wantLo, lo, 1e-9)
			assert.InDelta(t, tc.wantHi, hi, 1e-9)
			assert.LessOrEqual(t, lo, tc.lo)
			assert.GreaterOrEqual(t, hi, tc.hi)
		})
	}
}

func TestShapes(t *testing.T) {
	tests := []struct {
		name    string
		values  []string
		want    string
		covered int64
	}{
		{"IATA codes", []string{"JFK", "LAX", "SFO"}, "^[A-Z]{3}$", 3},
		{"run lengths widen", []string{"AB", "ABC", "XY"}, "^[A-Z]{2,3}$", 3},
		{"dates", []string{"2006-01-02", "1999-12-31"}, `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`, 2},
		{"letters and digits in any order", []string{"00M", "1A5", "JFK", "K2AB"}, "^[0-9A-Z]{3,4}$", 4},
		{"mixed case words", []string{"Boston", "Denver"}, "^[A-Z][a-z]{5}$", 2},
		{"largest group", []string{"a-1", "b-2", "c-3", "free text here"}, `^[a-z]-[0-9]$`, 3},
		{"other letters", []string{"Zürich"}, `^[A-Z]\pL[a-z]{4}$`, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newShapes()
			for _, v := range tc.values {
				s.add(v, 1)
			}
			got, covered, _ := s.pattern()
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.covered, covered)
		})
	}
}

func TestFreshWindow(t *testing.T) {
	tests := []struct {
		name         string
		cadence, lag time.Duration
		want         time.Duration
		ok           bool
	}{
		{"fast feed, fresh", time.Minute, time.Minute, time.Hour, true},
		{"hourly loads", time.Hour, 30 * time.Minute, 2 * time.Hour, true},
		{"daily loads", 24 * time.Hour, 3 * time.Hour, 48 * time.Hour, true},
		{"lag dominates", time.Minute, 5 * time.Hour, 12 * time.Hour, true},
		{"future timestamps", time.Minute, -time.Hour, time.Hour, true},
		{"historical", time.Minute, 20 * 365 * 24 * time.Hour, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := freshWindow(tc.cadence, tc.lag)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestFormatBound(t *testing.T) {
	tests := []struct {
		v, step float64
		integer bool
		want    string
	}{
		{7.1000000000000005, 0.1, false, "7.1"},
		{0, 0.1, false, "0.0"},
		{-0.0035, 0.001, false, "-0.004"},
		{5500, 100, true, "5500"},
		{78, 1, false, "78"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, formatBound(tc.v, tc.step, tc.integer))
	}
}

// TestQuantiles holds the exact quantiles of the value set and the sketch
// fed after the set overflows to numpy's answers on 0…9999.
func TestQuantiles(t *testing.T) {
	for _, tc := range []struct {
		name     string
		valueCap int
		tol      float64
	}{
		{"exact while the value set holds", 1 << 16, 0},
		{"sketch after the value set overflows", 100, 150}, // 1.33% rank error of 10000
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := newProfile(arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int32}, profileOptions{valueCap: tc.valueCap, uniqueCap: 1 << 20})
			require.NoError(t, err)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			for lo := 0; lo < 10000; lo += 1000 {
				b := array.NewInt32Builder(mem)
				for i := lo; i < lo+1000; i++ {
					b.Append(int32(i))
				}
				a := b.NewArray()
				require.NoError(t, p.collect(a))
				a.Release()
				b.Release()
			}
			for q, want := range map[float64]float64{0.01: 99.99, 0.5: 4999.5, 0.99: 9899.01} {
				got, ok := p.quantile(q)
				require.True(t, ok)
				assert.InDelta(t, want, got, tc.tol+1e-9, "q=%v", q)
			}
		})
	}
}
