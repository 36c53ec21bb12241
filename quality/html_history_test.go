package quality

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/quality/history"
)

// tenRuns is a history of ten runs of row_count: steady around 100, one
// run of 500 (the anomaly) and one failed run.
func tenRuns() []history.Point {
	var pts []history.Point
	at := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
	for i := range 10 {
		p := history.Point{RunID: fmt.Sprintf("run-%02d", i), StartedAt: at.Add(time.Duration(i) * time.Hour),
			Status: "pass", Value: float64(100 + i%3), Numeric: true}
		if i == 7 {
			p.Value = 500
		}
		if i == 3 {
			p.Status = "fail"
		}
		pts = append(pts, p)
	}
	return pts
}

func chartReport() *Report {
	return &Report{Dataset: "orders", Status: StatusPass, Rules: []RuleResult{{
		Name: "enough_rows", Kind: "dataset", Status: StatusPass, Evaluated: 1, Passed: 1,
		Metrics: map[string]any{"row_count": 102, "mean(amount)": 12.5},
	}}}
}

// TestHTMLHistoryChart renders a report with ten runs of history: the
// metric with a series gets one chart with ten points, the anomaly is a
// triangle named in its tooltip and in the list under the chart, the
// failed run a cross; the metric without a series and the page without
// options get no chart.
func TestHTMLHistoryChart(t *testing.T) {
	var page bytes.Buffer
	opts := HTMLOptions{History: map[HTMLSeriesKey][]history.Point{{Dataset: "orders", Metric: "row_count"}: tenRuns()}}
	require.NoError(t, WriteHTMLWith(&page, opts, chartReport()))
	html := page.String()

	assert.Equal(t, 1, strings.Count(html, `<figure class="chart">`))
	assert.Contains(t, html, "<title>row_count over the last 10 runs, from 100 to 500</title>")
	assert.Equal(t, 1, strings.Count(html, `class="anomaly"`))
	assert.Equal(t, 1, strings.Count(html, `class="failed"`))
	assert.Equal(t, 8, strings.Count(html, "<circle "))
	assert.Contains(t, html, "<title>2026-11-01 13:00: 500 (run run-07, pass) — anomaly</title>")
	assert.Contains(t, html, "<li>▲ 2026-11-01 13:00: 500 (run run-07, pass) — anomaly</li>")
	assert.NotContains(t, html, "mean(amount) over the last")

	page.Reset()
	require.NoError(t, WriteHTML(&page, chartReport()))
	assert.NotContains(t, page.String(), `<figure class="chart">`)
}

// TestHTMLHistoryChartLimit keeps the last HTMLChartRuns numeric points and
// skips values that are not numbers.
func TestHTMLHistoryChartLimit(t *testing.T) {
	var pts []history.Point
	for i := range HTMLChartRuns + 12 {
		pts = append(pts, history.Point{RunID: fmt.Sprintf("r%d", i), Status: "pass", Value: float64(i), Numeric: i != 5})
	}
	c := htmlChartOf(pts, "m")
	require.NotNil(t, c)
	require.Len(t, c.Points, HTMLChartRuns)
	assert.Equal(t, "12", c.Min)
	assert.Equal(t, "41", c.Max)
	assert.Empty(t, c.Anomalies)
	assert.Nil(t, htmlChartOf([]history.Point{{Numeric: false}}, "m"))
}
