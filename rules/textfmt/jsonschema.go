package textfmt

import (
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ErrJSONSchema is returned for a JSON Schema that cannot be used.
var ErrJSONSchema = errors.New("textfmt: invalid JSON Schema")

// JSONSchema is a compiled JSON Schema (draft 2020-12 unless the schema's
// $schema names another draft). It is safe for concurrent use.
type JSONSchema struct {
	s *jsonschema.Schema
}

// CompileJSONSchema compiles the JSON text of a schema once, for Match to
// validate many values against. A $ref may point inside the schema and to
// the drafts' meta-schemas; it never loads a file or URL: such a reference
// is an error here.
func CompileJSONSchema(text string) (*JSONSchema, error) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("%w: not JSON: %w", ErrJSONSchema, err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(jsonschema.SchemeURLLoader{}) // no scheme: nothing is loaded
	const loc = "sluice:schema.json"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJSONSchema, err)
	}
	s, err := c.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJSONSchema, err)
	}
	return &JSONSchema{s: s}, nil
}

// Match reports whether v is one JSON value (as is_json says) that the
// schema accepts. A v that is not JSON does not match.
func (j *JSONSchema) Match(v string) bool {
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(v))
	if err != nil {
		return false
	}
	return j.s.Validate(inst) == nil
}
