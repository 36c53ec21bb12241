package quality

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

// peopleReport runs the gate of TestNoLeaks over the planted personal data
// and returns its report.
func peopleReport(t *testing.T) *Report {
	t.Helper()
	mem := arrowtest.Allocator(t)
	dir := t.TempDir()
	input := writePeople(t, dir)
	rs, err := rules.Parse(filepath.Join(dir, "people.yaml"), []byte(privacyRules))
	require.NoError(t, err)
	src, err := builtin.Open(input, builtin.Options{SchemaHint: rs.SchemaHint()})
	require.NoError(t, err)
	schema, err := src.Schema(context.Background())
	require.NoError(t, err)
	prog, err := rs.Compile(schema)
	require.NoError(t, err)
	gate, err := NewGate(prog, WithAllocator(mem), WithBatchSize(2), WithMaskKey([]byte("0123456789abcdef-test-key")))
	require.NoError(t, err)
	rep, err := gate.Run(context.Background(), src)
	require.NoError(t, err)
	return rep
}

// TestHTMLNoLeaks renders the report of planted personal data as HTML and
// asserts that no planted value is in the page, while the page does carry
// every rule, its status and the redacted samples.
func TestHTMLNoLeaks(t *testing.T) {
	rep := peopleReport(t)
	var page bytes.Buffer
	require.NoError(t, WriteHTML(&page, rep))
	html := page.String()

	for _, values := range [][]string{plantedEmails, plantedPhones, plantedCards, plantedIBANs, plantedSSNs, plantedEmployees} {
		for _, v := range values {
			assert.NotContains(t, html, v, "planted value in the HTML report")
			assert.NotContains(t, html, htmlEscaped(v), "planted value (escaped) in the HTML report")
		}
	}
	assert.Contains(t, html, Redacted, "samples are shown, redacted")
	for _, rr := range rep.Rules {
		assert.Contains(t, html, `data-rule="`+htmlEscaped(rr.Name)+`" data-status="`+string(rr.Status)+`"`, rr.Name)
	}
	for _, f := range rep.Privacy {
		assert.Contains(t, html, "<code>"+f.Column+"</code>", "privacy finding for %s", f.Column)
	}
}

// htmlEscaped is how html/template writes s in text and attributes.
func htmlEscaped(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;")
	return r.Replace(s)
}

// TestHTMLSelfContained checks that the page asks the network for nothing
// (no src, href, url() or @import) and escapes text of the data.
func TestHTMLSelfContained(t *testing.T) {
	rep := sampleReport(false)
	rep.Rules[0].Name = `<script>alert(1)</script>`
	rep.Owner = `"><img src=x onerror=alert(1)>`
	var page bytes.Buffer
	require.NoError(t, WriteHTML(&page, rep))
	html := page.String()
	assert.NotContains(t, html, "<script")
	assert.NotContains(t, html, "<img")
	for _, re := range []string{`<[^>]*\ssrc\s*=`, `<[^>]*\shref\s*=`, `url\(`, `@import`} {
		assert.NotRegexp(t, re, html)
	}
	assert.Contains(t, html, "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, html, "Gate: ")
}
