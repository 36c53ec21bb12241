package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/sluicedata/sluice/quality/history"
)

const auditUsage = `usage: sluice audit log [--history DSN] [--dataset NAME] [--limit N] [--format text|json]
       sluice audit verify [--history DSN]`

func (c *cli) audit(ctx context.Context, args []string) (int, error) {
	if len(args) == 0 {
		return exitUsage, usageErrorf("%s", auditUsage)
	}
	switch args[0] {
	case "log":
		return c.auditLog(ctx, args[1:])
	case "verify":
		return c.auditVerify(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(c.stdout, auditUsage)
		return exitPass, nil
	}
	return exitUsage, usageErrorf("audit: unknown command %q\n%s", args[0], auditUsage)
}

func (c *cli) auditLog(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("audit log", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	dsn := fs.String("history", history.DefaultDSN, "history store: a SQLite file or a postgres:// URL")
	dataset := fs.String("dataset", "", "only the records of this logical dataset")
	limit := fs.Int("limit", 0, "only the newest N records (0: all)")
	format := fs.String("format", "text", "output: text or json (one record per line)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass, nil
		}
		return exitUsage, usageErrorf("audit log: %v", err)
	}
	if len(pos) > 0 {
		return exitUsage, usageErrorf("audit log: unexpected argument %q", pos[0])
	}
	if *format != "text" && *format != "json" {
		return exitUsage, usageErrorf("audit log: --format must be text or json, not %q", *format)
	}
	store, err := openHistory(ctx, *dsn)
	if err != nil {
		return exitRuntime, err
	}
	defer store.Close()
	recs, err := store.AuditLog(ctx, history.AuditFilter{Dataset: *dataset, Limit: *limit})
	if err != nil {
		return exitRuntime, err
	}
	if *format == "json" {
		enc := json.NewEncoder(c.stdout)
		for _, r := range recs {
			if err := enc.Encode(r); err != nil {
				return exitRuntime, err
			}
		}
		return exitPass, nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME\tDATASET\tDECISION\tOWNER\tRUN\tVERSION\tSUMMARY\tHASH")
	for _, r := range recs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.Time.Format("2006-01-02 15:04:05Z07:00"),
			r.Dataset, strings.ToUpper(r.Decision), r.Owner, r.RunID, short(r.DatasetVersion, 19), summaryText(r.Summary), short(r.Hash, 12))
	}
	tw.Flush()
	return exitPass, nil
}

func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// summaryText shows rows_in and the failed rules of a summary.
func summaryText(raw json.RawMessage) string {
	var s history.Summary
	if err := json.Unmarshal(raw, &s); err != nil {
		return string(raw)
	}
	out := fmt.Sprintf("rows_in=%d", s.RowsIn)
	if len(s.FailedRules) > 0 {
		out += " failed=" + strings.Join(s.FailedRules, ",")
	}
	return out
}

func (c *cli) auditVerify(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	dsn := fs.String("history", history.DefaultDSN, "history store: a SQLite file or a postgres:// URL")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass, nil
		}
		return exitUsage, usageErrorf("audit verify: %v", err)
	}
	if len(pos) > 0 {
		return exitUsage, usageErrorf("audit verify: unexpected argument %q", pos[0])
	}
	store, err := openHistory(ctx, *dsn)
	if err != nil {
		return exitRuntime, err
	}
	defer store.Close()
	res, err := store.VerifyAudit(ctx)
	if err != nil {
		return exitRuntime, err
	}
	if !res.OK {
		fmt.Fprintf(c.stdout, "audit chain BROKEN at record %d: %s\n", res.FirstBad, res.Reason)
		return exitFail, nil
	}
	fmt.Fprintf(c.stdout, "audit chain ok: %d records, head %s\n", res.Records, orDash(res.Head))
	return exitPass, nil
}
