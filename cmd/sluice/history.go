package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/history"
	// The command opens history stores of both backends: these link the
	// SQLite and PostgreSQL drivers that the history package leaves out.
	_ "github.com/sluicedata/sluice/quality/history/pgstore"
	_ "github.com/sluicedata/sluice/quality/history/sqlitestore"
)

// parseInterspersed parses flags that may come after positional arguments
// and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// openHistory opens the store at dsn for reading: a SQLite file must
// exist (no empty store is created by a read).
func openHistory(ctx context.Context, dsn string) (history.Store, error) {
	d, err := history.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("--history: %w", err)
	}
	if d.Backend == history.BackendSQLite {
		if _, err := os.Stat(d.Path); err != nil {
			return nil, fmt.Errorf("no history store at %s (sluice check records its runs there unless --no-history is given): %w", d.Path, err)
		}
	}
	return history.Open(ctx, dsn)
}

func (c *cli) historyCmd(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("history", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	dsn := fs.String("history", history.DefaultDSN, "history store: a SQLite file or a postgres:// URL")
	limit := fs.Int("limit", 30, "newest values shown (0: all)")
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "usage: sluice history [--history DSN] [--limit N] DATASET [METRIC]")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass, nil
		}
		return exitUsage, usageErrorf("history: %v", err)
	}
	if len(pos) < 1 || len(pos) > 2 {
		return exitUsage, usageErrorf("usage: sluice history [--history DSN] [--limit N] DATASET [METRIC]")
	}
	store, err := openHistory(ctx, *dsn)
	if err != nil {
		return exitRuntime, err
	}
	defer store.Close()
	dataset := pos[0]
	names, err := store.MetricNames(ctx, dataset)
	if err != nil {
		return exitRuntime, err
	}
	if len(names) == 0 {
		known, err := store.Datasets(ctx)
		if err != nil {
			return exitRuntime, err
		}
		return exitUsage, usageErrorf("history: no metrics recorded for dataset %q (datasets: %s)", dataset, listOrNone(known))
	}
	if len(pos) == 2 {
		pts, err := store.Metrics(ctx, dataset, pos[1], *limit)
		if err != nil {
			return exitRuntime, err
		}
		if len(pts) == 0 {
			return exitUsage, usageErrorf("history: no metric %q for %s (metrics: %s)", pos[1], dataset, strings.Join(names, ", "))
		}
		writeSeries(c.stdout, dataset, pos[1], pts)
		return exitPass, nil
	}
	fmt.Fprintf(c.stdout, "%s: %d metrics\n", dataset, len(names))
	tw := tabwriter.NewWriter(c.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "METRIC\tLAST\tMIN\tMAX\tTREND")
	for _, name := range names {
		pts, err := store.Metrics(ctx, dataset, name, *limit)
		if err != nil {
			return exitRuntime, err
		}
		vals, _ := numbers(pts)
		last := ""
		if len(pts) > 0 {
			last = pointText(pts[len(pts)-1])
		}
		lo, hi := "", ""
		if len(vals) > 0 {
			mn, mx := bounds(vals)
			lo, hi = formatNumber(mn), formatNumber(mx)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, last, lo, hi, sparkline(pts))
	}
	tw.Flush()
	return exitPass, nil
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// writeSeries prints one metric's values with a bar per value.
func writeSeries(w io.Writer, dataset, metric string, pts []history.Point) {
	vals, _ := numbers(pts)
	fmt.Fprintf(w, "%s  %s  (%d values)  %s\n", dataset, metric, len(pts), sparkline(pts))
	var lo, hi float64
	if len(vals) > 0 {
		lo, hi = bounds(vals)
		lo = math.Min(lo, 0)
	}
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTED\tRUN\tPARTITION\tSTATUS\tVALUE\t")
	for _, p := range pts {
		bar := ""
		if p.Numeric {
			bar = hbar(p.Value, lo, hi, 30)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.StartedAt.Format("2006-01-02 15:04:05"), p.RunID, orDash(p.Partition), p.Status, pointText(p), bar)
	}
	tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// pointText shows a stored value. A text value that looks like personal
// data (a store written before values of pii.* columns were kept out of
// history) is shown redacted.
func pointText(p history.Point) string {
	if p.Numeric {
		return formatNumber(p.Value)
	}
	s := strings.Trim(string(p.JSON), `"`)
	if (*quality.Redactor)(nil).LooksPersonal(s) {
		return quality.Redacted
	}
	return s
}

func formatNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.6g", v)
}

func numbers(pts []history.Point) ([]float64, bool) {
	var out []float64
	all := true
	for _, p := range pts {
		if p.Numeric {
			out = append(out, p.Value)
		} else {
			all = false
		}
	}
	return out, all
}

func bounds(vals []float64) (lo, hi float64) {
	lo, hi = vals[0], vals[0]
	for _, v := range vals[1:] {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return lo, hi
}

var sparks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws the numeric values of pts, a space for others.
func sparkline(pts []history.Point) string {
	vals, _ := numbers(pts)
	if len(vals) == 0 {
		return ""
	}
	lo, hi := bounds(vals)
	var b strings.Builder
	for _, p := range pts {
		if !p.Numeric {
			b.WriteRune(' ')
			continue
		}
		i := len(sparks) / 2
		if hi > lo {
			i = int(math.Round((p.Value - lo) / (hi - lo) * float64(len(sparks)-1)))
		}
		b.WriteRune(sparks[i])
	}
	return b.String()
}

var eighths = []rune(" ▏▎▍▌▋▊▉")

// hbar draws v in [lo, hi] as a bar of at most width cells, in eighths.
func hbar(v, lo, hi float64, width int) string {
	if !(hi > lo) {
		return strings.Repeat("█", width/2)
	}
	n := int(math.Round((v - lo) / (hi - lo) * float64(width*8)))
	n = max(0, min(n, width*8))
	s := strings.Repeat("█", n/8)
	if n%8 > 0 {
		s += string(eighths[n%8])
	}
	return s
}
