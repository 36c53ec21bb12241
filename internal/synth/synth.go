package synth

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedata/sluice/rules"
)

// Defaults of the Options.
const (
	DefaultSeed          = 1
	DefaultNullRate      = 0.02
	DefaultViolationRate = 0.01
	DefaultDistinct      = 4096
)

// Column says how one column is generated.
type Column struct {
	// Name is the physical column name.
	Name string
	// Type is the Arrow type: the declared one, or the one inferred from
	// the rules when Inferred is set.
	Type     arrow.DataType
	Inferred bool
	// NullRate is the share of null values: 0 for required columns.
	NullRate float64
	// Values is the set valid values are drawn from; nil when any value
	// of the type (within Min and Max) is valid.
	Values []any
	// Min and Max bound numeric values; nil when unbounded.
	Min, Max *float64
	// Pattern is a regular expression valid strings match; "" when none.
	Pattern string
	// MinLength and MaxLength bound string lengths; nil when unbounded.
	MinLength, MaxLength *int
	// Unique asks for distinct values.
	Unique bool
}

// Options tune FromRuleSet; the zero value of a field means its default.
type Options struct {
	// Seed seeds every column's random source (DefaultSeed when 0).
	Seed uint64
	// NullRate is the share of nulls in columns that are not required
	// (DefaultNullRate when 0; negative means none).
	NullRate float64
	// ViolationRate is the share of values of a column that break one of
	// its shorthands (DefaultViolationRate when 0; negative means none).
	ViolationRate float64
	// Distinct is the number of distinct strings of a string column
	// without a value set that is not unique (DefaultDistinct when 0).
	Distinct int
}

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	switch {
	case o.NullRate == 0:
		o.NullRate = DefaultNullRate
	case o.NullRate < 0:
		o.NullRate = 0
	}
	switch {
	case o.ViolationRate == 0:
		o.ViolationRate = DefaultViolationRate
	case o.ViolationRate < 0:
		o.ViolationRate = 0
	}
	if o.Distinct <= 0 {
		o.Distinct = DefaultDistinct
	}
	return o
}

// Plan is the columns of a rule file's synthetic data. Immutable and safe
// for concurrent use.
type Plan struct {
	cols []Column
	opts Options
}

// Columns returns the plan's columns, in schema order.
func (p *Plan) Columns() []Column { return slices.Clone(p.cols) }

// Schema returns the Arrow schema of the generated batches: the declared
// columns in file order, then the inferred ones in order of first use.
// Required columns are not nullable.
func (p *Plan) Schema() *arrow.Schema {
	fields := make([]arrow.Field, len(p.cols))
	for i, c := range p.cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type, Nullable: c.NullRate > 0}
	}
	return arrow.NewSchema(fields, nil)
}

// candidates are the types tried, in order, for a column without a
// declared type: the first that makes the rules type-check wins.
var candidates = []arrow.DataType{
	arrow.PrimitiveTypes.Int64,
	arrow.PrimitiveTypes.Float64,
	arrow.BinaryTypes.String,
	arrow.FixedWidthTypes.Boolean,
	&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"},
	&arrow.DurationType{Unit: arrow.Microsecond},
	arrow.BinaryTypes.Binary,
	arrow.PrimitiveTypes.Uint64,
}

// unknownRE finds the column of a compile problem about a column that is
// neither declared nor in the schema.
var unknownRE = regexp.MustCompile(`unknown column ("(?:[^"\\]|\\.)*")`)

// FromRuleSet plans the synthetic data of rs. Columns whose types cannot
// be inferred are refused with a *TypeError (wrapping ErrNoType); a rule
// file that does not compile on any schema returns its rules.Errors.
func FromRuleSet(rs *rules.RuleSet, opts Options) (*Plan, error) {
	opts = opts.withDefaults()
	hint := rs.SchemaHint()
	declared := map[string]arrow.DataType{}
	for _, f := range hint.Fields() {
		declared[f.Name] = f.Type
	}
	var cols []Column
	seen := map[string]bool{}
	for _, c := range rs.Columns {
		if seen[c.Name] {
			continue
		}
		seen[c.Name] = true
		col := Column{
			Name: c.Name, Type: declared[c.Name], Values: c.Values, Min: c.Min, Max: c.Max,
			Pattern: c.Pattern, MinLength: c.MinLength, MaxLength: c.MaxLength, Unique: c.Unique,
			NullRate: opts.NullRate,
		}
		if c.Required {
			col.NullRate = 0
		}
		if col.Type == nil {
			col.Inferred = true
		}
		cols = append(cols, col)
	}
	if err := infer(rs, &cols, opts.NullRate); err != nil {
		return nil, err
	}
	for _, c := range cols {
		if err := supported(c); err != nil {
			return nil, err
		}
	}
	return &Plan{cols: cols, opts: opts}, nil
}

// infer types the columns without a declared type and adds the columns
// the rules read but columns: lacks.
func infer(rs *rules.RuleSet, cols *[]Column, nullRate float64) error {
	schema := func() *arrow.Schema {
		fields := make([]arrow.Field, len(*cols))
		for i, c := range *cols {
			t := c.Type
			if t == nil {
				t = candidates[0]
			}
			fields[i] = arrow.Field{Name: c.Name, Type: t, Nullable: true}
		}
		return arrow.NewSchema(fields, nil)
	}
	// problems compiles rs on the current schema: nil when it compiles,
	// rules.Errors otherwise.
	problems := func(rs *rules.RuleSet) (rules.Errors, error) {
		_, err := rs.Compile(schema())
		if err == nil {
			return nil, nil
		}
		var errs rules.Errors
		if !errors.As(err, &errs) {
			return nil, err
		}
		return errs, nil
	}

	// Find the undeclared columns: each compile names the unknown ones.
	for range 16 {
		errs, err := problems(rs)
		if err != nil {
			return err
		}
		added := false
		for _, p := range errs {
			m := unknownRE.FindStringSubmatch(p.Msg)
			if m == nil {
				continue
			}
			name, err := strconv.Unquote(m[1])
			if err != nil || slices.ContainsFunc(*cols, func(c Column) bool { return c.Name == name }) {
				continue
			}
			*cols = append(*cols, Column{Name: name, Inferred: true, NullRate: nullRate})
			added = true
		}
		if !added {
			break
		}
	}

	var open []int
	for i, c := range *cols {
		if c.Type == nil {
			open = append(open, i)
			(*cols)[i].Type = candidates[0]
		}
	}
	if len(open) == 0 {
		_, err := rs.Compile(schema())
		return err
	}
	// Coordinate descent: each open column takes the first candidate with
	// the fewest problems, the others held, until nothing changes.
	for range 4 {
		changed := false
		for _, i := range open {
			keep := (*cols)[i].Type
			bestType, bestN := keep, -1
			sub := mentioning(rs, (*cols)[i].Name)
			for _, t := range candidates {
				(*cols)[i].Type = t
				errs, err := problems(sub)
				if err != nil {
					return err
				}
				if bestN < 0 || len(errs) < bestN {
					bestType, bestN = t, len(errs)
				}
				if bestN == 0 {
					break // no candidate does better
				}
			}
			(*cols)[i].Type = bestType
			changed = changed || !arrow.TypeEqual(keep, bestType)
		}
		if !changed {
			break
		}
	}
	errs, err := problems(rs)
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		return nil
	}
	// Name the open columns the remaining problems show, all of them when
	// the problems show none.
	var names, all []string
	for _, i := range open {
		name := (*cols)[i].Name
		all = append(all, name)
		word := wordRE(name)
		if slices.ContainsFunc(errs, func(p rules.Problem) bool { return word.MatchString(p.Msg) }) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		names = all
	}
	return &TypeError{File: rs.Path, Columns: names, Err: errs}
}

// mentioning is rs reduced to the rules whose text names column, so that
// trying a type compiles only the rules it can change (all of rs when none
// does).
func mentioning(rs *rules.RuleSet, column string) *rules.RuleSet {
	word := wordRE(column)
	var keep []rules.Rule
	for _, r := range rs.Rules {
		if word.MatchString(r.Expr) || word.MatchString(r.Check) {
			keep = append(keep, r)
		}
	}
	if len(keep) == 0 {
		return rs
	}
	sub := *rs
	sub.Rules = keep
	return &sub
}

// wordRE matches name where it is not part of a longer identifier.
func wordRE(name string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[^\pL\pN_])` + regexp.QuoteMeta(name) + `($|[^\pL\pN_])`)
}

// supported reports a column the generator cannot produce.
func supported(c Column) error {
	switch c.Type.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.DECIMAL256,
		arrow.BOOL, arrow.STRING, arrow.BINARY, arrow.DATE32, arrow.TIMESTAMP, arrow.DURATION:
	default:
		return fmt.Errorf("column %q of type %s: %w", c.Name, c.Type, ErrUnsupported)
	}
	if c.Pattern != "" {
		if _, err := newPatternGen(c.Pattern); err != nil {
			return fmt.Errorf("column %q: pattern %q: %w", c.Name, c.Pattern, err)
		}
	}
	return nil
}
