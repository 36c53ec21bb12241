package quality

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/sluicedata/sluice/quality/history"
)

// HTMLChartRuns is how many of a metric's recent runs a chart shows.
const HTMLChartRuns = 30

// HTMLSeriesKey names the history of one metric of one dataset.
type HTMLSeriesKey struct {
	Dataset string
	// Metric is the metric as the report's RuleResult.Metrics keys it,
	// e.g. "completeness(email)".
	Metric string
}

// HTMLOptions adds what the report alone does not carry to the page.
type HTMLOptions struct {
	// History holds the recent runs of each metric, oldest first, as
	// history.Store.Metrics returns them. A metric of a report with a
	// series gets an inline SVG chart of its last HTMLChartRuns numeric
	// values. A point is marked as an anomaly (a triangle and the word
	// "anomaly" in its tooltip and in the list under the chart) when it
	// lies more than three standard deviations from the mean of the other
	// points of the chart (at least five of them); a point of a run that
	// did not pass is drawn as a cross. Nil: no charts.
	History map[HTMLSeriesKey][]history.Point
}

// WriteHTMLWith writes reports as WriteHTML does, with the additions of
// opts (the metric history charts).
func WriteHTMLWith(w io.Writer, opts HTMLOptions, reports ...*Report) error {
	page := htmlPage{Title: "Sluice quality report"}
	if len(reports) == 1 {
		page.Title = "Quality report: " + orDash(reports[0].Dataset)
	}
	for _, r := range reports {
		page.Reports = append(page.Reports, htmlReportWith(opts, r))
	}
	if err := htmlTemplate.ExecuteTemplate(w, "page", page); err != nil {
		return fmt.Errorf("quality: write html report: %w", err)
	}
	return nil
}

// WriteHTMLFragment writes one report as WriteHTMLWith does, as an HTML
// fragment: the <article> of the report, for a page of its own that
// includes HTMLStyle.
func WriteHTMLFragment(w io.Writer, opts HTMLOptions, r *Report) error {
	if err := htmlTemplate.ExecuteTemplate(w, "article", htmlArticle{R: htmlReportWith(opts, r)}); err != nil {
		return fmt.Errorf("quality: write html report: %w", err)
	}
	return nil
}

func htmlReportWith(opts HTMLOptions, r *Report) htmlReport {
	h := htmlReportOf(r)
	for i := range h.Metrics {
		m := &h.Metrics[i]
		m.Chart = htmlChartOf(opts.History[HTMLSeriesKey{Dataset: r.Dataset, Metric: m.Name}], m.Name)
	}
	return h
}

// WriteHTMLChart writes the chart the report draws for a metric (see
// HTMLOptions.History) of pts, oldest first, as an HTML fragment: a
// <figure> with an inline SVG and the anomalies in text, styled by
// HTMLStyle. It writes nothing when no point is numeric.
func WriteHTMLChart(w io.Writer, metric string, pts []history.Point) error {
	c := htmlChartOf(pts, metric)
	if c == nil {
		return nil
	}
	if err := htmlTemplate.ExecuteTemplate(w, "chart", c); err != nil {
		return fmt.Errorf("quality: write html chart: %w", err)
	}
	return nil
}

type htmlChart struct {
	Title     string
	Line      string
	Points    []htmlChartPoint
	Anomalies []string
	Min, Max  string
}

type htmlChartPoint struct {
	X, Y    float64
	Anomaly bool
	Failed  bool
	Tip     string
}

const (
	chartW, chartH, chartPad = 300.0, 60.0, 6.0
)

func htmlChartOf(pts []history.Point, metric string) *htmlChart {
	var num []history.Point
	for _, p := range pts {
		if p.Numeric && !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
			num = append(num, p)
		}
	}
	if len(num) > HTMLChartRuns {
		num = num[len(num)-HTMLChartRuns:]
	}
	if len(num) == 0 {
		return nil
	}
	lo, hi := num[0].Value, num[0].Value
	for _, p := range num {
		lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
	}
	c := &htmlChart{Title: fmt.Sprintf("%s over the last %d runs", metric, len(num)), Min: valueText(lo), Max: valueText(hi)}
	var line strings.Builder
	for i, p := range num {
		x := chartPad
		if len(num) > 1 {
			x += float64(i) * (chartW - 2*chartPad) / float64(len(num)-1)
		}
		y := chartH / 2
		if hi > lo {
			y = chartH - chartPad - (p.Value-lo)/(hi-lo)*(chartH-2*chartPad)
		}
		cp := htmlChartPoint{X: round1(x), Y: round1(y), Anomaly: outlier(num, i), Failed: p.Status != "" && p.Status != string(StatusPass)}
		tip := fmt.Sprintf("%s: %s (run %s, %s)", p.StartedAt.UTC().Format("2006-01-02 15:04"), valueText(p.Value), p.RunID, orDash(p.Status))
		if cp.Anomaly {
			tip += " — anomaly"
			c.Anomalies = append(c.Anomalies, tip)
		}
		cp.Tip = tip
		if i > 0 {
			line.WriteByte(' ')
		}
		fmt.Fprintf(&line, "%g,%g", cp.X, cp.Y)
		c.Points = append(c.Points, cp)
	}
	c.Line = line.String()
	return c
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// outlier reports whether pts[i] lies more than three standard deviations
// from the mean of the other points (at least five).
func outlier(pts []history.Point, i int) bool {
	if len(pts) < 6 {
		return false
	}
	var sum, sq float64
	n := float64(len(pts) - 1)
	for j, p := range pts {
		if j != i {
			sum += p.Value
		}
	}
	mean := sum / n
	for j, p := range pts {
		if j != i {
			sq += (p.Value - mean) * (p.Value - mean)
		}
	}
	sd := math.Sqrt(sq / n)
	d := math.Abs(pts[i].Value - mean)
	if sd == 0 {
		return d > 0
	}
	return d > 3*sd
}

// HTMLHistory reads from store the recent runs (at most HTMLChartRuns) of
// every metric the reports carry, for HTMLOptions.History. The store holds
// the redacted values of a run (see WithHistory), so a chart shows no value
// of a pii.* column in the clear.
func HTMLHistory(ctx context.Context, store history.Store, reports ...*Report) (map[HTMLSeriesKey][]history.Point, error) {
	out := map[HTMLSeriesKey][]history.Point{}
	for _, r := range reports {
		for _, rr := range r.Rules {
			for name := range rr.Metrics {
				key := HTMLSeriesKey{Dataset: r.Dataset, Metric: name}
				if _, done := out[key]; done {
					continue
				}
				pts, err := store.Metrics(ctx, r.Dataset, name, HTMLChartRuns)
				if err != nil {
					return nil, fmt.Errorf("quality: history of %s %s: %w", r.Dataset, name, err)
				}
				out[key] = pts
			}
		}
	}
	return out, nil
}
