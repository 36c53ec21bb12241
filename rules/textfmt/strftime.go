package textfmt

import "fmt"

// Layout is a compiled strftime layout. The zero value matches nothing.
type Layout struct {
	parts []part
}

type part struct {
	lit      byte // literal byte when field == 0
	field    byte // directive letter: Y y m d H M S f j
	min, max int  // value range
	digits   int  // the most digits
}

// Compile compiles a strftime layout of the directives %Y (four digits),
// %y, %m, %d, %H, %M, %S (one or two digits, as strptime accepts), %f (one
// to six digits), %j (one to three digits) and %%; other bytes match
// themselves. Other directives are an ErrLayout.
func Compile(layout string) (*Layout, error) {
	l := &Layout{}
	for i := 0; i < len(layout); i++ {
		ch := layout[i]
		if ch != '%' {
			l.parts = append(l.parts, part{lit: ch})
			continue
		}
		i++
		if i == len(layout) {
			return nil, fmt.Errorf("%w: %q ends with a lone %%", ErrLayout, layout)
		}
		p := part{field: layout[i]}
		switch layout[i] {
		case 'Y':
			p.min, p.max, p.digits = 0, 9999, 4
		case 'y':
			p.min, p.max, p.digits = 0, 99, 2
		case 'm':
			p.min, p.max, p.digits = 1, 12, 2
		case 'd':
			p.min, p.max, p.digits = 1, 31, 2
		case 'H':
			p.min, p.max, p.digits = 0, 23, 2
		case 'M':
			p.min, p.max, p.digits = 0, 59, 2
		case 'S':
			p.min, p.max, p.digits = 0, 61, 2
		case 'f':
			p.min, p.max, p.digits = 0, 999999, 6
		case 'j':
			p.min, p.max, p.digits = 1, 366, 3
		case '%':
			p = part{lit: '%'}
		default:
			return nil, fmt.Errorf("%w: %q has the unsupported directive %%%c", ErrLayout, layout, layout[i])
		}
		l.parts = append(l.parts, p)
	}
	return l, nil
}

// Match reports whether all of s parses with the layout and names a real
// date (no 31 April, 29 February only in leap years). It does not allocate.
func (l *Layout) Match(s string) bool {
	if l == nil {
		return false
	}
	var v values
	v.year, v.month, v.day = 1900, 1, 1
	return l.match(0, s, v)
}

type values struct{ year, month, day int }

func (l *Layout) match(pi int, s string, v values) bool {
	if pi == len(l.parts) {
		return s == "" && validDate(v)
	}
	p := l.parts[pi]
	if p.field == 0 {
		return s != "" && s[0] == p.lit && l.match(pi+1, s[1:], v)
	}
	// strptime takes the longest run of digits that leaves a match.
	n := 0
	for n < p.digits && n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if p.field == 'Y' && n != 4 {
		return false
	}
	for k := n; k >= 1; k-- {
		x := 0
		for _, c := range s[:k] {
			x = x*10 + int(c-'0')
		}
		if x < p.min || x > p.max {
			continue
		}
		w := v
		switch p.field {
		case 'Y':
			w.year = x
		case 'y':
			w.year = 2000 + x
			if x >= 69 {
				w.year = 1900 + x
			}
		case 'm':
			w.month = x
		case 'd':
			w.day = x
		}
		if l.match(pi+1, s[k:], w) {
			return true
		}
	}
	return false
}

func validDate(v values) bool {
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[v.month-1]
	if v.month == 2 && (v.year%4 == 0 && v.year%100 != 0 || v.year%400 == 0) {
		days = 29
	}
	return v.day <= days
}
