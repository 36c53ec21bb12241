package dbt

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/sluicedata/sluice/importers"
)

// freshness is the freshness config of a source or source table; a
// table inherits its source's and overrides it key by key (freshness:
// null turns it off).
type freshness struct {
	loadedAt string
	warn     any
	err      any
	filter   any
	off      bool
	pos      string
}

// from returns f overridden by the loaded_at_field and freshness of n
// (also under config:).
func (f freshness) from(t *translator, n ast.Node) freshness {
	apply := func(e *ast.MappingValueNode) {
		switch keyOf(e) {
		case "loaded_at_field":
			f.loadedAt = scalar(e.Value)
		case "freshness":
			v := value(e.Value)
			f.pos = t.pos(e)
			if v == nil {
				f.off = true
				return
			}
			f.off = false
			if m, ok := v.(map[string]any); ok {
				for k, x := range m {
					switch k {
					case "warn_after":
						f.warn = x
					case "error_after":
						f.err = x
					case "filter":
						f.filter = x
					}
				}
			}
		}
	}
	for _, e := range entries(n) {
		if keyOf(e) == "config" {
			for _, c := range entries(e.Value) {
				apply(c)
			}
			continue
		}
		apply(e)
	}
	return f
}

// freshness adds the rules of a source table's freshness: dbt source
// freshness errors when the newest loaded_at_field is older than
// error_after, and warns when it is older than warn_after.
func (t *translator) freshness(f *importers.File, fr freshness) {
	if fr.off || (fr.warn == nil && fr.err == nil) {
		return
	}
	src := fr.pos + ": freshness"
	note := func(format string, a ...any) {
		f.Notes = append(f.Notes, importers.Note{Source: src, Reason: fmt.Sprintf(format, a...)})
	}
	if fr.loadedAt == "" || !plainColumn(fr.loadedAt) {
		note("loaded_at_field %q is not a column", fr.loadedAt)
		return
	}
	if fr.filter != nil {
		note("the freshness filter is not translated: max() reads every row")
		return
	}
	id := importers.Ident(fr.loadedAt)
	var rules []importers.Rule
	for _, lv := range []struct {
		sev string
		v   any
	}{{"", fr.err}, {"warn", fr.warn}} {
		if lv.v == nil {
			continue
		}
		d, err := freshnessDuration(lv.v)
		if err != nil {
			note("%v", err)
			return
		}
		name := fr.loadedAt + ".freshness"
		what := "error_after"
		if lv.sev == "warn" {
			name += "_warn"
			what = "warn_after"
		}
		rules = append(rules, importers.Rule{Name: name, Severity: lv.sev,
			Check:   fmt.Sprintf("now() - max(%s) <= duration(%s)", id, importers.CELString(d)),
			Comment: fmt.Sprintf("dbt source freshness %s: %s", src, what)})
	}
	for _, r := range rules {
		f.AddRule(r)
	}
}

// freshnessDuration reads {count: N, period: minute|hour|day}.
func freshnessDuration(v any) (string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", fmt.Errorf("freshness wants {count: N, period: minute|hour|day}, not %v", v)
	}
	n, ok := toFloat(m["count"])
	if !ok || n < 0 || n != float64(int64(n)) {
		return "", fmt.Errorf("freshness count must be a whole number, not %v", m["count"])
	}
	hours := map[string]float64{"minute": 1.0 / 60, "hour": 1, "day": 24}[strings.ToLower(fmt.Sprint(m["period"]))]
	if hours == 0 {
		return "", fmt.Errorf("freshness period %v is not minute, hour or day", m["period"])
	}
	if hours < 1 {
		return strconv.FormatInt(int64(n), 10) + "m", nil
	}
	return strconv.FormatFloat(n*hours, 'f', -1, 64) + "h", nil
}
