package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/quality"
)

// scrape GETs url with accept and parses the answer with the Prometheus
// decoder of its content type.
func scrape(t *testing.T, url, accept string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	format := expfmt.ResponseFormat(resp.Header)
	out := map[string]*dto.MetricFamily{}
	if format.FormatType() == expfmt.TypeTextPlain {
		p := expfmt.NewTextParser(model.UTF8Validation)
		out, err = p.TextToMetricFamilies(resp.Body)
		require.NoError(t, err)
		return out
	}
	require.Equal(t, expfmt.TypeProtoDelim, format.FormatType(), "format %s", format)
	dec := expfmt.NewDecoder(resp.Body, format)
	for {
		mf := &dto.MetricFamily{}
		if err := dec.Decode(mf); err != nil {
			break
		}
		out[mf.GetName()] = mf
	}
	return out
}

// labelled returns the metrics of mf whose labels include want.
func labelled(mf *dto.MetricFamily, want map[string]string) []*dto.Metric {
	var out []*dto.Metric
	for _, m := range mf.GetMetric() {
		got := map[string]string{}
		for _, lp := range m.GetLabel() {
			got[lp.GetName()] = lp.GetValue()
		}
		ok := true
		for k, v := range want {
			ok = ok && got[k] == v
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

// TestPrometheusMetrics runs the job twice with the Prometheus exporter,
// scrapes /metrics in the text format (parsed with the Prometheus text
// parser) and in the protobuf format (which carries exemplars), and checks
// the names, values, units and the exemplar's trace id.
func TestPrometheusMetrics(t *testing.T) {
	mem := arrowtest.Allocator(t)
	mp, handler, err := NewPrometheusMetrics()
	require.NoError(t, err)
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	cfg := Config{
		In:             "../../testdata/orders/orders.parquet",
		Rules:          "orders.yaml",
		Out:            filepath.Join(dir, "orders_eur.parquet"),
		Quarantine:     filepath.Join(dir, "quarantine.parquet"),
		LineageFile:    filepath.Join(dir, "lineage.ndjson"),
		TracerProvider: tp,
		MeterProvider:  mp,
		Mem:            mem,
	}
	var traces []string
	var quarantined, clean int64
	var last *quality.Report
	for range 2 {
		res, err := Run(context.Background(), cfg)
		require.NoError(t, err)
		require.NoError(t, res.LineageErr)
		require.True(t, res.Committed)
		require.NotNil(t, res.Report.Lineage)
		traces = append(traces, res.Report.Lineage.TraceID)
		quarantined += res.Report.RowsQuarantined
		last = res.Report
		clean += res.Report.RowsClean
	}
	require.Positive(t, quarantined)

	text := scrape(t, srv.URL, string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	ds := map[string]string{"dataset": "orders"}
	counter := func(name string, want map[string]string) float64 {
		t.Helper()
		mf, ok := text[name]
		require.True(t, ok, "metric %s missing", name)
		require.Equal(t, dto.MetricType_COUNTER, mf.GetType(), name)
		var v float64
		for _, m := range labelled(mf, want) {
			v += m.GetCounter().GetValue()
		}
		return v
	}
	assert.InDelta(t, 20000, counter("sluice_rows_read_total", ds), 0)
	assert.InDelta(t, float64(clean), counter("sluice_rows_clean_total", ds), 0)
	assert.InDelta(t, float64(quarantined), counter("sluice_rows_quarantined_total", ds), 0)
	assert.InDelta(t, 2, counter("sluice_gate_decisions_total", map[string]string{"dataset": "orders", "verdict": "pass"}), 0)
	// Two runs of the same data: twice each rule's outcomes of the report.
	for _, r := range last.Rules {
		assert.InDelta(t, float64(2*r.Passed), counter("sluice_rule_outcomes_total",
			map[string]string{"rule": r.Name, "severity": string(r.Severity), "outcome": "passed"}), 0, r.Name)
		if r.Failed > 0 {
			assert.InDelta(t, float64(2*r.Failed), counter("sluice_rule_outcomes_total",
				map[string]string{"rule": r.Name, "severity": string(r.Severity), "outcome": "failed"}), 0, r.Name)
		}
	}
	require.Positive(t, counter("sluice_rule_outcomes_total", map[string]string{"outcome": "failed"}))
	fi, err := os.Stat(cfg.In)
	require.NoError(t, err)
	assert.InDelta(t, float64(2*fi.Size()), counter("sluice_io_read_bytes_total", ds), 0)
	hist := text["sluice_gate_duration_seconds"]
	require.NotNil(t, hist, "the gate duration histogram, in seconds")
	require.Equal(t, dto.MetricType_HISTOGRAM, hist.GetType())
	require.Len(t, labelled(hist, map[string]string{"dataset": "orders", "verdict": "pass"}), 1)
	assert.Equal(t, uint64(2), labelled(hist, ds)[0].GetHistogram().GetSampleCount())
	stages := text["sluice_gate_stage_duration_seconds"]
	require.NotNil(t, stages)
	for _, st := range []string{"scan", "read", "write", "finish", "commit"} {
		ms := labelled(stages, map[string]string{"dataset": "orders", "stage": st})
		if assert.Len(t, ms, 1, st) {
			assert.Equal(t, uint64(2), ms[0].GetHistogram().GetSampleCount(), st)
		}
	}

	// The protobuf format carries the exemplars: the trace id of a run.
	pb := scrape(t, srv.URL, string(expfmt.NewFormat(expfmt.TypeProtoDelim)))
	mf := pb["sluice_rows_quarantined_total"]
	require.NotNil(t, mf)
	ms := labelled(mf, ds)
	require.Len(t, ms, 1)
	ex := ms[0].GetCounter().GetExemplar()
	require.NotNil(t, ex, "an exemplar on the quarantine counter")
	exLabels := map[string]string{}
	for _, lp := range ex.GetLabel() {
		exLabels[lp.GetName()] = lp.GetValue()
	}
	assert.Contains(t, traces, exLabels["trace_id"], "the exemplar links to a run's trace")
	assert.Len(t, exLabels["span_id"], 16)
	assert.Positive(t, ex.GetValue())
}
