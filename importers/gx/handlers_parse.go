package gx

import (
	"encoding/json"
	"fmt"

	"github.com/sluicedata/sluice/importers"
	"github.com/sluicedata/sluice/rules/textfmt"
)

// The parser translations in this file register themselves after the
// table in handlers.go (files initialize in name order: handlers.go first).
func init() {
	for typ, h := range map[string]handler{
		"expect_column_values_to_be_dateutil_parseable": dateutilParseable,
		"expect_column_values_to_match_json_schema":     matchJSONSchema,
	} {
		handlers[typ] = h
		delete(unsupportedTypes, typ)
	}
}

// stringColumn returns the column of kw, which must hold strings when the
// schema is known: GX raises on other values.
func (t *translator) stringColumn(kw kwargs, typ string) (string, error) {
	c, err := column(kw)
	if err != nil {
		return "", err
	}
	if k := t.kind(c); k != kindString && k != kindUnknown {
		return "", invalid(fmt.Sprintf("values passed to %s must be strings; column %q is not of strings", typ, c))
	}
	return c, nil
}

// dateutilParseable translates …_to_be_dateutil_parseable to
// parses_date(c): the free forms of textfmt.ParsesDate, a subset of what
// python-dateutil reads.
func dateutilParseable(t *translator, kw kwargs) (spec, error) {
	c, err := t.stringColumn(kw, "expect_column_values_to_be_dateutil_parseable")
	if err != nil {
		return spec{}, err
	}
	return rowRule("dateutil_parseable", c, "parses_date("+importers.Ident(c)+")", false), nil
}

// matchJSONSchema translates …_to_match_json_schema to
// matches_json_schema(c, schema), the schema written as JSON text and
// checked here so a schema GX would reject is refused at import.
func matchJSONSchema(t *translator, kw kwargs) (spec, error) {
	c, err := t.stringColumn(kw, "expect_column_values_to_match_json_schema")
	if err != nil {
		return spec{}, err
	}
	v, ok := kw["json_schema"]
	if !ok || v == nil {
		return spec{}, invalid("json_schema is required")
	}
	if _, isObj := v.(map[string]any); !isObj {
		if _, isBool := v.(bool); !isBool {
			return spec{}, invalid("json_schema must be a JSON Schema object")
		}
	}
	text, err := json.Marshal(v)
	if err != nil {
		return spec{}, invalid(fmt.Sprintf("json_schema: %v", err))
	}
	if _, err := textfmt.CompileJSONSchema(string(text)); err != nil {
		return spec{}, invalid(err.Error())
	}
	return rowRule("json_schema", c, "matches_json_schema("+importers.Ident(c)+", "+importers.CELString(string(text))+")", false), nil
}
