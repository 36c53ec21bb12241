package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/importers"
	"github.com/sluicedata/sluice/importers/dbt"
	"github.com/sluicedata/sluice/internal/textsafe"
	"github.com/sluicedata/sluice/rules"
)

const importDbtUsage = `usage:
  sluice import dbt [--owner O] [--data DIR] [--model NAME | --out-dir DIR] [--allow-partial] SCHEMA.yml…

Reads dbt schema files (models, sources with their tables, seeds; tests: and
data_tests:) and writes one rule file per model, DIR/<model>.rules.yaml, or
with --model the one model's rule file to stdout. --data DIR is where the
models' data is, as DIR/<model>.{parquet,csv,ndjson,json,arrow,…}: a
relationships test becomes missing_references against the file of its
ref(), and the data's schema types the literals of where conditions.
Models without tests get no rule file.`

// dataExtensions are tried in order for DIR/<model>.<ext>.
var dataExtensions = []string{".parquet", ".pq", ".csv", ".tsv", ".ndjson", ".jsonl", ".json", ".arrow", ".arrows", ".ipc", ".feather"}

// importDbt is `sluice import dbt`.
func (c *cli) importDbt(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("import dbt", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	owner := fs.String("owner", "", "the owner of models without meta.owner (a placeholder to edit otherwise)")
	allowPartial := fs.Bool("allow-partial", false, "write the rule files even when some tests (or all) were not translated")
	model := fs.String("model", "", "translate only this model (or seed, source table) and write its rule file to stdout")
	outDir := fs.String("out-dir", "", "write one <model>.rules.yaml per model into this directory")
	dataDir := fs.String("data", "", "the directory holding each model's data as <model>.<ext> (references, literal types)")
	fs.Usage = func() { fmt.Fprintln(c.stderr, importDbtUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass, nil
		}
		return exitUsage, usageErrorf("%v", err)
	}
	if fs.NArg() == 0 {
		return exitUsage, usageErrorf("import dbt: want at least one schema file\n%s", importDbtUsage)
	}
	if *model != "" && *outDir != "" {
		return exitUsage, usageErrorf("import dbt: --model writes to stdout; --out-dir writes every model: pick one")
	}
	if *dataDir != "" {
		if st, err := os.Stat(*dataDir); err != nil || !st.IsDir() {
			return exitUsage, usageErrorf("import dbt: --data %s is not a directory", textsafe.Escape(*dataDir))
		}
	}

	// A reference is written relative to where the rule file goes: the
	// rule file's directory with --out-dir, the working directory for
	// stdout (rule files resolve paths from their own directory).
	refBase := "."
	if *outDir != "" {
		refBase = *outDir
	}
	opts := dbt.Options{Owner: *owner}
	schemas := map[string]*arrow.Schema{}
	if *dataDir != "" {
		opts.Ref = func(name string) (string, error) {
			p, ok := findData(*dataDir, name)
			if !ok {
				return "", fmt.Errorf("no data file for %s in --data %s (looked for %s.{%s})", name, *dataDir, name,
					strings.Join(trimDots(dataExtensions), ","))
			}
			return relativeTo(refBase, p), nil
		}
		opts.Schema = func(name string) *arrow.Schema {
			if s, ok := schemas[name]; ok {
				return s
			}
			schemas[name] = nil
			p, ok := findData(*dataDir, name)
			if !ok {
				return nil
			}
			src, err := builtin.Open(p, builtin.Options{})
			if err != nil {
				return nil
			}
			s, err := src.Schema(ctx)
			if err != nil {
				return nil
			}
			schemas[name] = s
			return s
		}
	}

	var files []*importers.File
	from := map[string]string{}
	var untested []string
	for _, path := range fs.Args() {
		data, err := os.ReadFile(path)
		if err != nil {
			return exitRuntime, err
		}
		all, err := dbt.Import(path, data, opts)
		if err != nil {
			return exitUsage, err
		}
		for _, f := range all {
			if *model != "" && f.Dataset != *model {
				continue
			}
			if prev, ok := from[f.Dataset]; ok {
				return exitUsage, usageErrorf("import dbt: %s is declared in %s and in %s: one rule file per name",
					textsafe.Escape(f.Dataset), textsafe.Escape(prev), textsafe.Escape(path))
			}
			from[f.Dataset] = path
			if *model == "" && len(f.Notes) == 0 && !translatedAny(f) {
				untested = append(untested, f.Dataset)
				continue
			}
			files = append(files, f)
		}
	}
	switch {
	case *model != "" && len(files) == 0:
		return exitUsage, usageErrorf("import dbt: no model, seed or source table %q in %s", textsafe.Escape(*model), textsafe.Escape(strings.Join(fs.Args(), ", ")))
	case len(files) == 0:
		return exitUsage, usageErrorf("import dbt: %s: no model has a test to translate", textsafe.Escape(strings.Join(fs.Args(), ", ")))
	case len(files) > 1 && *outDir == "":
		var names []string
		for _, f := range files {
			names = append(names, f.Dataset)
		}
		return exitUsage, usageErrorf("import dbt: tests for %d models (%s): pick one with --model or write them all with --out-dir",
			len(files), textsafe.Escape(strings.Join(names, ", ")))
	}
	if err := checkComplete(c.stderr, "dbt", strings.Join(fs.Args(), ", "), files, *allowPartial); err != nil {
		return exitUsage, err
	}
	for _, d := range untested {
		fmt.Fprintf(c.stderr, "sluice import: %s: no tests, no rule file\n", textsafe.Escape(d))
	}
	if *outDir != "" {
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			return exitRuntime, err
		}
	}
	for _, f := range files {
		text := []byte(textsafe.EscapeLines(string(f.YAML())))
		if _, err := rules.Parse(f.Dataset+".rules.yaml", text); err != nil {
			return exitRuntime, fmt.Errorf("import dbt: the translation of %s does not load (please report this): %w", f.Dataset, err)
		}
		var notes strings.Builder
		f.WriteNotes(&notes, "sluice import: "+f.Dataset+": ")
		if _, err := c.stderr.Write([]byte(textsafe.EscapeLines(notes.String()))); err != nil {
			return exitRuntime, err
		}
		if *outDir == "" {
			if _, err := c.stdout.Write(text); err != nil {
				return exitRuntime, err
			}
			continue
		}
		if !safeFileName(f.Dataset) {
			return exitUsage, usageErrorf("import dbt: model %q cannot name a file in --out-dir", f.Dataset)
		}
		out := filepath.Join(*outDir, f.Dataset+".rules.yaml")
		if err := writeFileAtomic(out, text); err != nil {
			return exitRuntime, err
		}
		fmt.Fprintf(c.stderr, "sluice import: wrote %s (%d rules, %d notes)\n", textsafe.Escape(out), len(f.Rules), len(f.Notes))
	}
	return exitPass, nil
}

// findData returns DIR/name.<ext> for the first extension that exists.
func findData(dir, name string) (string, bool) {
	if !safeFileName(name) {
		return "", false
	}
	for _, ext := range dataExtensions {
		p := filepath.Join(dir, name+ext)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// relativeTo writes p relative to base when that climbs at most two
// directories (rules/ next to data/ in a project), else absolute.
func relativeTo(base, p string) string {
	ab, err1 := filepath.Abs(base)
	ap, err2 := filepath.Abs(p)
	if err1 != nil || err2 != nil {
		return p
	}
	if r, err := filepath.Rel(ab, ap); err == nil && !strings.HasPrefix(filepath.ToSlash(r), "../../../") {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(ap)
}

func trimDots(exts []string) []string {
	out := make([]string, len(exts))
	for i, e := range exts {
		out[i] = strings.TrimPrefix(e, ".")
	}
	return out
}
