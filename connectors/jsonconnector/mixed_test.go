package jsonconnector_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/jsonconnector"
)

func TestMixedKindsReadAsString(t *testing.T) {
	tests := []struct {
		name   string
		values []string // JSON of key v, one record each
		opts   []jsonconnector.Option
		typ    arrow.DataType
		note   string // "" for none
		read   []string
	}{
		{
			name:   "number and string",
			values: []string{`1`, `"two"`, `3.5`, `null`},
			typ:    arrow.BinaryTypes.String,
			note:   "mixed JSON types (number, string) in the first 1000 records: read as string",
			read:   []string{"1", "two", "3.5", "null"},
		},
		{
			name:   "object and number, compact text",
			values: []string{`{ "a" : [1, 2] }`, `7`, `"x\"y"`},
			typ:    arrow.BinaryTypes.String,
			note:   "mixed JSON types (number, object, string) in the first 1000 records: read as string",
			read:   []string{`{"a":[1,2]}`, "7", `x"y`},
		},
		{
			name:   "object and array",
			values: []string{`[]`, `{}`},
			typ:    arrow.BinaryTypes.String,
			note:   "mixed JSON types (array, object) in the first 1000 records: read as string",
			read:   []string{"[]", "{}"},
		},
		{
			name:   "boolean and number, a window of two",
			values: []string{`true`, `0`, `false`, `"f"`},
			opts:   []jsonconnector.Option{jsonconnector.WithInferRows(2)},
			typ:    arrow.BinaryTypes.String,
			note:   "mixed JSON types (boolean, number) in the first 2 records: read as string",
			read:   []string{"true", "0", "false", "f"},
		},
		{
			name:   "int and float unify",
			values: []string{`1`, `2.5`, `null`, `3`},
			typ:    arrow.PrimitiveTypes.Float64,
			read:   []string{"1", "2.5", "null", "3"},
		},
		{
			name:   "null is no kind",
			values: []string{`null`, `1`, `null`},
			typ:    arrow.PrimitiveTypes.Int64,
			read:   []string{"null", "1", "null"},
		},
		{
			name:   "declared, not inferred",
			values: []string{`1`, `"two"`},
			opts:   []jsonconnector.Option{hintOf("v", arrow.BinaryTypes.String)},
			typ:    arrow.BinaryTypes.String,
			read:   []string{"null", "two"}, // read with InvalidNull: 1 is not a string
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var content string
			for _, v := range tt.values {
				content += `{"v":` + v + "}\n"
			}
			src := jsonconnector.NewSource(writeTemp(t, content), tt.opts...)
			schema, err := src.Schema(context.Background())
			require.NoError(t, err)
			require.Equal(t, 1, schema.NumFields())
			assertNote(t, tt.note, schema.Field(0))
			require.True(t, arrow.TypeEqual(tt.typ, schema.Field(0).Type), "type %s", schema.Field(0).Type)

			read, rows, err := readAll(t, src, connectors.ReadOptions{Invalid: policy(connectors.InvalidNull, "v")})
			require.NoError(t, err)
			assertNote(t, tt.note, read.Field(0))
			var got []string
			for _, r := range rows {
				got = append(got, r[0])
			}
			assert.Equal(t, tt.read, got)
		})
	}
}

func assertNote(t *testing.T, want string, f arrow.Field) {
	t.Helper()
	got, ok := f.Metadata.GetValue(connectors.NoteKey)
	if want == "" {
		assert.False(t, ok, "no note, got %q", got)
		return
	}
	assert.Equal(t, want, got)
}

func TestMixedKindsInvalidUTF8(t *testing.T) {
	// Text of a mixed column is checked like any string.
	path := writeTemp(t, "{\"v\":1}\n{\"v\":\"x\"}\n{\"v\":[\"\xff\"]}\n")
	_, _, err := readAll(t, jsonconnector.NewSource(path), connectors.ReadOptions{})
	var ie *connectors.InputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, 3, ie.Line)
	assert.Equal(t, "v", ie.Field)
	assert.Contains(t, err.Error(), "invalid UTF-8")

	_, rows, err := readAll(t, jsonconnector.NewSource(path), connectors.ReadOptions{Invalid: policy(connectors.InvalidMark, "v")})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"1", "null"}, {"x", "null"}, {"null", "{\"v\":\"[\\\"\ufffd\\\"]\"}"}}, rows)
}

func TestNestedOnlyUnsupported(t *testing.T) {
	for _, content := range []string{`{"a":[1]}` + "\n" + `{"a":[]}`, `{"a":{}}` + "\n" + `{"a":null}`} {
		_, err := jsonconnector.NewSource(writeTemp(t, content)).Schema(context.Background())
		require.ErrorIs(t, err, connectors.ErrUnsupported)
	}
}
