package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/importers/suggest"
	"github.com/sluicedata/sluice/internal/textsafe"
	"github.com/sluicedata/sluice/rules"
)

// suggest profiles a dataset and prints a rule file that describes it.
func (c *cli) suggest(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("suggest", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var opts suggest.Options
	fs.StringVar(&opts.Owner, "owner", "", "the owner written into the rule file (a placeholder to edit otherwise)")
	fs.StringVar(&opts.Dataset, "dataset", "", "dataset name (the input's name otherwise)")
	fs.IntVar(&opts.MaxCategories, "max-categories", suggest.DefaultMaxCategories, "list a column's values when it has at most this many distinct ones")
	fs.IntVar(&opts.BatchSize, "batch-size", connectors.DefaultBatchSize, "rows per batch")
	var refs stringList
	fs.Var(&refs, "reference", "another dataset whose columns may hold this one's keys (repeatable): a column whose values are all in one of its columns gets a missing_references check")
	out := fs.String("out", "", "write the rule file here (stdout otherwise); reference paths are written relative to its directory")
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "usage: sluice suggest [flags] INPUT > rules.yaml")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass, nil
		}
		return exitUsage, usageErrorf("%v", err)
	}
	if fs.NArg() != 1 {
		return exitUsage, usageErrorf("usage: sluice suggest [flags] INPUT")
	}
	if err := checkBatchSize("suggest", opts.BatchSize); err != nil {
		return exitUsage, err
	}
	input := fs.Arg(0)
	src, err := builtin.Open(input, withURLs(builtin.Options{}))
	if err != nil {
		return exitCode(err), err
	}
	for _, r := range refs {
		rsrc, err := builtin.Open(r, withURLs(builtin.Options{}))
		if err != nil {
			return exitCode(err), fmt.Errorf("--reference: %w", err)
		}
		opts.References = append(opts.References, suggest.Reference{Path: referencePath(r, *out), Source: rsrc})
	}
	f, err := suggest.Suggest(ctx, src, opts)
	if err != nil {
		return exitRuntime, fmt.Errorf("%s: %w", input, err)
	}
	// Strings are YAML double-quoted scalars, where the escapes mean the
	// same characters: the file still says what the data says.
	text := []byte(textsafe.EscapeLines(string(f.YAML())))
	if _, err := rules.Parse(f.Dataset+".yaml", text); err != nil {
		return exitRuntime, fmt.Errorf("suggest: the suggestions do not load (please report this): %w", err)
	}
	if *out != "" {
		if err := writeFileAtomic(*out, text); err != nil {
			return exitRuntime, err
		}
		return exitPass, nil
	}
	if _, err := c.stdout.Write(text); err != nil {
		return exitRuntime, err
	}
	return exitPass, nil
}

// referencePath spells a reference as the rule file will resolve it:
// relative to the rule file's directory (out's, or the working directory
// when the file goes to stdout). Absolute paths and URLs stay as given.
func referencePath(ref, out string) string {
	if strings.Contains(ref, "://") || filepath.IsAbs(ref) {
		return ref
	}
	dir := "."
	if out != "" {
		dir = filepath.Dir(out)
	}
	absDir, err1 := filepath.Abs(dir)
	absRef, err2 := filepath.Abs(ref)
	if err1 != nil || err2 != nil {
		return ref
	}
	rel, err := filepath.Rel(absDir, absRef)
	if err != nil {
		return absRef
	}
	return filepath.ToSlash(rel)
}
