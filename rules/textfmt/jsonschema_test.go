package textfmt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/rules/textfmt"
)

func TestJSONSchema(t *testing.T) {
	s, err := textfmt.CompileJSONSchema(`{"properties": {"a": {"type": "integer"}}, "required": ["a"]}`)
	require.NoError(t, err)
	assert.True(t, s.Match(`{"a":1}`))
	assert.True(t, s.Match(` {"a": 2, "b": "x"} `))
	assert.False(t, s.Match(`{"a":"1"}`))
	assert.False(t, s.Match(`{"b":1}`))
	assert.False(t, s.Match(`{"a":1`), "not JSON")
	assert.False(t, s.Match(`{"a":1} {}`), "two values")
	assert.True(t, s.Match(`[1]`), "not an object: properties and required do not apply")

	any, err := textfmt.CompileJSONSchema(`{}`)
	require.NoError(t, err)
	assert.True(t, any.Match(`null`))
	assert.False(t, any.Match(``))

	for _, bad := range []string{`{`, `{"type": "integr"}`, `{"$ref": "file:///etc/passwd"}`, `{"$ref": "https://example.com/s.json"}`, `{"minLength": -1}`} {
		_, err := textfmt.CompileJSONSchema(bad)
		assert.ErrorIs(t, err, textfmt.ErrJSONSchema, bad)
	}
	// References inside the schema and to meta-schemas work.
	_, err = textfmt.CompileJSONSchema(`{"$defs": {"n": {"type": "number"}}, "items": {"$ref": "#/$defs/n"}}`)
	require.NoError(t, err)
	_, err = textfmt.CompileJSONSchema(`{"$schema": "http://json-schema.org/draft-07/schema#", "type": "string"}`)
	require.NoError(t, err)
}
