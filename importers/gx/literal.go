package gx

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedata/sluice/importers"
)

// kind is the CEL type family of a column, as far as literals care.
type kind int

const (
	kindUnknown kind = iota
	kindInt
	kindUint
	kindDouble
	kindString
	kindBool
	kindTime
	kindOther
)

func kindOf(t arrow.DataType) kind {
	if d, ok := t.(*arrow.DictionaryType); ok {
		t = d.ValueType
	}
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return kindInt
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return kindUint
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.DECIMAL256:
		return kindDouble
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return kindString
	case arrow.BOOL:
		return kindBool
	case arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64:
		return kindTime
	}
	return kindOther
}

// timeLayouts are the date and time spellings GX suites use.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02",
}

// ParseTime reads a date or time as GX suites write them; times without a
// zone are UTC.
func ParseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// literal formats v as a CEL literal comparable with a column of kind k.
// eq selects equality contexts, where a value that can never be equal to
// the column's values is reported as not ok (and dropped by the caller);
// in ordering contexts a number against an int column keeps its fraction
// (CEL orders int against double).
func literal(v any, k kind, eq bool) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "null", true
	case bool:
		if k == kindBool || k == kindUnknown {
			return strconv.FormatBool(v), true
		}
		return "", false
	case json.Number:
		return numberLiteral(v.String(), k, eq)
	case float64:
		return numberLiteral(strconv.FormatFloat(v, 'g', -1, 64), k, eq)
	case int:
		return numberLiteral(strconv.Itoa(v), k, eq)
	case string:
		switch k {
		case kindString, kindUnknown:
			return importers.CELString(v), true
		case kindTime:
			t, ok := ParseTime(v)
			if !ok {
				return "", false
			}
			return "timestamp(" + importers.CELString(t.Format(time.RFC3339Nano)) + ")", true
		}
		return "", false
	}
	return "", false
}

func numberLiteral(text string, k kind, eq bool) (string, bool) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return "", false
	}
	whole := f == math.Trunc(f) && math.Abs(f) < 1<<53
	switch k {
	case kindInt:
		if whole {
			return strconv.FormatInt(int64(f), 10), true
		}
		if eq {
			return "", false
		}
		return floatText(f), true
	case kindUint:
		if whole && f >= 0 {
			return strconv.FormatUint(uint64(f), 10) + "u", true
		}
		if eq {
			return "", false
		}
		return floatText(f), true
	case kindDouble:
		return floatText(f), true
	case kindUnknown:
		if strings.ContainsAny(text, ".eE") {
			return floatText(f), true
		}
		return text, true
	}
	return "", false
}

func floatText(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

// number reads a kwarg number.
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	case int:
		return float64(v), true
	}
	return 0, false
}

// boundLiteral formats a bound of a between expectation.
func boundLiteral(v any, k kind) (string, error) {
	if m, ok := v.(map[string]any); ok {
		if p, ok := m["$PARAMETER"]; ok {
			ps, _ := p.(string)
			if lit, ok := parameterLiteral(ps); ok {
				return lit, nil
			}
			return "", unsupported(fmt.Sprintf("the suite parameter %s has no value at import time: write the value into the rule", show(p)))
		}
	}
	s, ok := literal(v, k, false)
	if !ok {
		return "", invalid(fmt.Sprintf("bound %v cannot be compared with the column's values", show(v)))
	}
	return s, nil
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func jsonNumber(s string) json.Number { return json.Number(s) }

var (
	paramNowMinus = regexp.MustCompile(`^now\(\)\s*-\s*timedelta\((weeks|days|hours)=([0-9*]+)\)$`)
	paramDatetime = regexp.MustCompile(`^datetime\((\d+),\s*(\d+),\s*(\d+)\)$`)
)

// parameterLiteral translates the GX evaluation-parameter expressions that
// have a CEL equivalent: now(), now() - timedelta(weeks|days|hours=N),
// datetime(Y, M, D).
func parameterLiteral(p string) (string, bool) {
	p = strings.TrimSpace(p)
	if p == "now()" {
		return "now()", true
	}
	if m := paramNowMinus.FindStringSubmatch(p); m != nil {
		n := 1
		for _, f := range strings.Split(m[2], "*") {
			x, err := strconv.Atoi(f)
			if err != nil {
				return "", false
			}
			n *= x
		}
		hours := map[string]int{"weeks": 7 * 24, "days": 24, "hours": 1}[m[1]] * n
		return fmt.Sprintf("now() - duration('%dh')", hours), true
	}
	if m := paramDatetime.FindStringSubmatch(p); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
		return "timestamp(" + importers.CELString(t.Format(time.RFC3339)) + ")", true
	}
	return "", false
}
