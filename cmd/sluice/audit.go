package main

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/history"
)

const auditUsage = `usage: sluice audit log [--history DSN] [--dataset NAME] [--limit N] [--format text|json]
       sluice audit verify [--history DSN] [--pubkey FILE]… [--lineage FILE]… [--signed-from SEQ]
       sluice audit keygen [--out PREFIX]`

func (c *cli) audit(ctx context.Context, args []string) (int, error) {
	if len(args) == 0 {
		return exitUsage, usageErrorf("%s", auditUsage)
	}
	switch args[0] {
	case "log":
		return c.auditLog(ctx, args[1:])
	case "verify":
		return c.auditVerify(ctx, args[1:])
	case "keygen":
		return c.auditKeygen(args[1:])
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
	var pubkeys, lineageFiles stringList
	fs.Var(&pubkeys, "pubkey", "public key file (PEM, from sluice audit keygen): every record must carry a valid signature by it; repeat for the keys of a rotation")
	fs.Var(&lineageFiles, "lineage", "NDJSON file of OpenLineage events (e.g. "+defaultLineageFile+"): every sluice_audit facet in it must match a record of the store (repeatable)")
	signedFrom := fs.Int64("signed-from", 0, "with --pubkey: records before SEQ may be unsigned (written before signing was turned on)")
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
	if *signedFrom != 0 && len(pubkeys) == 0 {
		return exitUsage, usageErrorf("audit verify: --signed-from needs --pubkey")
	}
	var opts []history.VerifyOption
	var keyIDs []string
	for _, p := range pubkeys {
		k, err := history.ReadPublicKey(p)
		if err != nil {
			return exitUsage, usageErrorf("audit verify: --pubkey: %v", err)
		}
		opts = append(opts, history.WithPublicKeys(k))
		keyIDs = append(keyIDs, history.KeyID(k))
	}
	if *signedFrom != 0 {
		opts = append(opts, history.WithSignedFrom(*signedFrom))
	}
	for _, p := range lineageFiles {
		anchors, err := readAnchors(p)
		if err != nil {
			return exitRuntime, err
		}
		opts = append(opts, history.WithAnchors(anchors...))
	}
	store, err := openHistory(ctx, *dsn)
	if err != nil {
		return exitRuntime, err
	}
	defer store.Close()
	res, err := store.VerifyAudit(ctx, opts...)
	if err != nil {
		return exitRuntime, err
	}
	if !res.OK {
		for _, p := range res.Problems {
			if p.Seq > 0 {
				fmt.Fprintf(c.stdout, "audit chain BROKEN at record %d: %s\n", p.Seq, p.Reason)
			} else {
				fmt.Fprintf(c.stdout, "audit chain BROKEN: %s\n", p.Reason)
			}
		}
		return exitFail, nil
	}
	line := fmt.Sprintf("audit chain ok: %d records, head %s", res.Records, orDash(res.Head))
	if len(keyIDs) > 0 {
		line += fmt.Sprintf("; %d signatures verified (%s)", res.Signed, strings.Join(keyIDs, ", "))
	} else {
		line += "; signatures not checked (no --pubkey)"
	}
	if len(lineageFiles) > 0 {
		line += fmt.Sprintf("; %d anchors matched in %s", res.Anchored, strings.Join(lineageFiles, ", "))
	}
	fmt.Fprintln(c.stdout, line)
	return exitPass, nil
}

// readAnchors reads the sluice_audit facets of a lineage NDJSON file.
func readAnchors(path string) ([]history.Anchor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audit verify: --lineage: %w", err)
	}
	defer f.Close()
	return quality.ReadAuditAnchors(f, path)
}

func (c *cli) auditKeygen(args []string) (int, error) {
	fs := flag.NewFlagSet("audit keygen", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	prefix := fs.String("out", "sluice-audit", "write the private key to PREFIX.key (mode 0600) and the public key to PREFIX.pub, both PEM")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass, nil
		}
		return exitUsage, usageErrorf("audit keygen: %v", err)
	}
	if len(pos) > 0 {
		return exitUsage, usageErrorf("audit keygen: unexpected argument %q", pos[0])
	}
	if *prefix == "" {
		return exitUsage, usageErrorf("audit keygen: --out must name a file prefix")
	}
	id, err := history.WriteKeyPair(*prefix, nil)
	if errors.Is(err, os.ErrExist) {
		return exitUsage, usageErrorf("audit keygen: %v: not overwritten (choose another --out)", err)
	}
	if err != nil {
		return exitRuntime, fmt.Errorf("audit keygen: %w", err)
	}
	priv, pub := history.KeyPairPaths(*prefix)
	fmt.Fprintf(c.stdout, "private key %s (mode 0600: keep it secret; sign with sluice check --audit-key %s)\n", priv, priv)
	fmt.Fprintf(c.stdout, "public key  %s (verify with sluice audit verify --pubkey %s)\n", pub, pub)
	fmt.Fprintf(c.stdout, "key id      %s\n", id)
	return exitPass, nil
}

// auditKeyEnv names the variable read when --audit-key is not given: the
// path of a private key file, or the PEM key itself (for CI secrets).
const auditKeyEnv = "SLUICE_AUDIT_KEY"

// auditKeyFlag is sluice check's --audit-key: the key that signs the
// audit records of --history, loaded once.
type auditKeyFlag struct {
	path   string
	loaded bool
	key    crypto.Signer
}

func (a *auditKeyFlag) register(fs *flag.FlagSet) {
	fs.StringVar(&a.path, "audit-key", "", "sign the audit records of the history store (default .sluice/history.db) with this Ed25519 private key (PEM, from sluice audit keygen); default $"+auditKeyEnv+" (a path or the PEM key itself)")
}

// options returns the gate options that sign audit records; none without a
// key. haveStore says whether a history store is in effect. The key never
// appears in an error.
func (a *auditKeyFlag) options(haveStore bool) ([]quality.Option, error) {
	if !haveStore {
		if a.path != "" {
			return nil, usageErrorf("check: --audit-key signs the audit records of a history store: drop --no-history")
		}
		return nil, nil
	}
	if !a.loaded {
		a.loaded = true
		k, err := loadAuditKey(a.path, os.Getenv(auditKeyEnv))
		if err != nil {
			return nil, err
		}
		a.key = k
	}
	if a.key == nil {
		return nil, nil
	}
	return []quality.Option{quality.WithAuditKey(a.key)}, nil
}

// loadAuditKey reads the audit key from path or, without one, from env (a
// path or a PEM key); nil when neither is set.
func loadAuditKey(path, env string) (crypto.Signer, error) {
	switch {
	case path != "":
		k, err := history.ReadPrivateKey(path)
		if err != nil {
			return nil, usageErrorf("check: --audit-key: %v", err)
		}
		return k, nil
	case strings.HasPrefix(strings.TrimSpace(env), "-----BEGIN"):
		k, err := history.ParsePrivateKey([]byte(env))
		if err != nil {
			return nil, usageErrorf("check: $%s (a PEM key): %v", auditKeyEnv, err)
		}
		return k, nil
	case env != "":
		k, err := history.ReadPrivateKey(env)
		if err != nil {
			return nil, usageErrorf("check: $%s: %v", auditKeyEnv, err)
		}
		return k, nil
	}
	return nil, nil
}
