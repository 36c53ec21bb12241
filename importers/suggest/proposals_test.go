package suggest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/importers"
	"github.com/sluicedata/sluice/importers/suggest"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/pipeline"
	"github.com/sluicedata/sluice/rules"
)

// codes are 30 IATA-style airport codes (more than a value set lists);
// the reference file lists them and more.
var codes = func() []string {
	var cs []string
	for i := 0; i < 30; i++ {
		cs = append(cs, string([]byte{'A' + byte(i%26), 'K', 'A' + byte(i/3)}))
	}
	return cs
}()

// writeFixture writes a CSV of n rows with one column per kind of
// proposal, and a reference CSV of airport codes. It returns the paths.
func writeFixture(t *testing.T, dir string, n int, now time.Time) (data, ref string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,code,status,amount,delta,name,sku,email,at,old,qty,flag\n")
	statuses := []string{"new", "paid", "shipped"}
	words := []string{"North Field", "St. Mary's", "O'Hare Intl", "Big Sky", "x", "Lake-side Regional Airport"}
	for i := 0; i < n; i++ {
		sku := fmt.Sprintf("AB-%04d", i)
		if i%50 == 7 { // 2% of another shape
			sku = fmt.Sprintf("Z%d", i)
		}
		at := now.Add(-time.Duration(i) * time.Minute).Format(time.RFC3339)
		old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 24 * time.Hour).Format(time.RFC3339)
		fmt.Fprintf(&b, "%d,%s,%s,%d,%d,%s,%s,user%d@example.com,%s,%s,%d,%t\n",
			i+1, codes[i%len(codes)], statuses[i%len(statuses)], 10+(i*7)%981%200*5, i%101-50, fmt.Sprintf("%s %d", words[i%len(words)], i%30), sku, i, at, old, i%4+1, i%3 == 0)
	}
	data = filepath.Join(dir, "orders.csv")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	var r strings.Builder
	r.WriteString("iata,city\n")
	for i, c := range append(append([]string(nil), codes...), "ANC", "HNL", "PDX") {
		fmt.Fprintf(&r, "%s,City %d\n", c, i)
	}
	ref = filepath.Join(dir, "airports.csv")
	require.NoError(t, os.WriteFile(ref, []byte(r.String()), 0o644))
	return data, ref
}

func column(t *testing.T, f *importers.File, key string) importers.Column {
	t.Helper()
	for _, c := range f.Columns {
		if c.Key == key {
			return c
		}
	}
	t.Fatalf("no column %q", key)
	return importers.Column{}
}

func rule(f *importers.File, name string) (importers.Rule, bool) {
	for _, r := range f.Rules {
		if r.Name == name {
			return r, true
		}
	}
	return importers.Rule{}, false
}

func open(t testing.TB, path string) connectors.Source {
	t.Helper()
	src, err := builtin.Open(path, builtin.Options{})
	require.NoError(t, err)
	return src
}

// requirePass writes the suggestions next to input and checks that the
// gate passes on input with them.
func requirePass(t *testing.T, f *importers.File, dir, input string) {
	t.Helper()
	text := f.YAML()
	_, err := rules.Parse("suggested.yaml", text)
	require.NoError(t, err, "suggestions must load:\n%s", text)
	path := filepath.Join(dir, "suggested.rules.yaml")
	require.NoError(t, os.WriteFile(path, text, 0o644))
	rep, err := pipeline.CheckFile(context.Background(), path, input, quality.WithAllocator(arrowtest.Allocator(t)))
	require.NoError(t, err, "%s", text)
	var failed []string
	for _, r := range rep.Rules {
		if r.Status != quality.StatusPass {
			failed = append(failed, fmt.Sprintf("%s: %s", r.Name, r.Status))
		}
	}
	assert.Equal(t, quality.StatusPass, rep.Status, "suggestions must pass on the data they describe: %v\n%s", failed, text)
}

// TestProposals pins each kind of proposal on a fixture built for it, and
// that the whole file passes the gate on the fixture.
func TestProposals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	now := time.Now().UTC().Truncate(time.Second)
	data, refPath := writeFixture(t, dir, 500, now)
	f, err := suggest.Suggest(ctx, open(t, data), suggest.Options{
		Owner:      "data@example.com",
		Allocator:  arrowtest.Allocator(t),
		References: []suggest.Reference{{Path: "airports.csv", Source: open(t, refPath)}},
		Now:        func() time.Time { return now },
	})
	require.NoError(t, err)
	text := string(f.YAML())

	t.Run("dataset is the file's base name", func(t *testing.T) {
		assert.Equal(t, "orders", f.Dataset)
		assert.NotContains(t, text, dir)
	})
	t.Run("unique when exact distinct equals rows", func(t *testing.T) {
		id := column(t, f, "id")
		assert.True(t, id.Unique)
		assert.Contains(t, id.Comment, "500 non-null values, all distinct")
		assert.False(t, column(t, f, "code").Unique)
		assert.False(t, column(t, f, "amount").Unique, "amount repeats values")
	})
	t.Run("min and max with a margin", func(t *testing.T) {
		// amount: observed 10..1005, range 995, margin 99.5, rounded to
		// 10; non-negative, so min stays at 0.
		amount := column(t, f, "amount")
		assert.Equal(t, "0", amount.Min)
		assert.Equal(t, "1110", amount.Max)
		assert.Contains(t, amount.Comment, "observed min 10, max 1005")
		// delta: -50..50, range 100, margin 10 → -60..60.
		delta := column(t, f, "delta")
		assert.Equal(t, "-60", delta.Min)
		assert.Equal(t, "60", delta.Max)
	})
	t.Run("pattern from the shape of every value", func(t *testing.T) {
		code := column(t, f, "code")
		assert.Nil(t, code.Values, "30 codes are more than a set lists")
		assert.Equal(t, "^[A-Z]{3}$", code.Pattern)
	})
	t.Run("pattern with mostly when most values share a shape", func(t *testing.T) {
		r, ok := rule(f, "sku.shape")
		require.True(t, ok, "%s", text)
		assert.Equal(t, `sku.matches("^[A-Z]{2}-[0-9]{4}$")`, r.Expr)
		assert.InDelta(t, 0.98, r.Mostly, 1e-9)
		assert.Empty(t, column(t, f, "sku").Pattern)
	})
	t.Run("lengths without a pattern", func(t *testing.T) {
		name := column(t, f, "name")
		assert.Empty(t, name.Pattern)
		require.NotNil(t, name.MinLength)
		require.NotNil(t, name.MaxLength)
		assert.Equal(t, 1, *name.MinLength)
		// The longest is 29 characters: 29 × 1.25 = 36.25, rounded up.
		assert.Equal(t, 37, *name.MaxLength)
	})
	t.Run("sets for low-cardinality columns", func(t *testing.T) {
		assert.Equal(t, []string{`"new"`, `"paid"`, `"shipped"`}, column(t, f, "status").Values)
		qty := column(t, f, "qty")
		assert.Equal(t, []string{"1", "2", "3", "4"}, qty.Values)
		assert.Empty(t, qty.Min, "a set says more than bounds")
		assert.Nil(t, column(t, f, "flag").Values, "both booleans: a set says nothing")
		assert.Nil(t, column(t, f, "id").Values)
		assert.Nil(t, column(t, f, "sku").Values)
	})
	t.Run("missing_references when values are a subset", func(t *testing.T) {
		r, ok := rule(f, "code.references")
		require.True(t, ok, "%s", text)
		assert.Equal(t, `missing_references(code, "airports.csv", "iata") == 0`, r.Check)
		assert.Contains(t, r.Comment, "all 30 distinct values of code")
		_, ok = rule(f, "status.references")
		assert.False(t, ok)
	})
	t.Run("freshness from the cadence", func(t *testing.T) {
		r, ok := rule(f, "at.fresh")
		require.True(t, ok, "%s", text)
		// One value a minute, the latest now: 2 × 1m is under the 1h floor.
		assert.Equal(t, "max(at) >= now() - duration('1h')", r.Check)
		_, ok = rule(f, "old.fresh")
		assert.False(t, ok, "historical timestamps get no freshness rule")
		assert.Contains(t, column(t, f, "old").Comment, "no freshness check: the data is historical")
		assert.Contains(t, column(t, f, "old").Comment, "max(old) >= now() - duration('48h')", "daily cadence")
	})
	t.Run("personal data gets a tag, never its values", func(t *testing.T) {
		email := column(t, f, "email")
		assert.Equal(t, []string{"pii.email"}, email.Tags)
		assert.Empty(t, email.Pattern)
		assert.Nil(t, email.Values)
		assert.NotContains(t, text, "user")
		assert.Contains(t, email.Comment, "500 of 500 values look like e-mail addresses")
	})
	t.Run("the gate passes on the data", func(t *testing.T) {
		requirePass(t, f, dir, data)
	})
}

// TestFlights runs suggest on the 3-million-row Parquet file with the
// airports as reference and checks the proposals and that they pass.
func TestFlights(t *testing.T) {
	shared := sharedDatasets()
	data := filepath.Join(shared, "flights-3m.parquet")
	airports := filepath.Join(shared, "airports.csv")
	for _, p := range []string{data, airports} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s not found: %v", p, err)
		}
	}
	if testing.Short() {
		t.Skip("3 million rows: skipped with -short")
	}
	absAirports, err := filepath.Abs(airports)
	require.NoError(t, err)
	f, err := suggest.Suggest(context.Background(), open(t, data), suggest.Options{
		Allocator:  arrowtest.Allocator(t),
		References: []suggest.Reference{{Path: absAirports, Source: open(t, airports)}},
	})
	require.NoError(t, err)
	assert.Equal(t, "flights-3m", f.Dataset)
	assert.Equal(t, "^[A-Z]{3}$", column(t, f, "origin").Pattern)
	assert.Equal(t, "^[A-Z]{3}$", column(t, f, "destination").Pattern)
	for _, c := range []string{"delay", "distance"} {
		col := column(t, f, c)
		assert.NotEmpty(t, col.Min, c)
		assert.NotEmpty(t, col.Max, c)
	}
	assert.Equal(t, "0", column(t, f, "distance").Min)
	for _, c := range []string{"origin", "destination"} {
		r, ok := rule(f, c+".references")
		if assert.True(t, ok, c) {
			assert.Contains(t, r.Check, `"iata"`)
		}
	}
	// The flights are from 2001: no freshness rule, a comment instead.
	assert.Contains(t, column(t, f, "date").Comment, "no freshness check")
	requirePass(t, f, t.TempDir(), data)
}

// sharedDatasets is ../shared/datasets next to the repository's checkout,
// or one level further up for a checkout nested one folder deeper.
func sharedDatasets() string {
	for _, up := range []string{"../../..", "../../../.."} {
		dir := filepath.Join(up, "shared", "datasets")
		if _, err := os.Stat(dir); err == nil {
			return dir
		}
	}
	return filepath.Join("..", "..", "..", "shared", "datasets")
}

func TestUniqueCap(t *testing.T) {
	dir := t.TempDir()
	data, _ := writeFixture(t, dir, 100, time.Now())
	f, err := suggest.Suggest(context.Background(), open(t, data), suggest.Options{UniqueCap: 50, Allocator: arrowtest.Allocator(t)})
	require.NoError(t, err)
	id := column(t, f, "id")
	assert.False(t, id.Unique, "more distinct values than the cap: not decided")
	assert.Contains(t, id.Comment, "uniqueness not decided")
}

func TestDatasetName(t *testing.T) {
	tests := []struct {
		in   lineage.Dataset
		want string
	}{
		{lineage.Dataset{Namespace: lineage.FileNamespace, Name: "/data/flights-3m.parquet"}, "flights-3m"},
		{lineage.Dataset{Namespace: lineage.FileNamespace, Name: "/data/orders.csv.gz"}, "orders"},
		{lineage.Dataset{Namespace: lineage.FileNamespace, Name: "/data/noext"}, "noext"},
		{lineage.Dataset{Namespace: "postgres://db:5432", Name: "shop.public.orders"}, "shop.public.orders"},
		{lineage.Dataset{Namespace: "s3://bucket", Name: "exports/flights-3m.parquet"}, "flights-3m"},
		{lineage.Dataset{Namespace: "s3://bucket", Name: "orders.csv"}, "orders"},
	}
	for _, tc := range tests {
		t.Run(tc.in.Name, func(t *testing.T) {
			assert.Equal(t, tc.want, suggest.DatasetName(tc.in))
		})
	}
}

// TestOddInputs: column names that are not identifiers, nulls, a few
// personal values in a column, and an empty input.
func TestOddInputs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("Cost Total $,contact,note\n")
	for i := 0; i < 100; i++ {
		contact := fmt.Sprintf("desk %d", i%9)
		if i%25 == 0 {
			contact = fmt.Sprintf("+44 20 7946 %04d", i) // a phone number now and then
		}
		note := fmt.Sprintf("N%d", i%40)
		if i%10 == 0 {
			note = ""
		}
		fmt.Fprintf(&b, "%d.25,%s,%s\n", i%17, contact, note)
	}
	data := filepath.Join(dir, "odd.csv")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	f, err := suggest.Suggest(ctx, open(t, data), suggest.Options{Allocator: arrowtest.Allocator(t)})
	require.NoError(t, err)
	text := string(f.YAML())

	cost := column(t, f, "Cost Total $")
	assert.Equal(t, "0", cost.Min)
	assert.Equal(t, "18", cost.Max, "0.25…16.25: margin 1.6, rounded outward to a multiple of 1")

	contact := column(t, f, "contact")
	assert.Empty(t, contact.Tags, "4 phone numbers in 100 values: a comment, not a tag")
	assert.Contains(t, contact.Comment, "4 of 100 values look like phone numbers: tag the column pii.phone if they are")
	assert.Nil(t, contact.Values, "no set for a column with personal-looking values")
	assert.Empty(t, contact.Pattern)
	assert.NotContains(t, text, "7946")
	assert.NotContains(t, text, "desk")

	note := column(t, f, "note")
	assert.False(t, note.Required)
	assert.Equal(t, "^[A-Z][0-9]{1,2}$", note.Pattern, "nulls are not values")
	_, ok := rule(f, "note.completeness")
	assert.True(t, ok, "%s", text)
	requirePass(t, f, dir, data)

	empty := filepath.Join(dir, "empty.csv")
	require.NoError(t, os.WriteFile(empty, []byte("a,b\n"), 0o644))
	f, err = suggest.Suggest(ctx, open(t, empty), suggest.Options{Allocator: arrowtest.Allocator(t)})
	require.NoError(t, err)
	assert.Empty(t, f.Rules, "an empty input gets no rule that would fail on it")
	_, err = rules.Parse("empty.yaml", f.YAML())
	require.NoError(t, err)
}
