package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/internal/arrowtypes"
	"github.com/sluicedata/sluice/internal/textsafe"
	"github.com/sluicedata/sluice/rules"
)

func (c *cli) schema(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("schema", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass, nil
		}
		return exitUsage, usageErrorf("%v", err)
	}
	if fs.NArg() != 1 {
		return exitUsage, usageErrorf("usage: sluice schema INPUT")
	}
	input := fs.Arg(0)
	src, err := builtin.Open(input, withURLs(builtin.Options{}))
	if err != nil {
		return exitCode(err), err
	}
	schema, err := src.Schema(ctx)
	if err != nil {
		return exitRuntime, err
	}
	writeStarter(c.stdout, src.Dataset().String(), schema)
	return exitPass, nil
}

// writeStarter prints the schema as a commented starter rule file that
// `sluice rules validate` accepts once owner is filled in. Names from the
// dataset are escaped in comments and quoted as YAML keys, so that a column
// name cannot end a comment line or draw on the terminal.
func writeStarter(w io.Writer, identity string, schema *arrow.Schema) {
	fmt.Fprintf(w, "# Schema of %s\n", textsafe.Escape(identity))
	for _, f := range schema.Fields() {
		null := "not null"
		if f.Nullable {
			null = "nullable"
		}
		fmt.Fprintf(w, "#   %-24s %-32s %s\n", textsafe.Escape(f.Name), textsafe.Escape(f.Type.String()), null)
	}
	name := "dataset"
	if i := strings.LastIndexAny(identity, "/\\"); i >= 0 {
		name = identity[i+1:]
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	if !textsafe.Safe(name) || strings.ContainsAny(name, ":#'\"{}[],&*!|>%@`\\") || strings.TrimSpace(name) != name {
		name = strconv.Quote(name)
	}
	fmt.Fprintf(w, "version: 1\ndataset: %s\nowner: you@example.com   # the accountable owner\ncolumns:\n", name)
	for _, f := range schema.Fields() {
		key := f.Name
		if !isIdentifier(key) {
			key = strconv.Quote(key) // escapes controls and bidi overrides
		}
		var parts []string
		if t := arrowtypes.RuleType(f.Type); t != "" {
			parts = append(parts, "type: "+t)
		}
		if !f.Nullable {
			parts = append(parts, "required: true")
		}
		fmt.Fprintf(w, "  %s: {%s}\n", key, strings.Join(parts, ", "))
	}
	fmt.Fprint(w, "rules:\n  - name: not_empty\n    check: row_count() > 0\n")
}

func (c *cli) validate(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("rules validate", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	input := fs.String("input", "", "type-check against this dataset's schema instead of the declared column types")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass, nil
		}
		return exitUsage, usageErrorf("%v", err)
	}
	if fs.NArg() != 1 {
		return exitUsage, usageErrorf("usage: sluice rules validate [--input DATA] R.yaml")
	}
	rs, err := rules.Load(fs.Arg(0))
	if err != nil {
		return exitUsage, err
	}
	schema := rs.SchemaHint()
	against := "the declared column types"
	if *input != "" {
		src, err := builtin.Open(*input, withURLs(builtin.Options{SchemaHint: schema}))
		if err != nil {
			return exitCode(err), err
		}
		if schema, err = src.Schema(ctx); err != nil {
			return exitRuntime, err
		}
		against = "the schema of " + *input
	}
	prog, err := rs.Compile(schema)
	if err != nil {
		if *input == "" {
			return exitUsage, fmt.Errorf("%w\n(type-checked against %s; pass --input DATA to use a dataset's schema)", err, against)
		}
		return exitUsage, err
	}
	fmt.Fprintf(c.stdout, "%s: %d rules valid against %s\n", textsafe.Escape(fs.Arg(0)), len(rs.Rules), textsafe.Escape(against))
	// Which engine each row rule runs on (docs/engine.md): the rules that
	// are not fully vectorized are named, as they are the slow ones.
	byEngine := map[string][]string{}
	for _, r := range prog.RowRules() {
		byEngine[r.Engine] = append(byEngine[r.Engine], r.Name)
	}
	fmt.Fprintf(c.stdout, "row rules: %d vectorized, %d mixed, %d on the interpreter\n",
		len(byEngine[rules.EngineVectorized]), len(byEngine[rules.EngineMixed]), len(byEngine[rules.EngineInterpreter]))
	for _, e := range []string{rules.EngineMixed, rules.EngineInterpreter} {
		for _, name := range byEngine[e] {
			fmt.Fprintf(c.stdout, "  %s: %s\n", e, textsafe.Escape(name))
		}
	}
	return exitPass, nil
}

// isIdentifier reports whether s can be written bare as a YAML key and CEL
// identifier.
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return true
}
