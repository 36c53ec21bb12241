package rules

import (
	"encoding/json"
	"sync"
	"sync/atomic"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"

	"github.com/sluicedata/sluice/rules/textfmt"
)

// textFunctions declares the text-format predicates as CEL functions
// string → bool: is_json(s) is true when s is one well-formed JSON value
// (RFC 8259, surrounding whitespace allowed; NaN and Infinity are not JSON).
// parses_time(s, layout) is true when all of s parses with the strftime
// layout (see textfmt.Compile) and names a real date; a layout that cannot
// be used is an evaluation error. parses_date(s) is true when s is a date
// or time in one of the free forms of textfmt.ParsesDate.
// matches_json_schema(s, schema) is true when s is one JSON value that the
// JSON Schema schema accepts (textfmt.CompileJSONSchema); a schema that
// cannot be used is an evaluation error. The vectorized engine runs the
// same predicates (see rules/engine).
func textFunctions() []cel.EnvOption {
	return []cel.EnvOption{
		cel.Function("is_json",
			cel.Overload("is_json_string", []*cel.Type{cel.StringType}, cel.BoolType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					s, ok := v.(types.String)
					if !ok {
						return types.MaybeNoSuchOverloadErr(v)
					}
					return types.Bool(json.Valid([]byte(s)))
				}))),
		cel.Function("parses_time",
			cel.Overload("parses_time_string_string", []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
				cel.BinaryBinding(func(v, lv ref.Val) ref.Val {
					s, ok := v.(types.String)
					layout, ok2 := lv.(types.String)
					if !ok || !ok2 {
						return types.MaybeNoSuchOverloadErr(v)
					}
					l, err := compiledLayout(string(layout))
					if err != nil {
						return types.NewErr("parses_time: %v", err)
					}
					return types.Bool(l.Match(string(s)))
				}))),
		cel.Function("parses_date",
			cel.Overload("parses_date_string", []*cel.Type{cel.StringType}, cel.BoolType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					s, ok := v.(types.String)
					if !ok {
						return types.MaybeNoSuchOverloadErr(v)
					}
					return types.Bool(textfmt.ParsesDate(string(s)))
				}))),
		cel.Function("matches_json_schema",
			cel.Overload("matches_json_schema_string_string", []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
				cel.BinaryBinding(func(v, sv ref.Val) ref.Val {
					s, ok := v.(types.String)
					schema, ok2 := sv.(types.String)
					if !ok || !ok2 {
						return types.MaybeNoSuchOverloadErr(v)
					}
					js, err := compiledSchema(string(schema))
					if err != nil {
						return types.NewErr("matches_json_schema: %v", err)
					}
					return types.Bool(js.Match(string(s)))
				}))),
	}
}

// layouts caches compiled strftime layouts: a rule's layout is a literal,
// compiled once rather than per row.
var layouts sync.Map // string → *textfmt.Layout

func compiledLayout(layout string) (*textfmt.Layout, error) {
	if l, ok := layouts.Load(layout); ok {
		return l.(*textfmt.Layout), nil
	}
	l, err := textfmt.Compile(layout)
	if err != nil {
		return nil, err
	}
	layouts.Store(layout, l)
	return l, nil
}

// schemas caches compiled JSON Schemas, as layouts does layouts: a rule's
// schema is a literal, compiled once rather than per row. A schema that is
// not a literal is compiled per distinct value, and only the first
// maxCachedSchemas are kept.
var (
	schemas     sync.Map // string → *textfmt.JSONSchema
	schemaCount atomic.Int64
)

const maxCachedSchemas = 64

func compiledSchema(text string) (*textfmt.JSONSchema, error) {
	if s, ok := schemas.Load(text); ok {
		return s.(*textfmt.JSONSchema), nil
	}
	s, err := textfmt.CompileJSONSchema(text)
	if err != nil {
		return nil, err
	}
	if schemaCount.Add(1) <= maxCachedSchemas {
		schemas.Store(text, s)
	}
	return s, nil
}
