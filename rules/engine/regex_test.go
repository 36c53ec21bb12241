package engine

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var dfaPatterns = []string{
	``, `a`, `^a`, `a$`, `^a$`, `^$`, `$^`, `^`, `$`, `a*`, `^a*$`, `a+b`, `(a|b)*c`, `^(ab|a)*$`,
	`[a-c]{2,}`, `^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$`, `(?i)abc`, `(?i)^é`, `é+`, `日本`, `[^a]`, `^[^a]*$`,
	`.`, `(?s).`, `^.$`, `\pL+$`, `\d{3}-\d{4}`, `^\s*$`, `x|^y|z$`, `(a$|b)c?`, `a{2}$`, `^(?:a|$)`,
	`\x00`, `[\x{fffd}]`, `^\x{fffd}$`, `a.c`, `(?U)a+?`, `^(a|ab)(c|bcd)(d*)$`, `K`, `(?i)k`,
	`^\d+(\.\d+)?$`, `^[A-Z]{2}\d{2}[A-Z0-9]{1,30}$`, `(x+x+)+y`,
}

// dfaInput draws strings over a small alphabet with non-ASCII runes,
// invalid UTF-8, NUL and newlines.
func dfaInput(rng *rand.Rand) string {
	alphabet := []string{"a", "b", "c", "d", "x", "y", "z", "A", "K", "k", "1", "5", "-", ".", "@", "_", " ", "\n",
		"é", "É", "日", "本", "\u212a", "\xff", "\x00", "\xe2\x82", "io", "com"}
	var sb strings.Builder
	for range rng.IntN(14) {
		sb.WriteString(alphabet[rng.IntN(len(alphabet))])
	}
	return sb.String()
}

func TestDFAMatchesRegexp(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for _, pat := range dfaPatterns {
		d, re, err := newDFA(pat)
		require.NoError(t, err, pat)
		want := regexp.MustCompile(pat)
		if d == nil {
			assert.Equal(t, want.String(), re.String())
			continue
		}
		inputs := []string{"", "a", "ab", "abc", "aé", "user.name+tag@mail.example.io", "a@b.c", "\xff", "xxxxxxxxxxxxxxxxxxxxxx"}
		for range 400 {
			inputs = append(inputs, dfaInput(rng))
		}
		for _, in := range inputs {
			require.Equal(t, want.MatchString(in), d.matchString(in), "pattern %q on %q", pat, in)
		}
	}
}

func TestDFALeavesAssertionsToRegexp(t *testing.T) {
	for _, pat := range []string{`\bfoo\b`, `(?m)^a$`, `\B`} {
		d, re, err := newDFA(pat)
		require.NoError(t, err)
		assert.Nil(t, d, pat)
		assert.NotNil(t, re, pat)
	}
	_, _, err := newDFA(`(`)
	require.Error(t, err)
}

func TestDFAConcurrentUse(t *testing.T) {
	d, _, err := newDFA(`^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$`)
	require.NoError(t, err)
	re := regexp.MustCompile(`^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$`)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for range 2000 {
				in := dfaInput(rng)
				if d.matchString(in) != re.MatchString(in) {
					t.Errorf("%q", in)
				}
			}
		})
	}
	wg.Wait()
}

func FuzzDFA(f *testing.F) {
	for _, p := range dfaPatterns {
		f.Add(p, "user@example.io")
	}
	f.Fuzz(func(t *testing.T, pat, in string) {
		d, _, err := newDFA(pat)
		if err != nil || d == nil {
			return
		}
		if got, want := d.matchString(in), regexp.MustCompile(pat).MatchString(in); got != want {
			t.Fatalf("pattern %q on %q: dfa %v, regexp %v", pat, in, got, want)
		}
	})
}
