package quality

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

// TestDecideFromPartial: the row-rule counts of a rules.Partial give the
// statuses of the gate's report through RuleStatus, and Decide gives the
// gate's decision again.
func TestDecideFromPartial(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, ordersRules, ordersSchema)
	gate, err := NewGate(prog, WithClock(fixedClock()))
	require.NoError(t, err)
	rep, err := gate.Check(context.Background(), readerOf(t, mem, sixOrders, 4))
	require.NoError(t, err)

	run := prog.NewRun(rules.WithoutOutcomes())
	rdr := readerOf(t, mem, sixOrders, 4)
	require.NoError(t, run.EvalReader(context.Background(), rdr, 2, nil))
	part, err := run.Partial()
	require.NoError(t, err)
	assert.Equal(t, rep.RowsIn, part.Rows())
	byName := map[string]*rules.CompiledRule{}
	for _, r := range prog.RowRules() {
		byName[r.Name] = r
	}
	for _, tot := range part.Rules() {
		rr := rep.Rule(tot.Name)
		require.NotNil(t, rr, tot.Name)
		passed := tot.Counts[rules.Pass]
		failed := tot.Counts[rules.Fail] + tot.Counts[rules.Errored]
		assert.Equal(t, rr.Passed, passed, tot.Name)
		assert.Equal(t, rr.Failed, failed, tot.Name)
		assert.Equal(t, rr.Skipped, tot.Counts[rules.Skip], tot.Name)
		cr := byName[tot.Name]
		assert.Equal(t, rr.Status, RuleStatus(severityOf(cr), passed, passed+failed, cr.Mostly), tot.Name)
	}

	for _, strict := range []bool{false, true} {
		again := *rep
		again.Status, again.Gate = "", Decision{}
		again.Decide(strict)
		if !strict {
			assert.Equal(t, rep.Status, again.Status)
			assert.Equal(t, rep.Gate, again.Gate)
		}
		assert.Equal(t, StatusFail, again.Status, "strict %v", strict)
	}
}
