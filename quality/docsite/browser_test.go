package docsite

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/browsertest"
)

var updateImg = flag.Bool("update-img", false, "refresh docs/img/site.png from the browser test's screenshot")

// TestSiteInChromium builds the site of three datasets and thirty runs and
// loads every page in headless Chromium from file://: no console message,
// no network request, the DOM holds what the page is for and no planted
// value; screenshots of the index, a dataset, a run and the lineage page,
// desktop and mobile, go to $SLUICE_ARTIFACTS_DIR.
func TestSiteInChromium(t *testing.T) {
	bin := browsertest.Chromium(t)
	artifacts := browsertest.ArtifactsDir(t)
	f := newFixture(t)
	out := filepath.Join(t.TempDir(), "site")
	res := f.build(t, out)
	var run string
	for _, p := range res.Pages {
		data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(p)))
		require.NoError(t, err)
		if strings.HasPrefix(p, "runs/orders/") && strings.Contains(string(data), `data-verdict="fail"`) {
			run = p
		}
	}
	// Chromium mostly waits on its own start: two pages load at a time.
	t.Run("pages", func(t *testing.T) {
		for _, p := range res.Pages {
			t.Run(p, func(t *testing.T) {
				t.Parallel()
				page := browsertest.Load(t, bin, filepath.Join(out, filepath.FromSlash(p)))
				assert.Empty(t, page.Console, "console messages of %s", p)
				assert.Empty(t, page.Requests, "network requests of %s", p)
				if !strings.Contains(page.DOM, "</main>") {
					t.Fatalf("%s did not load", p)
				}
				for _, v := range planted {
					lacks(t, page.DOM, v, "planted value in the DOM of "+p)
				}
				switch {
				case p == "index.html":
					assert.Equal(t, 3, strings.Count(page.DOM, `<svg class="sparkline"`), "a trend per dataset")
				case p == "lineage.html":
					assert.Equal(t, 30, strings.Count(page.DOM, `<tr id="run-`), "every run in the lineage table")
				case strings.HasPrefix(p, "datasets/"):
					assert.Contains(t, page.DOM, `<figure class="chart">`, p)
				case p == run:
					assert.Contains(t, page.DOM, `data-rule="amount_non_negative" data-status="fail"`)
				}
			})
		}
	})
	require.NotEmpty(t, run, "a failed run of orders")
	shots := map[string]string{"index": "index.html", "dataset": "datasets/orders.html", "run": run, "lineage": "lineage.html"}
	for name, p := range shots {
		for kind, width := range map[string]int{"desktop": 1280, "mobile": 390} {
			shot := filepath.Join(artifacts, "site-"+name+"-"+kind+".png")
			browsertest.Screenshot(t, bin, filepath.Join(out, filepath.FromSlash(p)), shot, width, 1600)
			if *updateImg && name == "dataset" && kind == "desktop" {
				data, err := os.ReadFile(shot)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile("../../docs/img/site.png", data, 0o644))
			}
		}
	}
}
