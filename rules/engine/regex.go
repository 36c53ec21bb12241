package engine

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// dfa answers regexp.MatchString (does the pattern match anywhere in the
// value?) with a lazily built deterministic automaton over the pattern's
// compiled program: each state is the set of program positions alive after
// a prefix of the value, and the step on an ASCII byte is computed once and
// cached. Values with other runes step through the same sets without the
// cache. A pattern with assertions other than ^ and $ of the whole text, or
// one whose automaton grows past maxDFAStates, is left to package regexp.
//
// A dfa is safe for concurrent use: states are built under a lock and
// published through atomic pointers.
type dfa struct {
	prog  *syntax.Prog
	re    *regexp.Regexp
	start *dfaState // before the first rune
	later []uint32  // the search restarts here at every later position

	mu     sync.Mutex
	states map[string]*dfaState
	full   atomic.Bool // maxDFAStates reached: no new states
}

// maxDFAStates bounds the states built per pattern, and maxDFAProg the
// programs the automaton takes on: building a state costs time in the
// program's size.
const (
	maxDFAStates = 4096
	maxDFAProg   = 1000
)

type dfaState struct {
	pcs   []uint32 // sorted positions, incl. pending $ assertions
	match bool     // the program has matched: the answer is yes
	dead  bool     // no position alive and none can start: the answer is no
	// end caches atEnd for a non-empty text: 0 unknown, 1 no, 2 yes.
	end  atomic.Int32
	next [128]atomic.Pointer[dfaState]
}

// newDFA compiles pattern as regexp.Compile does; ok is false when the
// pattern needs package regexp (the caller then uses re).
func newDFA(pattern string) (d *dfa, re *regexp.Regexp, err error) {
	re, err = regexp.Compile(pattern)
	if err != nil {
		return nil, nil, err
	}
	parsed, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, re, nil
	}
	prog, err := syntax.Compile(parsed.Simplify())
	if err != nil || len(prog.Inst) > maxDFAProg {
		return nil, re, nil
	}
	for _, in := range prog.Inst {
		if in.Op == syntax.InstEmptyWidth && syntax.EmptyOp(in.Arg)&^(syntax.EmptyBeginText|syntax.EmptyEndText) != 0 {
			return nil, re, nil
		}
	}
	d = &dfa{prog: prog, re: re, states: map[string]*dfaState{}}
	d.later = d.closure(nil, []uint32{uint32(prog.Start)}, false)
	d.start = d.state(d.closure(nil, []uint32{uint32(prog.Start)}, true))
	return d, re, nil
}

// closure adds to set the positions reachable from pcs without consuming a
// rune; begin says whether this is the start of the text. An $ assertion
// stays in the set unresolved: it holds only at the end.
func (d *dfa) closure(set []uint32, pcs []uint32, begin bool) []uint32 {
	seen := map[uint32]bool{}
	for _, pc := range set {
		seen[pc] = true
	}
	stack := slices.Clone(pcs)
	for len(stack) > 0 {
		pc := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[pc] {
			continue
		}
		seen[pc] = true
		in := &d.prog.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			stack = append(stack, in.Out, in.Arg)
		case syntax.InstCapture, syntax.InstNop:
			stack = append(stack, in.Out)
		case syntax.InstEmptyWidth:
			op := syntax.EmptyOp(in.Arg)
			if op&syntax.EmptyBeginText != 0 && !begin {
				continue
			}
			if op&syntax.EmptyEndText != 0 {
				set = append(set, pc) // resolved at the end
				continue
			}
			stack = append(stack, in.Out)
		case syntax.InstFail:
		default: // runes and match
			set = append(set, pc)
		}
	}
	slices.Sort(set)
	return slices.Compact(set)
}

// state interns a position set.
func (d *dfa) state(pcs []uint32) *dfaState {
	var key strings.Builder
	for _, pc := range pcs {
		key.WriteString(strconv.FormatUint(uint64(pc), 36))
		key.WriteByte(',')
	}
	if s, ok := d.states[key.String()]; ok {
		return s
	}
	s := &dfaState{pcs: pcs}
	for _, pc := range pcs {
		if d.prog.Inst[pc].Op == syntax.InstMatch {
			s.match = true
		}
	}
	s.dead = len(pcs) == 0 && len(d.later) == 0
	if len(d.states) < maxDFAStates {
		d.states[key.String()] = s
	} else {
		d.full.Store(true)
	}
	return s
}

// step returns the state after rune r from s.
func (d *dfa) step(s *dfaState, r rune) *dfaState {
	d.mu.Lock()
	defer d.mu.Unlock()
	var next []uint32
	for _, pc := range s.pcs {
		in := &d.prog.Inst[pc]
		switch in.Op {
		case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			if in.MatchRune(r) {
				next = append(next, in.Out)
			}
		}
	}
	// The search may also begin after r.
	return d.state(d.closure(slices.Clone(d.later), next, false))
}

// matchString reports whether the pattern matches anywhere in v.
func (d *dfa) matchString(v string) bool {
	s := d.start
	for i := 0; ; {
		if s.match {
			return true
		}
		if s.dead {
			return false
		}
		if i == len(v) {
			if i == 0 {
				return d.atEnd(s, true)
			}
			e := s.end.Load()
			if e == 0 {
				e = 1
				if d.atEnd(s, false) {
					e = 2
				}
				s.end.Store(e)
			}
			return e == 2
		}
		c := v[i]
		if c < utf8.RuneSelf {
			n := s.next[c].Load()
			if n == nil {
				if d.full.Load() {
					return d.re.MatchString(v)
				}
				n = d.step(s, rune(c))
				s.next[c].Store(n)
			}
			s = n
			i++
			continue
		}
		if d.full.Load() {
			return d.re.MatchString(v)
		}
		r, size := utf8.DecodeRuneInString(v[i:])
		s = d.step(s, r)
		i += size
	}
}

// atEnd resolves the $ assertions of s at the end of the text; empty says
// the text is empty, where ^ holds too.
func (d *dfa) atEnd(s *dfaState, empty bool) bool {
	var pending []uint32
	for _, pc := range s.pcs {
		if d.prog.Inst[pc].Op == syntax.InstEmptyWidth {
			pending = append(pending, pc)
		}
	}
	seen := map[uint32]bool{}
	for len(pending) > 0 {
		pc := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		if seen[pc] {
			continue
		}
		seen[pc] = true
		in := &d.prog.Inst[pc]
		switch in.Op {
		case syntax.InstMatch:
			return true
		case syntax.InstAlt, syntax.InstAltMatch:
			pending = append(pending, in.Out, in.Arg)
		case syntax.InstCapture, syntax.InstNop:
			pending = append(pending, in.Out)
		case syntax.InstEmptyWidth:
			if syntax.EmptyOp(in.Arg)&syntax.EmptyBeginText != 0 && !empty {
				continue
			}
			pending = append(pending, in.Out)
		}
	}
	return false
}
