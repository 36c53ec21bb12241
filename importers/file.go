package importers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// OwnerPlaceholder is the owner written when none is given: rules.Parse
// accepts it, and the comment next to it asks for the real owner.
const OwnerPlaceholder = "CHANGE-ME@example.com"

// File is a rule file under construction.
type File struct {
	// Header lines are written as comments at the top (without "# ").
	Header      []string
	Dataset     string
	Owner       string // OwnerPlaceholder when ""
	Description string
	Columns     []Column
	Rules       []Rule
	// Notes list what could not be translated, in source order.
	Notes []Note
}

// Column is one entry of the columns: section.
type Column struct {
	Key      string
	Type     string
	Required bool
	Unique   bool
	// Values, when non-nil, are CEL literals (already formatted).
	Values    []string
	Min, Max  string // CEL number literals, "" when absent
	MinLength *int
	MaxLength *int
	// Pattern is a regular expression (RE2) every value matches, "" when
	// absent.
	Pattern string
	// Tags are written as the column's tags: (pii.email, …).
	Tags []string
	// Comment is written above the entry (one "# " line per line).
	Comment string
}

// Rule is one entry of the rules: section.
type Rule struct {
	Name        string
	Description string
	Expr        string // row rule
	Check       string // dataset check
	Severity    string // "" for the default (error)
	Mostly      float64
	Nulls       string // "" for the default (skip)
	// Comment is written above the rule (one "# " line per line).
	Comment string
}

// Note records a check that was not (or only partly) translated.
type Note struct {
	// Source names the check in its own tool's terms, e.g.
	// `expect_column_values_to_be_increasing(column="id")`.
	Source string
	// Reason says why, in words a user can act on.
	Reason string
	// Partial is true when a rule was written but does not carry the
	// whole meaning of the source check.
	Partial bool
}

func (n Note) String() string {
	if n.Partial {
		return fmt.Sprintf("partly translated: %s: %s", n.Source, n.Reason)
	}
	return fmt.Sprintf("not translated: %s: %s", n.Source, n.Reason)
}

// AddRule appends r, making its name unique in the file (suffix _2, _3, …).
func (f *File) AddRule(r Rule) {
	taken := make(map[string]bool, len(f.Rules))
	for _, x := range f.Rules {
		taken[x.Name] = true
	}
	for _, c := range f.Columns {
		for _, s := range []string{"required", "unique", "values", "min", "max", "min_length", "max_length", "pattern"} {
			taken[c.Key+"."+s] = true
		}
	}
	name := r.Name
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s_%d", r.Name, i)
	}
	r.Name = name
	f.Rules = append(f.Rules, r)
}

// Column returns the columns: entry for key, adding it when absent.
func (f *File) Column(key string) *Column {
	for i := range f.Columns {
		if f.Columns[i].Key == key {
			return &f.Columns[i]
		}
	}
	f.Columns = append(f.Columns, Column{Key: key})
	return &f.Columns[len(f.Columns)-1]
}

// WriteNotes prints one line per note to w (for stderr).
func (f *File) WriteNotes(w io.Writer, prefix string) {
	for _, n := range f.Notes {
		fmt.Fprintf(w, "%s%s\n", prefix, n)
	}
}

// YAML renders the rule file. Strings are written as YAML double-quoted
// scalars (JSON strings), so any text round-trips.
func (f *File) YAML() []byte {
	var b bytes.Buffer
	for _, h := range f.Header {
		comment(&b, "", h)
	}
	b.WriteString("version: 1\n")
	fmt.Fprintf(&b, "dataset: %s\n", Quote(orDefault(f.Dataset, "dataset")))
	if f.Owner == "" || f.Owner == OwnerPlaceholder {
		fmt.Fprintf(&b, "owner: %s  # EDIT: the accountable owner of this dataset\n", Quote(OwnerPlaceholder))
	} else {
		fmt.Fprintf(&b, "owner: %s\n", Quote(f.Owner))
	}
	if f.Description != "" {
		fmt.Fprintf(&b, "description: %s\n", Quote(f.Description))
	}
	if len(f.Columns) > 0 {
		b.WriteString("columns:\n")
		for _, c := range f.Columns {
			comment(&b, "  ", c.Comment)
			var props []string
			if c.Type != "" {
				props = append(props, "type: "+c.Type)
			}
			if c.Required {
				props = append(props, "required: true")
			}
			if c.Unique {
				props = append(props, "unique: true")
			}
			if c.Values != nil {
				props = append(props, "values: ["+strings.Join(c.Values, ", ")+"]")
			}
			if c.Min != "" {
				props = append(props, "min: "+c.Min)
			}
			if c.Max != "" {
				props = append(props, "max: "+c.Max)
			}
			if c.MinLength != nil {
				props = append(props, "min_length: "+strconv.Itoa(*c.MinLength))
			}
			if c.MaxLength != nil {
				props = append(props, "max_length: "+strconv.Itoa(*c.MaxLength))
			}
			if c.Pattern != "" {
				props = append(props, "pattern: "+Quote(c.Pattern))
			}
			if len(c.Tags) > 0 {
				tags := make([]string, len(c.Tags))
				for i, t := range c.Tags {
					tags[i] = Quote(t)
				}
				props = append(props, "tags: ["+strings.Join(tags, ", ")+"]")
			}
			fmt.Fprintf(&b, "  %s: {%s}\n", Quote(c.Key), strings.Join(props, ", "))
		}
	}
	if len(f.Rules) > 0 {
		b.WriteString("rules:\n")
		for _, r := range f.Rules {
			comment(&b, "  ", r.Comment)
			fmt.Fprintf(&b, "  - name: %s\n", Quote(r.Name))
			if r.Description != "" {
				fmt.Fprintf(&b, "    description: %s\n", Quote(r.Description))
			}
			if r.Check != "" {
				fmt.Fprintf(&b, "    check: %s\n", Quote(r.Check))
			} else {
				fmt.Fprintf(&b, "    expr: %s\n", Quote(r.Expr))
			}
			if r.Severity != "" {
				fmt.Fprintf(&b, "    severity: %s\n", r.Severity)
			}
			if r.Mostly > 0 && r.Mostly < 1 && r.Check == "" {
				fmt.Fprintf(&b, "    mostly: %s\n", strconv.FormatFloat(r.Mostly, 'g', -1, 64))
			}
			if r.Nulls != "" {
				fmt.Fprintf(&b, "    nulls: %s\n", r.Nulls)
			}
		}
	}
	if len(f.Notes) > 0 {
		b.WriteString("\n# Checks that were not translated (or only in part); review them:\n")
		for _, n := range f.Notes {
			comment(&b, "", "- "+n.String())
		}
	}
	return b.Bytes()
}

func orDefault(s, d string) string {
	if strings.TrimSpace(s) == "" {
		return d
	}
	return s
}

func comment(b *bytes.Buffer, indent, text string) {
	if text == "" {
		return
	}
	for _, line := range strings.Split(text, "\n") {
		b.WriteString(indent)
		b.WriteString("# ")
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteString("\n")
	}
}

// Quote returns s as a YAML double-quoted scalar.
func Quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// CELString returns s as a CEL string literal.
func CELString(s string) string {
	// CEL's escapes are a superset of what strconv.Quote emits.
	return strconv.Quote(s)
}

// Ident returns the CEL reference to column name: the name itself when it
// is an identifier, row['name'] otherwise.
func Ident(name string) string {
	if isIdent(name) {
		return name
	}
	return "row[" + CELString(name) + "]"
}

var celReserved = map[string]bool{
	"true": true, "false": true, "null": true, "in": true, "as": true, "break": true, "const": true,
	"continue": true, "else": true, "for": true, "function": true, "if": true, "import": true,
	"let": true, "loop": true, "package": true, "namespace": true, "return": true, "var": true,
	"void": true, "while": true, "row": true,
}

func isIdent(s string) bool {
	if s == "" || celReserved[s] {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
		case i > 0 && r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return true
}

// SortedKeys returns the keys of m in order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
