package soda_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/importers/soda"
	"github.com/sluicedata/sluice/rules"
)

func field(name string, t arrow.DataType) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: true}
}

var (
	str = arrow.BinaryTypes.String
	i64 = arrow.PrimitiveTypes.Int64
	f64 = arrow.PrimitiveTypes.Float64
	ts  = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
)

var schemas = map[string]*arrow.Schema{
	"orders": arrow.NewSchema([]arrow.Field{
		field("order_id", i64), field("customer_id", i64), field("email", str), field("status", str),
		field("country", str), field("amount", f64), field("ordered_at", ts), field("shipped_at", ts), field("phone", str),
	}, nil),
	"customers": arrow.NewSchema([]arrow.Field{field("id", i64), field("age", i64), field("email", str), field("zip", str), field("status", str)}, nil),
	"payments":  arrow.NewSchema([]arrow.Field{field("amount", f64)}, nil),
}

func TestImport(t *testing.T) {
	tests := []struct {
		file       string
		tables     []string
		rules      map[string]string // rule name → expr or check
		notesAtMin int
	}{
		{
			file:   "orders.yml",
			tables: []string{"orders"},
			rules: map[string]string{
				"row_count":                "row_count() > 0.0",
				"order_id.missing_count":   "double(null_count(order_id)) == 0.0",
				"email.missing_percent":    "100.0 * double(null_count(email)) / double(row_count()) < 5.0",
				"status.invalid_count":     `double(count_if(!(status in ["new", "paid", "shipped", "cancelled", "refunded"]))) == 0.0`,
				"country.invalid_count":    "double(count_if(!(size(country) == 2))) == 0.0",
				"order_id.duplicate_count": "double(duplicate_count(order_id)) == 0.0",
				"amount.avg":               "mean(amount) >= 1.0 && mean(amount) <= 5000.0",
				"ordered_at.freshness":     "now() - max(ordered_at) < duration('86400s')",
				"customer_id.reference":    `missing_references(customer_id, "customers", "id") == 0`,
				"shipped_after_ordered":    "!(shipped_at < ordered_at)",
				"phone.missing_count.warn": "!(null_count(phone) > 10.0)",
				"phone.missing_count.fail": "!(null_count(phone) > 100.0)",
			},
			notesAtMin: 1, // the fail query
		},
		{
			file:   "history.yml",
			tables: []string{"orders"},
			rules: map[string]string{
				"change.row_count":          "(double(row_count()) - previous(row_count())) < 50.0",
				"change_percent.row_count":  "(100.0 * change(row_count())) >= -10.0 && (100.0 * change(row_count())) <= 25.0",
				"amount.change.avg.warn":    "!((double(mean(amount)) - previous(mean(amount))) > 100.0)",
				"amount.change.avg.fail":    "!((double(mean(amount)) - previous(mean(amount))) > 1000.0)",
				"anomaly.row_count":         "!anomaly(row_count(), 'batch_normal', 3.0)",
				"amount.anomaly.avg":        "!anomaly(mean(amount), 'batch_normal', 3.0)",
				"anomaly.row_count_2":       "!anomaly(row_count(), 'batch_normal', 3.0)",
				"schema_changes.warn":       "schema_unchanged()",
				"ordered_at.freshness.warn": "now() - max(ordered_at) < duration('43200s')",
				"ordered_at.freshness.fail": "now() - max(ordered_at) < duration('108000s')",
				"schema_changes.fail":       "columns_removed() == 0 && columns_retyped() == 0",
			},
			notesAtMin: 1, // change avg last 7
		},
		{
			file:   "customers.yml",
			tables: []string{"customers", "payments"},
			rules: map[string]string{
				"customer ids are unique": "double(duplicate_count(id)) == 0.0",
				"age.invalid_count":       "double(count_if(!(age <= 150 && age >= 0))) == 0.0",
				"email.missing_count":     `count_if(email == null || email in ["", "n/a"]) < 5.0`,
				"failed_rows":             "!(age < 18 && status == 'adult' || email == null)",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			require.NoError(t, err)
			files, err := soda.Import(data, soda.Options{Owner: "data@example.com"})
			require.NoError(t, err)
			var tables []string
			got := map[string]string{}
			notes := 0
			for _, f := range files {
				tables = append(tables, f.Dataset)
				text := f.YAML()
				rs, err := rules.Parse(tc.file, text)
				require.NoError(t, err, "output must load:\n%s", text)
				_, err = rs.Compile(schemas[f.Dataset])
				require.NoError(t, err, "output must compile:\n%s", text)
				for _, r := range rs.Rules {
					got[r.Name] = r.Expr + r.Check
				}
				notes += len(f.Notes)
			}
			assert.Equal(t, tc.tables, tables)
			for name, want := range tc.rules {
				assert.Equal(t, want, got[name], "rule %s", name)
			}
			assert.GreaterOrEqual(t, notes, tc.notesAtMin)
		})
	}
}

func TestImportErrors(t *testing.T) {
	tests := []struct{ name, src string }{
		{"not yaml", "checks for x: [\n"},
		{"no checks section", "data_source x:\n  type: postgres\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := soda.Import([]byte(tc.src), soda.Options{})
			assert.Error(t, err)
		})
	}
}

func TestSQLToCEL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a = 1", "a == 1"},
		{"a <> 'x' AND b IS NOT NULL", "a != 'x' && b != null"},
		{"NOT (a >= 2 OR c <= 3)", "! (a >= 2 || c <= 3)"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := soda.SQLToCEL(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := soda.SQLToCEL("a IN (SELECT id FROM t)")
	assert.Error(t, err)
}

func TestHistorySeverity(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "history.yml"))
	require.NoError(t, err)
	files, err := soda.Import(data, soda.Options{})
	require.NoError(t, err)
	require.Len(t, files, 1)
	rs, err := rules.Parse("history.yml", files[0].YAML())
	require.NoError(t, err)
	sev := map[string]string{}
	for _, r := range rs.Rules {
		sev[r.Name] = string(r.Severity)
	}
	assert.Equal(t, "warn", sev["amount.anomaly.avg"], "warn_only: true")
	assert.Equal(t, "warn", sev["amount.change.avg.warn"])
	assert.NotEqual(t, "warn", sev["amount.change.avg.fail"])
	assert.NotEqual(t, "warn", sev["anomaly.row_count"])
	assert.Equal(t, "warn", sev["schema_changes.warn"])
	assert.Equal(t, "warn", sev["ordered_at.freshness.warn"])
	assert.NotEqual(t, "warn", sev["ordered_at.freshness.fail"])
	assert.NotEqual(t, "warn", sev["schema_changes.fail"])
	require.Len(t, files[0].Notes, 2)
	assert.Equal(t, "line 7: change avg last 7 for row_count < 50", files[0].Notes[0].Source)
	assert.Equal(t, "line 12: schema", files[0].Notes[1].Source)
	assert.Contains(t, files[0].Notes[1].Reason, `"column index change" is not translated`)
}

func TestFreshnessDurationNotes(t *testing.T) {
	for _, d := range []string{"1x", "d1", "1d 6h", "12"} {
		files, err := soda.Import([]byte("checks for t:\n  - freshness(c) < "+d+"\n"), soda.Options{})
		require.NoError(t, err)
		require.Len(t, files[0].Notes, 1, d)
		assert.Contains(t, files[0].Notes[0].Reason, "not understood", d)
		assert.Empty(t, files[0].Rules, d)
	}
}

func TestForEachDataset(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "foreach.yml"))
	require.NoError(t, err)
	files, err := soda.Import(data, soda.Options{})
	require.NoError(t, err)
	require.Len(t, files, 2)
	for i, want := range []string{"orders", "customers"} {
		assert.Equal(t, want, files[i].Dataset)
		rs, err := rules.Parse(want, files[i].YAML())
		require.NoError(t, err)
		require.Len(t, rs.Rules, 1)
		assert.Equal(t, "row_count() > 0.0", rs.Rules[0].Check)
	}
	require.Len(t, files[0].Notes, 1)
	assert.Contains(t, files[0].Notes[0].Reason, `"stg_%" is not expanded`)
}

// Notes point at the SodaCL line of the check (or section) they are about,
// also inside for each dataset, whose checks are expanded per dataset.
func TestNoteLines(t *testing.T) {
	src := `checks for orders [daily]:
  - row_count > 0
  - change avg last 7 for row_count < 50
  - freshness(ordered_at):
      warn: when > 1x

for each dataset T:
  datasets:
    - orders
    - stg_%
  checks:
    - row_count > 0
    - change min last 3 for row_count < 10
`
	files, err := soda.Import([]byte(src), soda.Options{})
	require.NoError(t, err)
	require.Len(t, files, 2)
	var got []string
	for _, f := range files {
		for _, n := range f.Notes {
			got = append(got, f.Dataset+" "+n.Source)
		}
	}
	assert.Equal(t, []string{
		"orders line 1: checks for orders [daily]",
		"orders line 3: change avg last 7 for row_count < 50",
		"orders line 4: freshness(ordered_at)",
		"orders line 7: for each dataset T",
		"orders line 13: change min last 3 for row_count < 10",
	}, got)
}
