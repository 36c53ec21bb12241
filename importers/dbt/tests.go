package dbt

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/sluicedata/sluice/importers"
)

var configKeys = map[string]bool{"severity": true, "where": true, "warn_if": true, "error_if": true,
	"limit": true, "store_failures": true, "tags": true, "meta": true, "enabled": true, "alias": true, "schema": true, "database": true}

// test translates one entry of a tests: (or data_tests:) list; what cannot
// be translated becomes a note naming its place in the schema file.
func (t *translator) test(f *importers.File, n ast.Node, col, desc string) {
	name, args, cfg := splitTest(n)
	src := fmt.Sprintf("%s: %s", t.pos(n), name)
	if col != "" {
		src += " on " + col
	}
	note := func(partial bool, format string, a ...any) {
		f.Notes = append(f.Notes, importers.Note{Source: src, Reason: fmt.Sprintf(format, a...), Partial: partial})
	}
	if name == "" {
		note(false, "a test without a name")
		return
	}
	if c, ok := args["column_name"].(string); ok && col == "" {
		col = c
	}
	for _, k := range []string{"where", "warn_if", "error_if"} {
		if _, ok := cfg[k]; ok {
			note(false, "the config %s is not translated yet: the test was not translated", k)
			return
		}
	}
	for _, k := range []string{"limit", "store_failures"} {
		if _, ok := cfg[k]; ok {
			note(true, "the config %s is ignored: Sluice reports failing rows as samples and the quarantine", k)
		}
	}
	sev := ""
	if s, ok := cfg["severity"].(string); ok && strings.EqualFold(s, "warn") {
		sev = "warn"
	}
	r := importers.Rule{Description: desc, Severity: sev, Comment: "dbt test " + src}
	if col == "" && (name == "not_null" || name == "unique" || name == "accepted_values" || name == "relationships") {
		note(false, "the test needs a column")
		return
	}
	id := importers.Ident(col)
	switch name {
	case "not_null":
		r.Name, r.Expr = col+".not_null", id+" != null"
	case "unique":
		r.Name, r.Check = col+".unique_non_null", fmt.Sprintf("distinct_count(%s) == row_count() - null_count(%s)", id, id)
	case "accepted_values":
		vals, ok := args["values"].([]any)
		if !ok {
			note(false, "accepted_values without a values list")
			return
		}
		quote := true
		if q, ok := args["quote"].(bool); ok {
			quote = q
		}
		lits := make([]string, 0, len(vals))
		for _, v := range vals {
			l, err := literal(v, quote)
			if err != nil {
				note(false, "%v", err)
				return
			}
			lits = append(lits, l)
		}
		r.Name, r.Expr = col+".accepted_values", id+" in ["+strings.Join(lits, ", ")+"]"
	case "relationships":
		to, _ := args["to"].(string)
		field, _ := args["field"].(string)
		target, ok := refName(to)
		if !ok || field == "" {
			note(false, "relationships wants to: ref('model') or source('source', 'table') and field:")
			return
		}
		if t.opts.Ref == nil {
			note(false, "the dataset of %s is not known: give the data directory (--data DIR)", to)
			return
		}
		p, err := t.opts.Ref(target)
		if err != nil {
			note(false, "%v", err)
			return
		}
		r.Name = col + ".relationships"
		r.Check = fmt.Sprintf("missing_references(%s, %s, %s) == 0", id, importers.CELString(p), importers.CELString(field))
	default:
		note(false, "the test %s is not translated", name)
		return
	}
	f.AddRule(r)
}

var (
	refRe    = regexp.MustCompile(`^\s*ref\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?\)\s*$`)
	sourceRe = regexp.MustCompile(`^\s*source\(\s*['"][^'"]+['"]\s*,\s*['"]([^'"]+)['"]\s*\)\s*$`)
)

// refName returns the dataset named by ref('x'), ref('pkg', 'x') or
// source('s', 'x').
func refName(s string) (string, bool) {
	if m := refRe.FindStringSubmatch(s); m != nil {
		if m[2] != "" {
			return m[2], true
		}
		return m[1], true
	}
	if m := sourceRe.FindStringSubmatch(s); m != nil {
		return m[1], true
	}
	return "", false
}

// splitTest returns a test's name, arguments and config, from any of the
// forms dbt accepts: a bare name, {name: {args…, config: {…}}} and
// {name: {arguments: {…}, config: {…}}}.
func splitTest(n ast.Node) (string, map[string]any, map[string]any) {
	args, cfg := map[string]any{}, map[string]any{}
	v := value(n)
	if s, ok := v.(string); ok {
		return s, args, cfg
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", args, cfg
	}
	var name string
	var body any
	for k, b := range m {
		name, body = k, b
	}
	bm, _ := body.(map[string]any)
	for k, x := range bm {
		switch {
		case k == "arguments":
			if am, ok := x.(map[string]any); ok {
				for ak, av := range am {
					args[ak] = av
				}
			}
		case k == "config":
			if cm, ok := x.(map[string]any); ok {
				for ck, cv := range cm {
					cfg[ck] = cv
				}
			}
		case configKeys[k]:
			cfg[k] = x
		default:
			args[k] = x
		}
	}
	return name, args, cfg
}
