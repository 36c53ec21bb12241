package jsonconnector_test

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/jsonconnector"
)

func TestLimitsAndRedaction(t *testing.T) {
	redact := jsonconnector.WithRedact(func(column, value string) string {
		if column == "email" {
			return "[redacted]"
		}
		return value
	})
	tests := []struct {
		name     string
		content  string
		opts     []jsonconnector.Option
		line     int
		column   int
		field    string
		contains []string
		absent   []string
		is       error
	}{
		{
			name:     "redacted value",
			content:  "{\"email\":1}\n{\"email\":\"x@y.io\"}\n",
			opts:     []jsonconnector.Option{jsonconnector.WithInferRows(1), redact},
			line:     2,
			column:   10,
			field:    "email",
			contains: []string{`value "[redacted]" (a JSON string) is not a valid int64`},
			absent:   []string{"x@y.io"},
		},
		{
			name:     "value shown quoted",
			content:  "{\"n\":1}\n{\"n\":\"a\\u001b[2J\"}\n",
			opts:     []jsonconnector.Option{jsonconnector.WithInferRows(1)},
			line:     2,
			column:   6,
			field:    "n",
			contains: []string{`value "a\x1b[2J" (a JSON string)`},
			absent:   []string{"\x1b"},
		},
		{
			name:     "top-level value not shown",
			content:  "{\"n\":1}\n\"x@y.io\"\n",
			line:     2,
			column:   1,
			contains: []string{"expected an object, found a string"},
			absent:   []string{"x@y.io"},
		},
		{
			name:     "line too long",
			content:  "{\"n\":1}\n{\"n\":\"" + strings.Repeat("x", 100) + "\"}\n",
			opts:     []jsonconnector.Option{jsonconnector.WithLimits(connectors.Limits{MaxRecordBytes: 64})},
			line:     2,
			contains: []string{"record is longer than 64 bytes"},
			is:       connectors.ErrLimit,
		},
		{
			name:     "array element too long",
			content:  "[{\"n\":1},\n{\"n\":\"" + strings.Repeat("x", 100) + "\"}]",
			opts:     []jsonconnector.Option{jsonconnector.WithLimits(connectors.Limits{MaxRecordBytes: 64})},
			line:     2,
			contains: []string{"record is longer than 64 bytes"},
			is:       connectors.ErrLimit,
		},
		{
			name:     "spaces without end",
			content:  strings.Repeat(" ", 200),
			opts:     []jsonconnector.Option{jsonconnector.WithLimits(connectors.Limits{MaxRecordBytes: 64})},
			line:     1,
			contains: []string{"record is longer than 64 bytes"},
			is:       connectors.ErrLimit,
		},
		{
			name:     "value too long",
			content:  "{\"n\":1,\"s\":\"" + strings.Repeat("x", 40) + "\"}\n",
			opts:     []jsonconnector.Option{jsonconnector.WithLimits(connectors.Limits{MaxFieldBytes: 32})},
			line:     1,
			contains: []string{"value is longer than 32 bytes"},
			is:       connectors.ErrLimit,
		},
		{
			name:     "too deep",
			content:  "{\"a\":" + strings.Repeat("[", 10) + strings.Repeat("]", 10) + "}\n",
			opts:     []jsonconnector.Option{jsonconnector.WithLimits(connectors.Limits{MaxDepth: 5})},
			line:     1,
			column:   10,
			contains: []string{"nested deeper than 5 levels"},
			is:       connectors.ErrLimit,
		},
		{
			name:     "too many keys in a record",
			content:  "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}\n",
			opts:     []jsonconnector.Option{jsonconnector.WithLimits(connectors.Limits{MaxColumns: 3})},
			line:     1,
			column:   19,
			contains: []string{"record has more than 3 keys"},
			is:       connectors.ErrLimit,
		},
		{
			name:     "too many distinct keys",
			content:  "{\"a\":1}\n{\"b\":1}\n{\"c\":1}\n{\"d\":1}\n",
			opts:     []jsonconnector.Option{jsonconnector.WithLimits(connectors.Limits{MaxColumns: 3})},
			line:     4,
			column:   6,
			contains: []string{"more than 3 distinct keys"},
			is:       connectors.ErrLimit,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, tt.content)
			_, _, err := readAll(t, jsonconnector.NewSource(path, tt.opts...), connectors.ReadOptions{BatchSize: 1})
			require.Error(t, err)
			var ie *connectors.InputError
			require.ErrorAs(t, err, &ie, "error %v is an *InputError", err)
			assert.Equal(t, path, ie.Path)
			assert.Equal(t, tt.line, ie.Line, "line")
			assert.Equal(t, tt.column, ie.Column, "column")
			assert.Equal(t, tt.field, ie.Field, "field")
			for _, s := range tt.contains {
				assert.Contains(t, err.Error(), s)
			}
			for _, s := range tt.absent {
				assert.NotContains(t, err.Error(), s)
			}
			assert.NotContains(t, err.Error(), "\n", "one line")
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			}
		})
	}
}

func TestDeclaredNestedErrorKeepsNoValue(t *testing.T) {
	hint := arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)}}, nil)
	path := writeTemp(t, "{\"l\":[\"x@y.io\"]}\n")
	_, _, err := readAll(t, jsonconnector.NewSource(path, jsonconnector.WithSchema(hint),
		jsonconnector.WithRedact(func(string, string) string { return "[redacted]" })), connectors.ReadOptions{})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "x@y.io")
}

func TestBatchSizeAboveMax(t *testing.T) {
	path := writeTemp(t, "{\"a\":1}\n")
	for _, n := range []int{connectors.MaxBatchSize + 1, 1 << 31, -1} {
		_, err := jsonconnector.NewSource(path).Open(context.Background(), connectors.ReadOptions{BatchSize: n})
		require.ErrorIs(t, err, connectors.ErrLimit)
	}
	_, rows, err := readAll(t, jsonconnector.NewSource(path), connectors.ReadOptions{BatchSize: connectors.MaxBatchSize})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"1"}}, rows)
}
