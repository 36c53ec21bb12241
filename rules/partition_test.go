package rules_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
	"github.com/sluicedata/sluice/rules/metrics"
)

func TestRunMergeStates(t *testing.T) {
	mem := arrowtest.Allocator(t)
	ctx := context.Background()
	p := compile(t, `rules:
  - name: rows
    check: row_count() == 8
  - name: dups
    check: duplicate_count(id) == 8
  - name: mean
    check: mean(amount) == 2.5
  - name: positives
    check: count_if(qty > 0) == 2
`, ordersSchema)
	b := ordersBatch(t, mem)
	defer b.Release()

	// The stored partition: the same four rows, checked earlier.
	first := p.NewRun()
	_, err := first.Eval(ctx, b)
	require.NoError(t, err)
	_, err = first.Finish(ctx)
	require.NoError(t, err)
	rec, err := first.Recorded(ctx)
	require.NoError(t, err)
	stored := map[string]metrics.State{}
	for name, data := range rec.States {
		s, err := metrics.Decode(data)
		require.NoError(t, err)
		stored[name] = s
	}
	stored["mean(not_read)"] = stored["mean(amount)"] // ignored: the program does not read it

	run := p.NewRun()
	_, err = run.Eval(ctx, b)
	require.NoError(t, err)
	require.NoError(t, run.MergeStates(stored))
	checks, err := run.Finish(ctx)
	require.NoError(t, err)
	for _, c := range checks {
		assert.Equal(t, rules.Pass, c.Outcome, "%s: %v", c.Rule.Name, c.Metrics)
	}

	// Recorded keeps the run's own states and the combined values.
	own, err := run.Recorded(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(8), own.Values["row_count()"])
	s, err := metrics.Decode(own.States["row_count()"])
	require.NoError(t, err)
	v, err := s.Result()
	require.NoError(t, err)
	assert.Equal(t, int64(4), v)
	assert.Equal(t, rec.States["duplicate_count(id)"], own.States["duplicate_count(id)"])

	// The stored states are not modified.
	v, err = stored["row_count()"].Result()
	require.NoError(t, err)
	assert.Equal(t, int64(4), v)

	assert.Error(t, run.MergeStates(stored), "a second merge would count the stored partitions twice")
}

func TestRunMergeStatesMismatch(t *testing.T) {
	mem := arrowtest.Allocator(t)
	ctx := context.Background()
	p := compile(t, `rules:
  - name: mean
    check: mean(amount) > 0.0
`, ordersSchema)
	b := ordersBatch(t, mem)
	defer b.Release()
	other, err := metrics.New(metrics.Spec{Func: "row_count"}, nil)
	require.NoError(t, err)
	run := p.NewRun()
	_, err = run.Eval(ctx, b)
	require.NoError(t, err)
	err = run.MergeStates(map[string]metrics.State{"mean(amount)": other})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "mean(amount)")
}
