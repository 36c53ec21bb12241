package pipeline_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/pipeline"
	"github.com/sluicedata/sluice/rules"
)

const (
	ordersRules = "../../testdata/orders/orders.yaml"
	ordersCSV   = "../../testdata/orders/orders.csv"
)

// events records the lineage events of a run.
type events struct {
	mu    sync.Mutex
	types []string
}

func (e *events) emit(_ context.Context, ev lineage.RunEvent) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.types = append(e.types, ev.EventType)
	return nil
}

// The CSV is typed by the rule file's schema hint (timestamps compile
// against ships_after_order), the report carries the rule file's dataset
// and owner.
func TestCheckFileCSVWithSchemaHint(t *testing.T) {
	rep, err := pipeline.CheckFile(t.Context(), ordersRules, ordersCSV)
	require.NoError(t, err)
	require.Equal(t, "orders", rep.Dataset)
	require.Equal(t, "payments-data@example.com", rep.Owner)
	require.Positive(t, rep.RowsIn)
	require.Equal(t, rep.RowsIn, rep.RowsClean+rep.RowsQuarantined)
	require.True(t, rep.Failed(), "the orders data has planted defects")
	require.ErrorIs(t, rep.Err(), quality.ErrGateFailed)
}

// The lineage run starts and ends FAIL when the gate fails.
func TestPipelineLineageRunEndsWithOutcome(t *testing.T) {
	var ev events
	p := pipeline.Pipeline{
		Rules:   ordersRules,
		Lineage: []lineage.Option{lineage.WithEmitter(lineage.EmitterFunc(ev.emit))},
	}
	rep, err := p.Check(t.Context(), ordersCSV)
	require.NoError(t, err)
	require.True(t, rep.Failed())
	require.Equal(t, []string{"START", "FAIL"}, ev.types)
}

// A run that passes ends COMPLETE and commits the clean output.
func TestPipelinePassingRunCommitsOut(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "r.yaml")
	require.NoError(t, os.WriteFile(rules, []byte("version: 1\ndataset: small\nowner: team@example.com\ncolumns:\n  id: {type: int64, required: true}\n"), 0o644))
	input := filepath.Join(dir, "small.csv")
	require.NoError(t, os.WriteFile(input, []byte("id\n1\n2\n"), 0o644))
	var ev events
	p := pipeline.Pipeline{
		Rules:   rules,
		Out:     filepath.Join(dir, "clean.csv"),
		Lineage: []lineage.Option{lineage.WithEmitter(lineage.EmitterFunc(ev.emit))},
	}
	rep, err := p.Check(t.Context(), input)
	require.NoError(t, err)
	require.False(t, rep.Failed())
	require.Equal(t, int64(2), rep.RowsClean)
	require.Equal(t, []string{"START", "COMPLETE"}, ev.types)
	got, err := os.ReadFile(p.Out)
	require.NoError(t, err)
	require.Contains(t, string(got), "1\n2\n")
}

// A mask on a column the input lacks is a configuration error, not a
// silent no-op.
func TestPipelineMaskOnAbsentColumn(t *testing.T) {
	p := pipeline.Pipeline{Rules: ordersRules, Masks: map[string]quality.Mask{"mail": {Kind: quality.MaskRedact}}}
	_, err := p.Check(t.Context(), ordersCSV)
	require.ErrorIs(t, err, pipeline.ErrConfig)
	require.ErrorIs(t, err, quality.ErrConfig)
	require.Contains(t, err.Error(), `no column "mail"`)
}

// Verify sees the compiled program and can stop the check before any
// output is created.
func TestPipelineVerifyStops(t *testing.T) {
	stop := errors.New("stop")
	out := filepath.Join(t.TempDir(), "clean.parquet")
	p := pipeline.Pipeline{Rules: ordersRules, Out: out,
		Verify: func(prog *rules.Program, _ *arrow.Schema) error { return stop }}
	_, err := p.Check(t.Context(), ordersCSV)
	require.ErrorIs(t, err, stop)
	_, statErr := os.Stat(out)
	require.ErrorIs(t, statErr, os.ErrNotExist)
}

func TestPipelineNoRules(t *testing.T) {
	var p pipeline.Pipeline
	_, err := p.Check(t.Context(), ordersCSV)
	require.ErrorIs(t, err, pipeline.ErrConfig)
}
