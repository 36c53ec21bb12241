// Package browsertest loads pages in headless Chromium for tests: the DOM
// Chromium built, the console messages of the page, the network requests it
// made, and screenshots. Chromium is driven by its command line, so tests
// need no DevTools client.
//
// Chromium is found from $SLUICE_CHROMIUM, else chromium (or
// chromium-browser) on PATH; without it the test is skipped with the
// reason. tools/chromium/install.sh installs Debian's chromium.
package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Chromium returns the path of the browser, or skips the test saying why.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("SLUICE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("SLUICE_CHROMIUM is unset and chromium is not on PATH: run tools/chromium/install.sh")
	return ""
}

// ArtifactsDir is where screenshots go: $SLUICE_ARTIFACTS_DIR, else a
// temporary directory of the test.
func ArtifactsDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("SLUICE_ARTIFACTS_DIR"); d != "" {
		require.NoError(t, os.MkdirAll(d, 0o750))
		return d
	}
	return t.TempDir()
}

// Page is what Chromium made of a page.
type Page struct {
	// DOM is the serialized DOM after load (--dump-dom).
	DOM string
	// Console holds the console messages of the page, errors and the
	// Content-Security-Policy violations a blocked request raises included.
	Console []string
	// Requests lists the URLs other than file: and data: that the page
	// asked the network stack for, sorted. Requests of the browser itself
	// (its clock, its accounts) are told apart by their network isolation
	// key, which for a page's request is the page's site, file://.
	Requests []string
}

func run(t testing.TB, bin string, args ...string) (stdout, stderr []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir=" + t.TempDir(), "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-default-apps", "--disable-extensions"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var errs bytes.Buffer
	cmd.Stderr = &errs
	b, err := cmd.Output()
	require.NoError(t, err, errs.String())
	return b, errs.Bytes()
}

// Load opens file (a path) from file:// and returns its DOM, console
// messages and network requests. --enable-logging=stderr writes every
// console message of the page as a CONSOLE line; --log-net-log records
// every URL request of the browser.
func Load(t testing.TB, bin, file string) Page {
	t.Helper()
	abs, err := filepath.Abs(file)
	require.NoError(t, err)
	netlog := filepath.Join(t.TempDir(), "net.json")
	out, logs := run(t, bin, "--enable-logging=stderr", "--v=0", "--log-net-log="+netlog, "--dump-dom", "file://"+abs)
	p := Page{DOM: string(out)}
	for _, line := range strings.Split(string(logs), "\n") {
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Content Security Policy") {
			p.Console = append(p.Console, line)
		}
	}
	p.Requests = requests(t, netlog)
	return p
}

// requests reads the URLs of a Chromium net log (--log-net-log).
func requests(t testing.TB, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err, "chromium wrote no net log")
	var log struct {
		Events []struct {
			Params map[string]any `json:"params"`
		} `json:"events"`
	}
	// Chromium may leave the log without its closing brackets when it
	// exits at once; the events read so far still count.
	if err := json.Unmarshal(data, &log); err != nil {
		s := strings.TrimRight(strings.TrimSpace(string(data)), ",")
		require.NoError(t, json.Unmarshal([]byte(s+"]}"), &log), "net log %s", path)
	}
	seen := map[string]bool{}
	for _, e := range log.Events {
		u, _ := e.Params["url"].(string)
		nik, _ := e.Params["network_isolation_key"].(string)
		if u == "" || !strings.HasPrefix(nik, "file://") || strings.HasPrefix(u, "file:") || strings.HasPrefix(u, "data:") {
			continue
		}
		seen[u] = true
	}
	urls := make([]string, 0, len(seen))
	for u := range seen {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	return urls
}

// Screenshot saves a PNG of file, width by height CSS pixels, to shot and
// checks that it is not empty.
func Screenshot(t testing.TB, bin, file, shot string, width, height int) {
	t.Helper()
	abs, err := filepath.Abs(file)
	require.NoError(t, err)
	run(t, bin, "--screenshot="+shot, "--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height), "--hide-scrollbars", "file://"+abs)
	info, err := os.Stat(shot)
	require.NoError(t, err)
	require.Positive(t, info.Size(), "screenshot %s", shot)
	t.Logf("screenshot %s", shot)
}
