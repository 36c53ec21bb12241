package quality

// The one redaction point: every value that leaves Sluice and may carry
// data of a row passes a Redactor.

import (
	"slices"
	"strings"

	"github.com/sluicedata/sluice/rules"
	"github.com/sluicedata/sluice/rules/metrics"
	"github.com/sluicedata/sluice/rules/pii"
)

// Redactor decides what of a column's values may be shown or stored. It
// knows the rule file's tags, the masks and the privacy detectors:
//
//   - a value of a sensitive column — one tagged pii.* or gdpr.*, or
//     masked — is shown as Redacted;
//   - a string value that a built-in detector or a detector of the rule
//     file recognises (an e-mail address, a phone number, …) is shown as
//     Redacted whatever its column;
//   - history keeps the value-bearing metrics of a sensitive column
//     (min, max, most_common, …) and their states only in their hmac'd
//     form, when the column has an hmac mask with a key; otherwise only
//     its counts.
//
// Samples, metric values of rule results, lineage facets, span events,
// error messages of connectors (through Func) and the history store all
// pass it. A Redactor is immutable and safe for concurrent use; the zero
// value and nil redact nothing but detected personal values.
type Redactor struct {
	tags      map[string][]string // physical column → rule file tags
	masks     map[string]Mask
	detectors []pii.Detector // built-ins, then the rule file's own
}

// NewRedactor returns the redactor of a rule set (nil: no tags) with masks
// (the masks given besides the rule file's, which they override; nil for
// none). A rule file mask that does not parse still makes its column
// sensitive. An hmac mask without a key redacts: history then keeps only
// counts of its column. It needs no Gate: a connector can redact its
// error messages before the gate exists.
func NewRedactor(rs *rules.RuleSet, masks map[string]Mask) *Redactor {
	r := &Redactor{tags: map[string][]string{}, masks: map[string]Mask{}}
	r.detectors = append(r.detectors, pii.Builtin...)
	if rs != nil {
		for _, c := range rs.Columns {
			if tags := rs.ColumnTags(c.Name); len(tags) > 0 {
				r.tags[c.Name] = slices.Clone(tags)
			}
			if c.Mask == "" {
				continue
			}
			m, err := ParseMask(c.Mask)
			if err != nil {
				m = Mask{Kind: MaskRedact}
			}
			r.masks[c.Name] = m
		}
		if rs.Privacy != nil {
			r.detectors = append(r.detectors, rs.Privacy.Detectors...)
		}
	}
	for c, m := range masks {
		r.masks[c] = m
	}
	return r
}

// WithMaskKey returns a copy of r whose hmac masks without a key use key.
func (r *Redactor) WithMaskKey(key []byte) *Redactor {
	if r == nil || len(key) == 0 {
		return r
	}
	out := *r
	out.masks = make(map[string]Mask, len(r.masks))
	for c, m := range r.masks {
		if m.Kind == MaskHMAC && len(m.Key) == 0 {
			m.Key = slices.Clone(key)
		}
		out.masks[c] = m
	}
	return &out
}

// Sensitive reports whether the values of column must never be shown: it
// carries a pii.* or gdpr.* tag, or is masked.
func (r *Redactor) Sensitive(column string) bool {
	if r == nil {
		return false
	}
	if _, ok := r.masks[column]; ok {
		return true
	}
	return sensitiveTags(r.tags[column])
}

func sensitiveTags(tags []string) bool {
	return slices.ContainsFunc(tags, func(t string) bool {
		return strings.HasPrefix(t, "pii.") || strings.HasPrefix(t, "gdpr.")
	})
}

// LooksPersonal reports whether a built-in detector or a detector of the
// rule file recognises v.
func (r *Redactor) LooksPersonal(v string) bool {
	detectors := pii.Builtin
	if r != nil {
		detectors = r.detectors
	}
	for _, d := range detectors {
		if d.Func != nil && d.Func(v) {
			return true
		}
	}
	return false
}

// String returns what may be shown of value, a value of column: Redacted
// when the column is sensitive or the value looks personal, else value.
func (r *Redactor) String(column, value string) string {
	if r.Sensitive(column) || r.LooksPersonal(value) {
		return Redacted
	}
	return value
}

// Value is String for a value of any type (a sample's cell): a sensitive
// column's value of any type becomes Redacted, a string that looks
// personal too; nil stays nil.
func (r *Redactor) Value(column string, v any) any {
	if v == nil {
		return nil
	}
	if r.Sensitive(column) {
		return Redacted
	}
	if s, ok := v.(string); ok && r.LooksPersonal(s) {
		return Redacted
	}
	return v
}

// Func returns String as a plain function, for the connectors: a parse
// error quotes a cell as f(column, raw text).
func (r *Redactor) Func() func(column, value string) string { return r.String }

// ErrorKind returns what a report shows of an error kind (rules.ErrorKind)
// of a rule over columns: the kind, unless a column is sensitive and the
// kind was cut from a message of unknown form, which might hold a word of
// its data; that is shown as "evaluation error".
func (r *Redactor) ErrorKind(columns []string, kind string) string {
	if rules.KnownErrorKind(kind) || !slices.ContainsFunc(columns, r.Sensitive) {
		return kind
	}
	return "evaluation error"
}

// hmacKey returns the key of column's hmac mask, or nil.
func (r *Redactor) hmacKey(column string) []byte {
	if r == nil {
		return nil
	}
	if m, ok := r.masks[column]; ok && m.Kind == MaskHMAC && len(m.Key) > 0 {
		return m.Key
	}
	return nil
}

// hmacString returns the hex HMAC-SHA256 of v under key, as the hmac mask
// writes it.
func hmacString(key []byte, v string) string {
	h := newHashState(key)
	return strings.Clone(h.sum(v))
}

// callNames reports whether the call text of a metric (as a
// check wrote it, "min(email)" or "min(row['E mail'])") names one of
// columns.
func callNames(call string, columns []string) bool {
	open := strings.IndexByte(call, '(')
	if open < 0 {
		return false
	}
	args := call[open:]
	for _, c := range columns {
		if containsName(args, c) {
			return true
		}
	}
	return false
}

// containsName reports whether name occurs in s as a whole identifier or
// quoted.
func containsName(s, name string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], name)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(name)
		before := j == 0 || !identByte(s[j-1])
		after := end >= len(s) || !identByte(s[end])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func identByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// Report redacts rep in place: the sample values of sensitive columns and
// of the columns in flagged (found by the detectors to hold personal
// data), and the metric values that carry values of them — a string, list
// or map value of a rule over such a column (min, max, most_common of an
// e-mail column), and a value-bearing number (min, max, sum, mean, …) whose
// call names such a column.
func (r *Redactor) Report(rep *Report, flagged map[string][]string) {
	hidden := func(c string) bool { return len(flagged[c]) > 0 || r.Sensitive(c) }
	for i := range rep.Rules {
		rr := &rep.Rules[i]
		for _, s := range rr.Samples {
			for c, v := range s.Values {
				if v == nil {
					continue
				}
				if hidden(c) {
					s.Values[c] = Redacted
				} else if str, ok := v.(string); ok && r.LooksPersonal(str) {
					s.Values[c] = Redacted
				}
			}
		}
		var cols []string
		for _, c := range rr.Columns {
			if hidden(c) {
				cols = append(cols, c)
			}
		}
		if len(cols) == 0 {
			continue
		}
		for k, v := range rr.Metrics {
			switch v.(type) {
			case nil:
			case string, []any, map[string]any:
				rr.Metrics[k] = Redacted
			default:
				if valueBearingCall(k) && (len(rr.Columns) == 1 || callNames(k, cols)) {
					rr.Metrics[k] = Redacted
				}
			}
		}
	}
}

// Recorded redacts what a history store is about to keep of a run, in
// place: for every metric over a sensitive column, a value-bearing value
// (min, max, most_common, …) is replaced by its hmac when the column has an
// hmac mask with a key, and left out otherwise; a state that keeps values
// (exact value sets, frequent items, extremes, moments, samples) keeps its
// members hmac'd where the state allows it with a key (value sets and
// frequent items of strings, so they still merge), and is left out
// otherwise. Counts (distinct_count's number, null counts, lengths) and
// the HyperLogLog registers of approx_distinct stay.
func (r *Redactor) Recorded(rec *rules.Recorded) { r.recorded(rec, nil) }

// MapStates turns, in the run's own live states, the members of the value
// sets and frequent items of every hmac-masked column into their hmac
// (rules.Run.MapStates), and returns the names of the metrics it mapped.
// A run that merges the stored states of other partitions calls it first:
// the stored ones are hmac'd, and a set of raw values merged with a set of
// hmac'd ones would count every value twice.
func (r *Redactor) MapStates(run *rules.Run) map[string]bool {
	mapped := map[string]bool{}
	run.MapStates(func(name string, spec metrics.Spec, st metrics.State) metrics.State {
		if len(spec.Columns) != 1 || !metrics.KeepsValues(spec.Func) {
			return nil
		}
		key := r.hmacKey(spec.Columns[0])
		if key == nil {
			return nil
		}
		out, ok := metrics.MapStrings(st, func(v string) string { return hmacString(key, v) })
		if !ok {
			return nil
		}
		mapped[name] = true
		return out
	})
	return mapped
}

// recorded is Recorded for a run whose states named in mapped are hmac'd
// already (MapStates): those states, and values computed from them, are
// kept as they are.
func (r *Redactor) recorded(rec *rules.Recorded, mapped map[string]bool) {
	if rec == nil {
		return
	}
	for name, spec := range rec.Specs {
		var hidden []string
		for _, c := range spec.Columns {
			if r.Sensitive(c) {
				hidden = append(hidden, c)
			}
		}
		if len(hidden) == 0 {
			continue
		}
		var key []byte
		if len(spec.Columns) == 1 {
			key = r.hmacKey(spec.Columns[0])
		}
		if mapped[name] {
			continue // hmac'd already, values and state alike
		}
		if metrics.ValueBearing(spec.Func) {
			if v, ok := rec.Values[name]; ok && v != nil {
				s, isString := v.(string)
				if key != nil && isString {
					rec.Values[name] = hmacString(key, s)
				} else {
					delete(rec.Values, name)
				}
			}
		}
		data, ok := rec.States[name]
		if !ok || !metrics.KeepsValues(spec.Func) {
			continue
		}
		delete(rec.States, name)
		if key == nil {
			continue
		}
		st, err := metrics.Decode(data)
		if err != nil {
			continue // not kept rather than kept in the clear
		}
		mapped, ok := metrics.MapStrings(st, func(v string) string { return hmacString(key, v) })
		if !ok {
			continue
		}
		if b, err := metrics.Encode(mapped); err == nil {
			rec.States[name] = b
		}
	}
	// A value recorded without a spec (an older program) over a sensitive
	// column cannot be judged: a string is left out.
	for name, v := range rec.Values {
		if _, ok := rec.Specs[name]; ok {
			continue
		}
		if s, ok := v.(string); ok && r.LooksPersonal(s) {
			delete(rec.Values, name)
		}
	}
}

// valueBearingCall reports whether a metric call as written carries a
// value of its column: a value-bearing function, or previous() of one.
func valueBearingCall(call string) bool {
	fn, rest, _ := strings.Cut(call, "(")
	fn = strings.TrimSpace(fn)
	if fn == "previous" {
		fn, _, _ = strings.Cut(rest, "(")
		fn = strings.TrimSpace(fn)
	}
	return metrics.ValueBearing(fn)
}

// partitionGaps marks not_evaluated the dataset checks of a run merged
// with stored partitions that read a metric whose state history does not
// keep for a sensitive column (min, max, the moments and samples, and the
// value sets of a column without an hmac mask): its merged value would
// cover this partition only. mapped names the states kept hmac'd.
func (r *Redactor) partitionGaps(rep *Report, mapped map[string]bool) {
	if rep.Partitions == nil || len(rep.Partitions.Combined) == 0 {
		return
	}
	for i := range rep.Rules {
		rr := &rep.Rules[i]
		if rr.Kind != rules.KindDataset || rr.Status == StatusNotEvaluated {
			continue
		}
		var hidden []string
		for _, c := range rr.Columns {
			if r.Sensitive(c) {
				hidden = append(hidden, c)
			}
		}
		if len(hidden) == 0 {
			continue
		}
		var gaps []string
		for call := range rr.Metrics {
			fn, _, _ := strings.Cut(call, "(")
			if !metrics.KeepsValues(strings.TrimSpace(fn)) {
				continue
			}
			for _, c := range hidden {
				if (len(rr.Columns) == 1 || callNames(call, []string{c})) && !mapped[strings.TrimSpace(fn)+"("+c+")"] {
					gaps = append(gaps, call)
					break
				}
			}
		}
		if len(gaps) == 0 {
			continue
		}
		slices.Sort(gaps)
		rr.Status = StatusNotEvaluated
		rr.Evaluated, rr.Passed, rr.Failed, rr.Skipped = 0, 0, 0, 1
		rr.PassFraction = nil
		rr.Message = "not evaluated: " + strings.Join(gaps, ", ") +
			" cannot be combined across partitions: history keeps no values of a pii column (mask: hmac keeps value sets)"
	}
}
