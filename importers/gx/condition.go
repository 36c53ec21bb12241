package gx

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/sluicedata/sluice/importers"
)

// rowCondition translates the row_condition kwarg into CEL and the columns
// it reads ("" when there is none).
func (t *translator) rowCondition(kw kwargs) (string, []string, error) {
	if !kw.has("row_condition") {
		return "", nil, nil
	}
	cond, err := kw.str("row_condition")
	if err != nil {
		return "", nil, err
	}
	parser := "pandas"
	if kw.has("condition_parser") {
		parser, _ = kw["condition_parser"].(string)
	}
	switch parser {
	case "pandas":
	case "great_expectations__experimental__", "great_expectations":
		cond = colCall.ReplaceAllString(cond, "$2")
	case "spark", "sql":
		return "", nil, unsupported(fmt.Sprintf("condition_parser %s (SQL text) is not translated: rewrite %q in CEL", parser, cond))
	default:
		return "", nil, invalid(fmt.Sprintf("unknown condition_parser %s", show(kw["condition_parser"])))
	}
	return t.translateCondition(cond)
}

var colCall = regexp.MustCompile(`col\(\s*(["'])([^"']+)(["'])\s*\)`)

type token struct {
	kind byte // 'i' identifier, 'n' number, 's' string, 'o' operator
	text string
}

func tokenize(s string) ([]token, error) {
	var toks []token
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '_' || unicode.IsLetter(r):
			j := i
			for j < len(rs) && (rs[j] == '_' || unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			toks = append(toks, token{'i', string(rs[i:j])})
			i = j
		case unicode.IsDigit(r) || (r == '.' && i+1 < len(rs) && unicode.IsDigit(rs[i+1])) || (r == '-' && i+1 < len(rs) && unicode.IsDigit(rs[i+1]) && (len(toks) == 0 || toks[len(toks)-1].kind == 'o' && toks[len(toks)-1].text != ")")):
			j := i + 1
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.' || rs[j] == 'e' || rs[j] == 'E' || ((rs[j] == '-' || rs[j] == '+') && (rs[j-1] == 'e' || rs[j-1] == 'E'))) {
				j++
			}
			toks = append(toks, token{'n', string(rs[i:j])})
			i = j
		case r == '"' || r == '\'':
			j := i + 1
			var b strings.Builder
			for j < len(rs) && rs[j] != r {
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
				}
				b.WriteRune(rs[j])
				j++
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("unterminated string")
			}
			toks = append(toks, token{'s', b.String()})
			i = j + 1
		default:
			two := ""
			if i+1 < len(rs) {
				two = string(rs[i : i+2])
			}
			switch two {
			case "==", "!=", "<=", ">=":
				toks = append(toks, token{'o', two})
				i += 2
				continue
			}
			switch r {
			case '<', '>', '&', '|', '~', '(', ')':
				toks = append(toks, token{'o', string(r)})
				i++
			default:
				return nil, fmt.Errorf("unexpected %q", r)
			}
		}
	}
	return toks, nil
}

var comparisons = map[string]bool{"==": true, "!=": true, "<": true, ">": true, "<=": true, ">=": true}

// translateCondition turns a pandas query (comparisons joined by & | ~ and
// parentheses) into CEL, typing literals from the column they are compared
// with.
func (t *translator) translateCondition(cond string) (string, []string, error) {
	toks, err := tokenize(cond)
	if err != nil {
		return "", nil, unsupported(fmt.Sprintf("row_condition %q: %v", cond, err))
	}
	var out []string
	var cols []string
	for i, tk := range toks {
		switch tk.kind {
		case 'i':
			switch tk.text {
			case "and":
				out = append(out, "&&")
			case "or":
				out = append(out, "||")
			case "not":
				out = append(out, "!")
			case "True", "true":
				out = append(out, "true")
			case "False", "false":
				out = append(out, "false")
			default:
				if i+1 < len(toks) && toks[i+1].kind == 'o' && toks[i+1].text == "(" {
					return "", nil, unsupported(fmt.Sprintf("row_condition %q: function calls are not translated", cond))
				}
				out = append(out, importers.Ident(tk.text))
				cols = append(cols, tk.text)
			}
		case 'n', 's':
			// The column this literal is compared with.
			k := kindUnknown
			if i >= 2 && comparisons[toks[i-1].text] && toks[i-2].kind == 'i' {
				k = t.kind(toks[i-2].text)
			} else if i+2 < len(toks) && comparisons[toks[i+1].text] && toks[i+2].kind == 'i' {
				k = t.kind(toks[i+2].text)
			}
			var v any = tk.text
			if tk.kind == 'n' {
				v = jsonNumber(tk.text)
			}
			lit, ok := literal(v, k, false)
			if !ok {
				return "", nil, unsupported(fmt.Sprintf("row_condition %q: %s cannot be compared with the column", cond, tk.text))
			}
			out = append(out, lit)
		default:
			switch tk.text {
			case "&":
				out = append(out, "&&")
			case "|":
				out = append(out, "||")
			case "~":
				out = append(out, "!")
			default:
				out = append(out, tk.text)
			}
		}
	}
	if len(out) == 0 {
		return "", nil, invalid("row_condition is empty")
	}
	s := strings.Join(out, " ")
	s = strings.ReplaceAll(s, "( ", "(")
	s = strings.ReplaceAll(s, " )", ")")
	s = strings.ReplaceAll(s, "! ", "!")
	return s, cols, nil
}
