package suggest

import (
	"context"
	"fmt"
	"math"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/importers"
	"github.com/sluicedata/sluice/internal/arrowtypes"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/rules/pii"
)

// DefaultMaxCategories is the largest number of distinct values a column
// may have for its values to be listed.
const DefaultMaxCategories = 20

// MinRowsPerCategory is how many non-null rows per distinct value a column
// needs, on average, for its values to be listed: a set describes a
// category, not a small sample.
const MinRowsPerCategory = 5

// DefaultValueCap bounds the exact value set kept per column: exact
// distinct counts, value sets and reference subsets are decided on columns
// with at most this many distinct values (the HyperLogLog estimate is
// reported beyond).
const DefaultValueCap = 1 << 16

// DefaultUniqueCap bounds the set of 64-bit hashes kept per column to
// decide uniqueness exactly (about 16 bytes each): a column with more
// distinct values than this is not proposed unique. The set is dropped at
// the first duplicate, so only unique-looking columns cost memory.
const DefaultUniqueCap = 1 << 23

// DefaultReferenceCap bounds the distinct values kept per column of a
// reference dataset.
const DefaultReferenceCap = 1 << 20

// Reference is another dataset whose columns may hold the keys a column of
// the profiled one refers to.
type Reference struct {
	// Path is the dataset as the rule file names it in
	// missing_references (relative to the rule file's directory).
	Path   string
	Source connectors.Source
}

// Options tune Suggest.
type Options struct {
	// Dataset names the rule file's dataset (the source's base name, without
	// extension, otherwise).
	Dataset string
	// Owner is written as the owner (a placeholder to edit otherwise).
	Owner string
	// MaxCategories bounds categorical ranges (DefaultMaxCategories when 0).
	MaxCategories int
	// ValueCap, UniqueCap and ReferenceCap bound memory per column
	// (DefaultValueCap, DefaultUniqueCap, DefaultReferenceCap when 0).
	ValueCap, UniqueCap, ReferenceCap int
	// References are read first; a column whose values are all found in
	// a reference's column gets a missing_references check.
	References []Reference
	// Now is the time freshness is judged at (time.Now when nil).
	Now func() time.Time
	// BatchSize is passed to the source (its default when 0).
	BatchSize int
	// Allocator allocates the batches read (memory.DefaultAllocator when
	// nil).
	Allocator memory.Allocator
}

// DatasetName is the rule file's dataset name for a source: a file's or an
// object's base name without its extension (flights-3m for
// /data/flights-3m.parquet or s3://bucket/flights-3m.parquet, orders for
// orders.csv.gz), a table's name as it is (shop.public.orders).
func DatasetName(d lineage.Dataset) string {
	name := filepath.ToSlash(d.Name)
	base := path.Base(name)
	for _, c := range []string{".gz", ".zst", ".bz2", ".xz", ".lz4", ".snappy"} {
		base = strings.TrimSuffix(base, c)
	}
	ext := path.Ext(base)
	isFile := d.Namespace == lineage.FileNamespace || filepath.IsAbs(d.Name) || strings.Contains(name, "/") || dataExts[strings.ToLower(ext)]
	if !isFile {
		return d.Name
	}
	if ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// dataExts are the extensions of the file formats Sluice reads.
var dataExts = map[string]bool{
	".parquet": true, ".csv": true, ".tsv": true, ".json": true, ".ndjson": true, ".jsonl": true,
	".arrow": true, ".ipc": true, ".feather": true, ".arrows": true,
}

// read feeds every batch of src to the profiles (and the PII scanner when
// given), in one pass.
func read(ctx context.Context, src connectors.Source, opts Options, profs []*profile, scan *pii.Scanner) error {
	reader, err := src.Open(ctx, connectors.ReadOptions{BatchSize: opts.BatchSize, Allocator: opts.Allocator})
	if err != nil {
		return err
	}
	defer reader.Release()
	for reader.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch := reader.RecordBatch()
		for i, p := range profs {
			if err := p.collect(batch.Column(i)); err != nil {
				return err
			}
		}
		if scan != nil {
			scan.Add(batch)
		}
	}
	return reader.Err()
}

type refProfile struct {
	ref  Reference
	name string // for comments
	cols []*profile
}

// Suggest reads src once and proposes rules describing it. References are
// read first, once each. Memory is bounded per column by the caps of
// Options, whatever the number of rows.
func Suggest(ctx context.Context, src connectors.Source, opts Options) (*importers.File, error) {
	if opts.MaxCategories <= 0 {
		opts.MaxCategories = DefaultMaxCategories
	}
	if opts.ValueCap <= 0 {
		opts.ValueCap = DefaultValueCap
	}
	opts.ValueCap = max(opts.ValueCap, opts.MaxCategories)
	if opts.UniqueCap <= 0 {
		opts.UniqueCap = DefaultUniqueCap
	}
	if opts.ReferenceCap <= 0 {
		opts.ReferenceCap = DefaultReferenceCap
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var refs []refProfile
	for _, r := range opts.References {
		schema, err := r.Source.Schema(ctx)
		if err != nil {
			return nil, fmt.Errorf("suggest: reference %s: %w", r.Path, err)
		}
		rp := refProfile{ref: r, name: r.Path}
		for _, f := range schema.Fields() {
			p, err := newProfile(f, profileOptions{valueCap: opts.ReferenceCap, light: true})
			if err != nil {
				return nil, err
			}
			rp.cols = append(rp.cols, p)
		}
		if err := read(ctx, r.Source, opts, rp.cols, nil); err != nil {
			return nil, fmt.Errorf("suggest: reference %s: %w", r.Path, err)
		}
		refs = append(refs, rp)
	}
	schema, err := src.Schema(ctx)
	if err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	profs := make([]*profile, schema.NumFields())
	for i, f := range schema.Fields() {
		if profs[i], err = newProfile(f, profileOptions{valueCap: opts.ValueCap, uniqueCap: opts.UniqueCap}); err != nil {
			return nil, err
		}
	}
	scan := pii.NewScanner(pii.ScanOptions{})
	if err := read(ctx, src, opts, profs, scan); err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	piiHits := map[string][]pii.Match{}
	for _, cr := range scan.Results() {
		piiHits[cr.Column] = cr.Matches
	}
	var rows int64
	if len(profs) > 0 {
		rows = profs[0].rows
	}
	name := opts.Dataset
	if name == "" {
		name = DatasetName(src.Dataset())
	}
	s := &proposer{opts: opts, rows: rows, refs: refs, pii: piiHits, now: opts.Now().UTC()}
	return s.propose(name, profs), nil
}

type proposer struct {
	opts Options
	rows int64
	refs []refProfile
	pii  map[string][]pii.Match
	now  time.Time
	f    *importers.File
}

// PIIMinFraction is the fraction of a column's values a privacy detector
// must recognise for the column to be tagged pii.<kind>. A column with any
// recognised value is treated as personal data either way: none of its
// values, shapes or extremes are written.
const PIIMinFraction = 0.5

func (s *proposer) propose(dataset string, profs []*profile) *importers.File {
	s.f = &importers.File{
		Dataset: dataset,
		Owner:   s.opts.Owner,
		Header: []string{
			fmt.Sprintf("Suggested by `sluice suggest` from %d rows: every rule holds on that data.", s.rows),
			"Review each one: keep what is a real contract, drop what is an accident of this sample.",
		},
	}
	if s.rows > 0 {
		// An empty input gets no row count rule: it would fail there.
		s.f.AddRule(importers.Rule{Name: "has_rows", Check: "row_count() > 0", Comment: fmt.Sprintf("%d rows", s.rows)})
	}
	for _, p := range profs {
		s.column(p)
	}
	return s.f
}

func (s *proposer) column(p *profile) {
	f := s.f
	c := f.Column(p.field.Name)
	id := importers.Ident(p.field.Name)
	var why []string
	defer func() { c.Comment = strings.Join(why, "\n") }()
	if t := arrowtypes.RuleType(p.field.Type); t != "" {
		c.Type = t
		why = append(why, "type "+p.field.Type.String())
	}
	nonNull := p.nonNull()
	if p.family == "" || p.family == "list" || p.rows == 0 {
		return
	}
	switch {
	case p.nulls == 0:
		c.Required = true
		why = append(why, fmt.Sprintf("required: 0 nulls in %d rows", p.rows))
	case nonNull > 0:
		// Deequ's retain-completeness rule: a lower bound of the binomial
		// confidence interval (z = 1.96), rounded down.
		obs := float64(nonNull) / float64(p.rows)
		bound := obs - 1.96*math.Sqrt(obs*(1-obs)/float64(p.rows))
		bound = math.Floor(bound*100) / 100
		if bound > 0 {
			f.AddRule(importers.Rule{
				Name:    p.field.Name + ".completeness",
				Check:   fmt.Sprintf("completeness(%s) >= %s", id, strconv.FormatFloat(bound, 'f', -1, 64)),
				Comment: fmt.Sprintf("%d nulls in %d rows (completeness %.4f; bound: 95%% confidence lower limit)", p.nulls, p.rows, obs),
			})
		}
	}
	if nonNull == 0 {
		why = append(why, "no non-null values")
		return
	}
	personal := s.personal(p, c, &why)
	distinct, exact := p.distinctCount()
	switch {
	case distinct >= 0 && exact:
		why = append(why, fmt.Sprintf("%d distinct values (exact)", distinct))
	case distinct >= 0:
		why = append(why, fmt.Sprintf("about %d distinct values (HyperLogLog, ±2%%)", distinct))
	}
	if p.unique() && p.family != "bool" && p.family != "float" {
		c.Unique = true
		why = append(why, fmt.Sprintf("unique: %d non-null values, all distinct (checked exactly)", nonNull))
	} else if p.uniqueOut && !p.dup && p.family != "float" && p.family != "bool" {
		why = append(why, fmt.Sprintf("no duplicate among the first %d values; uniqueness not decided beyond that", s.opts.UniqueCap))
	}
	if !personal && !c.Unique {
		s.values(p, c, &why, distinct, exact)
	}
	switch p.family {
	case "int", "uint", "float":
		if c.Values == nil {
			s.numeric(p, c, &why)
		}
	case "string":
		if c.Values == nil {
			s.strings(p, c, &why, personal)
		}
	case "timestamp":
		s.timestamp(p, c, &why, distinct)
	}
	s.references(p)
}

// personal reports whether the column's values look like personal data,
// tagging it when most of them do.
func (s *proposer) personal(p *profile, c *importers.Column, why *[]string) bool {
	ms := s.pii[p.field.Name]
	if len(ms) == 0 {
		return false
	}
	best := ms[0]
	for _, m := range ms[1:] {
		if m.Count > best.Count {
			best = m
		}
	}
	if best.Fraction >= PIIMinFraction {
		c.Tags = append(c.Tags, "pii."+best.Kind)
		*why = append(*why, fmt.Sprintf("tags pii.%s: %d of %d values look like %s (no values, shapes or sets are written for it)", best.Kind, best.Count, p.nonNull(), best.Label))
	} else {
		*why = append(*why, fmt.Sprintf("%d of %d values look like %s: tag the column pii.%s if they are (no values, shapes or sets are written for it)", best.Count, p.nonNull(), best.Label, best.Kind))
	}
	return true
}

func (s *proposer) numeric(p *profile, c *importers.Column, why *[]string) {
	lo, ok1 := number(result(p.min))
	hi, ok2 := number(result(p.max))
	if !ok1 || !ok2 || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return
	}
	integer := p.family != "float"
	if math.Abs(lo) > maxExact || math.Abs(hi) > maxExact {
		*why = append(*why, "no min or max: values beyond ±2^53, where bounds are not exact")
		return
	}
	wlo, whi, step := widen(lo, hi, integer)
	c.Min, c.Max = formatBound(wlo, step, integer), formatBound(whi, step, integer)
	ev := fmt.Sprintf("min %s, max %s: observed min %s, max %s", c.Min, c.Max, formatNum(lo, integer), formatNum(hi, integer))
	{
		med, ok := p.quantile(0.5)
		p01, ok1 := p.quantile(0.01)
		p99, ok2 := p.quantile(0.99)
		if ok && ok1 && ok2 {
			ev += fmt.Sprintf(" (p1 %.6g, median %.6g, p99 %.6g)", p01, med, p99)
		}
	}
	ev += fmt.Sprintf("; widened by %g%% of the range and rounded outward to a multiple of %s", RangeMargin*100, formatBound(step, step, integer))
	if lo >= 0 {
		ev += ", not below 0"
	}
	*why = append(*why, ev)
}

func (s *proposer) strings(p *profile, c *importers.Column, why *[]string, personal bool) {
	if p.minLen < 0 {
		return
	}
	pattern, covered, groups := "", int64(0), 0
	if !personal {
		pattern, covered, groups = p.shapes.pattern()
	}
	nonNull := p.nonNull()
	full := pattern != "" && covered == nonNull
	switch {
	case full:
		c.Pattern = pattern
		*why = append(*why, fmt.Sprintf("pattern: all %d values have this shape (character classes of the observed values)", nonNull))
	case pattern != "" && float64(covered) >= shapeMostlyMin*float64(nonNull):
		frac := float64(covered) / float64(nonNull)
		mostly := math.Floor(frac*1000) / 1000
		s.f.AddRule(importers.Rule{
			Name:    p.field.Name + ".shape",
			Expr:    fmt.Sprintf("%s.matches(%s)", importers.Ident(p.field.Name), importers.CELString(pattern)),
			Mostly:  mostly,
			Comment: fmt.Sprintf("%d of %d values (%.2f%%) of %s have this shape (character classes of the observed values); %d have another", covered, nonNull, 100*frac, p.field.Name, nonNull-covered),
		})
	case !personal:
		*why = append(*why, fmt.Sprintf("no pattern: the most common of %d shapes covers %d of %d values", groups+btoi(p.shapes.unshaped > 0), covered, nonNull))
	}
	switch {
	case full:
		// The pattern bounds the lengths already.
	case p.minLen == p.maxLen:
		n := p.minLen
		c.MinLength, c.MaxLength = &n, &n
		*why = append(*why, fmt.Sprintf("length: every value has %d characters", n))
	default:
		hi := widenLength(p.maxLen)
		c.MaxLength = &hi
		msg := fmt.Sprintf("max_length %d: values have %d to %d characters, the longest plus at least %g%%", hi, p.minLen, p.maxLen, MaxLengthMargin*100)
		if p.minLen >= 1 {
			one := 1
			c.MinLength = &one
			msg += "; min_length 1: no empty strings"
		}
		*why = append(*why, msg)
	}
}

func (s *proposer) timestamp(p *profile, c *importers.Column, why *[]string, distinct int64) {
	lo, ok1 := result(p.min).(time.Time)
	hi, ok2 := result(p.max).(time.Time)
	if !ok1 || !ok2 {
		return
	}
	var cadence time.Duration
	if distinct > 1 {
		cadence = hi.Sub(lo) / time.Duration(distinct-1)
	}
	lag := s.now.Sub(hi)
	id := importers.Ident(p.field.Name)
	ev := fmt.Sprintf("values from %s to %s; %d distinct, one every %s on average; the latest is %s before %s",
		lo.Format(time.RFC3339), hi.Format(time.RFC3339), distinct, human(cadence), human(lag), s.now.Format(time.RFC3339))
	w, ok := freshWindow(cadence, lag)
	if !ok {
		*why = append(*why, ev)
		*why = append(*why, fmt.Sprintf("no freshness check: the data is historical (a window over %s would be needed); for a live feed with this cadence:\n  check: max(%s) >= now() - %s", formatHours(MaxFreshnessWindow), id, celDuration(liveWindow(cadence))))
		return
	}
	s.f.AddRule(importers.Rule{
		Name:    p.field.Name + ".fresh",
		Check:   fmt.Sprintf("max(%s) >= now() - %s", id, celDuration(w)),
		Comment: ev + fmt.Sprintf("\nwindow %s: twice the larger of the cadence and the lag, at least 1h, rounded up", formatHours(w)),
	})
}

func (s *proposer) values(p *profile, c *importers.Column, why *[]string, distinct int64, exact bool) {
	nonNull := p.nonNull()
	if !exact || distinct <= 0 || distinct > int64(s.opts.MaxCategories) || nonNull < MinRowsPerCategory*distinct {
		return
	}
	var lits []string
	switch {
	case p.strs != nil:
		vals := make([]string, 0, len(p.strs))
		for v := range p.strs {
			vals = append(vals, v)
		}
		sort.Strings(vals)
		for _, v := range vals {
			lits = append(lits, importers.Quote(v))
		}
	case p.ints != nil:
		if p.family == "timestamp" || p.family == "bool" && distinct > 1 {
			return
		}
		vals := make([]int64, 0, len(p.ints))
		for v := range p.ints {
			vals = append(vals, v)
		}
		switch p.family {
		case "uint":
			sort.Slice(vals, func(i, j int) bool { return uint64(vals[i]) < uint64(vals[j]) })
		default:
			sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
		}
		for _, v := range vals {
			switch p.family {
			case "uint":
				lits = append(lits, strconv.FormatUint(uint64(v), 10))
			case "bool":
				lits = append(lits, strconv.FormatBool(v == 1))
			default:
				lits = append(lits, strconv.FormatInt(v, 10))
			}
		}
	default:
		return
	}
	c.Values = lits
	*why = append(*why, fmt.Sprintf("values: %d distinct values cover all %d non-null rows (listed when at most %d, with %d rows or more per value)", distinct, nonNull, s.opts.MaxCategories, MinRowsPerCategory))
}

// references proposes missing_references against the reference column
// that holds all of the column's values; among several, a unique one
// (a key), then the one with the fewest values.
func (s *proposer) references(p *profile) {
	if len(s.refs) == 0 || p.valuesOver || p.nonNull() == 0 {
		return
	}
	kind := refKind(p.family)
	if kind == "" {
		return
	}
	if p.ints == nil && p.strs == nil {
		return
	}
	for _, r := range s.refs {
		var best *profile
		bestKey := false
		for _, rc := range r.cols {
			if refKind(rc.family) != kind || rc.valuesOver || !subset(p, rc) {
				continue
			}
			key := isKey(rc)
			if best == nil || key && !bestKey || key == bestKey && size(rc) < size(best) {
				best, bestKey = rc, key
			}
		}
		if best == nil {
			continue
		}
		d, _ := p.distinctCount()
		s.f.AddRule(importers.Rule{
			Name:  p.field.Name + ".references",
			Check: fmt.Sprintf("missing_references(%s, %s, %s) == 0", importers.Ident(p.field.Name), importers.CELString(r.ref.Path), importers.CELString(best.field.Name)),
			Comment: fmt.Sprintf("all %d distinct values of %s (%d rows) are among the %d values of %s column %s%s",
				d, p.field.Name, p.nonNull(), size(best), r.name, best.field.Name, map[bool]string{true: " (a unique key there)", false: ""}[bestKey]),
		})
	}
}

func refKind(fam string) string {
	switch fam {
	case "int", "uint":
		return "int"
	case "string":
		return "string"
	}
	return ""
}

func subset(p, ref *profile) bool {
	if p.strs != nil {
		if ref.strs == nil {
			return false
		}
		for v := range p.strs {
			if _, ok := ref.strs[v]; !ok {
				return false
			}
		}
		return true
	}
	if ref.ints == nil {
		return false
	}
	for v := range p.ints {
		if _, ok := ref.ints[v]; !ok {
			return false
		}
	}
	return true
}

func size(p *profile) int {
	if p.strs != nil {
		return len(p.strs)
	}
	return len(p.ints)
}

// isKey reports whether every value of a reference column occurs once.
func isKey(p *profile) bool {
	if p.nulls > 0 {
		return false
	}
	return int64(size(p)) == p.rows
}

// human writes a duration in its largest fitting unit: 1m14s, 5h3m, 9286d.
func human(d time.Duration) string {
	neg := ""
	if d < 0 {
		neg, d = "-", -d
	}
	switch {
	case d >= 48*time.Hour:
		return neg + strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	case d >= time.Hour:
		return neg + d.Round(time.Minute).String()
	}
	return neg + d.Round(time.Second).String()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// maxExact is the largest magnitude below which every integer is a
// float64: bounds are read as float64.
const maxExact = 1 << 53

// formatBound writes a widened bound with the decimals of its step, so
// 7.1000000000000005 reads 7.1 (the margin is at least one step, so the
// rounding never crosses an observed value).
func formatBound(v, step float64, integer bool) string {
	if integer || step >= 1 {
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', int(math.Ceil(-math.Log10(step))), 64)
}

func formatNum(v float64, integer bool) string {
	if integer {
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func number(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case uint64:
		return float64(v), true
	case float64:
		return v, !math.IsNaN(v)
	}
	return 0, false
}

func family(t arrow.DataType) string {
	if d, ok := t.(*arrow.DictionaryType); ok {
		t = d.ValueType
	}
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return "int"
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return "uint"
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return "float"
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return "string"
	case arrow.BOOL:
		return "bool"
	case arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64:
		return "timestamp"
	case arrow.DURATION:
		return "duration"
	case arrow.BINARY, arrow.LARGE_BINARY:
		return "binary"
	}
	return ""
}
