package metrics

// Quantiler is implemented by states that keep a distribution (the KLL
// sketch of median and quantile): drift checks compare the distributions of
// two runs through it.
type Quantiler interface {
	// Quantile returns the q-quantile (0 <= q <= 1) of the values seen;
	// ok is false when there are none.
	Quantile(q float64) (v float64, ok bool)
}

// Quantile returns the q-quantile of the values seen.
func (s *quantileState) Quantile(q float64) (float64, bool) { return s.sketch.quantile(q) }
