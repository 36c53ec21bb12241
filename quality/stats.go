package quality

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/rules"
)

// statsProjection leaves out of cols the columns whose every metric the
// source's exact statistics answer (rules.Program.StatsColumns): a
// null_count, completeness, min or max over a column nothing else reads
// comes from the Parquet footer instead of the column's pages. It returns
// the columns still to read and the statistics to answer the others with.
//
// Statistics are used only when they are exact for the whole input: for
// null_count and completeness every chunk states its null count, for min
// and max every chunk with values has exact bounds
// (connectors.ColumnStats.NullCountExact, MinMaxExact). Otherwise the
// column is read as usual.
func (g *Gate) statsProjection(ctx context.Context, src connectors.Source, cols []string) ([]string, map[string][]rules.ChunkStats) {
	sp, ok := src.(connectors.StatsProvider)
	if !ok || len(cols) == 0 {
		return cols, nil
	}
	cand := g.prog.StatsColumns()
	if len(cand) == 0 {
		return cols, nil
	}
	groups, err := sp.ColumnStats(ctx)
	if err != nil || len(groups) == 0 {
		return cols, nil // the read reports a broken footer
	}
	out := map[string][]rules.ChunkStats{}
	for _, name := range cand {
		if !slices.Contains(cols, name) {
			continue
		}
		chunks := make([]rules.ChunkStats, 0, len(groups))
		for _, group := range groups {
			i := slices.IndexFunc(group, func(c connectors.ColumnStats) bool { return c.Column == name })
			if i < 0 {
				chunks = nil
				break
			}
			c := rules.ChunkStats{Rows: group[i].NumValues, Nulls: group[i].NullCount}
			if !group[i].NullCountExact {
				c.Nulls = -1 // min and max may still be answered by bounds
			}
			if group[i].MinMaxExact {
				c.Min, c.Max = group[i].Min, group[i].Max
			}
			chunks = append(chunks, c)
		}
		if chunks != nil && g.prog.CanUseStats(name, chunks) {
			out[name] = chunks
		}
	}
	if len(out) == 0 {
		return cols, nil
	}
	kept := slices.DeleteFunc(slices.Clone(cols), func(c string) bool { _, ok := out[c]; return ok })
	return kept, out
}

// useStats answers the session's metrics from statistics (statsProjection)
// and notes it in the report.
func (s *session) useStats(stats map[string][]rules.ChunkStats) error {
	if len(stats) == 0 {
		return nil
	}
	names := slices.Sorted(maps.Keys(stats))
	for _, name := range names {
		if err := s.run.UseStats(name, stats[name]); err != nil {
			return err
		}
	}
	s.notes = append(s.notes, fmt.Sprintf("metrics of %s answered from the file's exact statistics; their pages were not read",
		strings.Join(names, ", ")))
	return nil
}
