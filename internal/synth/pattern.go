package synth

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"
)

// patternGen produces strings that contain a match of a regular
// expression, as CEL's matches() tests (a match anywhere in the string).
type patternGen struct {
	re   *regexp.Regexp
	tree *syntax.Regexp
}

func newPatternGen(pattern string) (*patternGen, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	tree, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	g := &patternGen{re: re, tree: tree.Simplify()}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		if s, ok := g.next(rng); ok && re.MatchString(s) {
			return g, nil
		}
	}
	return nil, fmt.Errorf("%w: no string matching the pattern found", ErrUnsupported)
}

// next returns a candidate string; ok is false when the expression cannot
// match anything.
func (g *patternGen) next(rng *rand.Rand) (string, bool) {
	var b strings.Builder
	ok := gen(&b, g.tree, rng)
	return b.String(), ok
}

// match returns a string that matches, trying a few candidates.
func (g *patternGen) match(rng *rand.Rand) (string, bool) {
	for range 50 {
		if s, ok := g.next(rng); ok && g.re.MatchString(s) {
			return s, true
		}
	}
	return "", false
}

// maxRepeat caps unbounded repetitions (*, +, {n,}).
const maxRepeat = 4

func gen(b *strings.Builder, re *syntax.Regexp, rng *rand.Rand) bool {
	switch re.Op {
	case syntax.OpNoMatch:
		return false
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 && rng.IntN(2) == 0 {
				r = unicode.SimpleFold(r)
			}
			b.WriteRune(r)
		}
		return true
	case syntax.OpCharClass:
		r, ok := pickRune(re.Rune, rng)
		if ok {
			b.WriteRune(r)
		}
		return ok
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte(alnum[rng.IntN(len(alnum))])
		return true
	case syntax.OpCapture:
		return gen(b, re.Sub[0], rng)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, maxRepeat
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 {
				hi = lo + maxRepeat
			}
		}
		n := lo + rng.IntN(hi-lo+1)
		for range n {
			if !gen(b, re.Sub[0], rng) {
				return false
			}
		}
		return true
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !gen(b, s, rng) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		return gen(b, re.Sub[rng.IntN(len(re.Sub))], rng)
	}
	return false
}

const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"

// pickRune picks a rune of a class (pairs of inclusive ranges), preferring
// letters and digits, then other printable ASCII, so that generated text
// reads like data.
func pickRune(ranges []rune, rng *rand.Rand) (rune, bool) {
	if len(ranges) == 0 {
		return 0, false
	}
	for _, pref := range []string{alnum, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "!#$%&*+-./:;=?^_~"} {
		var in []rune
		for _, r := range pref {
			if inClass(ranges, r) {
				in = append(in, r)
			}
		}
		if len(in) > 0 {
			return in[rng.IntN(len(in))], true
		}
	}
	k := rng.IntN(len(ranges)/2) * 2
	lo, hi := ranges[k], ranges[k+1]
	return lo + rune(rng.IntN(int(hi-lo)+1)), true
}

func inClass(ranges []rune, r rune) bool {
	for k := 0; k+1 < len(ranges); k += 2 {
		if r >= ranges[k] && r <= ranges[k+1] {
			return true
		}
	}
	return false
}

// nonMatch returns a string that does not match, "" and false when every
// candidate matches (a pattern such as ".*").
func (g *patternGen) nonMatch() (string, bool) {
	for _, s := range []string{"", "!", " ", "0", "a", "A", "-", "@", "\t", "zz", "00", "a b"} {
		if !g.re.MatchString(s) {
			return s, true
		}
	}
	return "", false
}
