package quality

// Masking of personal data in Arrow columns: pseudonymisation with a keyed
// HMAC, redaction, truncation and generalisation.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// MaskKind is a way of masking values.
type MaskKind string

const (
	// MaskHMAC replaces a string with the hex HMAC-SHA256 of it under
	// Mask.Key: equal values stay equal (joins and counts still work),
	// the value cannot be recovered without the key.
	MaskHMAC MaskKind = "hmac"
	// MaskRedact replaces a string with Redacted; values of other types
	// become null.
	MaskRedact MaskKind = "redact"
	// MaskNull replaces every value with null.
	MaskNull MaskKind = "null"
	// MaskTruncate keeps the first Mask.N characters of a string.
	MaskTruncate MaskKind = "truncate"
	// MaskGeneralize coarsens a value: an IPv4 address to its /24
	// ("203.0.113.0/24"), an IPv6 address to its /48, a date or timestamp
	// (or a string holding one) to the first of its month. A string that is
	// none of these is redacted.
	MaskGeneralize MaskKind = "generalize"
)

// Mask says how to mask a column.
type Mask struct {
	Kind MaskKind
	// N is the number of characters MaskTruncate keeps.
	N int
	// Key is the HMAC key of MaskHMAC, supplied by the caller (KeyFromEnv,
	// KeyFromFile). It is never printed: String and errors omit it.
	Key []byte
}

// String returns the mask as ParseMask reads it, without the key.
func (m Mask) String() string {
	if m.Kind == MaskTruncate {
		return "truncate:" + strconv.Itoa(m.N)
	}
	return string(m.Kind)
}

// ErrMask is wrapped by errors about a mask that cannot be applied: an
// unknown kind, a missing key, a column type the mask does not support.
var ErrMask = errors.New("mask")

// ParseMask reads "hmac", "redact", "null", "truncate:N" (N ≥ 0) or
// "generalize". The key of an hmac mask is set by the caller.
func ParseMask(s string) (Mask, error) {
	switch s {
	case "hmac":
		return Mask{Kind: MaskHMAC}, nil
	case "redact":
		return Mask{Kind: MaskRedact}, nil
	case "null":
		return Mask{Kind: MaskNull}, nil
	case "generalize":
		return Mask{Kind: MaskGeneralize}, nil
	}
	if n, ok := strings.CutPrefix(s, "truncate:"); ok {
		k, err := strconv.Atoi(n)
		if err != nil || k < 0 {
			return Mask{}, fmt.Errorf("%w: %q: truncate:N needs a number N >= 0", ErrMask, s)
		}
		return Mask{Kind: MaskTruncate, N: k}, nil
	}
	return Mask{}, fmt.Errorf("%w: unknown mask %q (known: hmac, redact, null, truncate:N, generalize)", ErrMask, s)
}

// minKeyLen is the shortest HMAC key accepted, in bytes.
const minKeyLen = 16

// KeyFromEnv returns the HMAC key held by the environment variable name.
// The key is never part of an error.
func KeyFromEnv(name string) ([]byte, error) {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return nil, fmt.Errorf("%w: hmac key: environment variable %s is not set", ErrMask, name)
	}
	if len(v) < minKeyLen {
		return nil, fmt.Errorf("%w: hmac key in %s: shorter than %d bytes", ErrMask, name, minKeyLen)
	}
	return []byte(v), nil
}

// KeyFromFile returns the HMAC key stored in the file at path, without a
// trailing newline. The key is never part of an error.
func KeyFromFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: hmac key: %w", ErrMask, err)
	}
	b = []byte(strings.TrimRight(string(b), "\r\n"))
	if len(b) < minKeyLen {
		return nil, fmt.Errorf("%w: hmac key in %s: shorter than %d bytes", ErrMask, path, minKeyLen)
	}
	return b, nil
}

// MaskColumn returns a masked copy of arr, allocated from mem; the caller
// releases it, and arr stays the caller's. Nulls stay null. String columns
// (string, large_string) take every mask; a dictionary of strings is
// masked once per dictionary entry and keeps its indices; dates and
// timestamps take generalize, redact and null; other types take null only
// (and redact, which nulls them).
func MaskColumn(mem memory.Allocator, arr arrow.Array, m Mask) (arrow.Array, error) {
	switch m.Kind {
	case MaskHMAC:
		if len(m.Key) == 0 {
			return nil, fmt.Errorf("%w: hmac needs a key", ErrMask)
		}
	case MaskRedact, MaskNull, MaskGeneralize:
	case MaskTruncate:
		if m.N < 0 {
			return nil, fmt.Errorf("%w: truncate:%d: N must be >= 0", ErrMask, m.N)
		}
	default:
		return nil, fmt.Errorf("%w: unknown mask %q", ErrMask, m.Kind)
	}
	dt := arr.DataType()
	if m.Kind == MaskNull {
		return array.MakeArrayOfNull(mem, dt, arr.Len()), nil
	}
	switch a := arr.(type) {
	case *array.String, *array.LargeString:
		return maskStrings(mem, a.(array.StringLike), m)
	case *array.Dictionary:
		if _, ok := a.Dictionary().(array.StringLike); !ok || a.Dictionary().DataType().ID() == arrow.STRING_VIEW {
			break
		}
		dict, err := maskStrings(mem, a.Dictionary().(array.StringLike), m)
		if err != nil {
			return nil, err
		}
		defer dict.Release()
		return array.NewDictionaryArray(dt, a.Indices(), dict), nil
	case *array.Date32, *array.Date64, *array.Timestamp:
		switch m.Kind {
		case MaskRedact:
			return array.MakeArrayOfNull(mem, dt, arr.Len()), nil
		case MaskGeneralize:
			return generalizeTimes(mem, arr)
		}
	default:
		if m.Kind == MaskRedact {
			return array.MakeArrayOfNull(mem, dt, arr.Len()), nil
		}
	}
	return nil, fmt.Errorf("%w: %s cannot mask a column of type %s", ErrMask, m, dt)
}

// maskStrings masks a string or large string array value by value into a
// builder of the same type.
func maskStrings(mem memory.Allocator, a array.StringLike, m Mask) (arrow.Array, error) {
	b := array.NewBuilder(mem, a.DataType()).(array.StringLikeBuilder)
	defer b.Release()
	n := a.Len()
	b.Reserve(n)
	var mac hashState
	switch m.Kind {
	case MaskHMAC:
		b.ReserveData(n * sha256.Size * 2)
		mac = newHashState(m.Key)
	case MaskRedact:
		b.ReserveData(n * len(Redacted))
	default:
		b.ReserveData(n * 8)
	}
	var scratch []byte
	for i := range n {
		if a.IsNull(i) {
			b.AppendNull()
			continue
		}
		v := a.Value(i)
		switch m.Kind {
		case MaskHMAC:
			b.Append(mac.sum(v))
		case MaskRedact:
			b.Append(Redacted)
		case MaskTruncate:
			b.Append(truncateRunes(v, m.N))
		case MaskGeneralize:
			scratch = generalizeString(scratch[:0], v)
			b.Append(unsafe.String(unsafe.SliceData(scratch), len(scratch)))
		}
	}
	return b.NewArray(), nil
}

// hashState computes hex HMACs without allocating per value.
type hashState struct {
	mac hash.Hash
	buf []byte
	hex []byte
}

func newHashState(key []byte) hashState {
	return hashState{
		mac: hmac.New(sha256.New, key),
		buf: make([]byte, 0, sha256.Size),
		hex: make([]byte, sha256.Size*2),
	}
}

// sum returns the hex HMAC of v; the result is valid until the next call.
func (s *hashState) sum(v string) string {
	s.mac.Reset()
	s.mac.Write(unsafe.Slice(unsafe.StringData(v), len(v)))
	s.buf = s.mac.Sum(s.buf[:0])
	hex.Encode(s.hex, s.buf)
	return unsafe.String(unsafe.SliceData(s.hex), len(s.hex))
}

// truncateRunes returns the first n characters of v (bytes of invalid
// UTF-8 count as one character each).
func truncateRunes(v string, n int) string {
	if len(v) <= n {
		return v
	}
	i := 0
	for k := 0; k < n && i < len(v); k++ {
		_, size := utf8.DecodeRuneInString(v[i:])
		i += size
	}
	return v[:i]
}

// generalizeString appends the generalisation of v to dst: the network of
// an IP address (/24 for IPv4, /48 for IPv6), the first of the month of a
// date or timestamp as a date, or "[redacted]".
func generalizeString(dst []byte, v string) []byte {
	s := strings.TrimSpace(v)
	if ip, err := netip.ParseAddr(s); err == nil {
		bits := 48
		if ip.Is4() {
			bits = 24
		}
		p, _ := ip.WithZone("").Prefix(bits)
		return p.AppendTo(dst)
	}
	for _, layout := range dateLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return append(append(dst, s[:8]...), "01"...) // 2006-01-01
		}
	}
	return append(dst, Redacted...)
}

// dateLayouts are the forms of dates and timestamps generalize recognises
// in strings. Each starts with 2006-01-.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", time.DateOnly}

// generalizeTimes moves dates and timestamps to the first of their month,
// at midnight in the timestamp's time zone (UTC when it has none).
func generalizeTimes(mem memory.Allocator, arr arrow.Array) (arrow.Array, error) {
	n := arr.Len()
	b := array.NewBuilder(mem, arr.DataType())
	defer b.Release()
	b.Reserve(n)
	first := func(t time.Time) time.Time {
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
	}
	switch a := arr.(type) {
	case *array.Date32:
		db := b.(*array.Date32Builder)
		for i := range n {
			if a.IsNull(i) {
				db.AppendNull()
				continue
			}
			db.Append(arrow.Date32FromTime(first(a.Value(i).ToTime())))
		}
	case *array.Date64:
		db := b.(*array.Date64Builder)
		for i := range n {
			if a.IsNull(i) {
				db.AppendNull()
				continue
			}
			db.Append(arrow.Date64FromTime(first(a.Value(i).ToTime())))
		}
	case *array.Timestamp:
		tt := a.DataType().(*arrow.TimestampType)
		loc := time.UTC
		if tt.TimeZone != "" {
			l, err := tt.GetZone()
			if err != nil {
				return nil, fmt.Errorf("%w: generalize: %w", ErrMask, err)
			}
			if l != nil {
				loc = l
			}
		}
		tb := b.(*array.TimestampBuilder)
		for i := range n {
			if a.IsNull(i) {
				tb.AppendNull()
				continue
			}
			t := first(a.Value(i).ToTime(tt.Unit).In(loc))
			v, err := arrow.TimestampFromTime(t, tt.Unit)
			if err != nil {
				return nil, fmt.Errorf("%w: generalize: %w", ErrMask, err)
			}
			tb.Append(v)
		}
	}
	return b.NewArray(), nil
}
