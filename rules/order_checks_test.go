package rules_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

const orderRules = `rules:
  - name: ids_increasing
    check: order_violations(id, 'increasing') <= 1000
  - name: at_strictly_increasing
    check: order_violations(at, 'strictly_increasing') == 0
  - name: amount_decreasing
    check: order_violations(amount, 'decreasing') >= 0
  - name: email_order
    check: order_violations(email, 'strictly_decreasing') >= 0
  - name: z
    check: zscore_max(amount) < 3.0 && zscore_min(amount) > -3.0
  - name: phi
    check: cramers_phi(qty, email, 0, 4) <= 1.0
  - name: modes
    check: size(most_common_all(qty)) >= 1 && most_common_all(qty).exists(v, v >= 0)
`

// TestOrderChecksAnyBatchingAndWorkers: the row-order metric counts across
// batch boundaries — the states of batches, evaluated on any number of
// workers, merge in the reader's order to the count over one batch — and
// the other new metrics agree too.
func TestOrderChecksAnyBatchingAndWorkers(t *testing.T) {
	mem := arrowtest.Allocator(t)
	p := compile(t, orderRules, ordersSchema)
	rec := randomOrders(t, mem, 6000, 3)
	defer rec.Release()

	ref := p.NewRun()
	_, err := ref.Eval(context.Background(), rec)
	require.NoError(t, err)
	whole, err := ref.Finish(context.Background())
	require.NoError(t, err)
	want := map[string]rules.CheckResult{}
	for _, c := range whole {
		want[c.Rule.Name] = c
		assert.Equal(t, rules.Pass, c.Outcome, "%s: %v %s", c.Rule.Name, c.Metrics, c.Err)
	}
	ids := want["ids_increasing"].Metrics["order_violations(id, 'increasing')"].(int64)
	require.NotZero(t, ids, "the data must have ids out of order")
	assert.Equal(t, int64(0), want["at_strictly_increasing"].Metrics["order_violations(at, 'strictly_increasing')"])

	for _, size := range []int{1, 7, 997} {
		batches := sliceBatches(rec, size)
		for _, workers := range []int{1, 3} {
			got := evalParallel(t, p, batches, workers)
			for name, c := range want {
				g := got.checks[name]
				assert.Equal(t, c.Outcome, g.Outcome, "%s: batch size %d, %d workers", name, size, workers)
				for label, v := range c.Metrics {
					if f, ok := v.(float64); ok {
						assert.InDelta(t, f, g.Metrics[label], 1e-9, "%s: batch size %d, %d workers", label, size, workers)
						continue
					}
					assert.Equal(t, v, g.Metrics[label], "%s: batch size %d, %d workers", label, size, workers)
				}
			}
		}
		for _, b := range batches {
			b.Release()
		}
	}
}

func TestOrderChecksCompileErrors(t *testing.T) {
	for _, tc := range []struct{ rule, want string }{
		{"order_violations(id, 'upwards') == 0", "direction"},
		{"order_violations(id) == 0", "order_violations"},
		{"zscore_max(email) < 3.0", "numeric"},
		{"cramers_phi(qty, email, 1, 0) < 0.5", "bins"},
		{"most_common_all(qty) == 1", "most_common_all"},
	} {
		errs := compileErr(t, "rules:\n  - name: r\n    check: \""+tc.rule+"\"\n", ordersSchema)
		assert.Contains(t, errs.Error(), tc.want, tc.rule)
	}
}
