package pii

// trim strips leading and trailing ASCII spaces and tabs.
func trim(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isHex(c byte) bool   { return isDigit(c) || ((c|0x20) >= 'a' && (c|0x20) <= 'f') }
func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// IsEmail reports whether s is an e-mail address: a dot-atom local part of
// at most 64 characters, one @, and a domain of at least two labels whose
// last label (the top-level domain) is alphabetic or an IDNA xn-- label.
// Quoted local parts and address literals are not recognised.
func IsEmail(s string) bool {
	s = trim(s)
	if len(s) < 6 || len(s) > 254 {
		return false
	}
	at := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '@' {
			if at >= 0 {
				return false
			}
			at = i
		}
	}
	if at < 1 || at > 64 || at == len(s)-1 {
		return false
	}
	// Local part: atext with single dots, not at either end.
	prevDot := true
	for i := 0; i < at; i++ {
		c := s[i]
		switch {
		case c == '.':
			if prevDot {
				return false
			}
			prevDot = true
			continue
		case isDigit(c) || isAlpha(c) || c >= 0x80:
		default:
			switch c {
			case '!', '#', '$', '%', '&', '\'', '*', '+', '/', '=', '?', '^', '_', '`', '{', '|', '}', '~', '-':
			default:
				return false
			}
		}
		prevDot = false
	}
	if prevDot {
		return false
	}
	// Domain: labels of letters, digits and inner hyphens.
	d := s[at+1:]
	labels, start := 0, 0
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			c := d[i]
			if !isDigit(c) && !isAlpha(c) && c != '-' && c < 0x80 {
				return false
			}
			continue
		}
		l := d[start:i]
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		labels++
		if i == len(d) {
			// Top-level domain.
			if len(l) >= 4 && (l[0]|0x20) == 'x' && (l[1]|0x20) == 'n' && l[2] == '-' && l[3] == '-' {
				break
			}
			if len(l) < 2 {
				return false
			}
			for j := 0; j < len(l); j++ {
				if !isAlpha(l[j]) && l[j] < 0x80 {
					return false
				}
			}
		}
		start = i + 1
	}
	return labels >= 2
}

// phoneShape is a number split into digit groups by separators.
type phoneShape struct {
	plus   bool    // starts with +
	digits int     // number of digits
	n      int     // number of groups
	groups [16]int // digits per group (first 16)
	first  [3]byte // the first three digits
	parens int     // groups written in parentheses
	seps   int     // separator characters other than spaces and parentheses
	sepSet uint8   // which punctuation separators occur: 1 '-', 2 '.', 4 '/'
}

// parsePhone splits s into digit groups. Allowed are digits, a leading +,
// single separators (space, -, ., /) between groups and one group in
// parentheses. It reports false for any other character.
func parsePhone(s string, p *phoneShape) bool {
	i := 0
	if len(s) > 0 && s[0] == '+' {
		p.plus = true
		i = 1
	}
	inParen := false
	cur := 0  // digits in the current group
	gap := 0  // separator characters since the last digit
	punc := 0 // punctuation separators since the last digit
	for ; i < len(s); i++ {
		c := s[i]
		if isDigit(c) {
			if p.digits < 3 {
				p.first[p.digits] = c
			}
			p.digits++
			cur++
			gap, punc = 0, 0
			continue
		}
		// A group ends here.
		if cur > 0 {
			if p.n < len(p.groups) {
				p.groups[p.n] = cur
			}
			p.n++
			cur = 0
		}
		if p.digits == 0 && c != '(' && c != ' ' {
			return false // leading punctuation
		}
		switch c {
		case ' ':
		case '-', '.', '/':
			punc++
			if punc > 1 {
				return false
			}
			p.seps++
			switch c {
			case '-':
				p.sepSet |= 1
			case '.':
				p.sepSet |= 2
			default:
				p.sepSet |= 4
			}
		case '(':
			if inParen || p.parens > 0 {
				return false
			}
			inParen = true
		case ')':
			if !inParen {
				return false
			}
			inParen = false
			p.parens++
		default:
			return false
		}
		gap++
		if gap > 2 {
			return false
		}
	}
	if inParen || (cur == 0 && s[len(s)-1] != ')') {
		return false // unclosed parenthesis or trailing separator
	}
	if cur > 0 {
		if p.n < len(p.groups) {
			p.groups[p.n] = cur
		}
		p.n++
	}
	return p.digits > 0
}

// IsPhone reports whether s is written like a phone number: E.164 or an
// international number (+ or 00 and a country code, 8 to 15 digits), a
// North American number ((212) 555-0123, 212-555-0123, +1 212 555 0123)
// or a national number with a trunk 0 written in groups (UK 020 7946 0958,
// 0161 496 0000, DE 030 901820, FR 01 23 45 67 89).
//
// Digits without any formatting are not phone numbers (they are order
// numbers, ids and amounts more often than not), nor are dates, times,
// IP addresses and decimals.
func IsPhone(s string) bool {
	s = trim(s)
	if len(s) < 7 || len(s) > 32 {
		return false
	}
	var p phoneShape
	if !parsePhone(s, &p) || p.n > len(p.groups) {
		return false
	}
	// Mixed punctuation (2024-01.15) is not how numbers are written.
	if p.sepSet&(p.sepSet-1) != 0 {
		return false
	}
	if p.plus {
		// E.164: a country code never starts with 0.
		if p.digits < 8 || p.digits > 15 || p.first[0] == '0' {
			return false
		}
		return p.n == 1 || p.groups[0] <= 4
	}
	if p.n < 2 {
		return false // no formatting
	}
	if looksLikeDate(&p) || dottedQuad(&p) {
		return false
	}
	switch {
	case p.first[0] == '0' && p.first[1] == '0':
		// International prefix 00 and a country code.
		return p.first[2] != '0' && p.digits >= 10 && p.digits <= 17
	case p.first[0] == '0':
		return trunkNumber(&p)
	default:
		return nanpNumber(&p)
	}
}

// looksLikeDate reports whether the groups have the shape of a date:
// three groups, one of four digits and two of one or two.
func looksLikeDate(p *phoneShape) bool {
	if p.n != 3 {
		return false
	}
	four, short := 0, 0
	for _, g := range p.groups[:3] {
		switch {
		case g == 4:
			four++
		case g <= 2:
			short++
		}
	}
	return (four == 1 && short == 2) || short == 3
}

// dottedQuad reports whether the groups have the shape of an IPv4 address:
// four groups of at most three digits separated by dots.
func dottedQuad(p *phoneShape) bool {
	if p.n != 4 || p.sepSet != 2 {
		return false
	}
	for _, g := range p.groups[:4] {
		if g > 3 {
			return false
		}
	}
	return true
}

// nanpNumber checks a North American number: 10 digits in groups 3-3-4, or
// 11 with a leading 1 (1-3-3-4); area code and exchange start with 2-9.
func nanpNumber(p *phoneShape) bool {
	g := p.groups[:p.n]
	var area byte
	switch {
	case p.digits == 10 && len(g) == 3 && g[0] == 3 && g[1] == 3 && g[2] == 4:
		area = p.first[0]
	case p.digits == 11 && len(g) == 4 && g[0] == 1 && g[1] == 3 && g[2] == 3 && g[3] == 4 && p.first[0] == '1':
		area = p.first[1]
	default:
		return false
	}
	// Dotted quads of an IP address have no four-digit group, so they end
	// up in the default case above.
	return area >= '2'
}

// trunkNumber checks a national number written with a trunk 0: 9 to 12
// digits, a second digit other than 0, an area code of at least three
// digits (with the 0) or the French 0X XX XX XX XX, and not the 3-2-4 shape
// of a social security number.
func trunkNumber(p *phoneShape) bool {
	if p.digits < 9 || p.digits > 12 || p.first[1] == '0' {
		return false
	}
	g := p.groups[:p.n]
	if len(g) == 5 && p.digits == 10 {
		french := true
		for _, n := range g {
			french = french && n == 2
		}
		if french {
			return true
		}
	}
	if g[0] < 3 || g[0] > 5 {
		return false
	}
	if len(g) == 3 && g[0] == 3 && g[1] == 2 && g[2] == 4 {
		return false
	}
	for _, n := range g[1:] {
		if n < 2 {
			return false
		}
	}
	return true
}

// IsCreditCard reports whether s is a payment card number of a major brand
// (Visa, Mastercard, American Express, Discover, Diners Club, JCB,
// UnionPay, Maestro) with a valid Luhn check digit. Digits may be grouped
// by single spaces or dashes.
func IsCreditCard(s string) bool {
	s = trim(s)
	if len(s) < 12 || len(s) > 23 {
		return false
	}
	var prefix [6]byte
	n, sum := 0, 0
	// Luhn from the right: double every second digit.
	prevSep := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			if n < len(prefix) {
				prefix[n] = c - '0'
			}
			n++
			prevSep = false
		case c == ' ' || c == '-':
			if prevSep {
				return false
			}
			prevSep = true
		default:
			return false
		}
	}
	if prevSep || n < 12 || n > 19 {
		return false
	}
	k := 0
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if !isDigit(c) {
			continue
		}
		d := int(c - '0')
		if k%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		k++
	}
	if sum%10 != 0 {
		return false
	}
	return cardBrand(prefix, n)
}

// cardBrand checks the issuer prefix and length of a card number.
func cardBrand(p [6]byte, n int) bool {
	p2 := int(p[0])*10 + int(p[1])
	p3 := p2*10 + int(p[2])
	p4 := p3*10 + int(p[3])
	p6 := p4*100 + int(p[4])*10 + int(p[5])
	switch {
	case p[0] == 4: // Visa
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p4 == 6011, p3 >= 644 && p3 <= 649, p2 == 65, p6 >= 622126 && p6 <= 622925: // Discover
		return n >= 16 && n <= 19
	case p3 >= 300 && p3 <= 305, p2 == 36, p2 == 38, p2 == 39: // Diners Club
		return n >= 14 && n <= 19
	case p4 >= 3528 && p4 <= 3589: // JCB
		return n >= 16 && n <= 19
	case p2 == 62: // UnionPay
		return n >= 16 && n <= 19
	case p4 == 5018, p4 == 5020, p4 == 5038, p4 == 5893, p4 == 6304, p4 == 6759, p4 >= 6761 && p4 <= 6763: // Maestro
		return n >= 12 && n <= 19
	}
	return false
}

// ibanLengths holds the IBAN length of each country of the IBAN registry.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
	"BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
	"DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
	"FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
	"GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
	"JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
	"LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27,
	"MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28,
	"PS": 29, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31, "SD": 18,
	"SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
	"TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// IsIBAN reports whether s is an International Bank Account Number: a
// country of the IBAN registry, that country's length, an alphanumeric
// account number and a valid mod-97 checksum. Letters may be lower case
// and groups may be separated by single spaces.
func IsIBAN(s string) bool {
	s = trim(s)
	if len(s) < 15 || len(s) > 42 || !isAlpha(s[0]) || !isAlpha(s[1]) {
		return false
	}
	cc := [2]byte{upper(s[0]), upper(s[1])}
	want, ok := ibanLengths[string(cc[:])]
	if !ok {
		return false
	}
	// Count and validate first; the checksum moves the first four
	// characters to the end.
	n := 0
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
			continue
		case isDigit(c):
			if n == 0 || n == 1 {
				return false
			}
		case isAlpha(c):
			if n == 2 || n == 3 {
				return false
			}
		default:
			return false
		}
		prevSpace = false
		n++
	}
	if n != want {
		return false
	}
	rem := 0
	add := func(c byte) {
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
			return
		}
		v := int(upper(c)-'A') + 10
		rem = (rem*100 + v) % 97
	}
	k := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			continue
		}
		if k >= 4 {
			add(s[i])
		}
		k++
	}
	k = 0
	for i := 0; i < len(s) && k < 4; i++ {
		if s[i] == ' ' {
			continue
		}
		add(s[i])
		k++
	}
	return rem == 1
}

// IsIP reports whether s is an IPv4 address in dotted-quad form (no leading
// zeros) or an IPv6 address (with :: compression, an embedded IPv4 tail
// and a %zone allowed): the addresses net/netip.ParseAddr accepts. It is
// hand-written so that rejecting a value does not allocate an error.
func IsIP(s string) bool {
	s = trim(s)
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':':
			return isIPv6(s)
		case '.':
			return isIPv4(s)
		}
	}
	return false
}

// isIPv4 checks a dotted quad of decimal octets without leading zeros.
func isIPv4(s string) bool {
	parts, val, ndig := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if ndig == 0 || parts == 4 {
				return false
			}
			parts++
			val, ndig = 0, 0
			continue
		}
		c := s[i]
		if !isDigit(c) || (ndig == 1 && val == 0) {
			return false // not a digit, or a leading zero
		}
		val = val*10 + int(c-'0')
		ndig++
		if val > 255 {
			return false
		}
	}
	return parts == 4
}

// isIPv6 checks hextets of one to four hex digits separated by colons, at
// most one ::, eight hextets in all (an IPv4 tail counts for two) and an
// optional non-empty %zone.
func isIPv6(s string) bool {
	if i := indexByte(s, '%'); i >= 0 {
		if i == len(s)-1 {
			return false
		}
		s = s[:i]
	}
	groups, ellipsis := 0, false
	i := 0
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis = true
		i = 2
		if i == len(s) {
			return true // "::"
		}
	}
	for i < len(s) {
		// One hextet, or an IPv4 tail.
		j := i
		for j < len(s) && j-i < 5 && isHex(s[j]) {
			j++
		}
		if j < len(s) && s[j] == '.' {
			if !isIPv4(s[i:]) {
				return false
			}
			groups += 2
			break // the IPv4 tail ends the address
		}
		if j == i || j-i > 4 {
			return false
		}
		groups++
		i = j
		if i == len(s) {
			break
		}
		if s[i] != ':' {
			return false
		}
		i++
		if i < len(s) && s[i] == ':' {
			if ellipsis {
				return false
			}
			ellipsis = true
			i++
			if i == len(s) {
				break
			}
		} else if i == len(s) {
			return false // a trailing single colon
		}
	}
	if ellipsis {
		return groups < 8
	}
	return groups == 8
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// IsUSSSN reports whether s is a US social security number written
// AAA-GG-SSSS or AAA GG SSSS, outside the ranges never issued: area 000,
// 666 and 900-999, group 00, serial 0000.
func IsUSSSN(s string) bool {
	s = trim(s)
	if len(s) != 11 {
		return false
	}
	sep := s[3]
	if (sep != '-' && sep != ' ') || s[6] != sep {
		return false
	}
	for _, i := range [...]int{0, 1, 2, 4, 5, 7, 8, 9, 10} {
		if !isDigit(s[i]) {
			return false
		}
	}
	area := s[:3]
	switch {
	case area == "000", area == "666", area[0] == '9':
		return false
	case s[4] == '0' && s[5] == '0':
		return false
	case s[7:] == "0000":
		return false
	}
	return true
}

// IsUKNINO reports whether s is a UK National Insurance number: two prefix
// letters (the first not D, F, I, Q, U or V; the second not D, F, I, O, Q,
// U or V; not BG, GB, KN, NK, NT, TN or ZZ), six digits and a suffix A-D,
// optionally written in pairs separated by spaces (AB 12 34 56 C).
func IsUKNINO(s string) bool {
	s = trim(s)
	var b [9]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			// Spaces only between the pairs: after 2, 4, 6 and 8 characters.
			if n%2 != 0 || n == 0 || (i > 0 && s[i-1] == ' ') {
				return false
			}
			continue
		}
		if n == len(b) {
			return false
		}
		b[n] = upper(c)
		n++
	}
	if n != 9 {
		return false
	}
	p0, p1 := b[0], b[1]
	if !isAlpha(p0) || !isAlpha(p1) {
		return false
	}
	switch p0 {
	case 'D', 'F', 'I', 'Q', 'U', 'V':
		return false
	}
	switch p1 {
	case 'D', 'F', 'I', 'O', 'Q', 'U', 'V':
		return false
	}
	switch string(b[:2]) {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	for _, c := range b[2:8] {
		if !isDigit(c) {
			return false
		}
	}
	return b[8] >= 'A' && b[8] <= 'D'
}

// IsMAC reports whether s is a 48-bit MAC address: six pairs of hex digits
// separated by colons or by dashes (the same throughout), or three groups
// of four separated by dots (Cisco).
func IsMAC(s string) bool {
	s = trim(s)
	switch len(s) {
	case 17:
		sep := s[2]
		if sep != ':' && sep != '-' {
			return false
		}
		for i := 0; i < 17; i++ {
			if i%3 == 2 {
				if s[i] != sep {
					return false
				}
			} else if !isHex(s[i]) {
				return false
			}
		}
		return true
	case 14:
		for i := 0; i < 14; i++ {
			if i%5 == 4 {
				if s[i] != '.' {
					return false
				}
			} else if !isHex(s[i]) {
				return false
			}
		}
		return true
	}
	return false
}
