package suggest

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Shapes generalize string values by character class. A value's shape is
// its sequence of runs: upper-case ASCII letters (A), lower-case ASCII
// letters (a), digits (9), other letters (L), and every other character as
// itself. "JFK" is A×3, "2006-01-02" is 9×4 -×1 9×2 -×1 9×2. Values with
// the same sequence of run kinds fall into one group whose run lengths
// widen to ranges: "AB" and "ABC" give ^[A-Z]{2,3}$.
const (
	maxShapes      = 32 // groups kept; values of further groups count as unshaped
	maxShapeRunes  = 64 // longer values are unshaped
	maxShapeRuns   = 12 // values with more runs are unshaped
	shapeMostlyMin = 0.95
)

type shapeGroup struct {
	minRun, maxRun []int
	count          int64
}

type shapes struct {
	groups   map[string]*shapeGroup // by the sequence of run kinds
	unshaped int64
	// Values made only of ASCII letters and digits, generalized to the
	// union of their classes and the range of their lengths.
	alnum                    int64
	alnumMask                uint8 // 1: A, 2: a, 4: 9
	alnumMinLen, alnumMaxLen int
	runs                     []int // scratch
	kinds                    []rune
}

func newShapes() shapes { return shapes{groups: map[string]*shapeGroup{}} }

func runeClass(r rune) rune {
	switch {
	case r >= 'A' && r <= 'Z':
		return 'A'
	case r >= 'a' && r <= 'z':
		return 'a'
	case r >= '0' && r <= '9':
		return '9'
	case unicode.IsLetter(r):
		return 'L'
	}
	return r
}

func (s *shapes) add(v string, n int64) {
	s.runs, s.kinds = s.runs[:0], s.kinds[:0]
	count := 0
	for _, r := range v {
		count++
		if count > maxShapeRunes {
			s.unshaped += n
			return
		}
		k := runeClass(r)
		if len(s.kinds) > 0 && s.kinds[len(s.kinds)-1] == k {
			s.runs[len(s.runs)-1]++
			continue
		}
		if len(s.kinds) == maxShapeRuns {
			s.unshaped += n
			return
		}
		s.kinds = append(s.kinds, k)
		s.runs = append(s.runs, 1)
	}
	s.addAlnum(count, n)
	key := string(s.kinds)
	g := s.groups[key]
	if g == nil {
		if len(s.groups) == maxShapes {
			s.unshaped += n
			return
		}
		g = &shapeGroup{minRun: append([]int(nil), s.runs...), maxRun: append([]int(nil), s.runs...)}
		s.groups[key] = g
	}
	for i, l := range s.runs {
		g.minRun[i] = min(g.minRun[i], l)
		g.maxRun[i] = max(g.maxRun[i], l)
	}
	g.count += n
}

func (s *shapes) addAlnum(length int, n int64) {
	if length == 0 {
		return
	}
	var mask uint8
	for _, k := range s.kinds {
		switch k {
		case 'A':
			mask |= 1
		case 'a':
			mask |= 2
		case '9':
			mask |= 4
		default:
			return
		}
	}
	if s.alnum == 0 || length < s.alnumMinLen {
		s.alnumMinLen = length
	}
	s.alnumMaxLen = max(s.alnumMaxLen, length)
	s.alnumMask |= mask
	s.alnum += n
}

// alnumPattern is the class-union generalization: ^[0-9A-Z]{3,4}$ for
// codes of three or four letters and digits in any order.
func (s *shapes) alnumPattern() (string, int64) {
	if s.alnum == 0 {
		return "", 0
	}
	class := ""
	if s.alnumMask&4 != 0 {
		class += "0-9"
	}
	if s.alnumMask&1 != 0 {
		class += "A-Z"
	}
	if s.alnumMask&2 != 0 {
		class += "a-z"
	}
	q := "{" + strconv.Itoa(s.alnumMinLen) + "}"
	if s.alnumMaxLen != s.alnumMinLen {
		q = "{" + strconv.Itoa(s.alnumMinLen) + "," + strconv.Itoa(s.alnumMaxLen) + "}"
	}
	return "^[" + class + "]" + q + "$", s.alnum
}

// pattern returns the most specific pattern that covers the most values:
// the largest shape group, or the class union of alphanumeric values when
// that covers more.
func (s *shapes) pattern() (pattern string, count int64, groups int) {
	pattern, count, groups = s.best()
	if p, n := s.alnumPattern(); n > count {
		return p, n, groups
	}
	return pattern, count, groups
}

// best returns the regular expression of the largest group and how many
// values it covers ("" when there is none).
func (s *shapes) best() (pattern string, count int64, groups int) {
	var key string
	var bg *shapeGroup
	for k, g := range s.groups {
		if bg == nil || g.count > bg.count || g.count == bg.count && k < key {
			key, bg = k, g
		}
	}
	if bg == nil || key == "" {
		return "", 0, len(s.groups)
	}
	var b strings.Builder
	b.WriteString("^")
	for i, k := range []rune(key) {
		switch k {
		case 'A':
			b.WriteString("[A-Z]")
		case 'a':
			b.WriteString("[a-z]")
		case '9':
			b.WriteString("[0-9]")
		case 'L':
			b.WriteString(`\pL`)
		default:
			b.WriteString(regexp.QuoteMeta(string(k)))
		}
		lo, hi := bg.minRun[i], bg.maxRun[i]
		switch {
		case lo == 1 && hi == 1:
		case lo == hi:
			b.WriteString("{" + strconv.Itoa(lo) + "}")
		default:
			b.WriteString("{" + strconv.Itoa(lo) + "," + strconv.Itoa(hi) + "}")
		}
	}
	b.WriteString("$")
	return b.String(), bg.count, len(s.groups)
}
