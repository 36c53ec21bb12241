package suggest

import (
	"context"
	"fmt"
	"github.com/sluicedata/sluice/internal/arrowtypes"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/importers"
	"github.com/sluicedata/sluice/rules"
)

// DefaultMaxCategories is the largest number of distinct values a column
// may have for its values to be listed.
const DefaultMaxCategories = 10

// Options tune Suggest.
type Options struct {
	// Dataset names the rule file's dataset (the source's name otherwise).
	Dataset string
	// Owner is written as the owner (a placeholder to edit otherwise).
	Owner string
	// MaxCategories bounds categorical ranges (DefaultMaxCategories when 0).
	MaxCategories int
	// BatchSize is passed to the source (its default when 0).
	BatchSize int
	// Allocator allocates the batches read (memory.DefaultAllocator when
	// nil).
	Allocator memory.Allocator
}

// profile is what one pass learns about a column.
type profile struct {
	field    arrow.Field
	family   string // int, uint, float, string, bool, timestamp, …
	nulls    int64
	distinct int64
	min      any
	// values holds the distinct values seen while there are at most
	// MaxCategories of them (nil once there are more).
	values map[string]bool
}

// Suggest reads src once and proposes rules describing it.
func Suggest(ctx context.Context, src connectors.Source, opts Options) (*importers.File, error) {
	if opts.MaxCategories <= 0 {
		opts.MaxCategories = DefaultMaxCategories
	}
	schema, err := src.Schema(ctx)
	if err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	profiles := make([]*profile, schema.NumFields())
	var checks []string
	for i, f := range schema.Fields() {
		p := &profile{field: f, family: family(f.Type)}
		if p.family == "string" || p.family == "int" || p.family == "uint" || p.family == "bool" {
			p.values = map[string]bool{}
		}
		profiles[i] = p
		id := importers.Ident(f.Name)
		if p.family == "" || p.family == "list" {
			continue
		}
		checks = append(checks, fmt.Sprintf("null_count(%s) >= 0", id))
		checks = append(checks, fmt.Sprintf("distinct_count(%s) >= 0", id))
		if p.family == "int" || p.family == "float" {
			checks = append(checks, fmt.Sprintf("min(%s) == min(%s)", id, id))
		}
	}
	// The profile is a rule set of dataset checks that always hold: their
	// metrics are computed in one pass from mergeable states.
	var b strings.Builder
	b.WriteString("version: 1\ndataset: profile\nowner: sluice\nrules:\n  - name: rows\n    check: row_count() >= 0\n")
	for i, c := range checks {
		fmt.Fprintf(&b, "  - name: m%d\n    check: %s\n", i, importers.Quote(c))
	}
	rs, err := rules.Parse("profile.yaml", []byte(b.String()))
	if err != nil {
		return nil, fmt.Errorf("suggest: profile rules: %w", err)
	}
	prog, err := rs.Compile(schema)
	if err != nil {
		return nil, fmt.Errorf("suggest: profile rules: %w", err)
	}
	run := prog.NewRun()
	reader, err := src.Open(ctx, connectors.ReadOptions{BatchSize: opts.BatchSize, Allocator: opts.Allocator})
	if err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	defer reader.Release()
	for reader.Next() {
		batch := reader.RecordBatch()
		if _, err := run.Eval(ctx, batch); err != nil {
			return nil, fmt.Errorf("suggest: %w", err)
		}
		for i, p := range profiles {
			p.collect(batch.Column(i), opts.MaxCategories)
		}
	}
	if err := reader.Err(); err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	results, err := run.Finish(ctx)
	if err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	metrics := map[string]any{}
	for _, r := range results {
		if r.Outcome == rules.Errored {
			return nil, fmt.Errorf("suggest: %s: %s", r.Rule.Check, r.Err)
		}
		for k, v := range r.Metrics {
			metrics[k] = v
		}
	}
	rows, _ := metrics["row_count()"].(int64)
	for _, p := range profiles {
		id := importers.Ident(p.field.Name)
		p.nulls, _ = metrics["null_count("+id+")"].(int64)
		p.distinct, _ = metrics["distinct_count("+id+")"].(int64)
		p.min = metrics["min("+id+")"]
	}
	name := opts.Dataset
	if name == "" {
		name = src.Dataset().Name
	}
	return propose(name, opts, rows, profiles), nil
}

func (p *profile) collect(a arrow.Array, max int) {
	if p.values == nil {
		return
	}
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			continue
		}
		p.values[a.ValueStr(i)] = true
		if len(p.values) > max {
			p.values = nil
			return
		}
	}
}

func propose(dataset string, opts Options, rows int64, profiles []*profile) *importers.File {
	f := &importers.File{
		Dataset: dataset,
		Owner:   opts.Owner,
		Header: []string{
			fmt.Sprintf("Suggested by `sluice suggest` from %d rows: every rule holds on that data.", rows),
			"Review each one: keep what is a real contract, drop what is an accident of this sample.",
		},
	}
	f.AddRule(importers.Rule{Name: "has_rows", Check: "row_count() > 0", Comment: fmt.Sprintf("%d rows", rows)})
	for _, p := range profiles {
		c := f.Column(p.field.Name)
		var why []string
		if t := arrowtypes.RuleType(p.field.Type); t != "" {
			c.Type = t
			why = append(why, "type "+p.field.Type.String())
		}
		nonNull := rows - p.nulls
		if p.family == "" || p.family == "list" || rows == 0 {
			c.Comment = strings.Join(why, "; ")
			continue
		}
		switch {
		case p.nulls == 0:
			c.Required = true
			why = append(why, fmt.Sprintf("0 nulls in %d rows", rows))
		case nonNull > 0:
			// Deequ's retain-completeness rule: a lower bound of the
			// binomial confidence interval (z = 1.96), rounded down.
			obs := float64(nonNull) / float64(rows)
			bound := obs - 1.96*math.Sqrt(obs*(1-obs)/float64(rows))
			bound = math.Floor(bound*100) / 100
			if bound > 0 {
				f.AddRule(importers.Rule{
					Name:    p.field.Name + ".completeness",
					Check:   fmt.Sprintf("completeness(%s) >= %s", importers.Ident(p.field.Name), strconv.FormatFloat(bound, 'f', -1, 64)),
					Comment: fmt.Sprintf("%d nulls in %d rows (completeness %.4f)", p.nulls, rows, obs),
				})
			}
		}
		if nonNull > 1 && p.distinct == nonNull && p.family != "bool" && p.family != "float" {
			c.Unique = true
			why = append(why, fmt.Sprintf("%d distinct values in %d non-null rows", p.distinct, nonNull))
		}
		if m, ok := number(p.min); ok && m >= 0 && (p.family == "int" || p.family == "float") {
			zero := "0"
			c.Min = zero
			why = append(why, fmt.Sprintf("min %v", p.min))
		}
		if len(p.values) > 0 && !c.Unique && p.distinct <= int64(opts.MaxCategories) && nonNull >= 2*p.distinct {
			vals := make([]string, 0, len(p.values))
			for v := range p.values {
				vals = append(vals, v)
			}
			sortValues(vals, p.family)
			lits := make([]string, len(vals))
			for i, v := range vals {
				if p.family == "string" {
					lits[i] = importers.Quote(v)
				} else {
					lits[i] = v
				}
			}
			c.Values = lits
			why = append(why, fmt.Sprintf("%d distinct values cover all %d non-null rows", len(vals), nonNull))
		}
		c.Comment = strings.Join(why, "; ")
	}
	return f
}

func sortValues(vals []string, fam string) {
	if fam == "int" || fam == "uint" {
		sort.Slice(vals, func(i, j int) bool {
			a, _ := strconv.ParseFloat(vals[i], 64)
			b, _ := strconv.ParseFloat(vals[j], 64)
			return a < b
		})
		return
	}
	sort.Strings(vals)
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
