package rules

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A rule on the interpreter says why the vectorized engine does not run it.
func TestNotVectorizedSaysWhy(t *testing.T) {
	const yaml = `version: 1
dataset: d
owner: o@example.com
rules:
  - name: plain
    expr: a > 0
  - name: lists
    expr: "[a, a].map(x, x * 2).size() == 2"
`
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rs, err := Parse("r.yaml", []byte(yaml))
	require.NoError(t, err)
	prog, err := rs.Compile(schema)
	require.NoError(t, err)
	byName := map[string]*CompiledRule{}
	for _, r := range prog.Rules() {
		byName[r.Name] = r
	}
	assert.Equal(t, EngineVectorized, byName["plain"].Engine)
	assert.Empty(t, byName["plain"].NotVectorized)
	assert.Equal(t, EngineInterpreter, byName["lists"].Engine)
	assert.NotEmpty(t, byName["lists"].NotVectorized)

	interp, err := rs.Compile(schema, WithEngine(EngineInterpreter))
	require.NoError(t, err)
	assert.Equal(t, "the interpreter engine was asked for", interp.Rules()[0].NotVectorized)
}

// on_invalid: null written bare is YAML's null: the null policy.
func TestOnInvalidBareNull(t *testing.T) {
	for _, v := range []string{"null", `"null"`, "~"} {
		rs, err := Parse("r.yaml", []byte("version: 1\ndataset: d\nowner: o@example.com\ncolumns:\n  a: {type: int64, on_invalid: "+v+"}\n"))
		require.NoError(t, err, v)
		assert.Equal(t, OnInvalidNull, rs.Columns[0].InvalidPolicy(), v)
	}
}
