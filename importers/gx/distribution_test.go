package gx_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/importers"
	"github.com/sluicedata/sluice/importers/gx"
)

// The distributional expectations compare a column with a fixed
// distribution given in the suite. They are not translated, and the reason
// names what Sluice offers instead rather than "unknown expectation type".
func TestDistributionalNotTranslated(t *testing.T) {
	for _, typ := range []string{
		"expect_column_kl_divergence_to_be_less_than",
		"expect_column_chisquare_test_p_value_to_be_greater_than",
		"expect_column_bootstrapped_ks_test_p_value_to_be_greater_than",
		"expect_column_parameterized_distribution_ks_test_p_value_to_be_greater_than",
	} {
		t.Run(typ, func(t *testing.T) {
			f := &importers.File{Dataset: "d"}
			err := gx.TranslateOne(f, gx.Expectation{Type: typ, Kwargs: map[string]any{"column": "x"}}, gx.Options{})
			require.Error(t, err)
			assert.ErrorIs(t, err, gx.ErrUnsupported)
			assert.NotContains(t, err.Error(), "unknown expectation type")
			assert.Contains(t, err.Error(), "last passing run")
			assert.Empty(t, f.Rules)
		})
	}
}
