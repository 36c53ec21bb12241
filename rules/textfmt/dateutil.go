package textfmt

import (
	"strconv"
	"strings"
	"time"
)

// ParsesDate reports whether s is a date, a time or both in one of the
// free forms python-dateutil's parser.parse reads (with its defaults:
// month before day when ambiguous, but a reading with the day first is
// accepted too), and names a real date. The accepted grammar is a subset
// of dateutil's, stated in docs/rules.md:
//
//   - tokens are runs of digits, runs of letters and the separators
//     space , - / . : and a T between digits; case does not matter;
//   - a time is H:MM, H:MM:SS or H:MM:SS.fraction (hour below 24, minutes
//     and seconds below 60), or an hour with am/pm ("5pm"), optionally
//     followed by am/pm and a zone: Z, UTC, GMT, or an offset +HH, +HHMM,
//     +HH:MM (or -);
//   - a date is up to three numbers and at most one month name (January or
//     Jan, Sept too): Y-M-D when the first number has four digits, else
//     M/D/Y or D/M/Y (a year of two or four digits), M/D, D/M, Y-M, a month
//     name with a day and/or a year in any order, a four-digit year alone,
//     a day alone; YYYYMMDD, YYMMDD and YYYYMMDDhhmm[ss] as one number;
//   - weekday names and the words at, on, of, and, the suffixes st, nd, rd
//     and th after a day are skipped;
//   - anything else (another word, a fifth number, a date out of range such
//     as 2019-02-29) is not a date.
func ParsesDate(s string) bool {
	toks, ok := tokenize(strings.ToLower(strings.TrimSpace(s)))
	if !ok || len(toks) == 0 {
		return false
	}
	var p dateParse
	return p.run(toks)
}

type token struct {
	text  string
	digit bool
	word  bool
}

func tokenize(s string) ([]token, bool) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		j := i + 1
		switch {
		case isDigit(c):
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			out = append(out, token{text: s[i:j], digit: true})
		case c >= 'a' && c <= 'z':
			for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
				j++
			}
			w := s[i:j]
			// ISO's T between a date and a time.
			if w == "t" && i > 0 && isDigit(s[i-1]) && j < len(s) && isDigit(s[j]) {
				out = append(out, token{text: " "})
			} else {
				out = append(out, token{text: w, word: true})
			}
		case strings.IndexByte(" ,-/.:+", c) >= 0:
			out = append(out, token{text: s[i:j]})
		default:
			return nil, false
		}
		i = j
	}
	return out, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

var months = map[string]int{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
	"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
	"sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
	"dec": 12, "december": 12,
}

var skipWords = map[string]bool{
	"mon": true, "monday": true, "tue": true, "tues": true, "tuesday": true, "wed": true, "wednesday": true,
	"thu": true, "thur": true, "thurs": true, "thursday": true, "fri": true, "friday": true,
	"sat": true, "saturday": true, "sun": true, "sunday": true,
	"at": true, "on": true, "of": true, "and": true,
}

type dateParse struct {
	nums     []string // date numbers, in order
	month    int      // from a month name, 0 if none
	haveTime bool
	hour     int
	haveZone bool
}

func (p *dateParse) run(toks []token) bool {
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.digit:
			// A zone offset right after a time.
			if p.haveTime && !p.haveZone && i > 0 && (toks[i-1].text == "+" || toks[i-1].text == "-") {
				n, ok := offset(toks, i)
				if !ok {
					return false
				}
				p.haveZone = true
				i = n - 1
				continue
			}
			// A time: H:MM[:SS[.f]].
			if i+2 < len(toks) && toks[i+1].text == ":" && toks[i+2].digit {
				if p.haveTime {
					return false
				}
				n, ok := p.clock(toks, i)
				if !ok {
					return false
				}
				i = n - 1
				continue
			}
			// An hour with am/pm.
			if i+1 < len(toks) && (toks[i+1].text == "am" || toks[i+1].text == "pm" || toks[i+1].text == "a" || toks[i+1].text == "p") {
				h, _ := strconv.Atoi(t.text)
				if p.haveTime || len(t.text) > 2 || h < 1 || h > 12 {
					return false
				}
				p.haveTime = true
				i++
				continue
			}
			if p.haveZone {
				return false // nothing after a zone but words
			}
			if !p.number(t.text) {
				return false
			}
			// Ordinal suffixes: 1st, 2nd, 3rd, 4th.
			if i+1 < len(toks) && (toks[i+1].text == "st" || toks[i+1].text == "nd" || toks[i+1].text == "rd" || toks[i+1].text == "th") {
				i++
			}
		case t.word:
			switch {
			case months[t.text] != 0:
				if p.month != 0 {
					return false
				}
				p.month = months[t.text]
			case skipWords[t.text]:
			case t.text == "z" || t.text == "utc" || t.text == "gmt":
				if !p.haveTime || p.haveZone {
					return false
				}
				p.haveZone = true
			case t.text == "am" || t.text == "pm":
				if !p.haveTime || p.hour < 1 || p.hour > 12 {
					return false
				}
			default:
				return false
			}
		case t.text == "+" || t.text == "-":
			// A sign before an offset, or a date separator.
			if p.haveTime && !p.haveZone && (i+1 >= len(toks) || !toks[i+1].digit) {
				return false
			}
		}
	}
	return p.valid()
}

// clock reads a time at toks[i]; it returns the index after it.
func (p *dateParse) clock(toks []token, i int) (int, bool) {
	h, _ := strconv.Atoi(toks[i].text)
	m, _ := strconv.Atoi(toks[i+2].text)
	if len(toks[i].text) > 2 || len(toks[i+2].text) != 2 || h > 23 || m > 59 {
		return 0, false
	}
	n := i + 3
	if n+1 < len(toks) && toks[n].text == ":" && toks[n+1].digit {
		sec, _ := strconv.Atoi(toks[n+1].text)
		if len(toks[n+1].text) != 2 || sec > 59 {
			return 0, false
		}
		n += 2
		if n+1 < len(toks) && toks[n].text == "." && toks[n+1].digit {
			n += 2
		}
	}
	p.haveTime, p.hour = true, h
	return n, true
}

// offset reads a zone offset's digits at toks[i] (after its sign): HH,
// HHMM or HH:MM.
func offset(toks []token, i int) (int, bool) {
	d := toks[i].text
	switch len(d) {
	case 1, 2:
		h, _ := strconv.Atoi(d)
		if h > 23 {
			return 0, false
		}
		if i+2 < len(toks) && toks[i+1].text == ":" && toks[i+2].digit {
			m, _ := strconv.Atoi(toks[i+2].text)
			if len(toks[i+2].text) != 2 || m > 59 {
				return 0, false
			}
			return i + 3, true
		}
		return i + 1, true
	case 4:
		h, _ := strconv.Atoi(d[:2])
		m, _ := strconv.Atoi(d[2:])
		return i + 1, h <= 23 && m <= 59
	}
	return 0, false
}

// number takes a date number; long ones are whole dates (YYYYMMDD, …).
func (p *dateParse) number(d string) bool {
	switch len(d) {
	case 6, 8:
		if len(p.nums) > 0 || p.month != 0 {
			return false
		}
		y := d[:len(d)-4]
		p.nums = append(p.nums, y, d[len(d)-4:len(d)-2], d[len(d)-2:])
		if len(y) == 2 {
			p.nums[0] = "20" + y // YYMMDD: dateutil reads a two-digit year near now
		}
		return true
	case 12, 14:
		if len(p.nums) > 0 || p.month != 0 || p.haveTime {
			return false
		}
		h, _ := strconv.Atoi(d[8:10])
		m, _ := strconv.Atoi(d[10:12])
		s := 0
		if len(d) == 14 {
			s, _ = strconv.Atoi(d[12:])
		}
		if h > 23 || m > 59 || s > 59 {
			return false
		}
		p.haveTime = true
		p.nums = append(p.nums, d[:4], d[4:6], d[6:8])
		return true
	case 1, 2, 4:
		if len(p.nums) >= 3 {
			return false
		}
		p.nums = append(p.nums, d)
		return true
	}
	return false
}

// valid resolves the date numbers and checks the date is real.
func (p *dateParse) valid() bool {
	n := make([]int, len(p.nums))
	four := make([]bool, len(p.nums))
	for i, d := range p.nums {
		n[i], _ = strconv.Atoi(d)
		four[i] = len(d) == 4
	}
	ok := func(y, m, d int) bool {
		if m < 1 || m > 12 || d < 1 {
			return false
		}
		return d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	}
	const leap = 2000 // any year: a day alone or a month and day take the current year; Feb 29 exists in some
	switch {
	case p.month != 0:
		switch len(n) {
		case 0:
			return true
		case 1:
			if four[0] {
				return true
			}
			return ok(leap, p.month, n[0])
		case 2:
			// day and year, either order
			return !four[1] && ok(yearOf(p.nums[0]), p.month, n[1]) || !four[0] && ok(yearOf(p.nums[1]), p.month, n[0])
		}
		return false
	case len(n) == 0:
		return p.haveTime
	case len(n) == 1:
		return four[0] || n[0] >= 1 && n[0] <= 31
	case len(n) == 2:
		if four[0] {
			return n[1] >= 1 && n[1] <= 12 // Y-M
		}
		if four[1] {
			return n[0] >= 1 && n[0] <= 12 // M/Y
		}
		return ok(leap, n[0], n[1]) || ok(leap, n[1], n[0])
	default:
		if four[0] {
			return !four[1] && !four[2] && ok(n[0], n[1], n[2])
		}
		if four[1] {
			return false
		}
		y := yearOf(p.nums[2])
		return ok(y, n[0], n[1]) || ok(y, n[1], n[0])
	}
}

// yearOf reads a year of two or four digits (two digits: 2000 + n).
func yearOf(d string) int {
	y, _ := strconv.Atoi(d)
	if len(d) <= 2 {
		y += 2000
	}
	return y
}
