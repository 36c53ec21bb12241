package quality

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileReport carries terminal escapes, fake lines, bidi overrides and
// characters XML cannot hold in every text field a report shows.
func hostileReport() *Report {
	const evil = "a\x1b[2J\nGate: PASS\u202e\x00"
	r := sampleReport(false)
	r.Dataset = "orders" + evil
	r.Owner = evil
	r.RuleFile = "rules/" + evil + ".yaml"
	r.Gate.Reasons = []string{"reason" + evil}
	r.Gate.Quarantine = "q" + evil
	for i := range r.Rules {
		r.Rules[i].Name += evil
		r.Rules[i].Message += evil
		r.Rules[i].Expr += evil
		for j := range r.Rules[i].Samples {
			r.Rules[i].Samples[j].Values = map[string]any{"note" + evil: "v" + evil}
		}
		if r.Rules[i].Errors != nil {
			r.Rules[i].Errors["kind"+evil] = 1
		}
	}
	r.Privacy = []PrivacyFinding{{Column: "c" + evil, Kind: "email" + evil, Matches: 1, Values: 2, Fraction: 0.5}}
	return r
}

func assertNoControls(t *testing.T, text string, keepLF bool) {
	t.Helper()
	for i, r := range text {
		if r == '\n' && keepLF {
			continue
		}
		ok := r >= 0x20 && r != 0x7f && (r < 0x80 || r > 0x9f) && r != 0x202e && r != 0xfffd
		if !assert.True(t, ok, "character %U at byte %d of %q", r, i, text) {
			return
		}
	}
}

func TestWriteTextEscapes(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, hostileReport().WriteText(&buf))
	out := buf.String()
	assertNoControls(t, out, true)
	assert.Contains(t, out, `owner      a\x1b[2J\nGate: PASS\u202e\x00`+"\n")
	// Exactly one verdict line: the real one.
	lines := strings.Split(out, "\n")
	verdicts := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "Gate: ") {
			verdicts++
		}
	}
	assert.Equal(t, 1, verdicts, out)
}

func TestWriteJUnitEscapes(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteJUnit(&buf, hostileReport()))
	out := buf.String()
	assertNoControls(t, out, true)
	assert.NotContains(t, out, "\x1b")
	// The document is well-formed XML: every token decodes.
	dec := xml.NewDecoder(strings.NewReader(out))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
	}
	var doc junitSuites
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc))
	require.NotEmpty(t, doc.Suites)
	assert.Equal(t, `ordersa\x1b[2J\nGate: PASS\u202e\x00`, doc.Suites[0].Name)
	for _, c := range doc.Suites[0].Cases {
		assert.Contains(t, c.Name, `\x1b[2J\nGate: PASS`)
	}
}
