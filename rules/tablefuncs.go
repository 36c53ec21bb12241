package rules

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/cel-go/cel"
	celast "github.com/google/cel-go/common/ast"

	"github.com/sluicedata/sluice/internal/arrowtypes"
)

// Table functions of dataset checks: the dataset's layout (column_count(),
// columns()) and the row count of another dataset (row_count('path')).
//
// column_count() and columns() read the schema the program was compiled
// against — the columns of the data as its reader gives them, in the
// data's order — not the columns: the rule file declares. A column that a
// reader adds only because the rule file declares it (the JSON reader's
// hinted keys that no record has; the field carries
// arrowtypes.DeclaredOnlyKey) is not a column of the data and is left out.

// tableDecls declares the table functions.
func tableDecls() []cel.EnvOption {
	return []cel.EnvOption{
		cel.Function("column_count", cel.Overload("sluice_column_count", nil, cel.IntType)),
		cel.Function("columns", cel.Overload("sluice_columns", nil, cel.ListType(cel.StringType))),
		cel.Function("row_count", cel.Overload("sluice_row_count_of", []*cel.Type{cel.StringType}, cel.IntType)),
	}
}

// tableDef fills d for column_count(), columns() or row_count('path');
// handled reports whether the call is one of them, ok whether it is valid
// (a problem has been reported otherwise).
func (m *metricReplacer) tableDef(a *celast.AST, e celast.Expr, d *metricDef) (handled, ok bool) {
	call := e.AsCall()
	args := call.Args()
	switch name := call.FunctionName(); {
	case name == "column_count" || name == "columns":
		d.kind, d.fn, d.key = metricSchema, name, name+"()"
		d.typ = cel.IntType
		if name == "columns" {
			d.typ = cel.ListType(cel.StringType)
		}
		return true, true
	case name == "row_count" && len(args) == 1:
		ds, lit := stringLiteral(args[0])
		if !lit || strings.TrimSpace(ds) == "" {
			m.fail(a, e.ID(), "row_count('dataset path') takes a string constant: the path or URL of another dataset")
			return true, false
		}
		if !strings.Contains(ds, "://") && !filepath.IsAbs(ds) && m.c.rs.Path != "" {
			ds = filepath.Join(filepath.Dir(m.c.rs.Path), ds)
		}
		d.kind, d.typ = metricRowsOf, cel.IntType
		d.ref = Reference{Dataset: ds}
		d.key = fmt.Sprintf("row_count(%q)", ds)
		return true, true
	}
	return false, false
}

// dataColumns are the names of the data's columns, in order: the compiled
// schema's fields less those only a declaration added.
func dataColumns(schema *arrow.Schema) []string {
	if schema == nil {
		return nil
	}
	out := make([]string, 0, schema.NumFields())
	for _, f := range schema.Fields() {
		if arrowtypes.DeclaredOnly(f) {
			continue
		}
		out = append(out, f.Name)
	}
	return out
}

// tableValue computes a table function.
func (r *Run) tableValue(ctx context.Context, d *metricDef) (any, error) {
	switch d.kind {
	case metricSchema:
		cols := dataColumns(r.p.schema)
		if d.fn == "column_count" {
			return int64(len(cols)), nil
		}
		return cols, nil
	case metricRowsOf:
		return r.rowsOf(ctx, d)
	}
	return nil, fmt.Errorf("unknown table function")
}

// rowsOf counts the rows of the reference dataset of d.
func (r *Run) rowsOf(ctx context.Context, d *metricDef) (any, error) {
	if r.cfg.refs == nil {
		return nil, fmt.Errorf("no reference opener: reading %s needs rules.WithReferences", d.ref.Dataset)
	}
	rdr, err := r.cfg.refs(ctx, d.ref)
	if err != nil {
		return nil, fmt.Errorf("%w: open %s: %w", ErrReference, d.ref.Dataset, err)
	}
	if rdr == nil {
		return nil, fmt.Errorf("open reference %s: no reader", d.ref.Dataset)
	}
	defer rdr.Release()
	var n int64
	for rdr.Next() {
		n += rdr.RecordBatch().NumRows()
	}
	if err := rdr.Err(); err != nil {
		return nil, fmt.Errorf("%w: read %s: %w", ErrReference, d.ref.Dataset, err)
	}
	return n, nil
}
