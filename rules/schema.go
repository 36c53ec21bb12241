package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/google/cel-go/cel"

	"github.com/sluicedata/sluice/internal/arrowtypes"
)

// SchemaFindingKind says how the data departs from the declared columns.
type SchemaFindingKind string

const (
	// SchemaMissing: a declared column is not in the data.
	SchemaMissing SchemaFindingKind = "missing"
	// SchemaRetyped: a declared column's type differs from its declared
	// type (typeAgrees: widths of numbers must agree; string and binary
	// accept their large, view and dictionary encodings; timestamp accepts
	// any unit and zone).
	SchemaRetyped SchemaFindingKind = "retyped"
	// SchemaExtra: a column of the data that columns: does not declare,
	// under schema.extra_columns warn or fail.
	SchemaExtra SchemaFindingKind = "extra"
)

// SchemaFinding is one departure of the data's schema from the rule file's
// columns:. A finding is a result, not an error: it fails the built-in rule
// Rule, and the rules that read a missing or retyped column are not
// evaluated (CompiledRule.NotEvaluated). Its fields carry names and types,
// never values.
type SchemaFinding struct {
	// Rule is the built-in rule the finding fails: schema.<key>
	// (SchemaRuleName), with the column's key, or its physical name for an
	// extra column.
	Rule string
	// Column is the physical column name; Key the columns: key ("" for an
	// extra column).
	Column, Key string
	Kind        SchemaFindingKind
	// Declared is the declared type as written ("" when none is declared,
	// and for an extra column); Actual is the data's type in the rule-file
	// vocabulary (Arrow's name when it has none; "" when missing).
	Declared, Actual string
	// Line is the line of the column in the rule file (of
	// schema.extra_columns for an extra column; 0 when unknown).
	Line int
	// Severity is the column's severity: (error when not given) for a
	// missing or retyped column, warn or error per schema.extra_columns for
	// an extra one.
	Severity Severity
	// Message is one line, e.g. `column "amount" is missing from the data`.
	Message string
}

// SchemaRuleName is the name of the built-in rule of a column's schema
// findings: "schema." + key.
func SchemaRuleName(key string) string { return "schema." + key }

// TypeRuleName is the name of the built-in rule a value that does not parse
// as its column's type fails: key + ".type".
func TypeRuleName(key string) string { return key + ".type" }

// InvalidPolicy returns the column's on_invalid: policy, OnInvalidFail when
// not given.
func (c Column) InvalidPolicy() OnInvalid {
	if c.OnInvalid == "" {
		return OnInvalidFail
	}
	return c.OnInvalid
}

func (c *Column) severity() Severity {
	if c.Severity == "" {
		return SeverityError
	}
	return c.Severity
}

// TypeRule is the built-in row rule <key>.type of a declared column: a row
// whose value of the column does not parse as its type fails it (the cell is
// null). Readers of text formats (CSV, JSON) apply it; typed formats cannot
// hold such a value.
type TypeRule struct {
	Name     string // TypeRuleName(Key)
	Key      string // the columns: key
	Column   string // the physical column name
	Type     string // the declared type, as written
	Severity Severity
	Line     int // of the column in the rule file
}

// TypeRules returns the built-in <key>.type rules, in file order: one for
// every column with a declared type whose on_invalid: is fail (the
// default). Columns with on_invalid: null or error have none: their invalid
// values are nulls, or abort the read.
func (rs *RuleSet) TypeRules() []TypeRule {
	var out []TypeRule
	for i := range rs.Columns {
		c := &rs.Columns[i]
		if c.Type == "" || c.InvalidPolicy() != OnInvalidFail {
			continue
		}
		out = append(out, TypeRule{Name: TypeRuleName(c.Key), Key: c.Key, Column: c.Name, Type: c.Type, Severity: c.severity(), Line: c.Line})
	}
	return out
}

// ColumnByName returns the columns: entry of the physical column name.
func (rs *RuleSet) ColumnByName(name string) (Column, bool) {
	for _, c := range rs.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// HistoryRules returns the names of the dataset checks that call a
// history-aware function (previous, change, anomaly, drift, ks,
// columns_added, columns_removed, columns_retyped, schema_unchanged), in
// file order. They need a history store: a caller that has none refuses
// the rule file rather than report them not evaluated.
func (rs *RuleSet) HistoryRules() []string {
	var out []string
	for _, r := range rs.Rules {
		if r.Check != "" && callsAny(r.Check, historyFuncs) {
			out = append(out, r.Name)
		}
	}
	return out
}

// NeedsHistory reports whether any rule is history-aware (HistoryRules);
// rules not evaluated on this data count too, as the rule file asks for
// history either way.
func (p *Program) NeedsHistory() bool { return len(p.rs.HistoryRules()) > 0 }

// HistoryRules returns the names of the program's history-aware rules
// (RuleSet.HistoryRules).
func (p *Program) HistoryRules() []string { return p.rs.HistoryRules() }

// SchemaFindings returns how the data's schema departs from columns:, in
// file order, then the extra columns in schema order; nil when it does
// not. Rules over a missing or retyped column are not evaluated
// (CompiledRule.NotEvaluated).
func (p *Program) SchemaFindings() []SchemaFinding { return slices.Clone(p.ce.findings) }

// Key returns the physical names of the key: columns, in key order, when
// every one of them is in the data; nil when the rule file has no key or a
// key column is missing (a SchemaFinding then says which).
func (p *Program) Key() []string {
	var out []string
	for _, k := range p.rs.Key {
		name := p.rs.physical(k)
		if len(p.schema.FieldIndices(name)) == 0 {
			return nil
		}
		out = append(out, name)
	}
	return out
}

// Projection returns the columns a run of the program reads, sorted: those
// the evaluated rules read (Columns), the declared columns the data has (so
// that their values are parsed and checked as declared even when no rule
// reads them) and the key columns. It never names a column the data lacks;
// it is empty when no column is needed (row_count() alone).
func (p *Program) Projection() []string {
	cols := slices.Clone(p.columns)
	for _, c := range p.rs.Columns {
		if len(p.schema.FieldIndices(c.Name)) > 0 {
			cols = append(cols, c.Name)
		}
	}
	cols = append(cols, p.Key()...)
	return sortedUnique(cols)
}

// physical returns the physical name of a column key, or name itself.
func (rs *RuleSet) physical(name string) string {
	for _, c := range rs.Columns {
		if c.Key == name {
			return c.Name
		}
	}
	return name
}

// declare checks the declared columns against the schema: a missing
// column gets a slot typed as declared, a retyped one is typed as declared,
// both with a finding; extra columns are findings per the policy.
func (ce *columnEnv) declare(rs *RuleSet) {
	declared := map[string]bool{}
	phys := slices.Clone(ce.names) // suggestions name columns of the data
	for i := range rs.Columns {
		c := &rs.Columns[i]
		declared[c.Name] = true
		f := SchemaFinding{Rule: SchemaRuleName(c.Key), Column: c.Name, Key: c.Key, Declared: c.Type, Line: c.Line, Severity: c.severity()}
		idx := ce.schema.FieldIndices(c.Name)
		switch {
		case len(idx) == 0:
			f.Kind = SchemaMissing
			reason := fmt.Sprintf("column %q is missing from the data", c.Name)
			f.Message = reason
			if s := suggest(c.Name, phys); s != "" {
				f.Message += fmt.Sprintf(" (did you mean %s?)", spell(s))
			}
			ce.phantom(i, c, reason)
		case c.Type != "" && !typeAgrees(c.Type, ce.schema.Field(idx[0]).Type):
			f.Kind = SchemaRetyped
			f.Actual = arrowtypes.Describe(ce.schema.Field(idx[0]).Type)
			f.Message = fmt.Sprintf("column %q is declared as %s but the data has %s", c.Name, c.Type, f.Actual)
			if k, ok := ce.byName[c.Name]; ok {
				if t, ok := declaredCEL(c.Type); ok {
					ce.slots[k].cel = t
				}
				ce.slots[k].finding = f.Message
				ce.affected = true
			} else {
				delete(ce.unsupported, c.Name) // rules over it type-check as declared
				ce.phantom(i, c, f.Message)
			}
		default:
			continue
		}
		ce.findings = append(ce.findings, f)
	}
	pol := rs.Schema.ExtraColumns
	if len(rs.Columns) == 0 || (pol != ExtraWarn && pol != ExtraFail) {
		return
	}
	sev := SeverityWarn
	if pol == ExtraFail {
		sev = SeverityError
	}
	for _, fld := range ce.schema.Fields() {
		if declared[fld.Name] {
			continue
		}
		declared[fld.Name] = true // a name repeated in the schema is one finding
		ce.findings = append(ce.findings, SchemaFinding{
			Rule: SchemaRuleName(fld.Name), Column: fld.Name, Kind: SchemaExtra,
			Actual: arrowtypes.Describe(fld.Type), Line: rs.schemaLine, Severity: sev,
			Message: fmt.Sprintf("column %q is in the data but not declared in columns: (schema.extra_columns: %s)", fld.Name, pol),
		})
	}
}

// phantom adds a slot for declared column i, which the data lacks or holds
// in a type CEL cannot read, typed as declared (dyn when no type is
// declared).
func (ce *columnEnv) phantom(i int, c *Column, reason string) {
	t, ok := declaredCEL(c.Type)
	if !ok {
		t = cel.DynType
	}
	ident := c.Name
	if _, taken := ce.byIdent[ident]; taken || !isIdent(ident) || strings.HasPrefix(ident, "__") {
		ident = "__d" + strconv.Itoa(i)
	}
	dt, _ := parseTypeName(c.Type)
	ce.slots = append(ce.slots, &slot{ident: ident, name: c.Name, field: -1, typ: dt, cel: t, finding: reason})
	k := len(ce.slots) - 1
	ce.byIdent[ident] = k
	ce.byName[c.Name] = k
	ce.names = append(ce.names, c.Name)
	ce.affected = true
}

// declaredCEL is the CEL type of a declared type.
func declaredCEL(declared string) (*cel.Type, bool) {
	if declared == "" {
		return nil, false
	}
	dt, err := parseTypeName(declared)
	if err != nil {
		return nil, false
	}
	return celType(dt)
}

// callsAny reports whether a CEL text calls one of funcs as a global
// function (name followed by '('; string literals and method calls do not
// count).
func callsAny(src string, funcs []string) bool {
	rs := []rune(src)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case c == '"' || c == '\'':
			i = skipString(rs, i)
			continue
		case (c == 'r' || c == 'R' || c == 'b' || c == 'B') && i+1 < len(rs) && (rs[i+1] == '"' || rs[i+1] == '\'') && (i == 0 || !identRune(rs[i-1])):
			i = skipString(rs, i+1)
			continue
		case c == '`':
			// A quoted field name: skip to its end.
			j := i + 1
			for j < len(rs) && rs[j] != '`' && rs[j] != '\n' {
				j++
			}
			i = j + 1
			continue
		case identRune(c):
			j := i
			for j < len(rs) && identRune(rs[j]) {
				j++
			}
			if slices.Contains(funcs, string(rs[i:j])) && !afterDot(rs, i) {
				if k := skipSpace(rs, j); k < len(rs) && rs[k] == '(' {
					return true
				}
			}
			i = j
			continue
		}
		i++
	}
	return false
}

// afterDot reports whether the word at i follows a '.' (a field or method).
func afterDot(rs []rune, i int) bool {
	for k := i - 1; k >= 0; k-- {
		switch rs[k] {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return rs[k] == '.'
	}
	return false
}

// Loading of the keys of this file: key:, schema: and the names reserved
// for built-in rules.

// key parses key: [col, …] (a single name is a list of one).
func (l *loader) key(rs *RuleSet, fl field) {
	var items []ast.Node
	switch v := unwrap(fl.value).(type) {
	case *ast.SequenceNode:
		items = v.Values
	case *ast.StringNode:
		items = []ast.Node{v}
	default:
		l.add(orKey(fl), "", "key: must be a list of column names, not %s", describeField(fl))
		return
	}
	if len(items) == 0 {
		l.add(fl.keyN, "", "key: must name at least one column")
		return
	}
	seen := map[string]int{}
	for _, v := range items {
		s, ok := unwrap(v).(*ast.StringNode)
		if !ok {
			l.add(v, "", "key: must be a list of column names, found %s", describe(v))
			continue
		}
		line, _ := posOf(v)
		switch first, dup := seen[s.Value]; {
		case strings.TrimSpace(s.Value) == "":
			l.add(v, "", "key: empty column name")
		case dup:
			l.add(v, "", "key: column %q is listed twice (first at line %d)", s.Value, first)
		default:
			seen[s.Value] = line
			rs.Key = append(rs.Key, s.Value)
			rs.keyLines = append(rs.keyLines, line)
		}
	}
}

// schema parses schema: {extra_columns: allow|warn|fail}.
func (l *loader) schema(rs *RuleSet, fl field) {
	fields, _ := l.fields(fl.value, "schema", "", schemaKeys)
	for _, f := range fields {
		if f.key != "extra_columns" {
			continue
		}
		s, ok := l.str(f, "")
		if !ok {
			continue
		}
		switch ExtraColumns(s) {
		case ExtraAllow, ExtraWarn, ExtraFail:
			rs.Schema.ExtraColumns = ExtraColumns(s)
			rs.schemaLine, _ = posOf(f.keyN)
		default:
			l.add(f.value, "", "schema.extra_columns: must be allow, warn or fail, not %q", s)
		}
	}
}

// reserved reports rules named like a built-in rule: schema.<anything>, or
// <key>.type of a declared column.
func (l *loader) reserved(rs *RuleSet) {
	for _, r := range rs.Rules {
		if r.Generated {
			continue
		}
		if strings.HasPrefix(r.Name, "schema.") {
			l.errs = append(l.errs, Problem{File: l.file, Line: r.Line, Rule: r.Name,
				Msg: "the name is reserved: schema.<column> names the built-in rules of the schema contract"})
			continue
		}
		for _, c := range rs.Columns {
			if r.Name == TypeRuleName(c.Key) {
				l.errs = append(l.errs, Problem{File: l.file, Line: r.Line, Rule: r.Name,
					Msg: fmt.Sprintf("the name is reserved: %s is the built-in rule of values that do not parse as column %s's type", r.Name, c.Key)})
			}
		}
	}
}
