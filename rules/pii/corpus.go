package pii

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
)

// Labeled is one value of a corpus with the kind it is, or "" for a value
// that is none of the built-in kinds.
type Labeled struct {
	Value string
	Kind  string
}

// perKind is the number of positive values Corpus generates per kind.
const perKind = 600

// Corpus generates a labelled corpus deterministically from seed: valid
// values of every built-in kind in the ways people write them, and near
// misses labelled "": card numbers failing Luhn, IBANs with a wrong
// checksum or length, dates, timestamps, order numbers and plain integers
// that look like phone numbers, SSNs in never-issued ranges, NINOs with
// excluded prefixes, malformed e-mail, IP and MAC addresses, and words.
func Corpus(seed uint64) []Labeled {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	var out []Labeled
	add := func(kind string, f func() string) {
		for range perKind {
			out = append(out, Labeled{Value: f(), Kind: kind})
		}
	}
	add(KindEmail, g.email)
	add(KindPhone, g.phone)
	add(KindCreditCard, g.card)
	add(KindIBAN, g.iban)
	add(KindIP, g.ip)
	add(KindUSSSN, g.ssn)
	add(KindUKNINO, g.nino)
	add(KindMAC, g.mac)
	for _, f := range []func() string{
		g.badCard, g.badIBAN, g.phoneLookalike, g.badSSN, g.badEmail,
		g.badIP, g.badNINO, g.badMAC, g.word,
	} {
		for range perKind {
			out = append(out, Labeled{Value: f()})
		}
	}
	return out
}

type gen struct{ r *rand.Rand }

func (g *gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// digits returns n random digits.
func (g *gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

// num returns a random number in [lo, hi] padded to width.
func (g *gen) num(lo, hi, width int) string {
	s := strconv.Itoa(lo + g.r.IntN(hi-lo+1))
	return strings.Repeat("0", max(0, width-len(s))) + s
}

func (g *gen) letters(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

const lower = "abcdefghijklmnopqrstuvwxyz"

var firstNames = []string{"anna", "ben", "chloe", "dmitri", "eva", "farid", "gita", "hugo", "ines", "jon", "kim", "li", "maria", "noah", "olga", "pierre"}
var lastNames = []string{"smith", "muller", "garcia", "nguyen", "rossi", "kowalski", "okafor", "tanaka", "dubois", "silva"}

func (g *gen) email() string {
	f, l := g.pick(firstNames...), g.pick(lastNames...)
	var local string
	switch g.r.IntN(6) {
	case 0:
		local = f + "." + l
	case 1:
		local = f + l + g.digits(2)
	case 2:
		local = f + "+" + g.pick("news", "shop", "test")
	case 3:
		local = f[:1] + "_" + l
	case 4:
		local = strings.ToUpper(f[:1]) + f[1:] + "." + strings.ToUpper(l[:1]) + l[1:]
	default:
		local = "customer" + g.digits(4)
	}
	domain := g.pick("example.com", "mail.example.net", "example.org", "uni.example.ac.uk",
		"example.de", "post.example.co.jp", "example.io", "xn--bcher-kva.example", "EXAMPLE.COM")
	return local + "@" + domain
}

func (g *gen) phone() string {
	// Area codes and exchanges start with 2-9 in North America.
	a, e, n := g.num(200, 999, 3), g.num(200, 999, 3), g.digits(4)
	switch g.r.IntN(20) {
	case 0:
		return "(" + a + ") " + e + "-" + n
	case 1:
		return a + "-" + e + "-" + n
	case 2:
		return a + "." + e + "." + n
	case 3:
		return a + " " + e + " " + n
	case 4:
		return "+1 " + a + " " + e + " " + n
	case 5:
		return "+1-" + a + "-" + e + "-" + n
	case 6:
		return "1-" + a + "-" + e + "-" + n
	case 7:
		return "+1" + a + e + n
	case 8: // UK London
		return "020 7946 " + g.digits(4)
	case 9:
		return "0161 496 " + g.digits(4)
	case 10:
		return "+44 20 7946 " + g.digits(4)
	case 11:
		return "+44 (0)20 7946 " + g.digits(4)
	case 12: // UK mobile
		return "07700 900" + g.digits(3)
	case 13:
		return "+447700900" + g.digits(3)
	case 14: // Germany
		return "030 " + g.num(100000, 999999, 6)
	case 15:
		return "+49 30 " + g.num(100000, 9999999, 6)
	case 16:
		return "0049 89 " + g.digits(7)
	case 17:
		return "030/" + g.num(1000000, 9999999, 7)
	case 18: // France
		return "0" + g.num(1, 9, 1) + " " + g.digits(2) + " " + g.digits(2) + " " + g.digits(2) + " " + g.digits(2)
	default:
		return "+" + g.pick("33 1", "81 3", "61 2", "34 91", "39 06") + " " + g.digits(4) + " " + g.digits(4)
	}
}

// luhnDigit returns the check digit that makes body+digit pass Luhn.
func luhnDigit(body string) byte {
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// cardBody returns a card number without its check digit.
func (g *gen) cardBody() string {
	var prefix string
	var n int
	switch g.r.IntN(8) {
	case 0:
		prefix, n = "4", g.pick3(16, 16, 13)
	case 1:
		prefix, n = g.num(51, 55, 2), 16
	case 2:
		prefix, n = g.num(2221, 2720, 4), 16
	case 3:
		prefix, n = g.pick("34", "37"), 15
	case 4:
		prefix, n = g.pick("6011", "65", g.num(644, 649, 3)), 16
	case 5:
		prefix, n = g.pick("36", "38", g.num(300, 305, 3)), 14
	case 6:
		prefix, n = g.num(3528, 3589, 4), 16
	default:
		prefix, n = "62", g.pick3(16, 17, 19)
	}
	return prefix + g.digits(n-1-len(prefix))
}

func (g *gen) pick3(a, b, c int) int { return [3]int{a, b, c}[g.r.IntN(3)] }

// groupCard writes a card number plain, in groups of four, or 4-6-5 for
// 15-digit numbers.
func (g *gen) groupCard(s string) string {
	sep := g.pick("", " ", "-")
	if sep == "" {
		return s
	}
	if len(s) == 15 {
		return s[:4] + sep + s[4:10] + sep + s[10:]
	}
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

func (g *gen) card() string {
	body := g.cardBody()
	return g.groupCard(body + string(luhnDigit(body)))
}

func (g *gen) badCard() string {
	body := g.cardBody()
	d := luhnDigit(body)
	wrong := byte('0' + (int(d-'0')+1+g.r.IntN(9))%10)
	return g.groupCard(body + string(wrong))
}

// ibanCountries are the countries Corpus draws from, with how their
// account numbers start: letters (bank codes) before the digits.
var ibanCountries = []struct {
	cc      string
	letters int
}{
	{"DE", 0}, {"FR", 0}, {"GB", 4}, {"NL", 4}, {"ES", 0}, {"IT", 1}, {"BE", 0},
	{"CH", 0}, {"AT", 0}, {"PL", 0}, {"SE", 0}, {"NO", 0}, {"IE", 4}, {"MT", 4},
}

// mod97 returns the IBAN checksum remainder of an account string in
// rearranged order.
func mod97(s string) int {
	rem := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A') + 10) % 97
		}
	}
	return rem
}

// ibanParts returns a country, check digits and account number.
func (g *gen) ibanParts(lengthDelta int) (string, string, string) {
	c := ibanCountries[g.r.IntN(len(ibanCountries))]
	n := ibanLengths[c.cc] - 4 + lengthDelta
	bban := g.letters(c.letters, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + g.digits(n-c.letters)
	check := 98 - mod97(bban+c.cc+"00")
	return c.cc, fmt.Sprintf("%02d", check), bban
}

func (g *gen) formatIBAN(s string) string {
	switch g.r.IntN(3) {
	case 0:
		var b strings.Builder
		for i := 0; i < len(s); i += 4 {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(s[i:min(i+4, len(s))])
		}
		return b.String()
	case 1:
		return strings.ToLower(s[:2]) + s[2:]
	}
	return s
}

func (g *gen) iban() string {
	cc, check, bban := g.ibanParts(0)
	return g.formatIBAN(cc + check + bban)
}

func (g *gen) badIBAN() string {
	if g.r.IntN(2) == 0 {
		cc, check, bban := g.ibanParts(0)
		c, _ := strconv.Atoi(check)
		wrong := fmt.Sprintf("%02d", (c+1+g.r.IntN(90))%97+2)
		if wrong == check {
			wrong = fmt.Sprintf("%02d", (c+1)%97+2)
		}
		return g.formatIBAN(cc + wrong + bban)
	}
	// Right checksum, wrong length for the country.
	cc, check, bban := g.ibanParts(g.pick3(-1, 1, 2))
	return cc + check + bban
}

func (g *gen) ip() string {
	switch g.r.IntN(4) {
	case 0, 1:
		return netip.AddrFrom4([4]byte{byte(1 + g.r.IntN(223)), byte(g.r.IntN(256)), byte(g.r.IntN(256)), byte(g.r.IntN(256))}).String()
	case 2:
		var b [16]byte
		b[0], b[1] = 0x20, 0x01
		b[2], b[3] = 0x0d, 0xb8
		for i := 4; i < 16; i++ {
			if g.r.IntN(3) > 0 {
				b[i] = byte(g.r.IntN(256))
			}
		}
		return netip.AddrFrom16(b).String()
	default:
		return g.pick("fe80::", "2001:db8::", "::ffff:") + strconv.FormatUint(uint64(g.r.IntN(0xffff)+1), 16)
	}
}

func (g *gen) badIP() string {
	a, b, c := g.num(1, 255, 0), g.num(0, 255, 0), g.num(0, 255, 0)
	switch g.r.IntN(7) {
	case 0:
		return g.num(256, 999, 0) + "." + a + "." + b + "." + c
	case 1:
		return a + "." + b + "." + c
	case 2:
		return a + "." + b + "." + c + "." + g.num(0, 255, 0) + "." + g.num(0, 255, 0)
	case 3:
		return "0" + g.num(1, 99, 0) + "." + a + "." + b + "." + c
	case 4:
		return "2001:db8::" + g.digits(1) + "::" + g.digits(2)
	case 5:
		return g.digits(5) + "::" + g.digits(1)
	default:
		return a + "." + b + "." + c + "." + g.num(256, 999, 0)
	}
}

func (g *gen) ssnParts() (string, string, string) {
	area := g.num(1, 899, 3)
	if area == "666" {
		area = "667"
	}
	return area, g.num(1, 99, 2), g.num(1, 9999, 4)
}

func (g *gen) ssn() string {
	a, gr, s := g.ssnParts()
	sep := g.pick("-", "-", " ")
	return a + sep + gr + sep + s
}

func (g *gen) badSSN() string {
	a, gr, s := g.ssnParts()
	switch g.r.IntN(5) {
	case 0:
		a = "000"
	case 1:
		a = "666"
	case 2:
		a = g.num(900, 999, 3)
	case 3:
		gr = "00"
	default:
		s = "0000"
	}
	return a + "-" + gr + "-" + s
}

const (
	ninoFirst  = "ABCEGHJKLMNOPRSTWXYZ"
	ninoSecond = "ABCEGHJKLMNPRSTWXYZ"
)

func (g *gen) ninoPrefix() string {
	for {
		p := g.letters(1, ninoFirst) + g.letters(1, ninoSecond)
		switch p {
		case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
			continue
		}
		return p
	}
}

func (g *gen) formatNINO(p, d, suffix string) string {
	if g.r.IntN(2) == 0 {
		return p + " " + d[:2] + " " + d[2:4] + " " + d[4:] + " " + suffix
	}
	return p + d + suffix
}

func (g *gen) nino() string {
	return g.formatNINO(g.ninoPrefix(), g.digits(6), g.letters(1, "ABCD"))
}

func (g *gen) badNINO() string {
	p, suffix := g.ninoPrefix(), g.letters(1, "ABCD")
	switch g.r.IntN(4) {
	case 0:
		p = g.pick("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")
	case 1:
		p = g.letters(1, "DFIQUV") + g.letters(1, ninoSecond)
	case 2:
		p = g.letters(1, ninoFirst) + g.letters(1, "DFIOQUV")
	default:
		suffix = g.letters(1, "EFGHJKXYZ")
	}
	return g.formatNINO(p, g.digits(6), suffix)
}

func (g *gen) macBytes() [6]byte {
	var b [6]byte
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	return b
}

func (g *gen) mac() string {
	b := g.macBytes()
	h := fmt.Sprintf("%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5])
	if g.r.IntN(2) == 0 {
		h = strings.ToUpper(h)
	}
	switch g.r.IntN(3) {
	case 0:
		return h[0:4] + "." + h[4:8] + "." + h[8:12]
	default:
		sep := g.pick(":", "-")
		return h[0:2] + sep + h[2:4] + sep + h[4:6] + sep + h[6:8] + sep + h[8:10] + sep + h[10:12]
	}
}

func (g *gen) badMAC() string {
	b := g.macBytes()
	h := fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5])
	switch g.r.IntN(4) {
	case 0:
		return h[:14] // five pairs
	case 1:
		return h[:3] + "g" + h[4:]
	case 2:
		return h[:5] + "-" + h[6:] // mixed separators
	default:
		return strings.ReplaceAll(h, ":", "") // no separators
	}
}

// phoneLookalike returns values with phone-like digits that are not phone
// numbers: dates, timestamps, order numbers, plain integers, decimals,
// versions.
func (g *gen) phoneLookalike() string {
	y, m, d := g.num(1990, 2030, 4), g.num(1, 12, 2), g.num(1, 28, 2)
	switch g.r.IntN(12) {
	case 0:
		return y + "-" + m + "-" + d
	case 1:
		return d + "." + m + "." + y
	case 2:
		return m + "/" + d + "/" + y
	case 3:
		return y + "/" + m + "/" + d
	case 4:
		return y + "-" + m + "-" + d + "T" + g.num(0, 23, 2) + ":" + g.num(0, 59, 2) + ":" + g.num(0, 59, 2) + "Z"
	case 5:
		return y + "-" + m + "-" + d + " " + g.num(0, 23, 2) + ":" + g.num(0, 59, 2)
	case 6:
		return g.pick("ORD-", "INV-", "PO-", "SKU-") + g.digits(6+g.r.IntN(4))
	case 7:
		return g.num(1, 9, 1) + g.digits(5+g.r.IntN(6)) // plain integers, 6-11 digits
	case 8:
		return g.num(1, 99999, 0) + "." + g.digits(2)
	case 9:
		return g.num(0, 20, 0) + "." + g.num(0, 30, 0) + "." + g.num(0, 200, 0)
	case 10:
		return "INV-" + y + "-" + g.digits(6)
	default:
		return d + "-" + m + "-" + y
	}
}

func (g *gen) badEmail() string {
	f, l := g.pick(firstNames...), g.pick(lastNames...)
	switch g.r.IntN(10) {
	case 0:
		return f + "@" + l
	case 1:
		return f + "@@" + l + ".com"
	case 2:
		return f + " " + l + "@example.com"
	case 3:
		return "." + f + "@example.com"
	case 4:
		return f + ".." + l + "@example.com"
	case 5:
		return f + "@example..com"
	case 6:
		return f + "@-example.com"
	case 7:
		return "@example.com"
	case 8:
		return f + "." + l + "@"
	default:
		return f + "@example.c"
	}
}

var words = []string{"shipped", "pending", "Berlin", "blue", "order", "refund", "customer",
	"N/A", "null", "-", "yes", "unknown", "London", "premium", "2x", "a@", "@", "+", "TBD"}

func (g *gen) word() string {
	switch g.r.IntN(4) {
	case 0:
		return g.pick(words...) + " " + g.pick(words...)
	case 1: // a UUID
		return g.letters(8, "0123456789abcdef") + "-" + g.letters(4, "0123456789abcdef") + "-4" +
			g.letters(3, "0123456789abcdef") + "-a" + g.letters(3, "0123456789abcdef") + "-" + g.letters(12, "0123456789abcdef")
	case 2:
		return g.letters(3+g.r.IntN(8), lower)
	}
	return g.pick(words...)
}

// Score is how well one detector does on a labelled corpus.
type Score struct {
	Kind string
	// TP counts values of the kind it recognised, FP values of another
	// kind or none it recognised, FN values of the kind it missed.
	TP, FP, FN int
}

// Precision is TP / (TP + FP), 1 when the detector recognised nothing.
func (s Score) Precision() float64 {
	if s.TP+s.FP == 0 {
		return 1
	}
	return float64(s.TP) / float64(s.TP+s.FP)
}

// Recall is TP / (TP + FN), 1 when the corpus holds no value of the kind.
func (s Score) Recall() float64 {
	if s.TP+s.FN == 0 {
		return 1
	}
	return float64(s.TP) / float64(s.TP+s.FN)
}

// Evaluate scores each detector on a labelled corpus.
func Evaluate(detectors []Detector, corpus []Labeled) []Score {
	scores := make([]Score, len(detectors))
	for i, d := range detectors {
		s := Score{Kind: d.Kind}
		for _, v := range corpus {
			hit := d.Func(v.Value)
			switch {
			case hit && v.Kind == d.Kind:
				s.TP++
			case hit:
				s.FP++
			case v.Kind == d.Kind:
				s.FN++
			}
		}
		scores[i] = s
	}
	return scores
}

// WriteScores writes scores as a Markdown table.
func WriteScores(w io.Writer, scores []Score) error {
	var b strings.Builder
	b.WriteString("| detector | TP | FP | FN | precision | recall |\n|---|---:|---:|---:|---:|---:|\n")
	for _, s := range scores {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %.4f | %.4f |\n", s.Kind, s.TP, s.FP, s.FN, s.Precision(), s.Recall())
	}
	_, err := io.WriteString(w, b.String())
	return err
}
