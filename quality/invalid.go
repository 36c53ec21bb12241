package quality

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/rules"
)

// InvalidColumn is the column of quarantined rows that holds the raw text
// of their cells that did not parse as their column's type: a JSON object
// from column name to text, with the values of pii.* and masked columns
// redacted (connectors.InvalidColumn). Clean outputs never carry it.
const InvalidColumn = connectors.InvalidColumn

// invalidPolicy is the gate's connectors.ReadOptions.Invalid: a column the
// rule file declares follows its on_invalid: (fail marks the value for the
// column's <key>.type rule); any other column is marked, as its inferred
// type is a promise about every row.
func (g *Gate) invalidPolicy(column string) connectors.InvalidPolicy {
	rs := g.prog.RuleSet()
	if rs == nil {
		return connectors.InvalidMark
	}
	c, ok := rs.ColumnByName(column)
	if !ok {
		return connectors.InvalidMark
	}
	switch c.InvalidPolicy() {
	case rules.OnInvalidNull:
		return connectors.InvalidNull
	case rules.OnInvalidError:
		return connectors.InvalidError
	}
	return connectors.InvalidMark
}

// typeRule is the state of one built-in <key>.type rule.
type typeRule struct {
	rules.TypeRule
	// declared is false for a rule met in the data: a column whose type
	// was inferred.
	declared bool
	failed   int64
	samples  []Sample
}

// typeRules accounts the <key>.type rules of one session from the
// InvalidColumn of its batches.
type typeRules struct {
	list     []*typeRule // declared in file order, then as met
	byColumn map[string]*typeRule
}

func newTypeRules(prog *rules.Program) *typeRules {
	t := &typeRules{byColumn: map[string]*typeRule{}}
	rs := prog.RuleSet()
	if rs == nil {
		return t
	}
	for _, tr := range rs.TypeRules() {
		r := &typeRule{TypeRule: tr, declared: true}
		t.list = append(t.list, r)
		t.byColumn[tr.Column] = r
	}
	return t
}

// rule returns the rule of column, creating it for a column whose type was
// inferred (dt is its type in the batch).
func (t *typeRules) rule(rs *rules.RuleSet, column string, dt arrow.DataType) *typeRule {
	if r, ok := t.byColumn[column]; ok {
		return r
	}
	key := column
	sev := rules.SeverityError
	line := 0
	if rs != nil {
		if c, ok := rs.ColumnByName(column); ok {
			key, line = c.Key, c.Line
			if c.Severity != "" {
				sev = c.Severity
			}
		}
	}
	typ := "unknown"
	if dt != nil {
		typ = dt.String()
	}
	r := &typeRule{TypeRule: rules.TypeRule{
		Name: rules.TypeRuleName(key), Key: key, Column: column, Type: typ, Severity: sev, Line: line,
	}}
	t.list = append(t.list, r)
	t.byColumn[column] = r
	return r
}

// invalidIndex returns the index of the marks a reader appended
// (InvalidColumn with connectors.MarksKey metadata) in schema, or -1: a
// column of that name without the key is data.
func invalidIndex(schema *arrow.Schema) int {
	for _, i := range schema.FieldIndices(InvalidColumn) {
		if schema.Field(i).Metadata.FindKey(connectors.MarksKey) >= 0 {
			return i
		}
	}
	return -1
}

// invalidEntry is one cell of an InvalidColumn object.
type invalidEntry struct{ column, text string }

// parseInvalid decodes an InvalidColumn object, keeping its order.
func parseInvalid(s string) ([]invalidEntry, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("column %s: not a JSON object", InvalidColumn)
	}
	var out []invalidEntry
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", InvalidColumn, err)
		}
		var v string
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("column %s: value of %q: %w", InvalidColumn, k, err)
		}
		key, _ := k.(string)
		out = append(out, invalidEntry{key, v})
	}
	return out, nil
}

// accountInvalid folds the marks of batch into the type rules and the split. It
// runs before the row rules, so a row's failed rules list its type rules
// first.
func (s *session) accountInvalid(batch arrow.RecordBatch, sp *split, base int64, withRules bool) error {
	at := invalidIndex(batch.Schema())
	if at < 0 {
		return nil
	}
	col, ok := batch.Column(at).(*array.String)
	if !ok {
		return fmt.Errorf("column %s: type %s, want string", InvalidColumn, batch.Column(at).DataType())
	}
	if col.NullN() == col.Len() {
		return nil
	}
	rs := s.g.prog.RuleSet()
	sc := batch.Schema()
	for row := range col.Len() {
		if col.IsNull(row) {
			continue
		}
		entries, err := parseInvalid(col.Value(row))
		if err != nil {
			return fmt.Errorf("row %d: %w", base+int64(row), err)
		}
		for _, e := range entries {
			var dt arrow.DataType
			if idx := sc.FieldIndices(e.column); len(idx) > 0 {
				dt = sc.Field(idx[0]).Type
			}
			tr := s.types.rule(rs, e.column, dt)
			tr.failed++
			if len(tr.samples) < s.g.cfg.sampleLimit {
				tr.samples = append(tr.samples, Sample{Row: base + int64(row),
					Values: map[string]any{e.column: s.g.priv.red.String(e.column, e.text)},
					Key:    s.sampleKey(batch, row)})
			}
			if tr.Severity != rules.SeverityError {
				continue
			}
			if !sp.failed[row] {
				sp.failed[row] = true
				sp.nFailed++
			}
			if withRules && !slices.Contains(sp.rules[row], tr.Name) {
				sp.rules[row] = append(sp.rules[row], tr.Name)
			}
		}
	}
	return nil
}

// typeResults returns the results of the <key>.type rules: a declared
// column the data lacks, or holds with another type, is not evaluated (its
// schema.<key> result says why).
func (s *session) typeResults() []RuleResult {
	missing := map[string]string{}
	for _, f := range s.g.prog.SchemaFindings() {
		if f.Kind != rules.SchemaExtra {
			missing[f.Column] = f.Message
		}
	}
	out := make([]RuleResult, 0, len(s.types.list))
	for _, tr := range s.types.list {
		if !s.marks && tr.failed == 0 {
			continue
		}
		rr := RuleResult{
			Name: tr.Name, Kind: rules.KindRow, Severity: tr.Severity, Mostly: 1,
			Metrics: map[string]any{}, Samples: []Sample{}, Engine: "reader",
			Errors: map[string]int64{}, Columns: []string{tr.Column},
			Expr: fmt.Sprintf("every value of %s parses as %s", tr.Column, tr.Type),
		}
		if why, ok := missing[tr.Column]; ok {
			rr.Status = StatusNotEvaluated
			rr.Message = "not evaluated: " + why
			out = append(out, rr)
			continue
		}
		rr.Evaluated = s.rowsIn
		rr.Failed = tr.failed
		rr.Passed = s.rowsIn - tr.failed
		rr.PassFraction = fraction(rr.Passed, rr.Evaluated)
		if tr.samples != nil {
			rr.Samples = tr.samples
		}
		rr.Status = ruleStatus(rr.Severity, rr.Passed, rr.Evaluated, 1)
		switch {
		case rr.Evaluated == 0:
			rr.Message = "not evaluated: the input has no rows"
		case tr.failed > 0 && !tr.declared:
			rr.Message = fmt.Sprintf("%d of %d values did not parse as %s, the type inferred from the first rows; they were read as null", tr.failed, rr.Evaluated, tr.Type)
		case tr.failed > 0:
			rr.Message = fmt.Sprintf("%d of %d values did not parse as %s; they were read as null", tr.failed, rr.Evaluated, tr.Type)
		}
		out = append(out, rr)
	}
	return out
}

// withoutInvalid returns batch without its InvalidColumn (batch itself,
// retained, when it has none). The caller releases the result.
func withoutInvalid(batch arrow.RecordBatch) arrow.RecordBatch {
	at := invalidIndex(batch.Schema())
	if at < 0 {
		batch.Retain()
		return batch
	}
	cols := slices.Delete(slices.Clone(batch.Columns()), at, at+1)
	return array.NewRecordBatch(schemaWithoutInvalid(batch.Schema()), cols, batch.NumRows())
}

// schemaWithoutInvalid returns schema without InvalidColumn.
func schemaWithoutInvalid(schema *arrow.Schema) *arrow.Schema {
	at := invalidIndex(schema)
	if at < 0 {
		return schema
	}
	fields := slices.Delete(slices.Clone(schema.Fields()), at, at+1)
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md)
}

// redactInvalid returns batch with the texts of its InvalidColumn passed
// through the redactor: a pii.* or masked column's raw text never reaches
// the quarantine. The caller releases the result.
func (s *session) redactInvalid(mem memory.Allocator, batch arrow.RecordBatch) (arrow.RecordBatch, error) {
	at := invalidIndex(batch.Schema())
	col, ok := batch.Column(max(at, 0)).(*array.String)
	if at < 0 || !ok || col.NullN() == col.Len() {
		batch.Retain()
		return batch, nil
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(col.Len())
	var buf bytes.Buffer
	for row := range col.Len() {
		if col.IsNull(row) {
			b.AppendNull()
			continue
		}
		entries, err := parseInvalid(col.Value(row))
		if err != nil {
			return nil, err
		}
		buf.Reset()
		buf.WriteByte('{')
		for i, e := range entries {
			if i > 0 {
				buf.WriteByte(',')
			}
			k, _ := json.Marshal(e.column)
			v, _ := json.Marshal(s.g.priv.red.String(e.column, e.text))
			buf.Write(k)
			buf.WriteByte(':')
			buf.Write(v)
		}
		buf.WriteByte('}')
		b.Append(buf.String())
	}
	red := b.NewArray()
	defer red.Release()
	cols := slices.Clone(batch.Columns())
	cols[at] = red
	return array.NewRecordBatch(batch.Schema(), cols, batch.NumRows()), nil
}
