package suggest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/importers/suggest"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/rules"
)

// TestSuggestionsPass proposes rules for a dataset and checks that they
// load and pass on the same data.
func TestSuggestionsPass(t *testing.T) {
	tests := []struct {
		name, path string
		wantInYAML []string
	}{
		{"orders parquet", filepath.Join("..", "..", "testdata", "orders", "orders.parquet"), []string{"required: true", "type: "}},
		{"orders csv", filepath.Join("..", "..", "testdata", "orders", "orders.csv"), []string{"required: true"}},
		{"airports csv", filepath.Join(sharedDatasets(), "airports.csv"), []string{"unique: true"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := os.Stat(tc.path); err != nil {
				t.Skipf("%s not found: %v", tc.path, err)
			}
			ctx := context.Background()
			mem := arrowtest.Allocator(t)
			src, err := builtin.Open(tc.path, builtin.Options{})
			require.NoError(t, err)
			f, err := suggest.Suggest(ctx, src, suggest.Options{Owner: "data@example.com", Allocator: mem})
			require.NoError(t, err)
			text := f.YAML()
			for _, w := range tc.wantInYAML {
				assert.Contains(t, string(text), w)
			}
			rs, err := rules.Parse("suggested.yaml", text)
			require.NoError(t, err, "suggestions must load:\n%s", text)

			src, err = builtin.Open(tc.path, builtin.Options{SchemaHint: rs.SchemaHint()})
			require.NoError(t, err)
			schema, err := src.Schema(ctx)
			require.NoError(t, err)
			prog, err := rs.Compile(schema)
			require.NoError(t, err, "suggestions must compile:\n%s", text)
			gate, err := quality.NewGate(prog, quality.WithAllocator(mem))
			require.NoError(t, err)
			rep, err := gate.Run(ctx, src)
			require.NoError(t, err)
			assert.Equal(t, quality.StatusPass, rep.Status, "suggestions must pass on the data they describe: %v\n%s", rep.Gate.Reasons, text)
		})
	}
}
