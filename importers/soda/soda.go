package soda

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/sluicedata/sluice/importers"
)

// Options tune a translation.
type Options struct {
	// Owner is written as each rule file's owner (a placeholder otherwise).
	Owner string
}

// Import reads a SodaCL file and returns one rule file per `checks for`
// table, in file order.
func Import(data []byte, opts Options) ([]*importers.File, error) {
	var doc yaml.MapSlice
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("soda: %w", err)
	}
	pos := locate(data)
	origin := make([]string, len(doc)) // the section whose lines a section has
	for i, item := range doc {
		origin[i], _ = item.Key.(string)
	}
	var files []*importers.File
	var skipped []importers.Note
	for i := 0; i < len(doc); i++ { // for each dataset appends sections
		item := doc[i]
		key, _ := item.Key.(string)
		if strings.HasPrefix(key, "for each dataset ") {
			exp, notes := forEach(key, item.Value)
			doc = append(doc, exp...)
			for range exp {
				origin = append(origin, key)
			}
			at(notes, pos.section[key])
			skipped = append(skipped, notes...)
			continue
		}
		if !strings.HasPrefix(key, "checks for ") {
			continue
		}
		table := strings.TrimSpace(strings.TrimPrefix(key, "checks for "))
		f := &importers.File{
			Dataset: table,
			Owner:   opts.Owner,
			Header:  []string{fmt.Sprintf("Translated from SodaCL `checks for %s` by `sluice import soda`.", table)},
		}
		if i := strings.IndexAny(table, " ["); i >= 0 {
			f.Dataset = table[:i]
			f.Notes = append(f.Notes, importers.Note{Source: key, Reason: "table filters and partitions are not translated: the rules apply to every row read", Partial: true})
			at(f.Notes, pos.section[key])
		}
		checks, ok := item.Value.([]any)
		if !ok {
			return nil, fmt.Errorf("soda: %s: want a list of checks", key)
		}
		for j, c := range checks {
			ln := pos.check(origin[i], j)
			text, cfg, err := splitCheck(c)
			if err != nil {
				if ln > 0 {
					return nil, fmt.Errorf("soda: %s: line %d: %w", key, ln, err)
				}
				return nil, fmt.Errorf("soda: %s: %w", key, err)
			}
			before := len(f.Notes)
			if err := translate(f, text, cfg); err != nil {
				f.Notes = append(f.Notes, importers.Note{Source: text, Reason: err.Error()})
			}
			at(f.Notes[before:], ln)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, errors.New("soda: no `checks for TABLE:` section")
	}
	files[0].Notes = append(files[0].Notes, skipped...)
	return files, nil
}

func splitCheck(c any) (string, map[string]any, error) {
	switch c := c.(type) {
	case string:
		return c, nil, nil
	case map[string]any:
		if len(c) != 1 {
			return "", nil, fmt.Errorf("a check with configuration has one key, got %d", len(c))
		}
		for k, v := range c {
			cfg, _ := v.(map[string]any)
			if cfg == nil {
				cfg = map[string]any{}
			}
			return k, cfg, nil
		}
	case yaml.MapSlice:
		if len(c) != 1 {
			return "", nil, fmt.Errorf("a check with configuration has one key, got %d", len(c))
		}
		k, _ := c[0].Key.(string)
		cfg, _ := c[0].Value.(map[string]any)
		if cfg == nil {
			cfg = map[string]any{}
		}
		return k, cfg, nil
	}
	return "", nil, fmt.Errorf("unexpected check %v", c)
}

var (
	metricRe    = regexp.MustCompile(`^\s*([a-z_]+)\s*(?:\(([^)]*)\))?\s*(.*)$`)
	thresholdRe = regexp.MustCompile(`^\s*(not between|between|<=|>=|!=|<>|=|<|>)\s*(.+?)\s*$`)
	referenceRe = regexp.MustCompile(`^\s*values in \(([^)]*)\) must (not )?exist in ([\w.]+) \(([^)]*)\)\s*$`)
)

func translate(f *importers.File, text string, cfg map[string]any) error {
	name, _ := cfg["name"].(string)
	switch {
	case text == "schema":
		return schemaCheck(f, cfg)
	case text == "failed rows":
		return failedRows(f, name, cfg)
	case referenceRe.MatchString(text):
		return reference(f, text, name)
	}
	if m := anomalyRe.FindStringSubmatch(text); m != nil {
		return anomaly(f, text, m[1], m[2], cfg, name)
	}
	change, body := changeKind(text)
	m := metricRe.FindStringSubmatch(body)
	if m == nil {
		return errors.New("not a SodaCL metric check")
	}
	metric, args, rest := m[1], splitArgs(m[2]), strings.TrimSpace(m[3])
	if metric == "freshness" && change == "" {
		return freshness(f, text, args, rest, cfg, name)
	}
	x, err := metricExpr(metric, args, cfg)
	if err != nil {
		return err
	}
	switch change {
	case "change":
		// Soda's `change for` is the absolute difference from the previous measurement.
		x = "(double(" + x + ") - previous(" + x + "))"
		metric = "change." + metric
	case "change percent":
		// Soda's `change percent for` is the relative difference in percent.
		x = "(100.0 * change(" + x + "))"
		metric = "change_percent." + metric
	case "unsupported":
		return errors.New("change over an aggregate of the last N measurements (`change avg|min|max last N for`) has no equivalent: history functions compare with the previous run only")
	}
	comment := "SodaCL: " + text
	if rest != "" {
		cond, err := threshold(x, rest)
		if err != nil {
			return err
		}
		f.AddRule(importers.Rule{Name: orName(name, metric, args), Check: cond, Comment: comment})
		return nil
	}
	// Thresholds in warn:/fail: configuration.
	added := false
	for _, level := range []string{"fail", "warn"} {
		v, ok := cfg[level]
		if !ok {
			continue
		}
		s, _ := v.(string)
		s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "when"))
		if s == "" {
			return fmt.Errorf("%s: want `when <threshold>`", level)
		}
		cond, err := threshold(x, s)
		if err != nil {
			return err
		}
		// Soda's warn/fail give the condition that raises; the rule is its negation.
		r := importers.Rule{Name: orName(name, metric, args) + "." + level, Check: "!(" + cond + ")", Comment: comment + " (" + level + " when " + s + ")"}
		if level == "warn" {
			r.Severity = "warn"
		}
		f.AddRule(r)
		added = true
	}
	if !added {
		return errors.New("no threshold (e.g. `= 0`, `< 5%`, or warn:/fail: when …)")
	}
	return nil
}

func orName(name, metric string, args []string) string {
	if name != "" {
		return name
	}
	if metric == "percentile" && len(args) > 0 {
		args = args[:1]
	}
	if len(args) > 0 {
		return strings.Join(args, "_") + "." + metric
	}
	return metric
}

func splitArgs(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

func ids(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = importers.Ident(strings.Trim(c, `"`))
	}
	return out
}

// formats maps SodaCL's valid formats to RE2 patterns.
var formats = map[string]string{
	"email":              `^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$`,
	"uuid":               `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`,
	"integer":            `^[-+]?[0-9]+$`,
	"positive integer":   `^\+?[0-9]+$`,
	"negative integer":   `^-[0-9]+$`,
	"decimal":            `^[-+]?[0-9]*[.,]?[0-9]+$`,
	"positive decimal":   `^\+?[0-9]*[.,]?[0-9]+$`,
	"negative decimal":   `^-[0-9]*[.,]?[0-9]+$`,
	"percentage":         `^[-+]?[0-9]*[.,]?[0-9]+\s?%$`,
	"date iso 8601":      `^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$`,
	"date eu":            `^[0-9]{1,2}[-./][0-9]{1,2}[-./][0-9]{4}$`,
	"date us":            `^[0-9]{1,2}[-./][0-9]{1,2}[-./][0-9]{4}$`,
	"ip address":         `^((25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])$`,
	"ipv4 address":       `^((25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])$`,
	"phone number":       `^\+?[0-9 ()./-]{7,}$`,
	"credit card number": `^[0-9]{4}[- ]?[0-9]{4}[- ]?[0-9]{4}[- ]?[0-9]{1,7}$`,
	"money":              `^[-+]?[0-9]+([.,][0-9]+)?\s?[A-Z]{0,3}$`,
	"time 24h":           `^([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$`,
}

// validity builds the CEL of a valid value from the check's valid … keys
// ("" when there are none).
func validity(col string, cfg map[string]any) (string, error) {
	id := importers.Ident(col)
	var parts []string
	for _, k := range importers.SortedKeys(cfg) {
		v := cfg[k]
		switch k {
		case "valid values":
			l, ok := v.([]any)
			if !ok {
				return "", errors.New("valid values: want a list")
			}
			lits := make([]string, len(l))
			for i, x := range l {
				lits[i] = literal(x)
			}
			parts = append(parts, id+" in ["+strings.Join(lits, ", ")+"]")
		case "valid format":
			s, _ := v.(string)
			re, ok := formats[s]
			if !ok {
				return "", fmt.Errorf("valid format %q has no pattern here: use valid regex", s)
			}
			parts = append(parts, id+".matches("+importers.CELString(re)+")")
		case "valid regex":
			s, _ := v.(string)
			if _, err := regexp.Compile(s); err != nil {
				return "", fmt.Errorf("valid regex %q is not RE2: %w", s, err)
			}
			parts = append(parts, id+".matches("+importers.CELString(s)+")")
		case "valid length":
			parts = append(parts, "size("+id+") == "+literal(v))
		case "valid min length":
			parts = append(parts, "size("+id+") >= "+literal(v))
		case "valid max length":
			parts = append(parts, "size("+id+") <= "+literal(v))
		case "valid min":
			parts = append(parts, id+" >= "+literal(v))
		case "valid max":
			parts = append(parts, id+" <= "+literal(v))
		case "invalid values":
			l, _ := v.([]any)
			lits := make([]string, len(l))
			for i, x := range l {
				lits[i] = literal(x)
			}
			parts = append(parts, "!("+id+" in ["+strings.Join(lits, ", ")+"])")
		}
	}
	return strings.Join(parts, " && "), nil
}

func missing(col string, cfg map[string]any) string {
	id := importers.Ident(col)
	var parts = []string{id + " == null"}
	if l, ok := cfg["missing values"].([]any); ok {
		lits := make([]string, len(l))
		for i, x := range l {
			lits[i] = literal(x)
		}
		parts = append(parts, id+" in ["+strings.Join(lits, ", ")+"]")
	}
	if s, ok := cfg["missing regex"].(string); ok {
		parts = append(parts, id+".matches("+importers.CELString(s)+")")
	}
	return strings.Join(parts, " || ")
}

func metricExpr(metric string, args []string, cfg map[string]any) (string, error) {
	one := func() (string, error) {
		if len(args) != 1 {
			return "", fmt.Errorf("%s takes one column", metric)
		}
		return ids(args)[0], nil
	}
	switch metric {
	case "row_count":
		return "row_count()", nil
	case "missing_count", "missing_percent":
		c, err := one()
		if err != nil {
			return "", err
		}
		x := "null_count(" + c + ")"
		if cfg["missing values"] != nil || cfg["missing regex"] != nil {
			x = "count_if(" + missing(args[0], cfg) + ")"
		}
		if metric == "missing_percent" {
			return "100.0 * double(" + x + ") / double(row_count())", nil
		}
		return x, nil
	case "invalid_count", "invalid_percent":
		c, err := one()
		if err != nil {
			return "", err
		}
		valid, err := validity(args[0], cfg)
		if err != nil {
			return "", err
		}
		if valid == "" {
			return "", errors.New("invalid_* needs a `valid …` configuration (values, format, regex, length, min, max)")
		}
		_ = c
		x := "count_if(!(" + valid + "))"
		if metric == "invalid_percent" {
			return "100.0 * double(" + x + ") / double(row_count())", nil
		}
		return x, nil
	case "duplicate_count", "duplicate_percent":
		if len(args) == 0 {
			return "", errors.New("duplicate_count needs columns")
		}
		x := "duplicate_count(" + strings.Join(ids(args), ", ") + ")"
		if metric == "duplicate_percent" {
			return "100.0 * double(" + x + ") / double(row_count())", nil
		}
		return x, nil
	case "min", "max", "sum", "stddev", "min_length", "max_length":
		c, err := one()
		if err != nil {
			return "", err
		}
		return metric + "(" + c + ")", nil
	case "stddev_pop":
		c, err := one()
		return "stddev(" + c + ")", err
	case "avg":
		c, err := one()
		return "mean(" + c + ")", err
	case "avg_length":
		c, err := one()
		return "mean_length(" + c + ")", err
	case "percentile":
		if len(args) != 2 {
			return "", errors.New("percentile takes a column and a fraction")
		}
		q, err := strconv.ParseFloat(args[1], 64)
		if err != nil {
			return "", fmt.Errorf("percentile fraction %q: %w", args[1], err)
		}
		return fmt.Sprintf("quantile(%s, %s)", ids(args[:1])[0], strconv.FormatFloat(q, 'g', -1, 64)), nil
	case "distinct_count":
		c, err := one()
		return "distinct_count(" + c + ")", err
	}
	return "", fmt.Errorf("metric %s has no Sluice equivalent", metric)
}

// threshold turns "< 5%", "= 0", "between 1 and 10" into CEL over x.
func threshold(x, s string) (string, error) {
	m := thresholdRe.FindStringSubmatch(s)
	if m == nil {
		return "", fmt.Errorf("threshold %q not understood", s)
	}
	op, val := m[1], m[2]
	switch op {
	case "between", "not between":
		lo, hi, ok := strings.Cut(val, " and ")
		if !ok {
			return "", fmt.Errorf("threshold %q: want `between A and B`", s)
		}
		a, err := number(lo)
		if err != nil {
			return "", err
		}
		b, err := number(hi)
		if err != nil {
			return "", err
		}
		e := x + " >= " + a + " && " + x + " <= " + b
		if op == "not between" {
			return "!(" + e + ")", nil
		}
		return e, nil
	}
	v, err := number(val)
	if err != nil {
		return "", err
	}
	switch op {
	case "=", "==":
		// CEL's == does not mix int and double: compare as doubles.
		return "double(" + x + ") == " + v, nil
	case "!=", "<>":
		return "double(" + x + ") != " + v, nil
	}
	return x + " " + op + " " + v, nil
}

// number reads a threshold value; percentages drop the %, and every value
// is written as a double so it compares with int and double metrics alike.
func number(s string) (string, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return "", fmt.Errorf("threshold value %q is not a number", s)
	}
	t := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(t, ".e") {
		t += ".0"
	}
	return t, nil
}

func literal(v any) string {
	switch v := v.(type) {
	case string:
		return importers.CELString(v)
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(v)
	case float64:
		t := strconv.FormatFloat(v, 'g', -1, 64)
		if !strings.ContainsAny(t, ".e") {
			t += ".0"
		}
		return t
	}
	return fmt.Sprint(v)
}

func freshness(f *importers.File, text string, args []string, rest string, cfg map[string]any, name string) error {
	if len(args) != 1 {
		return errors.New("freshness takes one column")
	}
	id := ids(args)[0]
	base := orName(name, "freshness", args)
	if rest != "" {
		m := regexp.MustCompile(`^<\s*(\S+)$`).FindStringSubmatch(rest)
		if m == nil {
			return fmt.Errorf("freshness threshold %q not understood (want `< 1d`)", rest)
		}
		secs, err := sodaDuration(m[1])
		if err != nil {
			return err
		}
		f.AddRule(importers.Rule{Name: base, Check: freshnessCheck(id, secs), Comment: "SodaCL: " + text})
		return nil
	}
	added := false
	for _, level := range []string{"fail", "warn"} {
		w, ok := cfg[level].(string)
		if !ok {
			continue
		}
		m := regexp.MustCompile(`^when\s*>\s*(\S+)$`).FindStringSubmatch(strings.TrimSpace(w))
		if m == nil {
			return fmt.Errorf("freshness %s threshold %q not understood (want `when > 1d`)", level, w)
		}
		secs, err := sodaDuration(m[1])
		if err != nil {
			return err
		}
		r := importers.Rule{Name: base + "." + level, Check: freshnessCheck(id, secs), Comment: "SodaCL: " + text + " (" + level + " when > " + m[1] + ")"}
		if level == "warn" {
			r.Severity = "warn"
		}
		f.AddRule(r)
		added = true
	}
	if !added {
		return errors.New("freshness: no threshold (want `< 1d` or warn:/fail: when > 1d)")
	}
	return nil
}

func freshnessCheck(id string, secs float64) string {
	return fmt.Sprintf("now() - max(%s) < duration('%ss')", id, strconv.FormatFloat(secs, 'f', -1, 64))
}

var durationPartRe = regexp.MustCompile(`(\d+(?:\.\d+)?)([dhms])`)

// sodaDuration reads a Soda freshness duration such as 1d, 12h, 30m, 10s or
// a combination (1d6h) and returns it in seconds.
func sodaDuration(s string) (float64, error) {
	parts := durationPartRe.FindAllStringSubmatchIndex(s, -1)
	end := 0
	var secs float64
	for _, p := range parts {
		if p[0] != end {
			break
		}
		n, _ := strconv.ParseFloat(s[p[2]:p[3]], 64)
		secs += n * map[string]float64{"d": 86400, "h": 3600, "m": 60, "s": 1}[s[p[4]:p[5]]]
		end = p[1]
	}
	if len(parts) == 0 || end != len(s) {
		return 0, fmt.Errorf("freshness duration %q not understood (want e.g. 1d, 12h, 30m, 10s or 1d6h)", s)
	}
	return secs, nil
}

// sodaTypes maps warehouse type names to Sluice column types.
var sodaTypes = map[string]string{
	"integer": "int64", "int": "int64", "bigint": "int64", "smallint": "int32", "int64": "int64",
	"double": "double", "double precision": "double", "float": "double", "float64": "double", "real": "float32", "numeric": "double", "decimal": "double",
	"text": "string", "varchar": "string", "character varying": "string", "string": "string",
	"boolean": "bool", "bool": "bool",
	"timestamp": "timestamp", "timestamp without time zone": "timestamp", "timestamp with time zone": "timestamp", "timestamptz": "timestamp",
	"date": "date",
}

func schemaCheck(f *importers.File, cfg map[string]any) error {
	var problems []string
	for _, level := range []string{"fail", "warn"} {
		m, ok := cfg[level].(map[string]any)
		if !ok {
			continue
		}
		for _, k := range importers.SortedKeys(m) {
			switch k {
			case "when required column missing":
				l, _ := m[k].([]any)
				for _, c := range l {
					if s, ok := c.(string); ok {
						col := f.Column(s)
						col.Comment = "SodaCL schema: required column"
					}
				}
			case "when wrong column type":
				types, _ := m[k].(map[string]any)
				for _, c := range importers.SortedKeys(types) {
					ts, _ := types[c].(string)
					st, ok := sodaTypes[strings.ToLower(ts)]
					if !ok {
						problems = append(problems, fmt.Sprintf("type %q of %s has no Sluice type", ts, c))
						continue
					}
					col := f.Column(c)
					col.Type = st
					col.Comment = "SodaCL schema: type " + ts
				}
			case "when schema changes":
				problems = append(problems, schemaChanges(f, level, m[k])...)
				continue
			default:
				problems = append(problems, fmt.Sprintf("%s is not translated (Sluice checks declared columns and types only)", k))
			}
		}
		declared := len(m)
		if _, ok := m["when schema changes"]; ok {
			declared-- // translated to a rule that keeps its level
		}
		if level == "warn" && declared > 0 {
			problems = append(problems, "warn-level schema checks become declared columns, which fail (exit 2) rather than warn")
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		f.Notes = append(f.Notes, importers.Note{Source: "schema", Reason: strings.Join(problems, "; "), Partial: true})
	}
	return nil
}

func reference(f *importers.File, text, name string) error {
	m := referenceRe.FindStringSubmatch(text)
	if m[2] != "" {
		return errors.New("`must not exist in` has no Sluice equivalent")
	}
	cols, other, otherCols := splitArgs(m[1]), m[3], splitArgs(m[4])
	if len(cols) != 1 || len(otherCols) != 1 {
		return errors.New("multi-column references are not translated (missing_references takes one column)")
	}
	f.AddRule(importers.Rule{
		Name:    orName(name, "reference", cols),
		Check:   fmt.Sprintf("missing_references(%s, %s, %s) == 0", ids(cols)[0], importers.CELString(other), importers.CELString(otherCols[0])),
		Comment: "SodaCL: " + text + "\nEDIT: the second argument is a dataset path relative to this file (Soda names a table)",
	})
	return nil
}

var sqlTokens = []struct {
	re  *regexp.Regexp
	cel string
}{
	{regexp.MustCompile(`(?i)\bis\s+not\s+null\b`), " != null"},
	{regexp.MustCompile(`(?i)\bis\s+null\b`), " == null"},
	{regexp.MustCompile(`(?i)\band\b`), "&&"},
	{regexp.MustCompile(`(?i)\bor\b`), "||"},
	{regexp.MustCompile(`(?i)\bnot\b`), "!"},
	{regexp.MustCompile(`<>`), "!="},
	{regexp.MustCompile(`([^<>!=])=([^=])`), "$1==$2"},
}

var unsupportedSQL = regexp.MustCompile(`(?i)\b(select|from|like|in|case|when|cast|coalesce|exists|between)\b|\w+\s*\(`)

// SQLToCEL translates a simple SQL boolean condition (comparisons, AND, OR,
// NOT, IS [NOT] NULL, 'strings') to CEL.
func SQLToCEL(cond string) (string, error) {
	out := cond
	for _, t := range sqlTokens {
		out = t.re.ReplaceAllString(out, t.cel)
	}
	if m := unsupportedSQL.FindString(out); m != "" {
		return "", fmt.Errorf("SQL %q in %q is not translated: rewrite the condition in CEL", strings.TrimSpace(m), cond)
	}
	return strings.Join(strings.Fields(out), " "), nil
}

func failedRows(f *importers.File, name string, cfg map[string]any) error {
	cond, ok := cfg["fail condition"].(string)
	if !ok {
		if _, q := cfg["fail query"]; q {
			return errors.New("failed rows with a fail query (SQL) are not translated: express the rows as a row rule")
		}
		return errors.New("failed rows without a fail condition")
	}
	e, err := SQLToCEL(cond)
	if err != nil {
		return err
	}
	if name == "" {
		name = "failed_rows"
	}
	f.AddRule(importers.Rule{Name: name, Expr: "!(" + e + ")", Comment: "SodaCL failed rows: fail condition: " + cond})
	return nil
}

var changeRe = regexp.MustCompile(`^\s*change\s+(percent\s+)?for\s+(.+)$`)
var changeAggRe = regexp.MustCompile(`^\s*change\s+(avg|min|max|same day last week)\b`)

// changeKind splits a `change [percent] for <metric check>` into its kind and
// the metric check; other checks come back unchanged with an empty kind.
func changeKind(text string) (kind, body string) {
	if m := changeRe.FindStringSubmatch(text); m != nil {
		if m[1] != "" {
			return "change percent", m[2]
		}
		return "change", m[2]
	}
	if changeAggRe.MatchString(text) {
		return "unsupported", "row_count"
	}
	return "", text
}

var anomalyRe = regexp.MustCompile(`^\s*anomaly (detection|score) for\s+(.+?)\s*$`)

// anomaly translates `anomaly detection for <metric>` and the older
// `anomaly score for <metric> < default` to anomaly() with the batch_normal
// detector at three standard deviations: Soda fits a seasonal model instead,
// so the two can disagree on trending or seasonal metrics.
func anomaly(f *importers.File, text, kind, body string, cfg map[string]any, name string) error {
	if kind == "score" {
		i := strings.Index(body, "<")
		if i < 0 || strings.TrimSpace(body[i+1:]) != "default" {
			return errors.New("anomaly score: only the `< default` threshold is understood")
		}
		body = strings.TrimSpace(body[:i])
	}
	m := metricRe.FindStringSubmatch(body)
	if m == nil || strings.TrimSpace(m[3]) != "" {
		return fmt.Errorf("anomaly %s: metric %q not understood", kind, body)
	}
	metric, args := m[1], splitArgs(m[2])
	x, err := metricExpr(metric, args, cfg)
	if err != nil {
		return err
	}
	r := importers.Rule{
		Name:    orName(name, "anomaly."+metric, args),
		Check:   "!anomaly(" + x + ", 'batch_normal', 3.0)",
		Comment: "SodaCL: " + text + " (batch_normal at 3σ over the previous 100 runs; Soda fits a seasonal model)",
	}
	if w, _ := cfg["warn_only"].(bool); w {
		r.Severity = "warn"
	}
	f.AddRule(r)
	return nil
}

// schemaChanges translates `when schema changes: any | [column add, …]` to
// the schema history functions, which compare with the last passing run.
func schemaChanges(f *importers.File, level string, v any) []string {
	fns := map[string]string{"column add": "columns_added", "column delete": "columns_removed", "column type change": "columns_retyped"}
	var kinds []string
	switch x := v.(type) {
	case string:
		if x != "any" {
			return []string{fmt.Sprintf("when schema changes: %q is not understood (want any or a list)", x)}
		}
		kinds = []string{"any"}
	case []any:
		for _, e := range x {
			s, _ := e.(string)
			kinds = append(kinds, s)
		}
	default:
		return []string{"when schema changes: want any or a list of changes"}
	}
	var problems, conds []string
	for _, k := range kinds {
		switch {
		case k == "any":
			conds = append(conds, "schema_unchanged()")
			problems = append(problems, "when schema changes: any also covers column order in Soda; Sluice compares columns by name, so a reordering passes")
		case fns[k] != "":
			conds = append(conds, fns[k]+"() == 0")
		default:
			problems = append(problems, fmt.Sprintf("when schema changes: %q is not translated (Sluice compares columns by name, not position)", k))
		}
	}
	if len(conds) > 0 {
		r := importers.Rule{Name: "schema_changes." + level, Check: strings.Join(conds, " && "), Comment: "SodaCL schema: " + level + " when schema changes"}
		if level == "warn" {
			r.Severity = "warn"
		}
		f.AddRule(r)
	}
	return problems
}

// forEach expands `for each dataset T: {datasets: [...], checks: [...]}` into
// one `checks for` section per named dataset. Patterns with % and exclusions
// need the data source's table list, which a SodaCL file does not carry:
// they come back as notes.
func forEach(key string, v any) (yaml.MapSlice, []importers.Note) {
	var body yaml.MapSlice
	switch x := v.(type) {
	case yaml.MapSlice:
		body = x
	case map[string]any:
		for _, k := range importers.SortedKeys(x) {
			body = append(body, yaml.MapItem{Key: k, Value: x[k]})
		}
	default:
		return nil, []importers.Note{{Source: key, Reason: "want datasets: and checks:"}}
	}
	var names []string
	var checks any
	var notes []importers.Note
	for _, kv := range body {
		k, _ := kv.Key.(string)
		switch k {
		case "datasets":
			l, _ := kv.Value.([]any)
			for _, e := range l {
				s, _ := e.(string)
				if strings.Contains(s, "%") || strings.HasPrefix(s, "exclude ") || strings.HasPrefix(s, "include ") {
					notes = append(notes, importers.Note{Source: key, Reason: fmt.Sprintf("dataset pattern %q is not expanded: write a `checks for` section per matching table", s)})
					continue
				}
				names = append(names, s)
			}
		case "checks":
			checks = kv.Value
		}
	}
	var out yaml.MapSlice
	for _, n := range names {
		out = append(out, yaml.MapItem{Key: "checks for " + n, Value: checks})
	}
	return out, notes
}
