package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"
)

// slot is one physical column of the compile schema that CEL can read.
type slot struct {
	ident string // the CEL identifier bound to it
	name  string // physical column name
	field int    // index in the compile schema
	typ   arrow.DataType
	cel   *cel.Type // non-nullable CEL type
	// finding is why no rule that reads the column is evaluated, "" when
	// the column is as declared. A declared column that is missing from the
	// data, or whose type differs, has a slot typed as declared (field -1
	// when missing) so that rules over it type-check; such rules are
	// checked, not run (compile.go).
	finding string
}

// columnEnv resolves the spellings of columns to slots.
type columnEnv struct {
	schema  *arrow.Schema
	slots   []*slot
	byIdent map[string]int // CEL identifier (names, aliases, synthetic) → slot
	byName  map[string]int // physical names and column keys → slot
	// unsupported holds columns whose Arrow type has no CEL type.
	unsupported map[string]arrow.DataType
	names       []string // every spelling, for suggestions
	// findings are the schema findings of the rule set on this schema
	// (schema.go), in file order then schema order.
	findings []SchemaFinding
	// affected is true when some slot has a finding.
	affected bool
}

func newColumnEnv(rs *RuleSet, schema *arrow.Schema) *columnEnv {
	ce := &columnEnv{
		schema:      schema,
		byIdent:     map[string]int{},
		byName:      map[string]int{},
		unsupported: map[string]arrow.DataType{},
	}
	for i, f := range schema.Fields() {
		t, ok := celType(f.Type)
		if !ok {
			ce.unsupported[f.Name] = f.Type
			continue
		}
		ident := f.Name
		if !isIdent(ident) || strings.HasPrefix(ident, "__") {
			ident = "__c" + strconv.Itoa(i)
		}
		ce.slots = append(ce.slots, &slot{ident: ident, name: f.Name, field: i, typ: f.Type, cel: t})
		k := len(ce.slots) - 1
		ce.byIdent[ident] = k
		ce.byName[f.Name] = k
		ce.names = append(ce.names, f.Name)
	}
	ce.declare(rs)
	// Aliases: the key of a columns: entry whose name: differs.
	for _, c := range rs.Columns {
		if c.Key == c.Name {
			continue
		}
		k, ok := ce.byName[c.Name]
		if !ok {
			continue
		}
		if _, taken := ce.byName[c.Key]; taken {
			continue // a physical column of that name wins
		}
		ce.byName[c.Key] = k
		ce.names = append(ce.names, c.Key)
		if isIdent(c.Key) && !strings.HasPrefix(c.Key, "__") {
			ce.byIdent[c.Key] = k
		}
	}
	return ce
}

// celType maps an Arrow type to the CEL type of its values.
func celType(dt arrow.DataType) (*cel.Type, bool) {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return cel.IntType, true
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return cel.UintType, true
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		return cel.DoubleType, true
	case arrow.BOOL:
		return cel.BoolType, true
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return cel.StringType, true
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return cel.BytesType, true
	case arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64:
		return cel.TimestampType, true
	case arrow.DURATION:
		return cel.DurationType, true
	case arrow.DICTIONARY:
		return celType(dt.(*arrow.DictionaryType).ValueType)
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST:
		elem, ok := celType(dt.(arrow.ListLikeType).Elem())
		if !ok {
			return nil, false
		}
		return cel.ListType(elem), true
	}
	return nil, false
}

// nullable wraps a CEL type so that `x == null` type-checks.
func nullable(t *cel.Type) *cel.Type {
	switch t.Kind() {
	case cel.ListKind, cel.MapKind, cel.DynKind:
		return t // lists compare with null through dyn equality
	}
	return cel.NullableType(t)
}

// baseOptions are the CEL options shared by row rules and checks.
func (ce *columnEnv) baseOptions() []cel.EnvOption {
	opts := []cel.EnvOption{
		ext.Strings(),
		cel.CrossTypeNumericComparisons(true),
		cel.ASTValidators(cel.ValidateRegexLiterals(), cel.ValidateDurationLiterals(), cel.ValidateTimestampLiterals()),
		cel.DefaultUTCTimeZone(true),
	}
	opts = append(opts, piiFunctions()...)
	opts = append(opts, textFunctions()...)
	for ident, k := range ce.byIdent {
		s := ce.slots[k]
		opts = append(opts, cel.Variable(ident, nullable(s.cel)))
	}
	return opts
}

// suggestColumn returns " (did you mean …?)" or "".
func (ce *columnEnv) suggestColumn(name string) string {
	if s := suggest(name, ce.names); s != "" {
		return fmt.Sprintf(" (did you mean %s?)", spell(s))
	}
	return ""
}

// spell writes a column name as a rule would.
func spell(name string) string {
	if isIdent(name) {
		return name
	}
	return "row[" + strconv.Quote(name) + "]"
}

// rewriteProblem is a spelling of a column the rewrite could not resolve.
type rewriteProblem struct {
	offset int // in runes
	msg    string
}

// rewrite replaces row['name'], row["name"], row.`name` and row.name with
// the CEL identifier of the column, padded with spaces so that every other
// position in the text stays where it was.
func (ce *columnEnv) rewrite(src string) (string, []rewriteProblem) {
	rs := []rune(src)
	var out []rune
	var probs []rewriteProblem
	i := 0
	for i < len(rs) {
		c := rs[i]
		// Skip string and bytes literals.
		if c == '"' || c == '\'' {
			end := skipString(rs, i)
			out = append(out, rs[i:end]...)
			i = end
			continue
		}
		if c == 'r' || c == 'R' || c == 'b' || c == 'B' {
			if i+1 < len(rs) && (rs[i+1] == '"' || rs[i+1] == '\'') && (i == 0 || !identRune(rs[i-1])) {
				end := skipString(rs, i+1)
				out = append(out, rs[i:end]...)
				i = end
				continue
			}
		}
		if c == '`' {
			// A quoted identifier outside row.`…`: leave it to CEL.
			out = append(out, c)
			i++
			continue
		}
		if identRune(c) {
			j := i
			for j < len(rs) && identRune(rs[j]) {
				j++
			}
			word := string(rs[i:j])
			prevDot := false
			for k := i - 1; k >= 0; k-- {
				if rs[k] == ' ' || rs[k] == '\t' || rs[k] == '\n' || rs[k] == '\r' {
					continue
				}
				prevDot = rs[k] == '.'
				break
			}
			if word == "has" && !prevDot {
				// has(row.x) asks whether column x has a value on the
				// row: it reads as (x != null).
				if k, end, ok := ce.hasRow(rs, j); ok {
					repl := []rune("(" + ce.slots[k].ident + "!=null)")
					if len(repl) <= end-i {
						out = append(out, repl...)
						for n := len(repl); n < end-i; n++ {
							out = append(out, ' ')
						}
						i = end
						continue
					}
				}
			}
			if word == "row" && !prevDot {
				if name, end, ok := rowAccess(rs, j); ok {
					k, found := ce.byName[name]
					if !found {
						msg := fmt.Sprintf("unknown column %q%s", name, ce.suggestColumn(name))
						if dt, bad := ce.unsupported[name]; bad {
							msg = fmt.Sprintf("column %q has type %s, which rules cannot read", name, dt)
						}
						probs = append(probs, rewriteProblem{offset: i, msg: msg})
						out = append(out, rs[i:end]...)
						i = end
						continue
					}
					ident := []rune(ce.slots[k].ident)
					out = append(out, ident...)
					for n := len(ident); n < end-i; n++ {
						out = append(out, ' ')
					}
					i = end
					continue
				}
			}
			out = append(out, rs[i:j]...)
			i = j
			continue
		}
		out = append(out, c)
		i++
	}
	return string(out), probs
}

func identRune(r rune) bool {
	return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// skipString returns the index just past the string literal starting at i.
func skipString(rs []rune, i int) int {
	q := rs[i]
	triple := i+2 < len(rs) && rs[i+1] == q && rs[i+2] == q
	j := i + 1
	if triple {
		j = i + 3
	}
	for j < len(rs) {
		switch {
		case rs[j] == '\\':
			j += 2
			continue
		case triple && rs[j] == q && j+2 < len(rs) && rs[j+1] == q && rs[j+2] == q:
			return j + 3
		case !triple && rs[j] == q:
			return j + 1
		case !triple && rs[j] == '\n':
			return j
		}
		j++
	}
	return len(rs)
}

// hasRow parses "(row.name)" (any row access) after "has" at j, returning
// the column's slot and the index just past the closing parenthesis.
func (ce *columnEnv) hasRow(rs []rune, j int) (int, int, bool) {
	k := skipSpace(rs, j)
	if k >= len(rs) || rs[k] != '(' {
		return 0, 0, false
	}
	k = skipSpace(rs, k+1)
	if k+3 > len(rs) || string(rs[k:k+3]) != "row" {
		return 0, 0, false
	}
	name, end, ok := rowAccess(rs, k+3)
	if !ok {
		return 0, 0, false
	}
	slot, found := ce.byName[name]
	end = skipSpace(rs, end)
	if !found || end >= len(rs) || rs[end] != ')' {
		return 0, 0, false
	}
	return slot, end + 1, true
}

// rowAccess parses ['name'], ["name"], .`name` or .name after "row" at j,
// returning the column name and the index just past the access.
func rowAccess(rs []rune, j int) (string, int, bool) {
	k := skipSpace(rs, j)
	if k >= len(rs) {
		return "", 0, false
	}
	switch rs[k] {
	case '[':
		k = skipSpace(rs, k+1)
		if k >= len(rs) || (rs[k] != '\'' && rs[k] != '"') {
			return "", 0, false
		}
		end := skipString(rs, k)
		if end > len(rs) || end-k < 2 || rs[end-1] != rs[k] {
			return "", 0, false
		}
		name, ok := unquoteCEL(string(rs[k:end]))
		if !ok {
			return "", 0, false
		}
		e := skipSpace(rs, end)
		if e >= len(rs) || rs[e] != ']' {
			return "", 0, false
		}
		return name, e + 1, true
	case '.':
		k = skipSpace(rs, k+1)
		if k >= len(rs) {
			return "", 0, false
		}
		if rs[k] == '`' {
			e := k + 1
			for e < len(rs) && rs[e] != '`' && rs[e] != '\n' {
				e++
			}
			if e >= len(rs) || rs[e] != '`' {
				return "", 0, false
			}
			return string(rs[k+1 : e]), e + 1, true
		}
		e := k
		for e < len(rs) && identRune(rs[e]) {
			e++
		}
		if e == k {
			return "", 0, false
		}
		// row.name( is a method call on a variable named row: not ours.
		if p := skipSpace(rs, e); p < len(rs) && rs[p] == '(' {
			return "", 0, false
		}
		return string(rs[k:e]), e, true
	}
	return "", 0, false
}

func skipSpace(rs []rune, k int) int {
	for k < len(rs) && (rs[k] == ' ' || rs[k] == '\t' || rs[k] == '\n' || rs[k] == '\r') {
		k++
	}
	return k
}

// unquoteCEL unquotes a simple CEL string literal.
func unquoteCEL(lit string) (string, bool) {
	if len(lit) < 2 {
		return "", false
	}
	if lit[0] == '\'' {
		body := lit[1 : len(lit)-1]
		body = strings.ReplaceAll(body, `\'`, `'`)
		body = strings.ReplaceAll(body, `"`, `\"`)
		lit = `"` + body + `"`
	}
	s, err := strconv.Unquote(lit)
	if err != nil || !utf8.ValidString(s) {
		return "", false
	}
	return s, true
}

// sortedUnique sorts and dedups names.
func sortedUnique(names []string) []string {
	slices.Sort(names)
	return slices.Compact(names)
}
