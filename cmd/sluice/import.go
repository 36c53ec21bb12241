package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/importers"
	"github.com/sluicedata/sluice/importers/gx"
	"github.com/sluicedata/sluice/importers/soda"
	"github.com/sluicedata/sluice/internal/atomicfile"
	"github.com/sluicedata/sluice/internal/textsafe"
	"github.com/sluicedata/sluice/rules"
)

const importUsage = `usage:
  sluice import gx [--owner O] [--dataset NAME] [--input DATA] [--allow-partial] SUITE.json > rules.yaml
  sluice import soda [--owner O] [--table T | --out-dir DIR] [--allow-partial] CHECKS.yml > rules.yaml
  sluice import dbt [--owner O] [--data DIR] [--model NAME | --out-dir DIR] [--allow-partial] SCHEMA.yml…

An import that translates nothing, or leaves any check untranslated, exits 2
and lists each skipped check; --allow-partial writes the rule file anyway
(the skipped checks are still listed on stderr and as comments in the file).`

// importRules translates another tool's checks into a rule file: the rule
// file on stdout, what could not be translated on stderr (and as comments).
func (c *cli) importRules(ctx context.Context, args []string) (int, error) {
	if len(args) == 0 {
		return exitUsage, usageErrorf("%s", importUsage)
	}
	tool, args := args[0], args[1:]
	if tool == "dbt" {
		return c.importDbt(ctx, args)
	}
	fs := flag.NewFlagSet("import "+tool, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	owner := fs.String("owner", "", "the owner written into the rule file (a placeholder to edit otherwise)")
	allowPartial := fs.Bool("allow-partial", false, "write the rule file even when some checks (or all) were not translated")
	var dataset, input, table, outDir *string
	switch tool {
	case "gx":
		dataset = fs.String("dataset", "", "dataset name (the suite's name otherwise)")
		input = fs.String("input", "", "a dataset whose schema types the literals (value sets, bounds)")
	case "soda":
		table = fs.String("table", "", "translate only the checks for this table")
		outDir = fs.String("out-dir", "", "write one TABLE.yaml per `checks for` section into this directory")
	default:
		return exitUsage, usageErrorf("import: unknown tool %q (gx, soda or dbt)\n%s", tool, importUsage)
	}
	fs.Usage = func() { fmt.Fprintln(c.stderr, importUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass, nil
		}
		return exitUsage, usageErrorf("%v", err)
	}
	if fs.NArg() != 1 {
		return exitUsage, usageErrorf("import %s: want one input file\n%s", tool, importUsage)
	}
	path := fs.Arg(0)
	data, err := os.ReadFile(path)
	if err != nil {
		return exitRuntime, err
	}

	var files []*importers.File
	switch tool {
	case "gx":
		opts := gx.Options{Owner: *owner, Dataset: *dataset}
		if *input != "" {
			src, err := builtin.Open(*input, builtin.Options{})
			if err != nil {
				return exitCode(err), err
			}
			if opts.Schema, err = src.Schema(ctx); err != nil {
				return exitRuntime, err
			}
		}
		f, err := gx.Import(data, opts)
		if err != nil {
			return exitUsage, fmt.Errorf("%s: %w", path, err)
		}
		files = append(files, f)
	case "soda":
		all, err := soda.Import(data, soda.Options{Owner: *owner})
		if err != nil {
			return exitUsage, fmt.Errorf("%s: %w", path, err)
		}
		var names []string
		for _, f := range all {
			names = append(names, f.Dataset)
			if *table == "" || f.Dataset == *table {
				files = append(files, f)
			}
		}
		switch {
		case len(files) == 0:
			return exitUsage, usageErrorf("import soda: no checks for table %q (tables: %s)", *table, textsafe.Escape(strings.Join(names, ", ")))
		case len(files) > 1 && *outDir == "":
			return exitUsage, usageErrorf("import soda: %s has checks for %d tables (%s): pick one with --table or write them all with --out-dir",
				path, len(files), textsafe.Escape(strings.Join(names, ", ")))
		}
	}

	if err := checkComplete(c.stderr, tool, path, files, *allowPartial); err != nil {
		return exitUsage, err
	}
	for _, f := range files {
		// Strings are YAML double-quoted scalars, where the escapes mean
		// the same characters.
		text := []byte(textsafe.EscapeLines(string(f.YAML())))
		if _, err := rules.Parse(f.Dataset+".yaml", text); err != nil {
			return exitRuntime, fmt.Errorf("import %s: the translation of %s does not load (please report this): %w", tool, path, err)
		}
		var notes bytes.Buffer
		f.WriteNotes(&notes, "sluice import: "+f.Dataset+": ")
		if _, err := c.stderr.Write([]byte(textsafe.EscapeLines(notes.String()))); err != nil {
			return exitRuntime, err
		}
		if outDir != nil && *outDir != "" {
			// The table name comes from the checks file: it names a file
			// in --out-dir, never a path elsewhere.
			if !safeFileName(f.Dataset) {
				return exitUsage, usageErrorf("import soda: %s: table %q cannot name a file in --out-dir", path, f.Dataset)
			}
			out := filepath.Join(*outDir, f.Dataset+".yaml")
			if err := writeFileAtomic(out, text); err != nil {
				return exitRuntime, err
			}
			fmt.Fprintf(c.stderr, "sluice import: wrote %s (%d rules, %d notes)\n", textsafe.Escape(out), len(f.Rules), len(f.Notes))
			continue
		}
		if _, err := c.stdout.Write(text); err != nil {
			return exitRuntime, err
		}
	}
	return exitPass, nil
}

// checkComplete refuses an import that left checks behind: every
// importer's result goes through it before anything is written. A file
// with no rule and no column constraint translated nothing; a note that
// is not Partial is a skipped check. Each skipped check is listed on w
// (with --allow-partial too, where the import then proceeds).
func checkComplete(w io.Writer, tool, path string, files []*importers.File, allowPartial bool) error {
	var skipped, empty []string
	for _, f := range files {
		for _, n := range f.Notes {
			if !n.Partial {
				skipped = append(skipped, f.Dataset+": "+n.String())
			}
		}
		if !translatedAny(f) {
			empty = append(empty, f.Dataset)
		}
	}
	if len(skipped) == 0 && len(empty) == 0 {
		return nil
	}
	if allowPartial {
		// The notes (skipped checks included) are printed with each file.
		for _, d := range empty {
			fmt.Fprintf(w, "sluice import: %s: nothing was translated (--allow-partial)\n", textsafe.Escape(d))
		}
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "import %s: %s: ", tool, path)
	switch {
	case len(empty) > 0 && len(skipped) == 0:
		fmt.Fprintf(&b, "nothing was translated for %s", strings.Join(empty, ", "))
	case len(empty) > 0:
		fmt.Fprintf(&b, "nothing was translated for %s; %s skipped:", strings.Join(empty, ", "), checksWere(len(skipped)))
	default:
		fmt.Fprintf(&b, "%s skipped:", checksWere(len(skipped)))
	}
	for _, s := range skipped {
		b.WriteString("\n  " + s)
	}
	b.WriteString("\nno rule file written; rerun with --allow-partial to write the rest (the skipped checks become comments)")
	return usageErrorf("%s", b.String())
}

func checksWere(n int) string {
	if n == 1 {
		return "1 check was"
	}
	return fmt.Sprintf("%d checks were", n)
}

// translatedAny reports whether f holds at least one rule or one column
// constraint.
func translatedAny(f *importers.File) bool {
	if len(f.Rules) > 0 {
		return true
	}
	for _, c := range f.Columns {
		if c.Required || c.Unique || c.Values != nil || c.Min != "" || c.Max != "" || c.MinLength != nil || c.MaxLength != nil || c.Type != "" {
			return true
		}
	}
	return false
}

// safeFileName reports whether name can be a file name on its own: not
// empty, no separator, not "." or "..", nothing a terminal acts on.
func safeFileName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, `/\`) &&
		!strings.HasPrefix(name, ".") && textsafe.Safe(name)
}

// writeFileAtomic writes data to path whole or not at all.
func writeFileAtomic(path string, data []byte) error {
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return errors.Join(err, f.Abort())
	}
	return f.Commit()
}
