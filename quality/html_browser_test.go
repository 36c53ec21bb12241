package quality

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/internal/browsertest"
	"github.com/sluicedata/sluice/quality/history"
	"github.com/sluicedata/sluice/rules"
)

func ordersReport(t *testing.T) *Report {
	t.Helper()
	mem := arrowtest.Allocator(t)
	rs, err := rules.Load("../testdata/orders/orders.yaml")
	require.NoError(t, err)
	src, err := builtin.Open("../testdata/orders/orders.parquet", builtin.Options{SchemaHint: rs.SchemaHint()})
	require.NoError(t, err)
	schema, err := src.Schema(context.Background())
	require.NoError(t, err)
	prog, err := rs.Compile(schema)
	require.NoError(t, err)
	gate, err := NewGate(prog, WithAllocator(mem))
	require.NoError(t, err)
	rep, err := gate.Run(context.Background(), src)
	require.NoError(t, err)
	return rep
}

// writePage renders reports with opts into a file of a temporary directory.
func writePage(t *testing.T, opts HTMLOptions, reports ...*Report) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(file)
	require.NoError(t, err)
	require.NoError(t, WriteHTMLWith(f, opts, reports...))
	require.NoError(t, f.Close())
	return file
}

// loadClean loads file in Chromium and asserts no console message and no
// network request.
func loadClean(t *testing.T, bin, file string) string {
	t.Helper()
	p := browsertest.Load(t, bin, file)
	assert.Empty(t, p.Console, "console messages of the page")
	assert.Empty(t, p.Requests, "network requests of the page")
	require.Contains(t, p.DOM, "</html>")
	return p.DOM
}

// TestHTMLInChromium renders the orders example and the planted personal
// data, loads the page in headless Chromium from file:// and checks the
// DOM it built for every rule name, status and count, that no planted
// value is there, and saves desktop and mobile screenshots.
func TestHTMLInChromium(t *testing.T) {
	bin := browsertest.Chromium(t)
	out := browsertest.ArtifactsDir(t)
	reports := []*Report{ordersReport(t), peopleReport(t)}
	file := writePage(t, HTMLOptions{}, reports...)
	dom := loadClean(t, bin, file)
	for _, r := range reports {
		for _, rr := range r.Rules {
			assert.Contains(t, dom, `data-rule="`+htmlEscaped(rr.Name)+`" data-status="`+string(rr.Status)+`"`, rr.Name)
			for name, n := range map[string]int64{"evaluated": rr.Evaluated, "passed": rr.Passed, "failed": rr.Failed, "skipped": rr.Skipped} {
				assert.Contains(t, dom, `data-count="`+name+`">`+strconv.FormatInt(n, 10)+"<", "%s %s", rr.Name, name)
			}
			assert.Contains(t, dom, htmlStatusOf(rr.Status).Word)
		}
	}
	for _, values := range [][]string{plantedEmails, plantedPhones, plantedCards, plantedIBANs, plantedSSNs, plantedEmployees} {
		for _, v := range values {
			assert.NotContains(t, dom, v)
		}
	}
	for name, width := range map[string]int{"desktop": 1280, "mobile": 390} {
		browsertest.Screenshot(t, bin, file, filepath.Join(out, "report-"+name+".png"), width, 2400)
	}
}

// tenRunStore is a history store holding ten runs of the orders dataset:
// every metric the report carries, varying from run to run around its
// value in rep, row_count() of the eighth run five times the others (the
// anomaly), and the fourth run failed.
func tenRunStore(t *testing.T, rep *Report) history.Store {
	t.Helper()
	ctx := context.Background()
	store, err := history.Open(ctx, filepath.Join(t.TempDir(), "history.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	at := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
	for i := range 10 {
		values := map[string]any{}
		for _, rr := range rep.Rules {
			for name, v := range rr.Metrics {
				f, ok := v.(float64)
				if n, isInt := v.(int64); isInt {
					f, ok = float64(n), true
				}
				if !ok {
					continue
				}
				values[name] = f * (1 + float64(i%3-1)/50)
			}
		}
		status := "pass"
		if i == 3 {
			status = "fail"
		}
		if i == 7 {
			values["row_count()"] = 50000.0
		}
		require.NoError(t, store.SaveRun(ctx, history.RunRecord{
			RunID: fmt.Sprintf("run-%02d", i), Dataset: rep.Dataset, StartedAt: at.Add(time.Duration(i) * 24 * time.Hour),
			Status: status, Metrics: values, SchemaFields: []byte("[]"),
		}))
	}
	return store
}

// TestHTMLHistoryInChromium renders the orders report with a history of
// ten runs read from a history store, loads it in Chromium and checks the
// DOM: one chart per metric, each with ten points, the one anomaly drawn
// as a triangle and named in text (not by colour alone), the failed run a
// cross; and saves screenshots.
func TestHTMLHistoryInChromium(t *testing.T) {
	bin := browsertest.Chromium(t)
	out := browsertest.ArtifactsDir(t)
	rep := ordersReport(t)
	store := tenRunStore(t, rep)
	series, err := HTMLHistory(context.Background(), store, rep)
	require.NoError(t, err)
	file := writePage(t, HTMLOptions{History: series}, rep)
	dom := loadClean(t, bin, file)

	var metrics []string
	for _, rr := range rep.Rules {
		for name, v := range rr.Metrics {
			if _, ok := v.(float64); ok {
				metrics = append(metrics, name)
			} else if _, ok := v.(int64); ok {
				metrics = append(metrics, name)
			}
		}
	}
	sort.Strings(metrics)
	require.NotEmpty(t, metrics)
	assert.Equal(t, len(metrics), strings.Count(dom, `<figure class="chart">`), "one chart per metric")
	for _, m := range metrics {
		assert.Contains(t, dom, htmlEscaped(m)+" over the last 10 runs", m)
	}
	assert.Equal(t, 1, strings.Count(dom, `class="anomaly"`), "the one anomaly, as a triangle")
	assert.Contains(t, dom, "(run run-07, pass) — anomaly</title>")
	assert.Contains(t, dom, `<ul class="samples anomalies"><li>▲ 2026-11-08 06:00: 50000 (run run-07, pass) — anomaly</li></ul>`)
	assert.Equal(t, len(metrics), strings.Count(dom, `class="failed"`), "the failed run, as a cross in every chart")

	for name, width := range map[string]int{"desktop": 1280, "mobile": 390} {
		browsertest.Screenshot(t, bin, file, filepath.Join(out, "report-history-"+name+".png"), width, 2400)
	}
}
