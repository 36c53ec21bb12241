package history

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sluicedata/sluice/rules"
	"github.com/sluicedata/sluice/rules/metrics"
)

// ForRules adapts a Store to the History the history-aware checks of a
// rules.Run read (rules.WithHistory): metric series by the canonical names
// rules.Recorded uses, and the last passing run with its decoded states and
// schema.
func ForRules(s Store) rules.History { return rulesHistory{s} }

type rulesHistory struct{ s Store }

func (h rulesHistory) Series(ctx context.Context, dataset, metric string, n int) ([]float64, error) {
	pts, err := h.s.Metrics(ctx, dataset, metric, n)
	if err != nil {
		return nil, err
	}
	out := make([]float64, 0, len(pts))
	for _, p := range pts {
		if p.Numeric {
			out = append(out, p.Value)
		}
	}
	return out, nil
}

func (h rulesHistory) Baseline(ctx context.Context, dataset string) (*rules.Baseline, error) {
	rec, err := h.s.LastPassing(ctx, dataset)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	b := &rules.Baseline{RunID: rec.RunID, States: make(map[string]metrics.State, len(rec.States))}
	for name, data := range rec.States {
		s, err := metrics.Decode(data)
		if err != nil {
			return nil, fmt.Errorf("history: state %s of run %s: %w", name, rec.RunID, err)
		}
		b.States[name] = s
	}
	if len(rec.SchemaFields) > 0 && string(rec.SchemaFields) != "null" {
		if err := json.Unmarshal(rec.SchemaFields, &b.Schema); err != nil {
			return nil, fmt.Errorf("history: schema of run %s: %w", rec.RunID, err)
		}
	}
	return b, nil
}
