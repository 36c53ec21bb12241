package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sluicedata/sluice/internal/textsafe"
	"github.com/sluicedata/sluice/quality/docsite"
	"github.com/sluicedata/sluice/quality/history"
)

const docsUsage = "usage: sluice docs [--history DSN] [--lineage FILE | --no-lineage] [--title TEXT] --out DIR"

// docsCmd runs `sluice docs`: the static site of the history store and the
// lineage file.
func (c *cli) docsCmd(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("docs", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	dsn := fs.String("history", history.DefaultDSN, "history store: a SQLite file or a postgres:// URL")
	linFile := fs.String("lineage", defaultLineageFile, "NDJSON file of OpenLineage events (what sluice check --lineage-file writes); the default is skipped when missing")
	noLineage := fs.Bool("no-lineage", false, "build the site without a lineage file")
	out := fs.String("out", "", "directory of the site (created; only pages whose content changed are rewritten)")
	title := fs.String("title", "", `title of the index page (default "Data quality")`)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, docsUsage)
		fmt.Fprintln(c.stderr, "Writes a static site: index.html (datasets, owners, last verdicts, trends), a page per dataset and per run, lineage.html.")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass, nil
		}
		return exitUsage, usageErrorf("docs: %v", err)
	}
	switch {
	case len(pos) > 0:
		return exitUsage, usageErrorf("docs: unexpected argument %q\n%s", pos[0], docsUsage)
	case *out == "":
		return exitUsage, usageErrorf("docs: --out DIR is required\n%s", docsUsage)
	}
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "lineage" })
	if *noLineage && explicit {
		return exitUsage, usageErrorf("docs: --lineage and --no-lineage exclude each other")
	}

	var opts docsite.Options
	opts.Title = *title
	if !*noLineage {
		lin, err := readSiteLineage(*linFile, explicit)
		if err != nil {
			return exitRuntime, err
		}
		if lin == nil {
			c.warnf("no lineage file at %s: the site has no lineage graph (--lineage FILE names one)", *linFile)
		}
		opts.Lineage = lin
	}
	store, err := openHistory(ctx, *dsn)
	if err != nil {
		return exitRuntime, err
	}
	defer store.Close()
	res, err := docsite.Build(ctx, store, *out, opts)
	if err != nil {
		return exitRuntime, err
	}
	fmt.Fprintf(c.stdout, "%d pages in %s: %d written, %d unchanged, %d removed\n",
		len(res.Pages), textsafe.Escape(*out), len(res.Written), len(res.Pages)-len(res.Written), len(res.Removed))
	fmt.Fprintf(c.stdout, "open %s\n", textsafe.Escape(filepath.Join(*out, "index.html")))
	return exitPass, nil
}

// readSiteLineage reads the lineage file; a missing file is nil unless it
// was named on the command line.
func readSiteLineage(path string, explicit bool) (*docsite.Lineage, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("docs: --lineage: %w", err)
	}
	defer f.Close()
	return docsite.ReadLineage(f, path)
}
