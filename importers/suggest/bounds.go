package suggest

import (
	"math"
	"time"
)

// RangeMargin is the fraction of the observed range (max − min) by which
// suggested min and max bounds are widened on each side.
const RangeMargin = 0.10

// widen returns the bounds proposed for values observed in [lo, hi]: each
// side moved out by RangeMargin of the range (of the magnitude when all
// values are equal), then rounded outward to a multiple of the power of ten
// just below the margin (step), so the bounds read as round numbers. A
// side that is not negative (not positive) stays so: a non-negative column
// never gets a negative min.
func widen(lo, hi float64, integer bool) (wlo, whi, step float64) {
	span := hi - lo
	if span == 0 {
		span = math.Max(math.Abs(hi), 1)
	}
	margin := span * RangeMargin
	step = math.Pow(10, math.Floor(math.Log10(margin)))
	if integer && step < 1 {
		step = 1
	}
	wlo = math.Floor((lo-margin)/step) * step
	whi = math.Ceil((hi+margin)/step) * step
	if lo >= 0 && wlo < 0 {
		wlo = 0
	}
	if hi <= 0 && whi > 0 {
		whi = 0
	}
	return wlo, whi, step
}

// MaxLengthMargin is the fraction by which a suggested max_length exceeds
// the longest value seen (when lengths vary).
const MaxLengthMargin = 0.25

func widenLength(maxLen int) int {
	_, hi, _ := widen(0, float64(maxLen), true)
	if maxLen > 0 && hi < float64(maxLen)*(1+MaxLengthMargin) {
		hi = math.Ceil(float64(maxLen) * (1 + MaxLengthMargin))
	}
	return int(hi)
}

// Freshness windows are chosen from these steps (CEL durations have no
// unit above hours).
var freshSteps = []time.Duration{
	time.Hour, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
	48 * time.Hour, 72 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 31 * 24 * time.Hour,
}

// MaxFreshnessWindow is the longest window a freshness check is proposed
// with; data older than half of it is taken as historical.
const MaxFreshnessWindow = 31 * 24 * time.Hour

// freshWindow returns the window of a freshness check: twice the larger of
// the cadence (mean gap between distinct timestamps) and the lag (how old
// the latest timestamp is now), at least an hour, rounded up to a step.
// ok is false when that exceeds MaxFreshnessWindow.
func freshWindow(cadence, lag time.Duration) (time.Duration, bool) {
	if lag < 0 {
		lag = 0
	}
	want := 2 * max(cadence, lag)
	for _, s := range freshSteps {
		if want <= s {
			return s, true
		}
	}
	return 0, false
}

// liveWindow is the window to suggest for a feed with this cadence, for
// data that is historical now.
func liveWindow(cadence time.Duration) time.Duration {
	w, ok := freshWindow(cadence, 0)
	if !ok {
		return MaxFreshnessWindow
	}
	return w
}

func celDuration(d time.Duration) string {
	return "duration('" + formatHours(d) + "')"
}

func formatHours(d time.Duration) string {
	h := int64(d / time.Hour)
	return itoa(h) + "h"
}
