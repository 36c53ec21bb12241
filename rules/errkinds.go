package rules

import (
	"slices"
	"strings"
)

// Error kinds of row rules and dataset checks.
//
// An evaluation error is counted under its kind: what went wrong, never the
// value it went wrong on. cel-go's messages quote the offending value
// (`invalid RFC 3339 timestamp "alice@example.com"`); a kind is the bounded
// text before it (`invalid timestamp`), so a report, a trace or a history
// store never carries the data of a failing row through its error kinds,
// and a million distinct bad values make one kind, not a million.
const (
	// MaxErrorKinds is the number of distinct error kinds a rule keeps;
	// further kinds are counted under OtherErrorKind.
	MaxErrorKinds = 16
	// OtherErrorKind counts the errors of kinds beyond MaxErrorKinds.
	OtherErrorKind = "other"
	// maxKindLen bounds the length of a kind taken from an unknown message.
	maxKindLen = 48
)

// errorKinds maps the start of a known cel-go or Sluice error message to
// its kind. The first match wins: longer prefixes come first where two
// share a start.
var errorKinds = []struct{ prefix, kind string }{
	{"invalid RFC 3339 timestamp", "invalid timestamp"},
	{"timezone offset", "invalid time zone"},
	{"unknown time zone", "invalid time zone"},
	{"time: invalid duration", "invalid duration"},
	{"time: unknown unit", "invalid duration"},
	{"time: missing unit", "invalid duration"},
	{"time: invalid", "invalid duration"},
	{"no such key", "no such key"},
	{"key missing from map", "no such key"},
	{"could not find key", "no such key"},
	{"no such field", "no such field"},
	{"no such overload", "no such overload"},
	{"division by zero", "division by zero"},
	{"modulus by zero", "modulus by zero"},
	{"unsigned integer overflow", "unsigned integer overflow"},
	{"integer overflow", "integer overflow"},
	{"double overflow", "double overflow"},
	{"timestamp overflow", "timestamp overflow"},
	{"duration overflow", "duration overflow"},
	{"error parsing regexp", "regex: invalid input"},
	{"regex program size", "regex: program too large"},
	{"could not convert", "invalid conversion"},
	{"couldn't convert", "invalid conversion"},
	{"cannot convert", "invalid conversion"},
	{"type conversion error", "type conversion error"},
	{"unsupported type conversion", "type conversion error"},
	{"invalid UTF-8", "invalid UTF-8"},
	{"index out of range", "index out of range"},
	{"index '", "index out of range"},
	{"invalid substring range", "index out of range"},
	{"cannot slice", "index out of range"},
	{"NaN values cannot be ordered", "NaN values cannot be ordered"},
	{"IP Address", "invalid IP address"},
	{"IP address", "invalid IP address"},
	{"IPv4-mapped IPv6 address", "invalid IP address"},
	{"CIDR", "invalid CIDR"},
	{"invalid replacement string", "invalid replacement string"},
	{"replacement string references group", "invalid replacement string"},
	{"optional.none() dereference", "optional.none() dereference"},
	{"operation cancelled: actual cost limit exceeded", "cost limit exceeded"},
	{"actual cost limit exceeded", "cost limit exceeded"},
	{"operation cancelled", "cancelled"},
	{"operation interrupted", "cancelled"},
	{"cancelled", "cancelled"},
	{"invalid json", "invalid json"},
	{"internal error", "internal error"},
}

// ErrorKind returns the kind an evaluation error message counts under: a
// short, value-free text such as "invalid timestamp", "division by zero",
// "no such key" or "regex: invalid input". A message of no known form is
// cut before its first quote, digit, colon or other sign that a value
// follows; what remains is at most a few words (or "evaluation error").
func ErrorKind(msg string) string {
	msg = strings.TrimSpace(msg)
	for _, k := range errorKinds {
		if strings.HasPrefix(msg, k.prefix) {
			return k.kind
		}
	}
	// Messages wrapped by a function name ("join: invalid input: …") keep
	// the function name only.
	end := len(msg)
	for i, r := range msg {
		if !kindRune(r) {
			end = i
			break
		}
	}
	kind := strings.TrimSpace(msg[:end])
	// A long run of words is as likely to be data as a message: keep the
	// first few.
	if words := strings.Fields(kind); len(words) > 4 {
		kind = strings.Join(words[:4], " ")
	}
	if len(kind) > maxKindLen {
		kind = strings.TrimSpace(kind[:maxKindLen])
	}
	kind = strings.TrimRight(kind, ".- ")
	if kind == "" {
		return "evaluation error"
	}
	return kind
}

// kindRune reports whether r may be part of a kind cut from a message of
// unknown form: letters, spaces and a few word joiners.
func kindRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == ' ' || r == '_' || r == '-' || r == '.'
}

// AddErrorKind adds n errors of kind to kinds, keeping at most
// MaxErrorKinds distinct kinds: a new kind beyond them is counted under
// OtherErrorKind. kinds must not be nil.
func AddErrorKind(kinds map[string]int64, kind string, n int64) {
	if _, ok := kinds[kind]; ok || kind == OtherErrorKind {
		kinds[kind] += n
		return
	}
	distinct := len(kinds)
	if _, ok := kinds[OtherErrorKind]; ok {
		distinct--
	}
	if distinct >= MaxErrorKinds {
		kind = OtherErrorKind
	}
	kinds[kind] += n
}

// MergeErrorKinds adds every kind of src to dst (not nil) under the cap of
// AddErrorKind, in a stable order of src's kinds so the result does not
// depend on map iteration.
func MergeErrorKinds(dst, src map[string]int64) {
	if len(src) == 0 {
		return
	}
	keys := make([]string, 0, len(src))
	for k := range src {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		AddErrorKind(dst, k, src[k])
	}
}

// KnownErrorKind reports whether kind is one ErrorKind gives for a message
// of a known form (or OtherErrorKind): a kind that cannot carry a value.
// A kind cut from an unknown message may, in rare cases, hold a word of
// data; a caller that must be sure replaces it.
func KnownErrorKind(kind string) bool {
	if kind == OtherErrorKind || kind == "evaluation error" {
		return true
	}
	for _, k := range errorKinds {
		if k.kind == kind {
			return true
		}
	}
	return false
}
