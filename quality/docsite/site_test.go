package docsite

import (
	"bytes"
	"context"
	"html"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xhtml "golang.org/x/net/html"

	"github.com/sluicedata/sluice/quality/history"
)

// parsed is a page of the site: its ids and the links it holds.
type parsed struct {
	ids   map[string]bool
	links []string
	text  string
}

func parsePage(t *testing.T, file string) parsed {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	doc, err := xhtml.Parse(bytes.NewReader(data))
	require.NoError(t, err, file)
	p := parsed{ids: map[string]bool{}, text: string(data)}
	var walk func(n *xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode {
			for _, a := range n.Attr {
				switch a.Key {
				case "id":
					p.ids[a.Val] = true
				case "href", "src", "xlink:href", "action", "srcset", "poster", "data":
					p.links = append(p.links, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return p
}

// checkLinks parses every page of res under out and follows every link: it
// must be relative, name a page of the site, and an anchor of that page.
func checkLinks(t *testing.T, out string, res Result) map[string]parsed {
	t.Helper()
	pages := map[string]parsed{}
	for _, p := range res.Pages {
		pages[p] = parsePage(t, filepath.Join(out, filepath.FromSlash(p)))
	}
	links := 0
	for from, p := range pages {
		for _, link := range p.links {
			u, err := url.Parse(link)
			require.NoError(t, err, "%s: %s", from, link)
			require.Empty(t, u.Scheme, "%s: absolute link %s", from, link)
			require.Empty(t, u.Host, "%s: absolute link %s", from, link)
			require.False(t, strings.HasPrefix(u.Path, "/"), "%s: root-relative link %s", from, link)
			target := from
			if u.Path != "" {
				target = path.Join(path.Dir(from), u.Path)
			}
			tp, ok := pages[target]
			if assert.True(t, ok, "%s: link %s to a missing page %s", from, link, target) && u.Fragment != "" {
				assert.True(t, tp.ids[u.Fragment], "%s: link %s to a missing anchor", from, link)
			}
			links++
		}
	}
	t.Logf("%d pages, %d links resolved", len(pages), links)
	return pages
}

func assertNoPlanted(t *testing.T, pages map[string]parsed) {
	t.Helper()
	for name, p := range pages {
		for _, v := range planted {
			lacks(t, p.text, v, "planted value on "+name)
			lacks(t, p.text, html.EscapeString(v), "planted value (escaped) on "+name)
		}
	}
}

// TestBuild builds the site of three datasets and thirty runs: every page
// is there, every link resolves, no planted value is on any page, and the
// pages show what the store and the lineage file hold.
func TestBuild(t *testing.T) {
	f := newFixture(t)
	out := filepath.Join(t.TempDir(), "site")
	res := f.build(t, out)
	require.Len(t, res.Pages, 1+3+30+1)
	assert.ElementsMatch(t, res.Pages, res.Written)
	assert.Empty(t, res.Removed)
	pages := checkLinks(t, out, res)
	assertNoPlanted(t, pages)

	index := pages["index.html"].text
	for _, ds := range []string{"orders", "orders_daily", "customers"} {
		has(t, index, `data-dataset="`+ds+`"`)
		has(t, index, `href="datasets/`+ds+`.html"`)
	}
	for _, owner := range []string{"payments-data@example.com", "finance@example.com", "crm@example.com"} {
		has(t, index, owner)
	}
	assert.Equal(t, 3, strings.Count(index, `<svg class="sparkline"`), "a trend per dataset")
	has(t, index, "last 10 runs: 8 pass, 2 fail; rows read 20–200", "the trend of orders in words")

	orders := pages["datasets/orders.html"].text
	assert.Equal(t, 10, strings.Count(orders, `<tr id="run-`), "every run of orders")
	has(t, orders, "row_count() over the last 10 runs")
	rows := section(orders, `<section class="metric" data-metric="row_count()">`)
	assert.Equal(t, 1, strings.Count(rows, `class="anomaly"`), "the one anomaly of row_count(): run 7 has ten times the rows")
	has(t, rows, ": 200 (run ")
	has(t, rows, "— anomaly</li>")
	assert.Equal(t, 2, strings.Count(rows, `class="failed"`), "the failed runs, as crosses")

	lin := pages["lineage.html"].text
	assert.Equal(t, 30, strings.Count(lin, `<tr id="run-`), "every run of the lineage file")
	clean := "ds-" + slug("file://"+filepath.Join(f.dir, "orders_clean.csv"))
	has(t, lin, `<g id="`+clean+`" class="node dataset">`, "the clean orders, written by one job and read by another")
	has(t, lin, "sluice/check.orders_daily")
	has(t, lin, "10 runs (8 pass, 2 fail), last PASS")
	has(t, lin, "10 runs (10 pass), last PASS")
	has(t, lin, `orders_clean.csv → sluice/check.orders_daily (10 runs)</title>`)

	var failed string
	for p, pg := range pages {
		if strings.HasPrefix(p, "runs/orders/") && strings.Contains(pg.text, `data-verdict="fail"`) {
			failed = pg.text
		}
	}
	require.NotEmpty(t, failed, "a failed run of orders")
	has(t, failed, `data-rule="amount_non_negative" data-status="fail"`)
	has(t, failed, `data-rule="enough_rows" data-status="pass"`)
	has(t, failed, `<figure class="chart">`)
	has(t, failed, `rel="prev"`)
}

// TestBuildIncremental rebuilds the site: with nothing new no page is
// written; a new run of one dataset rewrites the index, that dataset's
// page, the run's own page and the lineage page, and nothing else; a page
// deleted by hand is written again; pages of datasets gone are removed.
func TestBuildIncremental(t *testing.T) {
	f := newFixture(t)
	out := filepath.Join(t.TempDir(), "site")
	first := f.build(t, out)
	before := map[string][]byte{}
	for _, p := range first.Pages {
		b, err := os.ReadFile(filepath.Join(out, p))
		require.NoError(t, err)
		before[p] = b
	}

	again := f.build(t, out)
	assert.Empty(t, again.Written, "nothing changed")
	assert.Equal(t, first.Pages, again.Pages)

	f.customers(t)
	next := f.build(t, out)
	require.Len(t, next.Pages, len(first.Pages)+1)
	var added string
	for _, p := range next.Pages {
		if _, ok := before[p]; !ok {
			added = p
		}
	}
	require.True(t, strings.HasPrefix(added, "runs/customers/"), added)
	assert.ElementsMatch(t, []string{"index.html", "datasets/customers.html", added, "lineage.html"}, next.Written)
	for p, b := range before {
		if p == "index.html" || p == "datasets/customers.html" || p == "lineage.html" {
			continue
		}
		cur, err := os.ReadFile(filepath.Join(out, p))
		require.NoError(t, err)
		assert.Equal(t, b, cur, "%s changed", p)
	}
	checkLinks(t, out, next)

	require.NoError(t, os.Remove(filepath.Join(out, "datasets", "orders.html")))
	healed := f.build(t, out)
	assert.Equal(t, []string{"datasets/orders.html"}, healed.Written)

	// A store with only one of the datasets: the pages of the others go.
	g := &fixture{dir: f.dir, lineage: filepath.Join(t.TempDir(), "lineage.ndjson")}
	var err error
	g.store, err = openStore(t, filepath.Join(t.TempDir(), "h.db"))
	require.NoError(t, err)
	g.customers(t)
	pruned := g.build(t, out)
	assert.Len(t, pruned.Pages, 4)
	assert.Len(t, pruned.Removed, len(next.Pages)-3, "every page of the first build but the index, the lineage and customers")
	_, err = os.Stat(filepath.Join(out, "runs", "orders"))
	assert.ErrorIs(t, err, os.ErrNotExist, "the empty run directory is removed")
	checkLinks(t, out, pruned)
}

// has asserts that page holds sub without printing the page.
func has(t *testing.T, page, sub string, msg ...any) {
	t.Helper()
	if !strings.Contains(page, sub) {
		t.Errorf("page lacks %q %v", sub, msg)
	}
}

// section returns the part of page from start to the next </section>.
func section(page, start string) string {
	i := strings.Index(page, start)
	if i < 0 {
		return ""
	}
	s := page[i:]
	if j := strings.Index(s, "</section>"); j >= 0 {
		s = s[:j]
	}
	return s
}

// lacks asserts that page does not hold sub without printing the page.
func lacks(t *testing.T, page, sub, msg string) {
	t.Helper()
	if strings.Contains(page, sub) {
		t.Errorf("%s: %q", msg, sub)
	}
}

// TestRunPageReport: a run page shows the stored report — every rule with
// its counts, pass fraction, threshold and redacted failing samples — and
// a run saved without a report keeps the page of the history alone.
func TestRunPageReport(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	require.NoError(t, f.store.SaveRun(ctx, history.RunRecord{RunID: "old-run", Dataset: "orders",
		StartedAt: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Status: "pass", Metrics: map[string]any{"row_count()": int64(3)}}))
	out := filepath.Join(t.TempDir(), "site")
	res := f.build(t, out)
	pages := checkLinks(t, out, res)
	assertNoPlanted(t, pages)

	var failed, customers, old string
	for p, pg := range pages {
		switch {
		case strings.HasPrefix(p, "runs/orders/") && strings.Contains(pg.text, "<code>old-run</code>"):
			old = pg.text
		case strings.HasPrefix(p, "runs/orders/") && strings.Contains(pg.text, `data-verdict="fail"`):
			failed = pg.text
		case strings.HasPrefix(p, "runs/customers/"):
			customers = pg.text
		}
	}
	require.NotEmpty(t, failed)
	for _, rule := range []string{"amount_non_negative", "enough_rows", "email_mostly_present", "usual_email", "typical_amount"} {
		has(t, failed, `data-rule="`+rule+`"`)
	}
	row := section(failed, `<tr class="rule" data-rule="amount_non_negative" data-status="fail">`)
	has(t, row, `<td class="num" data-count="failed">1</td>`)
	has(t, row, `<code>≥ 100.0%</code>`, "the threshold")
	has(t, row, `<ul class="samples"><li>row `, "the failing sample")
	has(t, failed, "Privacy")
	has(t, failed, `rel="prev"`)

	require.NotEmpty(t, customers)
	has(t, customers, `<ul class="samples"><li>row `, "failing samples of customers")
	has(t, customers, `<li>row 0: phone=[redacted]</li>`, "the pii.phone values of the samples redacted")

	// The stored reports themselves hold no planted value.
	runs, err := f.store.Runs(ctx, "customers", 0)
	require.NoError(t, err)
	require.NotEmpty(t, runs)
	for _, r := range runs {
		sr, err := f.store.RunReport(ctx, "customers", r.RunID, r.Partition)
		require.NoError(t, err)
		has(t, string(sr.JSON), "[redacted]")
		for _, v := range planted {
			lacks(t, string(sr.JSON), v, "planted value in a stored report")
		}
	}

	require.NotEmpty(t, old)
	has(t, old, "The lineage file has no rule outcomes of this run", "the page of a run without report")
	lacks(t, old, `data-count="failed"`, "no report of an old run")
}
