package rules_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

// regressCase is one case of testdata/vector_regressions.yaml; see the
// comment at the top of that file for the format.
type regressCase struct {
	Name         string            `yaml:"name"`
	Schema       map[string]string `yaml:"schema"`
	Rows         []map[string]any  `yaml:"rows"`
	Offset       int               `yaml:"offset"`
	Trail        int               `yaml:"trail"`
	Filler       map[string]any    `yaml:"filler"`
	Dictionaries map[string][]any  `yaml:"dictionaries"`
	Expr         string            `yaml:"expr"`
	Nulls        string            `yaml:"nulls"`
	Expect       []string          `yaml:"expect"`
	ErrorKinds   map[string]int64  `yaml:"error_kinds"`
	Engine       string            `yaml:"engine"`
	KnownIssue   string            `yaml:"known_issue"`
}

var outcomeNames = map[string]rules.Outcome{
	"pass": rules.Pass, "fail": rules.Fail, "skip": rules.Skip, "error": rules.Errored,
}

func loadRegressions(t *testing.T) []regressCase {
	t.Helper()
	data, err := os.ReadFile("testdata/vector_regressions.yaml")
	require.NoError(t, err)
	var cases []regressCase
	require.NoError(t, yaml.UnmarshalWithOptions(data, &cases, yaml.Strict()))
	require.NotEmpty(t, cases)
	seen := map[string]bool{}
	for i, c := range cases {
		require.NotEmpty(t, c.Name, "case %d has no name", i)
		require.False(t, seen[c.Name], "case name %q appears twice", c.Name)
		seen[c.Name] = true
		require.NotEmpty(t, c.Schema, "%s: no schema", c.Name)
		require.NotEmpty(t, c.Expr, "%s: no expr", c.Name)
		require.Len(t, c.Expect, len(c.Rows), "%s: expect must list one outcome per row", c.Name)
		for _, o := range c.Expect {
			_, ok := outcomeNames[o]
			require.True(t, ok, "%s: outcome %q is not pass, fail, skip or error", c.Name, o)
		}
		require.Contains(t, []string{"", rules.EngineVectorized, rules.EngineMixed, rules.EngineInterpreter}, c.Engine, c.Name)
		require.Contains(t, []string{"", "skip", "fail", "pass"}, c.Nulls, c.Name)
		require.GreaterOrEqual(t, c.Offset, 0, c.Name)
		require.GreaterOrEqual(t, c.Trail, 0, c.Name)
	}
	return cases
}

// TestVectorRegressions runs the cases of testdata/vector_regressions.yaml,
// each chosen to break a vectorized engine, on both engines: each must give
// the listed outcomes, the two must count the same error kinds, and the
// auto path must run the rule on the engine the case names. Every case runs
// on its rows as listed and on its rows cycled to other batch sizes (see
// batchSizes).
func TestVectorRegressions(t *testing.T) {
	cases := loadRegressions(t)
	t.Logf("%d regression cases", len(cases))
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			nulls := c.Nulls
			if nulls == "" {
				nulls = "skip"
			}
			src := fmt.Sprintf("%srules:\n  - name: r\n    expr: %s\n    nulls: %s\n", header, jsonQuote(c.Expr), nulls)
			rs, err := rules.Parse("regressions.yaml", []byte(src))
			require.NoError(t, err)
			schema, err := regressSchema(c)
			require.NoError(t, err)
			interp, err := rs.Compile(schema, rules.WithEngine(rules.EngineInterpreter))
			require.NoError(t, err)
			auto, err := rs.Compile(schema, rules.WithEngine(rules.EngineAuto))
			require.NoError(t, err)
			engine := auto.RowRules()[0].Engine
			t.Logf("%s: %s on the auto path", c.Expr, engine)

			want := make([]rules.Outcome, len(c.Expect))
			for i, o := range c.Expect {
				want[i] = outcomeNames[o]
			}
			var issues []string
			for _, n := range batchSizes(len(c.Rows)) {
				mem := arrowtest.Allocator(t)
				rec, err := regressBatch(mem, c, schema, n)
				require.NoError(t, err)
				wantN := cycle(want, n)
				gotI, err := interp.NewRun().Eval(context.Background(), rec)
				require.NoError(t, err)
				gotA, err := auto.NewRun().Eval(context.Background(), rec)
				require.NoError(t, err)
				rec.Release()
				if c.KnownIssue != "" {
					if !slices.Equal(gotI.Outcomes[0], gotA.Outcomes[0]) || !maps(gotI.ErrorKinds[0], gotA.ErrorKinds[0]) {
						issues = append(issues, fmt.Sprintf("%d rows: interpreter %v %v, %s %v %v", len(wantN),
							outcomeList(gotI.Outcomes[0]), gotI.ErrorKinds[0], engine, outcomeList(gotA.Outcomes[0]), gotA.ErrorKinds[0]))
					}
					continue
				}
				assert.Equal(t, outcomeList(wantN), outcomeList(gotI.Outcomes[0]), "%d rows: interpreter", len(wantN))
				assert.Equal(t, outcomeList(wantN), outcomeList(gotA.Outcomes[0]), "%d rows: auto (%s)", len(wantN), engine)
				assert.Equal(t, gotI.ErrorKinds[0], gotA.ErrorKinds[0], "%d rows: error kinds", len(wantN))
				if c.ErrorKinds != nil && n%len(c.Rows) == 0 {
					kinds := map[string]int64{}
					for k, m := range c.ErrorKinds {
						kinds[k] = m * int64(n/len(c.Rows))
					}
					assert.Equal(t, kinds, gotI.ErrorKinds[0], "%d rows: the interpreter's error kinds", len(wantN))
				}
			}
			if c.KnownIssue != "" {
				if len(issues) == 0 {
					t.Skipf("known issue: %s; the engines agree now: drop known_issue when the outcomes are right", c.KnownIssue)
				}
				t.Skipf("known issue: %s; the engines disagree: %s", c.KnownIssue, strings.Join(issues, "; "))
			}
			if c.Engine != "" {
				assert.Equal(t, c.Engine, engine, "CompiledRule.Engine on the auto path")
			}
			assert.Equal(t, rules.EngineInterpreter, interp.RowRules()[0].Engine)
		})
	}
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// batchSizes are the row counts a case runs with: its rows as listed, then
// cycled to one whole 64-row word and to three words and a part (the
// engine writes whole words differently from a partial one).
func batchSizes(rows int) []int {
	if rows == 0 {
		return []int{0}
	}
	sizes := []int{rows}
	for _, n := range []int{64, 200} {
		if n != rows {
			sizes = append(sizes, n)
		}
	}
	return sizes
}

// cycle returns n elements: xs repeated, the last repetition cut short.
func cycle[T any](xs []T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = xs[i%len(xs)]
	}
	return out
}

func maps(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// outcomeList names outcomes, for readable diffs.
func outcomeList(os []rules.Outcome) string {
	names := map[rules.Outcome]string{}
	for n, o := range outcomeNames {
		names[o] = n
	}
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = names[o]
	}
	return strings.Join(out, " ")
}

var (
	dictType = regexp.MustCompile(`^dict<\s*(string|large_string)\s*(?:,\s*(int8|int16|int32|int64)\s*)?>$`)
	tsType   = regexp.MustCompile(`^timestamp\[\s*(s|ms|us|ns)\s*(?:,\s*([^\]]+?)\s*)?\]$`)
)

// parseType reads a type of a case's schema.
func parseType(s string) (arrow.DataType, error) {
	switch s {
	case "int8":
		return arrow.PrimitiveTypes.Int8, nil
	case "int16":
		return arrow.PrimitiveTypes.Int16, nil
	case "int32":
		return arrow.PrimitiveTypes.Int32, nil
	case "int64":
		return arrow.PrimitiveTypes.Int64, nil
	case "float32":
		return arrow.PrimitiveTypes.Float32, nil
	case "float64":
		return arrow.PrimitiveTypes.Float64, nil
	case "bool":
		return arrow.FixedWidthTypes.Boolean, nil
	case "string":
		return arrow.BinaryTypes.String, nil
	case "large_string":
		return arrow.BinaryTypes.LargeString, nil
	}
	if m := dictType.FindStringSubmatch(s); m != nil {
		values, err := parseType(m[1])
		if err != nil {
			return nil, err
		}
		index := arrow.DataType(arrow.PrimitiveTypes.Int32)
		if m[2] != "" {
			if index, err = parseType(m[2]); err != nil {
				return nil, err
			}
		}
		return &arrow.DictionaryType{IndexType: index, ValueType: values}, nil
	}
	if m := tsType.FindStringSubmatch(s); m != nil {
		units := map[string]arrow.TimeUnit{"s": arrow.Second, "ms": arrow.Millisecond, "us": arrow.Microsecond, "ns": arrow.Nanosecond}
		return &arrow.TimestampType{Unit: units[m[1]], TimeZone: m[2]}, nil
	}
	return nil, fmt.Errorf("unknown type %q", s)
}

func regressSchema(c regressCase) (*arrow.Schema, error) {
	names := make([]string, 0, len(c.Schema))
	for name := range c.Schema {
		names = append(names, name)
	}
	slices.Sort(names)
	fields := make([]arrow.Field, len(names))
	for i, name := range names {
		dt, err := parseType(c.Schema[name])
		if err != nil {
			return nil, fmt.Errorf("%s: column %s: %w", c.Name, name, err)
		}
		fields[i] = arrow.Field{Name: name, Type: dt, Nullable: true}
	}
	return arrow.NewSchema(fields, nil), nil
}

// regressBatch builds the case's batch: Offset filler rows, n rows cycling
// through the case's rows and Trail filler rows, sliced down to the n rows.
func regressBatch(mem memory.Allocator, c regressCase, schema *arrow.Schema, n int) (arrow.RecordBatch, error) {
	var all []map[string]any
	for range c.Offset {
		all = append(all, c.Filler)
	}
	if n > 0 {
		all = append(all, cycle(c.Rows, n)...)
	}
	for range c.Trail {
		all = append(all, c.Filler)
	}
	for i, row := range c.Rows {
		for name := range row {
			if _, ok := c.Schema[name]; !ok {
				return nil, fmt.Errorf("%s: row %d: column %q is not in the schema", c.Name, i, name)
			}
		}
	}
	cols := make([]arrow.Array, 0, schema.NumFields())
	defer func() {
		for _, a := range cols {
			a.Release()
		}
	}()
	for _, f := range schema.Fields() {
		values := make([]any, len(all))
		for i, row := range all {
			values[i] = row[f.Name] // absent: null
		}
		full, err := buildColumn(mem, f.Type, values, c.Dictionaries[f.Name])
		if err != nil {
			return nil, fmt.Errorf("%s: column %s: %w", c.Name, f.Name, err)
		}
		cols = append(cols, array.NewSlice(full, int64(c.Offset), int64(c.Offset+n)))
		full.Release()
	}
	return array.NewRecordBatch(schema, cols, int64(n)), nil
}

func buildColumn(mem memory.Allocator, dt arrow.DataType, values, dict []any) (arrow.Array, error) {
	if d, ok := dt.(*arrow.DictionaryType); ok {
		return buildDictionary(mem, d, values, dict)
	}
	if dict != nil {
		return nil, fmt.Errorf("dictionaries: given for a column of type %s", dt)
	}
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	for i, v := range values {
		if err := appendValue(b, v); err != nil {
			return nil, fmt.Errorf("value %d (%v): %w", i, v, err)
		}
	}
	return b.NewArray(), nil
}

// buildDictionary builds a dictionary column: from the case's explicit
// dictionary, the rows then holding indices, or else from the rows'
// strings in order of first appearance.
func buildDictionary(mem memory.Allocator, dt *arrow.DictionaryType, values, dict []any) (arrow.Array, error) {
	indices := make([]any, len(values))
	if dict == nil {
		at := map[string]int{}
		for i, v := range values {
			if v == nil {
				continue
			}
			s, err := toString(v)
			if err != nil {
				return nil, fmt.Errorf("value %d: %w", i, err)
			}
			k, ok := at[s]
			if !ok {
				k = len(dict)
				at[s] = k
				dict = append(dict, s)
			}
			indices[i] = uint64(k)
		}
	} else {
		copy(indices, values)
	}
	d, err := buildColumn(mem, dt.ValueType, dict, nil)
	if err != nil {
		return nil, fmt.Errorf("dictionary: %w", err)
	}
	defer d.Release()
	ib := array.NewBuilder(mem, dt.IndexType)
	defer ib.Release()
	for i, v := range indices {
		if err := appendValue(ib, v); err != nil {
			return nil, fmt.Errorf("index %d (%v): %w", i, v, err)
		}
		if v != nil {
			if k, _ := toInt64(v); k < 0 || k >= int64(d.Len()) {
				return nil, fmt.Errorf("index %d (%v) is outside the dictionary of %d entries", i, v, d.Len())
			}
		}
	}
	idx := ib.NewArray()
	defer idx.Release()
	return array.NewDictionaryArray(dt, idx, d), nil
}

func appendValue(b array.Builder, v any) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	switch b := b.(type) {
	case *array.Int8Builder:
		x, err := toIntN(v, 8)
		b.Append(int8(x))
		return err
	case *array.Int16Builder:
		x, err := toIntN(v, 16)
		b.Append(int16(x))
		return err
	case *array.Int32Builder:
		x, err := toIntN(v, 32)
		b.Append(int32(x))
		return err
	case *array.Int64Builder:
		x, err := toInt64(v)
		b.Append(x)
		return err
	case *array.Float32Builder:
		x, err := toFloat64(v)
		b.Append(float32(x))
		return err
	case *array.Float64Builder:
		x, err := toFloat64(v)
		b.Append(x)
		return err
	case *array.BooleanBuilder:
		x, ok := v.(bool)
		b.Append(x)
		if !ok {
			return fmt.Errorf("want a bool")
		}
	case *array.StringBuilder:
		x, err := toString(v)
		b.Append(x)
		return err
	case *array.LargeStringBuilder:
		x, err := toString(v)
		b.Append(x)
		return err
	case *array.TimestampBuilder:
		s, ok := v.(string)
		if !ok {
			b.AppendNull()
			return fmt.Errorf("want an RFC 3339 string")
		}
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			b.AppendNull()
			return err
		}
		ts, err := arrow.TimestampFromTime(tm, b.Type().(*arrow.TimestampType).Unit)
		b.Append(ts)
		return err
	default:
		return fmt.Errorf("no builder for %T", b)
	}
	return nil
}

// toString reads a string, or {hex: "…"}: the bytes the hex digits spell,
// for strings that are not valid UTF-8.
func toString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case map[string]any:
		if h, ok := x["hex"].(string); ok && len(x) == 1 {
			b, err := hex.DecodeString(h)
			return string(b), err
		}
	}
	return "", fmt.Errorf("want a string or {hex: …}, not %v", v)
}

func toInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case uint64:
		if x > math.MaxInt64 {
			return 0, fmt.Errorf("%d overflows int64", x)
		}
		return int64(x), nil
	case int:
		return int64(x), nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	}
	return 0, fmt.Errorf("want an integer, not %T", v)
}

func toIntN(v any, bits int) (int64, error) {
	x, err := toInt64(v)
	if err == nil && (x < -1<<(bits-1) || x >= 1<<(bits-1)) {
		err = fmt.Errorf("%d overflows int%d", x, bits)
	}
	return x, err
}

// toFloat64 reads a number; the strings NaN, +Inf, -Inf and -0.0 name
// the special values.
func toFloat64(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int64, uint64, int:
		i, err := toInt64(x)
		return float64(i), err
	case string:
		return strconv.ParseFloat(x, 64)
	}
	return 0, fmt.Errorf("want a number, not %T", v)
}
