package quality

// Privacy in the gate: scanning string columns with the rule file's
// detectors, the untagged-PII and zone policy results, masking of outgoing
// batches and redaction of what reports show.

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/rules"
	"github.com/sluicedata/sluice/rules/pii"
)

// Zones of a sink: what tagged data it may receive.
const (
	// ZoneRestricted receives anything: the default.
	ZoneRestricted = "restricted"
	// ZoneInternal receives the tags the rule file's privacy.allow.internal
	// lists.
	ZoneInternal = "internal"
	// ZonePublic receives the tags privacy.allow.public lists.
	ZonePublic = "public"
)

// Names of the rule results the privacy checks add to a report; the column
// name follows the prefix.
const (
	UntaggedPIIPrefix = "privacy.untagged_pii."
	PolicyPrefix      = "privacy.policy."
)

// TagPseudonymized is the tag a masked column gains in the outputs.
const TagPseudonymized = "gdpr.pseudonymized"

// PrivacyFinding is what one detector found in one string column.
type PrivacyFinding struct {
	Column string `json:"column"`
	// Kind is the detector: a built-in kind (email, phone, …) or the name
	// of a user-defined detector.
	Kind string `json:"kind"`
	// Matches is the number of scanned values the detector recognised,
	// Values the number of non-null values scanned.
	Matches int64 `json:"matches"`
	Values  int64 `json:"values"`
	// Fraction is Matches/Values.
	Fraction float64 `json:"fraction"`
	// Tagged is true when the column carries a pii.* tag.
	Tagged bool `json:"tagged"`
	// Masked is true when the outputs receive the column masked.
	Masked bool `json:"masked,omitempty"`
}

// WithZone sets the zone of the WithSink sink: ZoneRestricted (the
// default: anything may be written), ZoneInternal or ZonePublic. Writing a
// column whose tags (or detector findings, as pii.<kind>) the rule file's
// privacy.allow does not allow in the zone fails the gate with a
// privacy.policy.<column> result, unless the column is masked; the clean
// sink is then aborted.
func WithZone(zone string) Option { return func(c *config) { c.zone = zone } }

// WithMask masks column in every output (clean sink and quarantine, and
// the report's samples show Redacted), overriding a mask the rule file
// declares for it. An hmac mask without a key takes WithMaskKey's.
func WithMask(column string, m Mask) Option {
	return func(c *config) {
		if c.masks == nil {
			c.masks = map[string]Mask{}
		}
		c.masks[column] = m
	}
}

// WithMaskKey sets the HMAC key of hmac masks (declared in the rule file
// or given by WithMask without a key). The key is never logged or reported.
func WithMaskKey(key []byte) Option {
	return func(c *config) { c.maskKey = slices.Clone(key) }
}

// privacyPlan is the privacy configuration of a gate, resolved once.
type privacyPlan struct {
	rs        *rules.RuleSet // may be nil
	detectors []pii.Detector // privacy.detect; nil: no scan
	every     int
	minFrac   float64
	untagged  string // "", "warn", "error"
	masks     map[string]Mask
	zone      string
	allow     map[string][]string
	// red is the gate's redactor: every value a report, lineage or
	// history shows passes it.
	red *Redactor
}

func newPrivacyPlan(rs *rules.RuleSet, c *config) (*privacyPlan, error) {
	p := &privacyPlan{rs: rs, masks: map[string]Mask{}, zone: c.zone}
	switch p.zone {
	case "":
		p.zone = ZoneRestricted
	case ZoneRestricted, ZoneInternal, ZonePublic:
	default:
		return nil, fmt.Errorf("quality: zone %q: must be restricted, internal or public: %w", c.zone, ErrConfig)
	}
	if rs != nil {
		if pr := rs.Privacy; pr != nil {
			p.detectors = pr.Scanners()
			p.every, p.minFrac, p.untagged, p.allow = pr.Sample, pr.MinFraction, pr.UntaggedPII, pr.Allow
		}
		for _, col := range rs.Columns {
			if col.Mask == "" {
				continue
			}
			m, err := ParseMask(col.Mask)
			if err != nil {
				return nil, fmt.Errorf("quality: column %q: %w: %w", col.Name, err, ErrConfig)
			}
			p.masks[col.Name] = m
		}
	}
	for col, m := range c.masks {
		p.masks[col] = m
	}
	for col, m := range p.masks {
		if m.Kind == MaskHMAC && len(m.Key) == 0 {
			if len(c.maskKey) == 0 {
				return nil, fmt.Errorf("quality: column %q: %w: hmac needs a key (WithMaskKey): %w", col, ErrMask, ErrConfig)
			}
			m.Key = c.maskKey
			p.masks[col] = m
		}
	}
	p.red = NewRedactor(rs, p.masks)
	return p, nil
}

// Redactor returns the gate's redactor: the rule file's tags and
// detectors with the masks of the rule file and WithMask, keys included.
func (g *Gate) Redactor() *Redactor { return g.priv.red }

// tags returns the rule file's tags of a physical column.
func (p *privacyPlan) tags(col string) []string {
	if p.rs == nil {
		return nil
	}
	return p.rs.ColumnTags(col)
}

func hasPIITag(tags []string) bool {
	return slices.ContainsFunc(tags, func(t string) bool { return strings.HasPrefix(t, "pii.") })
}

// redactValue returns what a sample shows for a non-null value of col.
func (p *privacyPlan) redactValue(col string, v any) any { return p.red.Value(col, v) }

// outputTags returns the tags of the columns of an output with schema:
// the rule file's tags, except that a masked column loses its pii.* tags
// and gains gdpr.pseudonymized.
func (p *privacyPlan) outputTags(schema *arrow.Schema) map[string][]string {
	out := map[string][]string{}
	for _, f := range schema.Fields() {
		tags := p.tags(f.Name)
		if _, masked := p.masks[f.Name]; masked {
			kept := make([]string, 0, len(tags)+1)
			for _, t := range tags {
				if !strings.HasPrefix(t, "pii.") && t != TagPseudonymized {
					kept = append(kept, t)
				}
			}
			tags = append(kept, TagPseudonymized)
		}
		if len(tags) > 0 {
			out[f.Name] = tags
		}
	}
	return out
}

// inputTags returns the rule file's tags of its declared columns.
func (p *privacyPlan) inputTags() map[string][]string {
	out := map[string][]string{}
	if p.rs == nil {
		return out
	}
	for _, c := range p.rs.Columns {
		if len(c.Tags) > 0 {
			out[c.Name] = slices.Clone(c.Tags)
		}
	}
	return out
}

// maskedColumns returns the masked columns of schema, sorted.
func (p *privacyPlan) maskedColumns(schema *arrow.Schema) []string {
	var out []string
	for _, f := range schema.Fields() {
		if _, ok := p.masks[f.Name]; ok {
			out = append(out, f.Name)
		}
	}
	sort.Strings(out)
	return out
}

// checkMasks verifies before anything is written that every mask names a
// column of schema whose type it can mask.
func (p *privacyPlan) checkMasks(mem memory.Allocator, schema *arrow.Schema) error {
	cols := make([]string, 0, len(p.masks))
	for c := range p.masks {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for _, c := range cols {
		idx := schema.FieldIndices(c)
		if len(idx) == 0 {
			return fmt.Errorf("mask %s: no column %q in the data: %w", p.masks[c], c, ErrConfig)
		}
		empty := array.MakeArrayOfNull(mem, schema.Field(idx[0]).Type, 0)
		m, err := MaskColumn(mem, empty, p.masks[c])
		empty.Release()
		if err != nil {
			return fmt.Errorf("column %q: %w: %w", c, err, ErrConfig)
		}
		m.Release()
	}
	return nil
}

// maskBatch returns batch (borrowed) with its masked columns masked; the
// caller releases the result. Without masks it returns batch retained.
func (p *privacyPlan) maskBatch(mem memory.Allocator, batch arrow.RecordBatch) (arrow.RecordBatch, error) {
	if len(p.masks) == 0 {
		batch.Retain()
		return batch, nil
	}
	sc := batch.Schema()
	cols := make([]arrow.Array, batch.NumCols())
	var made []arrow.Array
	defer func() {
		for _, a := range made {
			a.Release()
		}
	}()
	for i := range cols {
		cols[i] = batch.Column(i)
		m, ok := p.masks[sc.Field(i).Name]
		if !ok {
			continue
		}
		a, err := MaskColumn(mem, cols[i], m)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", sc.Field(i).Name, err)
		}
		made = append(made, a)
		cols[i] = a
	}
	return array.NewRecordBatch(sc, cols, batch.NumRows()), nil
}

// privacyState is the privacy side of one session.
type privacyState struct {
	plan    *privacyPlan
	scanner *pii.Scanner // nil without privacy.detect
	// out is the schema of the clean sink when its zone is not
	// restricted: the policy applies to it.
	out *arrow.Schema
}

func (p *privacyPlan) newState() *privacyState {
	st := &privacyState{plan: p}
	if len(p.detectors) > 0 {
		st.scanner = pii.NewScanner(pii.ScanOptions{Detectors: p.detectors, Every: p.every})
	}
	return st
}

func (st *privacyState) add(batch arrow.RecordBatch) {
	if st != nil && st.scanner != nil {
		st.scanner.Add(batch)
	}
}

// addAsync scans batch (borrowed; without its InvalidColumn) on a
// goroutine and returns the function that waits for the scan; the caller
// waits before it hands the next batch. A panic of a detector is the
// scan's error.
func (st *privacyState) addAsync(batch arrow.RecordBatch) (wait func() error) {
	if st == nil || st.scanner == nil {
		return func() error { return nil }
	}
	data := withoutInvalid(batch)
	done := make(chan error, 1)
	go func() {
		defer data.Release()
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("privacy scan: %v", p)
			}
		}()
		st.scanner.Add(data)
		done <- nil
	}()
	return func() error { return <-done }
}

// finish adds the findings and the privacy rule results to rep, redacts
// what the findings show to be personal data, and decides the gate anew.
func (st *privacyState) finish(rep *Report, strict bool) {
	p := st.plan
	flagged := map[string][]string{} // column → detector kinds at or above min_fraction
	if st.scanner != nil {
		for _, cr := range st.scanner.Results() {
			tags := p.tags(cr.Column)
			_, masked := p.masks[cr.Column]
			for _, m := range cr.Matches {
				rep.Privacy = append(rep.Privacy, PrivacyFinding{
					Column: cr.Column, Kind: m.Kind, Matches: m.Count, Values: cr.Values,
					Fraction: m.Fraction, Tagged: hasPIITag(tags), Masked: masked,
				})
				if m.Count > 0 && m.Fraction >= p.minFrac {
					flagged[cr.Column] = append(flagged[cr.Column], m.Kind)
				}
			}
		}
	}
	st.redact(rep, flagged)

	cols := make([]string, 0, len(flagged))
	for c := range flagged {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	if p.untagged != "" {
		for _, c := range cols {
			if hasPIITag(p.tags(c)) {
				continue
			}
			rep.Rules = append(rep.Rules, st.untaggedResult(rep, c, flagged[c]))
		}
	}
	if st.out != nil && p.zone != ZoneRestricted {
		for _, f := range st.out.Fields() {
			if rr, ok := st.policyResult(f.Name, flagged[f.Name]); ok {
				rep.Rules = append(rep.Rules, rr)
			}
		}
	}
	rep.decide(strict)
}

// redact passes the report through the gate's redactor: samples and
// metric values of sensitive columns and of the columns the detectors
// flagged.
func (st *privacyState) redact(rep *Report, flagged map[string][]string) {
	st.plan.red.Report(rep, flagged)
}

func (st *privacyState) untaggedResult(rep *Report, col string, kinds []string) RuleResult {
	sev := rules.SeverityWarn
	status := StatusWarn
	if st.plan.untagged == string(rules.SeverityError) {
		sev, status = rules.SeverityError, StatusFail
	}
	rr := RuleResult{
		Name: UntaggedPIIPrefix + col, Kind: rules.KindDataset, Severity: sev, Status: status,
		Evaluated: 1, Failed: 1, Mostly: 1, Metrics: map[string]any{}, Samples: []Sample{},
		Engine: "pii", Errors: map[string]int64{}, Expr: "privacy.untagged_pii", Columns: []string{col},
	}
	var parts []string
	for _, f := range rep.Privacy {
		if f.Column != col || !slices.Contains(kinds, f.Kind) {
			continue
		}
		rr.Metrics["pii_matches("+col+", "+f.Kind+")"] = f.Matches
		rr.Metrics["pii_fraction("+col+", "+f.Kind+")"] = f.Fraction
		parts = append(parts, fmt.Sprintf("%d of %d values look like %s (%s)", f.Matches, f.Values, label(st.plan, f.Kind), percent(f.Fraction)))
	}
	hint := make([]string, len(kinds))
	for i, k := range kinds {
		hint[i] = "pii." + k
	}
	rr.Message = fmt.Sprintf("column %s carries no pii.* tag but %s; tag it (tags: [%s]) or clean the data",
		col, strings.Join(parts, ", "), strings.Join(hint, ", "))
	rr.PassFraction = fraction(0, 1)
	return rr
}

func label(p *privacyPlan, kind string) string {
	for _, d := range p.detectors {
		if d.Kind == kind && d.Label != "" {
			return d.Label
		}
	}
	return kind
}

// policyResult returns the privacy.policy result of an output column whose
// tags (and flagged kinds, as pii.<kind>) the zone does not allow.
func (st *privacyState) policyResult(col string, kinds []string) (RuleResult, bool) {
	p := st.plan
	if _, masked := p.masks[col]; masked {
		return RuleResult{}, false
	}
	var need []string
	for _, t := range p.tags(col) {
		if strings.HasPrefix(t, "pii.") || strings.HasPrefix(t, "gdpr.") {
			need = append(need, t)
		}
	}
	for _, k := range kinds {
		if t := "pii." + k; !slices.Contains(need, t) {
			need = append(need, t)
		}
	}
	allowed := p.allow[p.zone]
	var denied []string
	for _, t := range need {
		if !slices.Contains(allowed, t) {
			denied = append(denied, t)
		}
	}
	if len(denied) == 0 {
		return RuleResult{}, false
	}
	rr := RuleResult{
		Name: PolicyPrefix + col, Kind: rules.KindDataset, Severity: rules.SeverityError, Status: StatusFail,
		Evaluated: 1, Failed: 1, Mostly: 1, Metrics: map[string]any{}, Samples: []Sample{},
		Engine: "policy", Errors: map[string]int64{}, Expr: "privacy.allow." + p.zone, Columns: []string{col},
		PassFraction: fraction(0, 1),
	}
	allowedText := "nothing tagged"
	if len(allowed) > 0 {
		allowedText = strings.Join(allowed, ", ")
	}
	rr.Message = fmt.Sprintf("column %s (%s) may not be written to zone %s, which allows %s; mask it (mask: hmac, --mask %s=hmac) or write to a restricted sink",
		col, strings.Join(denied, ", "), p.zone, allowedText, col)
	return rr, true
}
