package pii

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDetectors(t *testing.T) {
	tests := []struct {
		name string
		f    func(string) bool
		yes  []string
		no   []string
	}{
		{
			name: "email", f: IsEmail,
			yes: []string{"a.b@example.com", "customer39@example.com", "x+tag@mail.example.net",
				"O'Neil@example.ie", "user@xn--bcher-kva.example", " padded@example.org "},
			no: []string{"", "a@b", "a@b.c", "a@@b.com", "a b@c.com", ".a@b.com", "a.@b.com", "a..b@c.com",
				"a@b..com", "a@-b.com", "a@b-.com", "@b.com", "a@", "a@b.c0m", "plain", "a@b@c.com",
				strings.Repeat("x", 65) + "@example.com"},
		},
		{
			name: "phone", f: IsPhone,
			yes: []string{"(212) 555-0123", "212-555-0123", "212.555.0123", "+1 212 555 0123",
				"1-212-555-0123", "+12125550123", "+49 30 901820", "0161 496 0000", "+44 20 7946 0958",
				"+44 (0)20 7946 0958", "020 7946 0958", "030 901820", "030/1234567", "0049 89 1234567",
				"01 23 45 67 89", "07700 900123"},
			no: []string{"2024-01-15", "15.01.2024", "01/15/2024", "2024-01-15T10:20:30Z", "2024-01-15 10:20",
				"ORD-123456", "4915112345678", "2125550123", "192.168.1.1", "10.0.0.255", "192.168.100.100",
				"3.14159", "0.123456789", "1.2.3", "(212 555-0123", "212--555-0123", "-212-555-0123",
				"212-555-0123-", "112-555-0123", "078-05-1120", "4111 1111 1111 1111", "+0 123 456 789",
				"01-02-03", "123-456"},
		},
		{
			name: "credit card", f: IsCreditCard,
			yes: []string{"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "5500 0000 0000 0004",
				"3400 000000 00009", "378282246310005", "6011111111111117", "3530111333300000",
				"30569309025904", "2223000048400011", "6200000000000005"},
			no: []string{"4111111111111112", "1234567812345670", "4111  1111 1111 1111", "4111 1111 1111 111",
				"9111111111111111", "41111111111111111111", "4111-1111-1111-111x", "", "-4111111111111111"},
		},
		{
			name: "iban", f: IsIBAN,
			yes: []string{"DE89370400440532013000", "DE89 3704 0044 0532 0130 00", "GB29NWBK60161331926819",
				"gb29NWBK60161331926819", "FR1420041010050500013M02606", "NO9386011117947", "CH9300762011623852957"},
			no: []string{"DE89370400440532013001", "DE8937040044053201300", "XX89370400440532013000",
				"DE89 3704  0044 0532 0130 00", "GB29NWBK6016133192681!", "DEAB370400440532013000", "DE89"},
		},
		{
			name: "ip", f: IsIP,
			yes: []string{"192.168.1.1", "8.8.8.8", "2001:db8::1", "::1", "fe80::1%eth0", "::ffff:192.0.2.1"},
			no:  []string{"256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "2001:db8::1::2", "hello", "1.2.3.x", ""},
		},
		{
			name: "us ssn", f: IsUSSSN,
			yes: []string{"123-45-6789", "078-05-1120", "899 99 9999", "665-01-0001"},
			no: []string{"000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456", "123-00-4567", "123-45-0000",
				"123456789", "123-45 6789", "12-345-6789", "abc-de-fghi"},
		},
		{
			name: "uk nino", f: IsUKNINO,
			yes: []string{"AB123456C", "AB 12 34 56 C", "ce123456d", "ZY123456A"},
			no: []string{"BG123456A", "GB123456A", "NK123456A", "TN123456A", "ZZ123456A", "DA123456A", "AO123456A",
				"AB123456E", "AB12345C", "AB1234567C", "A B123456C", "AB  12 34 56 C"},
		},
		{
			name: "mac", f: IsMAC,
			yes: []string{"00:1a:2b:3c:4d:5e", "00-1A-2B-3C-4D-5E", "001a.2b3c.4d5e"},
			no:  []string{"00:1a:2b:3c:4d", "00:1a:2b:3c:4d:5g", "00:1a-2b:3c:4d:5e", "001a2b3c4d5e", "00:1a:2b:3c:4d:5e:6f"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range tt.yes {
				assert.True(t, tt.f(v), "should recognise %q", v)
			}
			for _, v := range tt.no {
				assert.False(t, tt.f(v), "should reject %q", v)
			}
		})
	}
}

func TestDetectorsDoNotAllocate(t *testing.T) {
	values := []string{"customer39@example.com", "+44 20 7946 0958", "4111 1111 1111 1111",
		"DE89 3704 0044 0532 0130 00", "2001:db8::1", "192.168.1.1", "123-45-6789", "AB 12 34 56 C",
		"00:1a:2b:3c:4d:5e", "2024-01-15"}
	for _, d := range Builtin {
		allocs := testing.AllocsPerRun(10, func() {
			for _, v := range values {
				d.Func(v)
			}
		})
		assert.Zero(t, allocs, d.Kind)
	}
}

func TestBuiltinAndLookup(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Builtin {
		assert.False(t, seen[d.Kind], "duplicate kind %s", d.Kind)
		seen[d.Kind] = true
		assert.NotNil(t, d.Func)
		assert.NotEmpty(t, d.Doc)
		assert.NotEmpty(t, d.Label)
		got, ok := Lookup(d.Kind)
		require.True(t, ok)
		assert.Equal(t, d.Kind, got.Kind)
	}
	_, ok := Lookup("passport")
	assert.False(t, ok)
}

func TestNewRegexDetector(t *testing.T) {
	d, err := NewRegexDetector("employee_id", `E-\d{6}`)
	require.NoError(t, err)
	assert.Equal(t, "employee_id", d.Kind)
	assert.True(t, d.Func("E-123456"))
	assert.False(t, d.Func("xE-123456"), "anchored at the start")
	assert.False(t, d.Func("E-1234567"), "anchored at the end")

	_, err = NewRegexDetector("bad", `(`)
	assert.ErrorContains(t, err, `pii: regex detector "bad"`)
	_, err = NewRegexDetector("", `x`)
	assert.Error(t, err)
}

func TestCorpusPrecisionRecall(t *testing.T) {
	corpus := Corpus(1)
	assert.Equal(t, corpus, Corpus(1), "deterministic")
	assert.NotEqual(t, corpus, Corpus(2))

	scores := Evaluate(Builtin, corpus)
	var b strings.Builder
	require.NoError(t, WriteScores(&b, scores))
	t.Logf("corpus of %d values (seed 1):\n%s", len(corpus), b.String())
	for _, s := range scores {
		assert.GreaterOrEqual(t, s.Precision(), 0.99, "precision of %s", s.Kind)
		assert.GreaterOrEqual(t, s.Recall(), 0.95, "recall of %s", s.Kind)
	}
	// Show what each detector gets wrong, to make a regression easy to read.
	for _, d := range Builtin {
		var fp, fn []string
		for _, v := range corpus {
			hit := d.Func(v.Value)
			if hit && v.Kind != d.Kind && len(fp) < 5 {
				fp = append(fp, v.Value+" ("+v.Kind+")")
			}
			if !hit && v.Kind == d.Kind && len(fn) < 5 {
				fn = append(fn, v.Value)
			}
		}
		if len(fp)+len(fn) > 0 {
			t.Logf("%s: false positives %q, false negatives %q", d.Kind, fp, fn)
		}
	}
}

// sameAsNetip checks IsIP against net/netip.ParseAddr.
func sameAsNetip(t *testing.T, s string) {
	t.Helper()
	v := trim(s)
	if len(v) > 64 {
		return
	}
	_, err := netip.ParseAddr(v)
	assert.Equal(t, err == nil, IsIP(s), "IsIP(%q), netip says %v", s, err)
}

func TestIsIPAgreesWithNetip(t *testing.T) {
	extra := []string{"::", ":::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::",
		"::1:2:3:4:5:6:7", "1::2::3", "::ffff:1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4",
		"1.2.3.4::", "fe80::1%", "fe80::1%eth0", "1.2.3.4%eth0", "12345::", "0.0.0.0", "00.1.2.3",
		"1:2:3:4:5:6:7:", ":1:2:3:4:5:6:7", "a::b:1.2.3", "::1.2.3.4"}
	for _, s := range extra {
		sameAsNetip(t, s)
	}
	for _, v := range Corpus(4) {
		sameAsNetip(t, v.Value)
	}
}

func FuzzDetectors(f *testing.F) {
	for _, v := range Corpus(3)[:200] {
		f.Add(v.Value)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, d := range Builtin {
			d.Func(s) // must not panic
		}
		sameAsNetip(t, s)
	})
}
