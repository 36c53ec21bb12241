package docsite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/history"
	_ "github.com/sluicedata/sluice/quality/history/sqlitestore"
	"github.com/sluicedata/sluice/quality/pipeline"
)

// Planted personal data: none of it may appear on a page.
var planted = []string{
	"alice.leak@example.com", "bob.leak@example.net", "carol.leak@example.org",
	"+44 20 7946 0958", "+1 415 555 0199", "4111111111111111", "5555555555554444",
	"536-22-8741", "219-09-9999", "DE89370400440532013000",
}

const ordersRules = `version: 1
dataset: orders
owner: payments-data@example.com
columns:
  id:     {type: int64, required: true}
  email:  {type: string, tags: [pii.email]}
  amount: {type: double}
rules:
  - name: amount_non_negative
    expr: amount >= 0.0
  - name: enough_rows
    check: row_count() >= 10
  - name: email_mostly_present
    check: completeness(email) >= 0.9
    severity: warn
  - name: usual_email
    check: most_common(email) != 'nobody@example.com'
    severity: warn
  - name: typical_amount
    check: mean(amount) < 1000.0
`

const dailyRules = `version: 1
dataset: orders_daily
owner: finance@example.com
columns:
  id:     {type: int64, unique: true}
  amount: {type: double}
rules:
  - name: enough_rows
    check: row_count() >= 5
  - name: amount_sum
    check: sum(amount) > 0.0
`

const customersRules = `version: 1
dataset: customers
owner: crm@example.com
columns:
  id:    {type: int64}
  email: {type: string, tags: [pii.email, gdpr.personal]}
  phone: {type: string, tags: [pii.phone]}
  card:  {type: string}
  ssn:   {type: string}
  iban:  {type: string, tags: [pii.iban]}
rules:
  - name: phone_short
    expr: size(phone) < 5
    severity: warn
  - name: card_max
    check: max_length(card) < 5
    severity: warn
  - name: emails_known
    check: min_length(email) > 3
  - name: enough_customers
    check: row_count() >= 3
privacy:
  detect: [email, phone, credit_card, us_ssn, iban]
  untagged_pii: warn
`

// fixture is a history store and lineage file of three datasets, ten runs
// each: orders (rows and amounts varying, run 7 with ten times the rows,
// runs 3 and 8 with a negative amount: failed), orders_daily (reads the
// clean orders that orders writes) and customers (planted personal data).
type fixture struct {
	dir, lineage string
	store        history.Store
	day          int
	lopts        []lineage.Option
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{dir: t.TempDir()}
	f.lineage = filepath.Join(f.dir, "lineage.ndjson")
	var err error
	f.store, err = history.Open(ctx, filepath.Join(f.dir, "history.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.store.Close() })
	for name, text := range map[string]string{"orders.yaml": ordersRules, "daily.yaml": dailyRules, "customers.yaml": customersRules} {
		require.NoError(t, os.WriteFile(filepath.Join(f.dir, name), []byte(text), 0o600))
	}
	for range 10 {
		f.orders(t)
		f.daily(t)
		f.customers(t)
		f.day++
	}
	return f
}

func (f *fixture) check(t *testing.T, rules, input, out string) *quality.Report {
	t.Helper()
	at := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC).Add(time.Duration(f.day) * 24 * time.Hour)
	if strings.Contains(rules, "daily") {
		at = at.Add(time.Hour)
	} else if strings.Contains(rules, "customers") {
		at = at.Add(2 * time.Hour)
	}
	clock := func() time.Time { return at }
	p := pipeline.Pipeline{
		Rules: filepath.Join(f.dir, rules), History: f.store, Out: out, Job: lineage.Job{Namespace: "sluice"},
		Lineage:      append([]lineage.Option{lineage.WithEmitter(lineage.NewFileEmitter(f.lineage)), lineage.WithClock(clock)}, f.lopts...),
		LineageError: func(err error) { t.Errorf("lineage: %v", err) },
		Options:      []quality.Option{quality.WithClock(clock)},
	}
	rep, err := p.Check(context.Background(), input)
	require.NoError(t, err)
	return rep
}

func (f *fixture) orders(t *testing.T) {
	t.Helper()
	n := 20 + f.day%3
	if f.day == 7 {
		n = 200
	}
	var b strings.Builder
	b.WriteString("id,email,amount\n")
	for i := range n {
		amount := fmt.Sprintf("%d.5", 10+(i*7+f.day)%50)
		if i == 0 && (f.day == 3 || f.day == 8) {
			amount = "-4"
		}
		fmt.Fprintf(&b, "%d,%s,%s\n", i+1, planted[i%3], amount)
	}
	in := filepath.Join(f.dir, "orders.csv")
	require.NoError(t, os.WriteFile(in, []byte(b.String()), 0o600))
	f.check(t, "orders.yaml", in, filepath.Join(f.dir, "orders_clean.csv"))
}

func (f *fixture) daily(t *testing.T) {
	t.Helper()
	f.check(t, "daily.yaml", filepath.Join(f.dir, "orders_clean.csv"), "")
}

func (f *fixture) customers(t *testing.T) {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,email,phone,card,ssn,iban\n")
	for i := range 3 + f.day%2 {
		fmt.Fprintf(&b, "%d,%s,%s,%s,%s,%s\n", i+1, planted[i%3], planted[3+i%2], planted[5+i%2], planted[7+i%2], planted[9])
	}
	in := filepath.Join(f.dir, "customers.csv")
	require.NoError(t, os.WriteFile(in, []byte(b.String()), 0o600))
	f.check(t, "customers.yaml", in, "")
}

// build builds the site of the fixture into out.
func (f *fixture) build(t *testing.T, out string) Result {
	t.Helper()
	file, err := os.Open(f.lineage)
	require.NoError(t, err)
	defer file.Close()
	lin, err := ReadLineage(file, f.lineage)
	require.NoError(t, err)
	res, err := Build(context.Background(), f.store, out, Options{Lineage: lin})
	require.NoError(t, err)
	return res
}

func openStore(t *testing.T, path string) (history.Store, error) {
	t.Helper()
	s, err := history.Open(context.Background(), path)
	if err == nil {
		t.Cleanup(func() { _ = s.Close() })
	}
	return s, err
}
