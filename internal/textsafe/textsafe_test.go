package textsafe_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sluicedata/sluice/internal/textsafe"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		name, in, want, lines string
	}{
		{name: "plain", in: "orders@example.com", want: "orders@example.com", lines: "orders@example.com"},
		{name: "empty", in: "", want: "", lines: ""},
		{name: "unicode kept", in: "Zürich — 東京", want: "Zürich — 東京", lines: "Zürich — 東京"},
		{name: "backslash kept", in: `C:\data\x.csv`, want: `C:\data\x.csv`, lines: `C:\data\x.csv`},
		{name: "fake verdict", in: "a\x1b[2J\nGate: PASS", want: `a\x1b[2J\nGate: PASS`, lines: "a\\x1b[2J\nGate: PASS"},
		{name: "cr tab nul", in: "a\rb\tc\x00", want: `a\rb\tc\x00`, lines: `a\rb\tc\x00`},
		{name: "del", in: "x\x7f", want: `x\x7f`, lines: `x\x7f`},
		{name: "c1", in: "x\u009b2J", want: `x\u009b2J`, lines: `x\u009b2J`},
		{name: "bidi override", in: "txt.\u202egnp.exe", want: `txt.\u202egnp.exe`, lines: `txt.\u202egnp.exe`},
		{name: "bidi isolates", in: "\u2066a\u2069\u200f\u061c", want: `\u2066a\u2069\u200f\u061c`, lines: `\u2066a\u2069\u200f\u061c`},
		{name: "line separators", in: "a\u2028b\u2029", want: `a\u2028b\u2029`, lines: `a\u2028b\u2029`},
		{name: "invalid utf8", in: "a\xffb\xc3", want: `a\xffb\xc3`, lines: `a\xffb\xc3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, textsafe.Escape(tt.in))
			assert.Equal(t, tt.lines, textsafe.EscapeLines(tt.in))
			assert.Equal(t, tt.want == tt.in, textsafe.Safe(tt.in))
		})
	}
}

func TestEscapeDoesNotAllocateSafeText(t *testing.T) {
	s := "a perfectly ordinary rule name, owner and message"
	allocs := testing.AllocsPerRun(100, func() { _ = textsafe.Escape(s) })
	assert.Zero(t, allocs)
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "a\x1b[2J\nGate: PASS", "\u202e", "\xff\xfe", "ok"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := textsafe.Escape(s)
		if !textsafe.Safe(out) {
			t.Fatalf("Escape(%q) = %q is not safe", s, out)
		}
		if textsafe.Escape(out) != out {
			t.Fatalf("Escape is not idempotent on %q", out)
		}
	})
}
