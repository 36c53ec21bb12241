package quality

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

// chromium finds Debian's chromium (SLUICE_CHROMIUM, else PATH) or skips.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SLUICE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed: run tools/chromium/install.sh")
	return ""
}

// artifactsDir is where screenshots go: $SLUICE_ARTIFACTS_DIR, else a
// temporary directory.
func artifactsDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("SLUICE_ARTIFACTS_DIR"); d != "" {
		require.NoError(t, os.MkdirAll(d, 0o750))
		return d
	}
	return t.TempDir()
}

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

// TestHTMLInChromium renders the orders example and the planted personal
// data, loads the page in headless Chromium from file:// and checks the
// DOM it built for every rule name, status and count, that no planted
// value is there, and saves desktop and mobile screenshots.
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	out := artifactsDir(t)
	reports := []*Report{ordersReport(t), peopleReport(t)}
	var page bytes.Buffer
	require.NoError(t, WriteHTML(&page, reports...))
	file := filepath.Join(t.TempDir(), "report.html")
	require.NoError(t, os.WriteFile(file, page.Bytes(), 0o600))

	run := func(args ...string) (stdout, stderr []byte) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		profile := t.TempDir()
		base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
			"--user-data-dir=" + profile, "--disable-background-networking", "--disable-component-update"}
		cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
		var errs bytes.Buffer
		cmd.Stderr = &errs
		b, err := cmd.Output()
		require.NoError(t, err, errs.String())
		return b, errs.Bytes()
	}
	// --enable-logging=stderr writes every console message of the page
	// (errors, and the CSP violation a request would raise) as CONSOLE lines.
	out1, logs := run("--enable-logging=stderr", "--v=0", "--dump-dom", "file://"+file)
	dom := string(out1)
	assert.NotContains(t, string(logs), "CONSOLE", "console messages of the page")
	assert.NotContains(t, string(logs), "Content Security Policy", "a blocked request")
	require.Contains(t, dom, "</html>")
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
	for name, width := range map[string]string{"desktop": "1280,2400", "mobile": "390,2400"} {
		shot := filepath.Join(out, "report-"+name+".png")
		run("--screenshot="+shot, "--window-size="+width, "--hide-scrollbars", "file://"+file)
		info, err := os.Stat(shot)
		require.NoError(t, err)
		assert.Positive(t, info.Size(), name)
		t.Logf("screenshot %s", shot)
	}
}
