// Package textsafe makes untrusted text safe to show on a terminal, in a
// log line or in a plain-text report.
//
// Names, owners, keys and messages come from rule files, data files,
// lineage files and remote servers. Printed raw, an owner of
// "a\x1b[2J\nGate: PASS" clears the screen and prints a fake verdict, and a
// right-to-left override reorders what a reader sees. Every such text goes
// through Escape before it reaches a terminal, a log or a text report.
//
// Escape replaces, and only replaces:
//
//   - C0 control characters (U+0000–U+001F): \n, \r, \t as those two-character
//     escapes, the others as \xNN (ESC is \x1b);
//   - DEL (U+007F) as \x7f and C1 control characters (U+0080–U+009F) as \u0080…;
//   - the Unicode bidirectional controls (U+061C, U+200E, U+200F,
//     U+202A–U+202E, U+2066–U+2069) and the line and paragraph separators
//     (U+2028, U+2029) as \uXXXX;
//   - bytes that are not valid UTF-8 as \xNN.
//
// Everything else, backslashes included, is kept as it is: the result is for
// people to read, not a reversible encoding. Text that needs no escaping is
// returned unchanged without allocating.
package textsafe

import (
	"strings"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// Escape returns s with control characters, bidi controls and invalid UTF-8
// escaped, so that it prints as one line that cannot move the cursor, change
// colours or reorder text.
func Escape(s string) string { return escape(s, false) }

// EscapeLines is Escape but keeps line feeds: for text whose lines are its
// structure (a usage text, every problem of a rule file), each line escaped.
func EscapeLines(s string) string { return escape(s, true) }

// Safe reports whether Escape(s) == s.
func Safe(s string) bool { return firstUnsafe(s, false) < 0 }

func escape(s string, keepLF bool) string {
	i := firstUnsafe(s, keepLF)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			writeByte(&b, s[i])
			i++
			continue
		}
		if unsafeRune(r, keepLF) {
			writeRune(&b, r)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstUnsafe returns the byte offset of the first character to escape, or
// -1.
func firstUnsafe(s string, keepLF bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && (c != '\n' || !keepLF) || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 || unsafeRune(r, keepLF) {
			return i
		}
		i += size
	}
	return -1
}

func unsafeRune(r rune, keepLF bool) bool {
	switch {
	case r == '\n':
		return !keepLF
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e,
		r >= 0x2066 && r <= 0x2069, r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

func writeRune(b *strings.Builder, r rune) {
	switch r {
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	default:
		if r < 0x80 {
			writeByte(b, byte(r))
			return
		}
		b.WriteString(`\u`)
		for shift := 12; shift >= 0; shift -= 4 {
			b.WriteByte(hexDigits[(r>>shift)&0xf])
		}
	}
}

func writeByte(b *strings.Builder, c byte) {
	b.WriteString(`\x`)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0xf])
}
