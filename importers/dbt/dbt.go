package dbt

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/sluicedata/sluice/importers"
)

// Options tune a translation.
type Options struct {
	// Owner is written as the owner of rule files whose model has no
	// meta.owner (a placeholder to edit when empty).
	Owner string
	// Ref returns the path written into missing_references for the
	// dataset named by ref('name') or source('source', 'name') of a
	// relationships test. When nil, or when it fails, the test is not
	// translated (the error is its note).
	Ref func(name string) (string, error)
	// Schema returns the schema of a dataset's data, or nil when it is not
	// known. It types the literals of conditions and value lists (a date
	// string against a timestamp column is a timestamp) and resolves the
	// case of SQL identifiers.
	Schema func(dataset string) *arrow.Schema
}

// Import reads one dbt schema file and returns a rule file per model,
// source table, seed or snapshot, in file order. path names the file in
// notes (file:line:column of each test that is not translated).
func Import(path string, data []byte, opts Options) ([]*importers.File, error) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, fmt.Errorf("dbt: %s: %w", path, err)
	}
	t := &translator{path: path, opts: opts}
	var files []*importers.File
	found := false
	for _, doc := range file.Docs {
		for _, top := range entries(doc.Body) {
			kind := keyOf(top)
			switch kind {
			case "models", "seeds", "snapshots":
				found = true
				for _, item := range items(top.Value) {
					f, err := t.dataset(item, strings.TrimSuffix(kind, "s"), "")
					if err != nil {
						return nil, err
					}
					files = append(files, f)
				}
			case "sources":
				found = true
				for _, src := range items(top.Value) {
					var srcName string
					var tables ast.Node
					var fresh freshness
					for _, e := range entries(src) {
						switch keyOf(e) {
						case "name":
							srcName = scalar(e.Value)
						case "tables":
							tables = e.Value
						}
					}
					fresh = fresh.from(t, src)
					for _, item := range items(tables) {
						f, err := t.dataset(item, "source table", srcName)
						if err != nil {
							return nil, err
						}
						t.freshness(f, fresh.from(t, item))
						files = append(files, f)
					}
				}
			}
		}
	}
	if !found {
		return nil, ErrNotSchema
	}
	return files, nil
}

type translator struct {
	path string
	opts Options
	// current and schema are those of the model being translated.
	current string
	schema  *arrow.Schema
	// declared are the column types the schema file gives (data_type).
	declared map[string]string
}

func (t *translator) pos(n ast.Node) string {
	if es := entries(n); len(es) > 0 && es[0].Key != nil {
		n = es[0].Key
	}
	tok := n.GetToken()
	if tok == nil || tok.Position == nil {
		return t.path
	}
	return fmt.Sprintf("%s:%d:%d", t.path, tok.Position.Line, tok.Position.Column)
}

// dataset translates one model (or seed, snapshot, source table).
func (t *translator) dataset(item ast.Node, kind, source string) (*importers.File, error) {
	var name, desc string
	var meta, config map[string]any
	var columns, tests []ast.Node
	for _, e := range entries(item) {
		switch keyOf(e) {
		case "name":
			name = scalar(e.Value)
		case "description":
			desc = scalar(e.Value)
		case "meta":
			meta = mapValue(e.Value)
		case "config":
			config = mapValue(e.Value)
		case "columns":
			columns = items(e.Value)
		case "tests", "data_tests":
			tests = append(tests, items(e.Value)...)
		}
	}
	if name == "" {
		return nil, fmt.Errorf("dbt: %s: a %s without a name", t.pos(item), kind)
	}
	if strings.Contains(desc, "{{") {
		desc = ""
	}
	t.current, t.schema, t.declared = name, nil, map[string]string{}
	if t.opts.Schema != nil {
		t.schema = t.opts.Schema(name)
	}
	for _, c := range columns {
		var cn, dt string
		for _, e := range entries(c) {
			switch keyOf(e) {
			case "name":
				cn = scalar(e.Value)
			case "data_type":
				dt = scalar(e.Value)
			}
		}
		if typ, ok := columnType(dt); ok && cn != "" {
			t.declared[cn] = typ
		}
	}
	what := kind + " " + name
	if source != "" {
		what = fmt.Sprintf("source table %s.%s", source, name)
	}
	f := &importers.File{
		Dataset:     name,
		Owner:       t.opts.Owner,
		Description: strings.TrimSpace(desc),
		Header:      []string{fmt.Sprintf("Translated from the dbt %s in %s by `sluice import dbt`.", what, t.path)},
	}
	if o := ownerOf(meta, config); o != "" {
		f.Owner = o
	}
	for _, c := range columns {
		if err := t.column(f, c); err != nil {
			return nil, err
		}
	}
	for _, n := range tests {
		t.test(f, n, "", "")
	}
	return f, nil
}

func ownerOf(meta, config map[string]any) string {
	if s, ok := meta["owner"].(string); ok && s != "" {
		return s
	}
	if m, ok := config["meta"].(map[string]any); ok {
		if s, ok := m["owner"].(string); ok {
			return s
		}
	}
	return ""
}

func (t *translator) column(f *importers.File, item ast.Node) error {
	var name, desc, dataType string
	var meta map[string]any
	var tags []any
	var tests []ast.Node
	for _, e := range entries(item) {
		switch keyOf(e) {
		case "name":
			name = scalar(e.Value)
		case "description":
			desc = scalar(e.Value)
		case "data_type":
			dataType = scalar(e.Value)
		case "meta":
			meta = mapValue(e.Value)
		case "tags":
			tags, _ = value(e.Value).([]any)
		case "config":
			cfg := mapValue(e.Value)
			if m, ok := cfg["meta"].(map[string]any); ok && meta == nil {
				meta = m
			}
			if tg, ok := cfg["tags"].([]any); ok {
				tags = append(tags, tg...)
			}
		case "tests", "data_tests":
			tests = append(tests, items(e.Value)...)
		}
	}
	if name == "" {
		return fmt.Errorf("dbt: %s: a column without a name", t.pos(item))
	}
	if strings.Contains(desc, "{{") {
		desc = "" // a doc() block or other Jinja: dbt renders it, Sluice cannot
	}
	var comments []string
	typ, ok := columnType(dataType)
	if dataType != "" && !ok {
		comments = append(comments, fmt.Sprintf("dbt data_type %q has no Sluice column type: declare one if it matters", dataType))
	}
	if why := piiReason(desc, meta, tags); why != "" {
		comments = append(comments, fmt.Sprintf("PII per dbt (%s): add tags: [%s] once the kind is confirmed", why, suggestPII(name)))
	}
	if typ != "" || len(comments) > 0 {
		c := f.Column(name)
		c.Type = typ
		c.Comment = strings.Join(comments, "\n")
	}
	for _, n := range tests {
		t.test(f, n, name, strings.TrimSpace(desc))
	}
	return nil
}

var typeArgs = regexp.MustCompile(`^([a-z0-9_ ]+?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$`)

// columnType maps a warehouse type name to a Sluice column type.
func columnType(dt string) (string, bool) {
	m := typeArgs.FindStringSubmatch(strings.ToLower(strings.TrimSpace(dt)))
	if m == nil {
		return "", false
	}
	switch m[1] {
	case "int", "integer", "bigint", "int64", "int8", "long":
		return "int64", true
	case "smallint", "int2", "int16":
		return "int16", true
	case "int4", "int32":
		return "int32", true
	case "float", "float64", "double", "double precision", "real", "float8", "float4":
		return "double", true
	case "numeric", "decimal", "number":
		if m[2] != "" {
			scale := m[3]
			if scale == "" {
				scale = "0"
			}
			return fmt.Sprintf("decimal(%s,%s)", m[2], scale), true
		}
		return "double", true
	case "varchar", "text", "string", "char", "character varying", "nvarchar":
		return "string", true
	case "boolean", "bool":
		return "bool", true
	case "date":
		return "date", true
	case "timestamp", "timestamp_ntz", "timestamp_tz", "timestamp_ltz", "timestamptz", "datetime", "timestamp with time zone", "timestamp without time zone":
		return "timestamp", true
	}
	return "", false
}

var piiWord = regexp.MustCompile(`(?i)\b(pii|personal data|personally identifiable)\b`)

func piiReason(desc string, meta map[string]any, tags []any) string {
	for _, k := range []string{"pii", "contains_pii"} {
		switch v := meta[k].(type) {
		case bool:
			if v {
				return "meta." + k
			}
		case string:
			if v != "" && !strings.EqualFold(v, "false") {
				return "meta." + k
			}
		}
	}
	for _, tg := range tags {
		if s, ok := tg.(string); ok && (strings.EqualFold(s, "pii") || strings.HasPrefix(strings.ToLower(s), "pii.")) {
			return "tag " + s
		}
	}
	if piiWord.MatchString(desc) {
		return "description"
	}
	return ""
}

func suggestPII(col string) string {
	c := strings.ToLower(col)
	for _, k := range []string{"email", "phone", "address", "name", "birth", "ip"} {
		if strings.Contains(c, k) {
			switch k {
			case "birth":
				return "pii.birthdate"
			case "ip":
				if c == "ip" || strings.HasSuffix(c, "_ip") || strings.HasPrefix(c, "ip_") {
					return "pii.ip"
				}
				continue
			}
			return "pii." + k
		}
	}
	return "pii.<kind>"
}

// ---- YAML helpers ----

func entries(n ast.Node) []*ast.MappingValueNode {
	switch n := n.(type) {
	case *ast.MappingNode:
		return n.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{n}
	case *ast.DocumentNode:
		return entries(n.Body)
	}
	return nil
}

func items(n ast.Node) []ast.Node {
	if s, ok := n.(*ast.SequenceNode); ok {
		return s.Values
	}
	return nil
}

func keyOf(e *ast.MappingValueNode) string {
	if e == nil || e.Key == nil {
		return ""
	}
	if tok := e.Key.GetToken(); tok != nil {
		return tok.Value
	}
	return ""
}

func value(n ast.Node) any {
	if n == nil {
		return nil
	}
	var v any
	if err := yaml.NodeToValue(n, &v); err != nil {
		return nil
	}
	return v
}

func scalar(n ast.Node) string {
	switch v := value(n).(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func mapValue(n ast.Node) map[string]any {
	m, _ := value(n).(map[string]any)
	return m
}

// ---- literals ----

// setLiteral formats a value of an accepted_values list for column col:
// quoted values are strings (timestamps against a time column), unquoted
// ones numbers or booleans.
func (t *translator) setLiteral(v any, quote bool, col string) (string, error) {
	k := t.kindOf(col)
	if v == nil {
		return "", errors.New("a null value in the list (SQL's NOT IN with a NULL never holds): remove it")
	}
	if quote {
		s := fmt.Sprint(v)
		switch k {
		case kString, kUnknown:
			return importers.CELString(s), nil
		case kTime:
			tm, ok := parseSQLTime(s)
			if !ok {
				return "", fmt.Errorf("%q is not a date or time, and %s is a timestamp column", s, col)
			}
			return "timestamp(" + importers.CELString(tm.Format(time.RFC3339Nano)) + ")", nil
		}
		return "", fmt.Errorf("quoted values against %s, which is not a string column: set quote: false", col)
	}
	switch x := v.(type) {
	case bool:
		if k != kBool && k != kUnknown {
			return "", fmt.Errorf("%v against %s, which is not boolean", x, col)
		}
		return strconv.FormatBool(x), nil
	case int, int64, uint64, float64:
		if k != kInt && k != kDouble && k != kUnknown {
			return "", fmt.Errorf("%v against %s, which is not a number", x, col)
		}
		return numberText(fmt.Sprint(x), k)
	case string:
		if _, err := strconv.ParseFloat(x, 64); err == nil && (k == kInt || k == kDouble || k == kUnknown) {
			return numberText(x, k)
		}
		return "", fmt.Errorf("unquoted value %q is a SQL expression", x)
	}
	return "", fmt.Errorf("value %v cannot be a literal", v)
}

// kindOf is the kind of column col of the dataset being translated, from
// Options.Schema (kUnknown when not known).
func (t *translator) kindOf(col string) colKind {
	switch typ := t.declared[col]; {
	case strings.HasPrefix(typ, "int"):
		return kInt
	case typ == "double" || strings.HasPrefix(typ, "decimal"):
		return kDouble
	case typ == "string":
		return kString
	case typ == "bool":
		return kBool
	case typ == "date" || typ == "timestamp":
		return kTime
	}
	if t.schema == nil {
		return kUnknown
	}
	idx := t.schema.FieldIndices(col)
	if len(idx) == 0 {
		return kUnknown
	}
	typ := t.schema.Field(idx[0]).Type
	if d, ok := typ.(*arrow.DictionaryType); ok {
		typ = d.ValueType
	}
	switch typ.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32:
		return kInt
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.DECIMAL256:
		return kDouble
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return kString
	case arrow.BOOL:
		return kBool
	case arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64:
		return kTime
	}
	return kOther
}

// columnsOf returns how the SQL translator types a column of dataset and
// maps an unquoted SQL identifier to a column name (SQL folds the case of
// unquoted identifiers: an exact match wins, else the one column that
// matches without case).
func (t *translator) columnsOf(dataset string) (func(string) colKind, func(string) string) {
	col := func(name string) string {
		if t.schema == nil || len(t.schema.FieldIndices(name)) > 0 {
			return name
		}
		match := ""
		for _, fld := range t.schema.Fields() {
			if strings.EqualFold(fld.Name, name) {
				if match != "" {
					return name
				}
				match = fld.Name
			}
		}
		if match == "" {
			return name
		}
		return match
	}
	return t.kindOf, col
}
