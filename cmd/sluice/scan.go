package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/internal/textsafe"
	"github.com/sluicedata/sluice/rules/pii"
)

// scan looks for personal data in the string columns of a dataset and
// suggests pii.* tags for the rule file.
func (c *cli) scan(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	every := fs.Int("sample", 1, "scan every Nth row (1: every row)")
	batchSize := fs.Int("batch-size", connectors.DefaultBatchSize, "rows per batch")
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "usage: sluice scan [--sample N] INPUT")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass, nil
		}
		return exitUsage, usageErrorf("%v", err)
	}
	switch {
	case fs.NArg() != 1:
		return exitUsage, usageErrorf("usage: sluice scan [--sample N] INPUT")
	case *every < 1:
		return exitUsage, usageErrorf("scan: --sample must be at least 1, not %d", *every)
	}
	if err := checkBatchSize("scan", *batchSize); err != nil {
		return exitUsage, err
	}
	input := fs.Arg(0)
	src, err := builtin.Open(input, withURLs(builtin.Options{}))
	if err != nil {
		return exitCode(err), err
	}
	schema, err := src.Schema(ctx)
	if err != nil {
		return exitCode(err), fmt.Errorf("%s: %w", input, err)
	}
	var cols []string
	for _, f := range schema.Fields() {
		if pii.IsStringType(f.Type) {
			cols = append(cols, f.Name)
		}
	}
	if len(cols) == 0 {
		fmt.Fprintf(c.stdout, "%s: no string columns to scan\n", textsafe.Escape(input))
		return exitPass, nil
	}
	rdr, err := src.Open(ctx, connectors.ReadOptions{Columns: cols, BatchSize: *batchSize})
	if err != nil {
		return exitCode(err), fmt.Errorf("%s: %w", input, err)
	}
	defer rdr.Release()
	res, err := pii.Scan(ctx, rdr, pii.ScanOptions{Every: *every})
	if err != nil {
		return exitRuntime, fmt.Errorf("%s: %w", input, err)
	}
	if err := writeScan(c, input, *every, res); err != nil {
		return exitRuntime, err
	}
	return exitPass, nil
}

func writeScan(c *cli, input string, every int, res []pii.ColumnResult) error {
	var b strings.Builder
	rows := int64(0)
	if len(res) > 0 {
		rows = res[0].Rows
	}
	sample := "every row"
	if every > 1 {
		sample = fmt.Sprintf("1 row in %d", every)
	}
	fmt.Fprintf(&b, "%s: scanned %d rows (%s)\n\n", textsafe.Escape(input), rows, sample)
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COLUMN\tKIND\tVALUES\tFRACTION")
	var suggestions []string
	for _, cr := range res {
		if len(cr.Matches) == 0 {
			fmt.Fprintf(tw, "%s\t-\t0 of %d\t\n", textsafe.Escape(cr.Column), cr.Values)
			continue
		}
		ms := slices.Clone(cr.Matches)
		slices.SortStableFunc(ms, func(a, b pii.Match) int { return int(b.Count - a.Count) })
		var tags, why []string
		for i, m := range ms {
			name := ""
			if i == 0 {
				name = textsafe.Escape(cr.Column)
			}
			fmt.Fprintf(tw, "%s\t%s\t%d of %d\t%.2f%%\n", name, textsafe.Escape(m.Kind), m.Count, cr.Values, 100*m.Fraction)
			tags = append(tags, "pii."+m.Kind)
			if i == 0 {
				why = append(why, fmt.Sprintf("%d of %d values look like %s", m.Count, cr.Values, m.Label))
			} else {
				why = append(why, fmt.Sprintf("%d like %s", m.Count, m.Label))
			}
		}
		suggestions = append(suggestions, textsafe.Escape(fmt.Sprintf("  %s: {tags: [%s]}  # %s",
			yamlKey(cr.Column), strings.Join(tags, ", "), strings.Join(why, ", "))))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(suggestions) > 0 {
		b.WriteString("\nSuggested tags for the rule file's columns: section (merge with existing entries):\n")
		b.WriteString(strings.Join(suggestions, "\n"))
		b.WriteString("\n")
	} else {
		b.WriteString("\nNo column looks like personal data.\n")
	}
	_, err := c.stdout.Write([]byte(b.String()))
	return err
}

// yamlKey quotes a column name unless it is a plain YAML key.
func yamlKey(name string) string {
	for i, r := range name {
		ok := r == '_' || r == '-' && i > 0 || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' && i > 0
		if !ok {
			return strconv.Quote(name)
		}
	}
	if name == "" {
		return `""`
	}
	return name
}
