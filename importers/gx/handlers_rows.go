package gx

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedata/sluice/importers"
	"github.com/sluicedata/sluice/rules/textfmt"
)

// The row-level translations in this file register themselves after the
// table in handlers.go (files initialize in name order: handlers.go first).
func init() {
	for typ, h := range map[string]handler{
		"expect_column_values_to_be_in_type_list":       inTypeList,
		"expect_column_values_to_be_json_parseable":     jsonParseable,
		"expect_column_values_to_match_strftime_format": strftimeFormat,
	} {
		handlers[typ] = h
		delete(unsupportedTypes, typ)
	}
}

// inTypeList declares the column's type. GX accepts any type of the list;
// a Sluice column has one declared type, so the translation declares the
// listed type that the given schema's column has, or else the first listed
// type that Sluice knows. Without type_list GX passes: the column must exist.
func inTypeList(t *translator, kw kwargs) (spec, error) {
	c, err := column(kw)
	if err != nil {
		return spec{}, err
	}
	if !kw.has("type_list") {
		return spec{column: &importers.Column{Key: c}}, nil
	}
	list, ok := kw["type_list"].([]any)
	if !ok {
		return spec{}, invalid("type_list must be a list of type names")
	}
	var known []string
	for _, v := range list {
		name, ok := v.(string)
		if !ok {
			return spec{}, invalid("type_list must be a list of type names")
		}
		if st, ok := gxTypes[name]; ok {
			known = append(known, st)
		}
	}
	if len(known) == 0 {
		return spec{}, unsupported("no type of type_list has a Sluice column type")
	}
	st := known[0]
	if dt := t.fieldType(c); dt != nil {
		for _, k := range known {
			if typeIs(k, dt) {
				st = k
				break
			}
		}
	}
	sp := spec{column: &importers.Column{Key: c, Type: st},
		partial: "becomes the column's declared type: a mismatch is a schema error when the rules are compiled (exit 2), not a failed rule"}
	if distinct(known) > 1 {
		sp.partial += "; of the listed types " + strings.Join(known, ", ") + " only " + st + " is declared"
	}
	return sp, nil
}

// jsonParseable is is_json on a string column. A value of any other type is
// not JSON text (GX's json.loads refuses it), so each non-null value fails.
func jsonParseable(t *translator, kw kwargs) (spec, error) {
	c, err := column(kw)
	if err != nil {
		return spec{}, err
	}
	id := importers.Ident(c)
	switch t.kind(c) {
	case kindString, kindUnknown:
		return rowRule("json_parseable", c, "is_json("+id+")", false), nil
	default:
		return rowRule("json_parseable", c, id+" == null", true), nil
	}
}

// fieldType is the given schema's type of col, or nil.
func (t *translator) fieldType(col string) arrow.DataType {
	if t.opts.Schema == nil {
		return nil
	}
	idx := t.opts.Schema.FieldIndices(col)
	if len(idx) == 0 {
		return nil
	}
	return t.opts.Schema.Field(idx[0]).Type
}

// typeIs reports whether dt is what the Sluice column type st reads as.
func typeIs(st string, dt arrow.DataType) bool {
	switch st {
	case "int64":
		return dt.ID() == arrow.INT64
	case "int32":
		return dt.ID() == arrow.INT32
	case "double":
		return dt.ID() == arrow.FLOAT64
	case "float32":
		return dt.ID() == arrow.FLOAT32
	case "string":
		return dt.ID() == arrow.STRING || dt.ID() == arrow.LARGE_STRING || dt.ID() == arrow.STRING_VIEW
	case "bool":
		return dt.ID() == arrow.BOOL
	case "timestamp":
		return dt.ID() == arrow.TIMESTAMP
	case "date":
		return dt.ID() == arrow.DATE32 || dt.ID() == arrow.DATE64
	}
	return false
}

func distinct(s []string) int {
	seen := map[string]bool{}
	for _, v := range s {
		seen[v] = true
	}
	return len(seen)
}

// strftimeFormat is parses_time with the layout. GX refuses a column that is
// not of strings, and a layout strptime cannot use.
func strftimeFormat(t *translator, kw kwargs) (spec, error) {
	c, err := column(kw)
	if err != nil {
		return spec{}, err
	}
	layout, err := kw.str("strftime_format")
	if err != nil {
		return spec{}, err
	}
	if _, err := textfmt.Compile(layout); err != nil {
		return spec{}, invalid(err.Error())
	}
	if k := t.kind(c); k != kindString && k != kindUnknown {
		return spec{}, invalid(fmt.Sprintf("column %q is not of strings", c))
	}
	return rowRule("strftime_format", c, "parses_time("+importers.Ident(c)+", "+strconv.Quote(layout)+")", false), nil
}
