package rules

import (
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/sluicedata/sluice/rules/pii"
)

// exprPos is where an expression's text starts in the rule file, so CEL
// positions can be mapped back to file positions.
type exprPos struct {
	Line, Column int
	// Block is true for block scalars (| and >): line i of the expression is
	// line Line+i of the file, at Column.
	Block bool
	// Quoted is true for quoted scalars: column offsets are approximate when
	// the text contains escapes.
	Quoted bool
}

// piiKinds is the vocabulary of pii.* tags.
var piiKinds = []string{
	"address", "credit_card", "date_of_birth", "email", "iban", "ip_address",
	"mac_address", "name", "national_id", "passport", "phone", "uk_nino",
	"us_ssn", "username", "vehicle_id", "geo_location", "tax_id", "bank_account",
	"health", "biometric", "other",
}

// detectKinds is the vocabulary of privacy.detect.
var detectKinds = []string{
	"credit_card", "email", "iban", "ip_address", "mac_address", "phone",
	"uk_nino", "us_ssn",
}

// Load reads and validates the rule file at path. Every problem is reported
// at once in an Errors value, with file:line and rule name.
func Load(path string) (*RuleSet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	return Parse(path, data)
}

// Parse validates a rule file's bytes; filename is used in messages.
func Parse(filename string, data []byte) (rs *RuleSet, err error) {
	l := &loader{file: filename}
	defer func() {
		// The YAML parser is third-party code: never let a panic on odd
		// input escape as a crash.
		if r := recover(); r != nil {
			rs, err = nil, Errors{{File: filename, Msg: fmt.Sprintf("cannot parse YAML: %v", r)}}
		}
	}()
	rs = l.load(data)
	if len(l.errs) > 0 {
		l.errs.sort()
		return nil, l.errs
	}
	rs.Path = filename
	return rs, nil
}

type loader struct {
	lines []string
	file  string
	errs  Errors
	// custom names the user-defined detectors of privacy.detectors.
	custom []string
}

func (l *loader) add(n ast.Node, rule, format string, args ...any) {
	p := Problem{File: l.file, Rule: rule, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		if tk := n.GetToken(); tk != nil && tk.Position != nil {
			p.Line, p.Column = tk.Position.Line, tk.Position.Column
		}
	}
	l.errs = append(l.errs, p)
}

func (e Errors) sort() {
	slices.SortStableFunc(e, func(a, b Problem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
}

// unwrap strips anchors and tags.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
}

func isNull(n ast.Node) bool {
	if n == nil {
		return true
	}
	_, ok := unwrap(n).(*ast.NullNode)
	return ok
}

type field struct {
	key   string
	keyN  ast.Node
	value ast.Node
}

// fields returns the entries of a mapping, reporting duplicates and keys
// not in allowed (nil: any key).
func (l *loader) fields(n ast.Node, what, rule string, allowed []string) ([]field, bool) {
	n = unwrap(n)
	if n == nil {
		return nil, true
	}
	if _, ok := n.(*ast.NullNode); ok {
		return nil, true
	}
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		l.add(n, rule, "%s must be a mapping, not %s", what, describe(n))
		return nil, false
	}
	seen := map[string]bool{}
	var out []field
	for _, mv := range values {
		k, ok := scalarString(mv.Key)
		if !ok {
			l.add(mv.Key, rule, "%s: keys must be strings", what)
			continue
		}
		if seen[k] {
			l.add(mv.Key, rule, "%s: duplicate key %q", what, k)
			continue
		}
		seen[k] = true
		if allowed != nil && !slices.Contains(allowed, k) {
			msg := fmt.Sprintf("unknown key %q", k)
			if what != "" {
				msg = what + ": " + msg
			}
			if s := suggest(k, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += fmt.Sprintf(" (allowed: %s)", strings.Join(allowed, ", "))
			}
			l.add(mv.Key, rule, "%s", msg)
			continue
		}
		out = append(out, field{key: k, keyN: mv.Key, value: mv.Value})
	}
	return out, true
}

func describe(n ast.Node) string {
	switch unwrap(n).(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode:
		return "an integer"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.BoolNode:
		return "a boolean"
	case *ast.NullNode:
		return "null"
	case *ast.AliasNode:
		return "an alias"
	}
	return "a " + unwrap(n).Type().String()
}

func scalarString(n ast.Node) (string, bool) {
	switch v := unwrap(n).(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	case *ast.MappingKeyNode:
		return scalarString(v.Value)
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return v.GetToken().Value, true
	}
	return "", false
}

func (l *loader) str(f field, rule string) (string, bool) {
	switch v := unwrap(f.value).(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	}
	if f.value == nil {
		l.add(f.keyN, rule, "%s: must be a string, not empty", f.key)
	} else {
		l.add(f.value, rule, "%s: must be a string, not %s", f.key, describe(f.value))
	}
	return "", false
}

func (l *loader) integer(f field, rule string) (int64, bool) {
	if v, ok := unwrap(f.value).(*ast.IntegerNode); ok {
		switch x := v.Value.(type) {
		case int64:
			return x, true
		case uint64:
			if x <= math.MaxInt64 {
				return int64(x), true
			}
		}
		l.add(f.value, rule, "%s: integer out of range", f.key)
		return 0, false
	}
	l.add(orKey(f), rule, "%s: must be an integer, not %s", f.key, describeField(f))
	return 0, false
}

func (l *loader) number(f field, rule string) (float64, bool) {
	switch v := unwrap(f.value).(type) {
	case *ast.IntegerNode:
		switch x := v.Value.(type) {
		case int64:
			return float64(x), true
		case uint64:
			return float64(x), true
		}
	case *ast.FloatNode:
		return v.Value, true
	}
	l.add(orKey(f), rule, "%s: must be a number, not %s", f.key, describeField(f))
	return 0, false
}

func (l *loader) boolean(f field, rule string) (bool, bool) {
	if v, ok := unwrap(f.value).(*ast.BoolNode); ok {
		return v.Value, true
	}
	l.add(orKey(f), rule, "%s: must be true or false, not %s", f.key, describeField(f))
	return false, false
}

func (l *loader) strings(f field, rule string) ([]string, bool) {
	seq, ok := unwrap(f.value).(*ast.SequenceNode)
	if !ok {
		l.add(orKey(f), rule, "%s: must be a list of strings, not %s", f.key, describeField(f))
		return nil, false
	}
	out := make([]string, 0, len(seq.Values))
	good := true
	for _, v := range seq.Values {
		s, ok := scalarString(v)
		if _, isStr := unwrap(v).(*ast.StringNode); !ok || !isStr {
			l.add(v, rule, "%s: must be a list of strings, found %s", f.key, describe(v))
			good = false
			continue
		}
		out = append(out, s)
	}
	return out, good
}

func orKey(f field) ast.Node {
	if f.value == nil || isNull(f.value) {
		return f.keyN
	}
	return f.value
}

func describeField(f field) string {
	if f.value == nil {
		return "empty"
	}
	return describe(f.value)
}

func posOf(n ast.Node) (int, int) {
	if n == nil {
		return 0, 0
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line, tk.Position.Column
	}
	return 0, 0
}

// exprPosition returns where the text of a string node starts.
func exprPosition(n ast.Node, lines []string) exprPos {
	switch v := unwrap(n).(type) {
	case *ast.LiteralNode:
		// The text starts on the first non-blank line after the | or >
		// header, at that line's indentation.
		line, _ := posOf(v)
		col := 1
		for k := line; k < len(lines); k++ { // lines[k] is file line k+1
			text := lines[k]
			if strings.TrimSpace(text) == "" {
				continue
			}
			line = k + 1
			col = len(text) - len(strings.TrimLeft(text, " ")) + 1
			break
		}
		return exprPos{Line: line, Column: col, Block: true}
	case *ast.StringNode:
		line, col := posOf(v)
		tk := v.GetToken()
		quoted := tk != nil && (tk.Type == token.SingleQuoteType || tk.Type == token.DoubleQuoteType)
		if quoted {
			col++
		}
		return exprPos{Line: line, Column: col, Quoted: quoted}
	}
	line, col := posOf(n)
	return exprPos{Line: line, Column: col}
}

var topKeys = []string{"version", "dataset", "owner", "description", "columns", "rules", "privacy", "schema", "strict", "key"}
var columnKeys = []string{"name", "type", "description", "required", "unique", "values", "min", "max", "pattern", "min_length", "max_length", "tags", "mask", "on_invalid", "severity"}
var ruleKeys = []string{"name", "description", "expr", "check", "severity", "mostly", "nulls", "quarantine"}
var schemaKeys = []string{"extra_columns"}
var privacyKeys = []string{"detect", "detectors", "untagged_pii", "sample", "min_fraction", "allow"}

func (l *loader) load(data []byte) *RuleSet {
	rs := &RuleSet{}
	l.lines = strings.Split(string(data), "\n")
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		l.errs = append(l.errs, yamlProblem(l.file, err))
		return rs
	}
	var body ast.Node
	for _, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if body != nil {
			l.add(d.Body, "", "a rule file holds one YAML document")
			break
		}
		body = d.Body
	}
	if body == nil {
		l.errs = append(l.errs, Problem{File: l.file, Line: 1, Msg: "empty rule file: version, dataset and owner are required"})
		return rs
	}
	fields, ok := l.fields(body, "rule file", "", topKeys)
	if !ok {
		return rs
	}
	got := map[string]field{}
	for _, fl := range fields {
		got[fl.key] = fl
	}
	for _, k := range []string{"version", "dataset", "owner"} {
		if _, ok := got[k]; !ok {
			l.errs = append(l.errs, Problem{File: l.file, Line: 1, Column: 1, Msg: fmt.Sprintf("missing required key %q", k)})
		}
	}
	for _, fl := range fields {
		switch fl.key {
		case "version":
			if v, ok := l.integer(fl, ""); ok {
				if v != 1 {
					l.add(fl.value, "", "version: unsupported version %d (this Sluice reads version 1)", v)
				}
				rs.Version = int(v)
			}
		case "dataset":
			if s, ok := l.str(fl, ""); ok {
				if strings.TrimSpace(s) == "" {
					l.add(fl.keyN, "", "dataset: must not be empty")
				}
				rs.Dataset = s
			}
		case "owner":
			if s, ok := l.str(fl, ""); ok {
				if strings.TrimSpace(s) == "" {
					l.add(fl.keyN, "", "owner: must not be empty (every dataset has an accountable owner)")
				}
				rs.Owner = s
			}
		case "description":
			rs.Description, _ = l.str(fl, "")
		case "privacy":
			rs.Privacy = l.privacy(fl)
		case "strict":
			rs.Strict, _ = l.boolean(fl, "")
		case "key":
			l.key(rs, fl)
		case "schema":
			l.schema(rs, fl)
		}
	}
	// Columns before rules: shorthands come first.
	if fl, ok := got["columns"]; ok {
		l.columns(rs, fl)
	}
	if fl, ok := got["rules"]; ok {
		l.rules(rs, fl)
	}
	// Duplicate rule names, generated ones included.
	seen := map[string]int{}
	for i, r := range rs.Rules {
		if j, dup := seen[r.Name]; dup && r.Name != "" {
			l.errs = append(l.errs, Problem{File: l.file, Line: r.Line, Rule: r.Name,
				Msg: fmt.Sprintf("duplicate rule name (first at line %d)", rs.Rules[j].Line)})
			continue
		}
		seen[r.Name] = i
	}
	l.reserved(rs)
	// Two column keys naming the same physical column, or an alias
	// shadowing another column's key.
	phys := map[string]string{}
	for _, c := range rs.Columns {
		if other, ok := phys[c.Name]; ok {
			l.errs = append(l.errs, Problem{File: l.file, Line: c.Line,
				Msg: fmt.Sprintf("columns: %q and %q name the same column %q", other, c.Key, c.Name)})
			continue
		}
		phys[c.Name] = c.Key
	}
	return rs
}

func yamlProblem(file string, err error) Problem {
	p := Problem{File: file, Msg: "invalid YAML: " + err.Error()}
	type tokened interface{ GetToken() *token.Token }
	if te, ok := err.(tokened); ok {
		if tk := te.GetToken(); tk != nil && tk.Position != nil {
			p.Line, p.Column = tk.Position.Line, tk.Position.Column
		}
	}
	if m, ok := err.(interface{ GetMessage() string }); ok {
		p.Msg = "invalid YAML: " + m.GetMessage()
	}
	return p
}

func (l *loader) privacy(fl field) *Privacy {
	p := &Privacy{}
	fields, _ := l.fields(fl.value, "privacy", "", privacyKeys)
	// Detectors first: detect, tags and allow lists may name them.
	for _, f := range fields {
		if f.key == "detectors" {
			l.detectors(p, f)
		}
	}
	l.custom = nil
	for _, d := range p.Detectors {
		l.custom = append(l.custom, d.Kind)
	}
	known := append(slices.Clone(detectKinds), l.custom...)
	for _, f := range fields {
		switch f.key {
		case "detect":
			list, _ := l.strings(f, "")
			for i, k := range list {
				if !slices.Contains(known, k) {
					n := unwrap(f.value).(*ast.SequenceNode).Values[i]
					msg := fmt.Sprintf("privacy.detect: unknown detector %q", k)
					if s := suggest(k, known); s != "" {
						msg += fmt.Sprintf(" (did you mean %q?)", s)
					} else {
						msg += fmt.Sprintf(" (known: %s; declare others under privacy.detectors)", strings.Join(known, ", "))
					}
					l.add(n, "", "%s", msg)
					continue
				}
				if !slices.Contains(p.Detect, k) {
					p.Detect = append(p.Detect, k)
				}
			}
		case "untagged_pii":
			if s, ok := l.str(f, ""); ok {
				if s != "error" && s != "warn" {
					l.add(f.value, "", "privacy.untagged_pii: must be error or warn, not %q", s)
				}
				p.UntaggedPII = s
			}
		case "sample":
			if v, ok := l.integer(f, ""); ok {
				if v < 1 || v > math.MaxInt32 {
					l.add(f.value, "", "privacy.sample: must be at least 1 (scan every Nth row), not %d", v)
					continue
				}
				p.Sample = int(v)
			}
		case "min_fraction":
			if v, ok := l.number(f, ""); ok {
				if !(v >= 0 && v <= 1) {
					l.add(f.value, "", "privacy.min_fraction: must be in [0, 1], not %v", v)
					continue
				}
				p.MinFraction = v
			}
		case "allow":
			zones, _ := l.fields(f.value, "privacy.allow", "", zoneKeys)
			p.Allow = map[string][]string{}
			for _, z := range zones {
				p.Allow[z.key] = []string{}
				if isNull(z.value) {
					continue
				}
				tags, _ := l.strings(z, "")
				seq, _ := unwrap(z.value).(*ast.SequenceNode)
				for i, t := range tags {
					n := ast.Node(z.value)
					if seq != nil && i < len(seq.Values) {
						n = seq.Values[i]
					}
					if msg := l.checkTag(t); msg != "" {
						l.add(n, "", "privacy.allow.%s: %s", z.key, msg)
						continue
					}
					p.Allow[z.key] = append(p.Allow[z.key], t)
				}
			}
		}
	}
	return p
}

// zoneKeys are the zones privacy.allow may name; the restricted zone
// receives anything and is not listed.
var zoneKeys = []string{"internal", "public"}

// gdprTags is the vocabulary of gdpr.* tags.
var gdprTags = []string{"personal", "special", "pseudonymized"}

// detectorKeys are the keys of one privacy.detectors entry.
var detectorKeys = []string{"name", "pattern", "description"}

func (l *loader) detectors(p *Privacy, f field) {
	if isNull(f.value) {
		return
	}
	seq, ok := unwrap(f.value).(*ast.SequenceNode)
	if !ok {
		l.add(f.value, "", "privacy.detectors: must be a list of {name, pattern}, not %s", describe(f.value))
		return
	}
	for i, item := range seq.Values {
		what := fmt.Sprintf("privacy.detectors[%d]", i)
		props, ok := l.fields(item, what, "", detectorKeys)
		if !ok {
			continue
		}
		var name, pattern string
		var nameN, patN ast.Node
		for _, pf := range props {
			switch pf.key {
			case "name":
				name, _ = l.str(pf, "")
				nameN = orKey(pf)
			case "pattern":
				pattern, _ = l.str(pf, "")
				patN = orKey(pf)
			case "description":
				l.str(pf, "")
			}
		}
		switch {
		case nameN == nil:
			l.add(item, "", "%s: missing required key \"name\"", what)
			continue
		case patN == nil:
			l.add(item, "", "%s: missing required key \"pattern\"", what)
			continue
		case !isIdent(name):
			l.add(nameN, "", "%s.name: %q must be an identifier (letters, digits, _)", what, name)
			continue
		case slices.Contains(detectKinds, name) || slices.Contains(piiKinds, name):
			l.add(nameN, "", "%s.name: %q is a built-in kind; choose another name", what, name)
			continue
		}
		if slices.ContainsFunc(p.Detectors, func(d pii.Detector) bool { return d.Kind == name }) {
			l.add(nameN, "", "%s.name: duplicate detector %q", what, name)
			continue
		}
		d, err := pii.NewRegexDetector(name, pattern)
		if err != nil {
			l.add(patN, "", "%s.pattern: invalid regular expression: %v", what, errors.Unwrap(err))
			continue
		}
		p.Detectors = append(p.Detectors, d)
	}
}

// checkTag validates one tag: pii.<kind> (a known kind or a user-defined
// detector), gdpr.personal|special|pseudonymized, key=value, or a plain
// label. It returns "" or the problem.
func (l *loader) checkTag(t string) string {
	if strings.TrimSpace(t) == "" {
		return "empty tag"
	}
	if kind, ok := strings.CutPrefix(t, "pii."); ok {
		if slices.Contains(piiKinds, kind) || slices.Contains(l.custom, kind) {
			return ""
		}
		known := append(slices.Clone(piiKinds), l.custom...)
		msg := fmt.Sprintf("unknown PII kind %q", t)
		if s := suggest(kind, known); s != "" {
			msg += fmt.Sprintf(" (did you mean \"pii.%s\"?)", s)
		} else {
			msg += fmt.Sprintf(" (known: pii.%s)", strings.Join(known, ", pii."))
		}
		return msg
	}
	if kind, ok := strings.CutPrefix(t, "gdpr."); ok {
		if slices.Contains(gdprTags, kind) {
			return ""
		}
		msg := fmt.Sprintf("unknown GDPR tag %q", t)
		if s := suggest(kind, gdprTags); s != "" {
			msg += fmt.Sprintf(" (did you mean \"gdpr.%s\"?)", s)
		} else {
			msg += " (known: gdpr.personal, gdpr.special, gdpr.pseudonymized)"
		}
		return msg
	}
	if k, _, ok := strings.Cut(t, "="); ok && strings.TrimSpace(k) == "" {
		return fmt.Sprintf("tag %q: a key=value tag needs a key", t)
	}
	return ""
}

// checkMask validates a mask as written in a rule file.
func checkMask(s string) string {
	switch s {
	case "hmac", "redact", "null", "generalize":
		return ""
	}
	if n, ok := strings.CutPrefix(s, "truncate:"); ok {
		if k, err := strconv.Atoi(n); err == nil && k >= 0 {
			return ""
		}
		return fmt.Sprintf("%q: truncate:N needs a number N >= 0", s)
	}
	return fmt.Sprintf("unknown mask %q (known: hmac, redact, null, truncate:N, generalize)", s)
}

func (l *loader) columns(rs *RuleSet, fl field) {
	cols, ok := l.fields(fl.value, "columns", "", nil)
	if !ok {
		return
	}
	for _, cf := range cols {
		line, _ := posOf(cf.keyN)
		c := Column{Key: cf.key, Name: cf.key, Line: line}
		what := "columns." + cf.key
		if strings.TrimSpace(cf.key) == "" {
			l.add(cf.keyN, "", "columns: empty column name")
		}
		props, _ := l.fields(cf.value, what, "", columnKeys)
		var gen []genRule
		for _, f := range props {
			vpos := exprPosition(orKey(f), l.lines)
			switch f.key {
			case "name":
				if s, ok := l.str(f, ""); ok {
					if s == "" {
						l.add(f.value, "", "%s.name: must not be empty", what)
					} else {
						c.Name = s
					}
				}
			case "type":
				if s, ok := l.str(f, ""); ok {
					if _, err := parseTypeName(s); err != nil {
						l.add(f.value, "", "%s.type: %v", what, err)
					}
					c.Type = s
				}
			case "description":
				l.str(f, "")
			case "required":
				if b, ok := l.boolean(f, ""); ok && b {
					c.Required = true
					gen = append(gen, genRule{"required", vpos})
				}
			case "unique":
				if b, ok := l.boolean(f, ""); ok && b {
					c.Unique = true
					gen = append(gen, genRule{"unique", vpos})
				}
			case "values":
				seq, ok := unwrap(f.value).(*ast.SequenceNode)
				if !ok || len(seq.Values) == 0 {
					l.add(orKey(f), "", "%s.values: must be a non-empty list of allowed values", what)
					continue
				}
				good := true
				for _, v := range seq.Values {
					switch x := unwrap(v).(type) {
					case *ast.StringNode:
						c.Values = append(c.Values, x.Value)
					case *ast.IntegerNode:
						if i, ok := x.Value.(int64); ok {
							c.Values = append(c.Values, i)
						} else {
							c.Values = append(c.Values, x.Value)
						}
					case *ast.FloatNode:
						c.Values = append(c.Values, x.Value)
					case *ast.BoolNode:
						c.Values = append(c.Values, x.Value)
					default:
						l.add(v, "", "%s.values: values must be strings, numbers or booleans, found %s", what, describe(v))
						good = false
					}
				}
				if good {
					gen = append(gen, genRule{"values", vpos})
				}
			case "min", "max":
				if v, ok := l.number(f, ""); ok {
					if math.IsNaN(v) {
						l.add(f.value, "", "%s.%s: must be a number", what, f.key)
						continue
					}
					if f.key == "min" {
						c.Min = &v
					} else {
						c.Max = &v
					}
					gen = append(gen, genRule{f.key, vpos})
				}
			case "pattern":
				if s, ok := l.str(f, ""); ok {
					if _, err := regexp.Compile(s); err != nil {
						l.add(f.value, "", "%s.pattern: invalid regular expression: %v", what, err)
						continue
					}
					c.Pattern = s
					gen = append(gen, genRule{"pattern", vpos})
				}
			case "min_length", "max_length":
				if v, ok := l.integer(f, ""); ok {
					if v < 0 || v > math.MaxInt32 {
						l.add(f.value, "", "%s.%s: must be between 0 and %d", what, f.key, math.MaxInt32)
						continue
					}
					n := int(v)
					if f.key == "min_length" {
						c.MinLength = &n
					} else {
						c.MaxLength = &n
					}
					gen = append(gen, genRule{f.key, vpos})
				}
			case "tags":
				tags, _ := l.strings(f, "")
				seq, _ := unwrap(f.value).(*ast.SequenceNode)
				for i, t := range tags {
					if msg := l.checkTag(t); msg != "" {
						n := ast.Node(f.value)
						if seq != nil && i < len(seq.Values) {
							n = seq.Values[i]
						}
						l.add(n, "", "%s.tags: %s", what, msg)
					}
				}
				c.Tags = tags
			case "mask":
				if s, ok := l.str(f, ""); ok {
					if msg := checkMask(s); msg != "" {
						l.add(f.value, "", "%s.mask: %s", what, msg)
						continue
					}
					c.Mask = s
				}
			case "on_invalid":
				if _, isNull := unwrap(f.value).(*ast.NullNode); isNull {
					// on_invalid: null, written bare, is YAML's null (as are
					// ~ and an empty value): the policy of that name.
					c.OnInvalid = OnInvalidNull
					continue
				}
				if s, ok := l.str(f, ""); ok {
					switch OnInvalid(s) {
					case OnInvalidFail, OnInvalidNull, OnInvalidError:
						c.OnInvalid = OnInvalid(s)
					default:
						l.add(f.value, "", "%s.on_invalid: must be fail, null or error, not %q", what, s)
					}
				}
			case "severity":
				if s, ok := l.str(f, ""); ok {
					switch Severity(s) {
					case SeverityError, SeverityWarn, SeverityInfo:
						c.Severity = Severity(s)
					default:
						l.add(f.value, "", "%s.severity: must be error, warn or info, not %q", what, s)
					}
				}
			}
		}
		if c.Min != nil && c.Max != nil && *c.Min > *c.Max {
			l.errs = append(l.errs, Problem{File: l.file, Line: line, Msg: fmt.Sprintf("%s: min %v is greater than max %v", what, *c.Min, *c.Max)})
		}
		if c.MinLength != nil && c.MaxLength != nil && *c.MinLength > *c.MaxLength {
			l.errs = append(l.errs, Problem{File: l.file, Line: line, Msg: fmt.Sprintf("%s: min_length %d is greater than max_length %d", what, *c.MinLength, *c.MaxLength)})
		}
		rs.Columns = append(rs.Columns, c)
		for _, g := range gen {
			r := expand(c, g.what)
			rs.Rules = append(rs.Rules, r)
			rs.pos = append(rs.pos, g.pos)
		}
	}
}

func hasUnknownKey(n ast.Node, allowed []string) bool {
	m, ok := unwrap(n).(*ast.MappingNode)
	if !ok {
		return false
	}
	for _, mv := range m.Values {
		if k, ok := scalarString(mv.Key); ok && !slices.Contains(allowed, k) {
			return true
		}
	}
	return false
}

type genRule struct {
	what string
	pos  exprPos
}

func (l *loader) rules(rs *RuleSet, fl field) {
	if isNull(fl.value) {
		return
	}
	seq, ok := unwrap(fl.value).(*ast.SequenceNode)
	if !ok {
		l.add(fl.value, "", "rules: must be a list of rules, not %s", describe(fl.value))
		return
	}
	for i, item := range seq.Values {
		line, _ := posOf(item)
		if i < len(seq.Entries) && seq.Entries[i] != nil && seq.Entries[i].Start != nil {
			line = seq.Entries[i].Start.Position.Line
		}
		r := Rule{Severity: SeverityError, Mostly: 1, Nulls: NullsSkip, Line: line}
		// Find the name first so every other problem can carry it.
		what := fmt.Sprintf("rules[%d]", i)
		if m, ok := unwrap(item).(*ast.MappingNode); ok {
			for _, mv := range m.Values {
				if k, _ := scalarString(mv.Key); k == "name" {
					if s, ok := scalarString(mv.Value); ok {
						r.Name = s
					}
				}
			}
		}
		rule := r.Name
		prefix := ""
		if rule == "" {
			rule, prefix = what, what
		}
		fields, ok := l.fields(item, prefix, rule, ruleKeys)
		if !ok {
			continue
		}
		var pos exprPos
		has := map[string]field{}
		for _, f := range fields {
			has[f.key] = f
			switch f.key {
			case "name":
				if s, ok := l.str(f, rule); ok {
					if strings.TrimSpace(s) == "" {
						l.add(f.keyN, rule, "name: must not be empty")
					}
				}
			case "description":
				r.Description, _ = l.str(f, rule)
			case "expr", "check":
				s, ok := l.str(f, rule)
				if !ok {
					continue
				}
				if strings.TrimSpace(s) == "" {
					l.add(f.keyN, rule, "%s: must not be empty", f.key)
				}
				if f.key == "expr" {
					r.Expr = s
				} else {
					r.Check = s
				}
				pos = exprPosition(f.value, l.lines)
			case "severity":
				if s, ok := l.str(f, rule); ok {
					switch Severity(s) {
					case SeverityError, SeverityWarn, SeverityInfo:
						r.Severity = Severity(s)
					default:
						l.add(f.value, rule, "severity: must be error, warn or info, not %q", s)
					}
				}
			case "mostly":
				if v, ok := l.number(f, rule); ok {
					if !(v > 0 && v <= 1) {
						l.add(f.value, rule, "mostly: must be in (0, 1], not %v", v)
					} else {
						r.Mostly = v
					}
				}
			case "nulls":
				if s, ok := l.str(f, rule); ok {
					switch NullPolicy(s) {
					case NullsSkip, NullsFail, NullsPass:
						r.Nulls = NullPolicy(s)
					default:
						l.add(f.value, rule, "nulls: must be skip, fail or pass, not %q", s)
					}
				}
			case "quarantine":
				if b, ok := l.boolean(f, rule); ok {
					r.NoQuarantine = !b
				}
			}
		}
		if _, ok := has["name"]; !ok {
			l.add(item, rule, "missing required key \"name\"")
		}
		_, e := has["expr"]
		_, c := has["check"]
		switch {
		case e && c:
			l.add(has["check"].keyN, rule, "a rule has either expr (row rule) or check (dataset check), not both")
		case !e && !c && !hasUnknownKey(item, ruleKeys):
			// With a misspelt key the unknown key is the problem to show.
			l.add(item, rule, "missing expr (row rule) or check (dataset check)")
		}
		if c {
			if _, ok := has["nulls"]; ok {
				l.add(has["nulls"].keyN, rule, "nulls: applies to row rules (expr), not dataset checks")
			}
			if _, ok := has["mostly"]; ok {
				l.add(has["mostly"].keyN, rule, "mostly: applies to row rules (expr), not dataset checks")
			}
			if _, ok := has["quarantine"]; ok {
				l.add(has["quarantine"].keyN, rule, "quarantine: applies to row rules (expr), not dataset checks: a check fails no row")
			}
		}
		rs.Rules = append(rs.Rules, r)
		rs.pos = append(rs.pos, pos)
	}
}

// expand turns one column shorthand into a rule.
func expand(c Column, what string) Rule {
	ref := celRef(c.Key)
	sev := c.Severity
	if sev == "" {
		sev = SeverityError
	}
	r := Rule{
		Name:      c.Key + "." + what,
		Severity:  sev,
		Mostly:    1,
		Nulls:     NullsSkip,
		Generated: true,
		Line:      c.Line,
	}
	family := typeFamily(c.Type)
	switch what {
	case "required":
		r.Expr = ref + " != null"
		r.Nulls = NullsFail
		r.Description = "column " + c.Key + " is never null"
	case "unique":
		r.Check = "duplicate_count(" + ref + ") == 0"
		r.Nulls = ""
		r.Description = "column " + c.Key + " has no duplicate values"
	case "values":
		lits := make([]string, len(c.Values))
		anyFloat := family == "float"
		for _, v := range c.Values {
			if _, ok := v.(float64); ok {
				anyFloat = true
			}
		}
		for i, v := range c.Values {
			lits[i] = celLiteral(v, family, anyFloat)
		}
		r.Expr = ref + " in [" + strings.Join(lits, ", ") + "]"
		r.Description = "column " + c.Key + " holds only the listed values"
	case "min":
		r.Expr = ref + " >= " + numLiteral(*c.Min, family)
		r.Description = "column " + c.Key + " is at least " + numLiteral(*c.Min, family)
	case "max":
		r.Expr = ref + " <= " + numLiteral(*c.Max, family)
		r.Description = "column " + c.Key + " is at most " + numLiteral(*c.Max, family)
	case "pattern":
		r.Expr = ref + ".matches(" + strconv.Quote(c.Pattern) + ")"
		r.Description = "column " + c.Key + " matches " + c.Pattern
	case "min_length":
		r.Expr = "size(" + ref + ") >= " + strconv.Itoa(*c.MinLength)
		r.Description = "column " + c.Key + " has at least " + strconv.Itoa(*c.MinLength) + " characters"
	case "max_length":
		r.Expr = "size(" + ref + ") <= " + strconv.Itoa(*c.MaxLength)
		r.Description = "column " + c.Key + " has at most " + strconv.Itoa(*c.MaxLength) + " characters"
	}
	return r
}

// celRef spells a column key in CEL.
func celRef(key string) string {
	if isIdent(key) {
		return key
	}
	return "row[" + strconv.Quote(key) + "]"
}

func celLiteral(v any, family string, asFloat bool) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		if asFloat {
			return numLiteral(float64(x), "float")
		}
		if family == "uint" && x >= 0 {
			return strconv.FormatInt(x, 10) + "u"
		}
		return strconv.FormatInt(x, 10)
	case uint64:
		if asFloat {
			return numLiteral(float64(x), "float")
		}
		// YAML gives positive integers as uint64: they are ints unless
		// the column is unsigned (or the value does not fit an int).
		if family != "uint" && x <= math.MaxInt64 {
			return strconv.FormatUint(x, 10)
		}
		return strconv.FormatUint(x, 10) + "u"
	case float64:
		return numLiteral(x, "float")
	}
	return fmt.Sprint(v)
}

func numLiteral(v float64, family string) string {
	integral := v == math.Trunc(v) && !math.IsInf(v, 0) && math.Abs(v) < 1e18
	switch {
	case integral && family == "uint" && v >= 0:
		return strconv.FormatInt(int64(v), 10) + "u"
	case integral && family != "float":
		return strconv.FormatInt(int64(v), 10)
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

// suggest returns the closest candidate to s within a small edit distance.
func suggest(s string, candidates []string) string {
	best, bestD := "", 3
	if len(s) <= 3 {
		bestD = 2
	}
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// ColumnTags returns the tags of the physical column name.
func (rs *RuleSet) ColumnTags(column string) []string {
	for _, c := range rs.Columns {
		if c.Name == column {
			return slices.Clone(c.Tags)
		}
	}
	return nil
}

// IsPII reports whether the physical column carries a pii.* tag (its values
// are redacted in samples).
func (rs *RuleSet) IsPII(column string) bool {
	for _, c := range rs.Columns {
		if c.Name == column {
			for _, t := range c.Tags {
				if strings.HasPrefix(t, "pii.") {
					return true
				}
			}
		}
	}
	return false
}

// Scanners returns the detectors privacy.detect names, built-in and
// user-defined, in the order written; nil when p is nil or detects
// nothing.
func (p *Privacy) Scanners() []pii.Detector {
	if p == nil {
		return nil
	}
	var out []pii.Detector
	for _, k := range p.Detect {
		if d, ok := pii.Lookup(k); ok {
			out = append(out, d)
			continue
		}
		for _, d := range p.Detectors {
			if d.Kind == k {
				out = append(out, d)
			}
		}
	}
	return out
}
