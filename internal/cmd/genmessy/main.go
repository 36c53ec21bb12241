// Command genmessy writes testdata/messy: small inputs with planted
// defects — values that do not parse as their column's type, a missing, a
// retyped and an undeclared column, a JSON column of mixed types, a
// duplicate CSV header, empty inputs — and the rule files that check them.
// The output is a pure function of this program: no clock, no randomness.
//
//	go run ./internal/cmd/genmessy -out testdata/messy
//
// TestCommitted holds the checked-in files to what it writes;
// testdata/messy/README.md documents every planted defect and
// cmd/sluice/messy_test.go pins what the CLI does with each.
package main

//go:generate go run . -out ../../../testdata/messy

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
)

func main() {
	out := flag.String("out", "testdata/messy", "output directory")
	flag.Parse()
	if err := write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "genmessy:", err)
		os.Exit(1)
	}
}

// file is one generated fixture.
type file struct {
	name string
	data []byte
}

// write writes every fixture into dir, creating it when needed.
func write(dir string) error {
	fs, err := files()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("genmessy: %w", err)
	}
	for _, f := range fs {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return fmt.Errorf("genmessy: %w", err)
		}
	}
	return nil
}

// Rows of the order fixtures.
const orderRows = 30

// Planted personal data of invalid-values.csv and invalid-values.ndjson:
// values of pii.* columns that do not parse as the columns' type. None may
// appear in any output.
var (
	plantedPhone = "+49 (30) 555-0199"
	plantedEmail = "qxmessy.jane@example.org"
)

// order is one clean row of the order fixtures.
type order struct {
	id       int64
	amount   string // as written, two decimals
	placedAt time.Time
	paid     bool
	shipDate time.Time // midnight UTC
}

// bigAmounts are the rows (1-based) whose amount is 100 or more: the
// failures of mostly.yaml's amount_under_100.
var bigAmounts = map[int]string{5: "120.00", 18: "250.50", 29: "999.99"}

// orders returns the clean rows: amounts from 1.00 to 90.99 but
// bigAmounts, every fourth order unpaid, each shipped one to four days
// after the day it was placed.
func orders() []order {
	start := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	rows := make([]order, orderRows)
	for i := range rows {
		n := i + 1
		cents := (n*3719)%9000 + 100
		amount := fmt.Sprintf("%d.%02d", cents/100, cents%100)
		if a, ok := bigAmounts[n]; ok {
			amount = a
		}
		placed := start.Add(time.Duration(n) * (7*time.Hour + 13*time.Minute))
		day := time.Date(placed.Year(), placed.Month(), placed.Day(), 0, 0, 0, 0, time.UTC)
		rows[i] = order{
			id:       int64(1000 + n),
			amount:   amount,
			placedAt: placed,
			paid:     n%4 != 0,
			shipDate: day.AddDate(0, 0, 1+n%4),
		}
	}
	return rows
}

// csvText joins rows of fields into CSV, quoting fields that need it.
func csvText(rows [][]string) []byte {
	var b bytes.Buffer
	for _, r := range rows {
		for i, f := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsAny(f, ",\"\n\r") {
				f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
			}
			b.WriteString(f)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

var orderHeader = []string{"order_id", "amount", "placed_at", "paid", "ship_date", "discount"}

// orderFields are the fields of o under orderHeader; discount is empty.
func orderFields(o order) []string {
	return []string{
		strconv.FormatInt(o.id, 10), o.amount, o.placedAt.Format(time.RFC3339),
		strconv.FormatBool(o.paid), o.shipDate.Format(time.DateOnly), "",
	}
}

// ordersCSV is the clean order table with the columns of orderHeader that
// keep selects (nil: all), then extraHeader, whose fields extra returns
// for the 1-based row n.
func ordersCSV(keep func(col string) bool, extra func(n int) []string, extraHeader ...string) []byte {
	var rows [][]string
	pick := func(r []string) []string {
		var out []string
		for i, f := range r {
			if keep == nil || keep(orderHeader[i]) {
				out = append(out, f)
			}
		}
		return out
	}
	rows = append(rows, append(pick(orderHeader), extraHeader...))
	for i, o := range orders() {
		r := pick(orderFields(o))
		if extra != nil {
			r = append(r, extra(i+1)...)
		}
		rows = append(rows, r)
	}
	return csvText(rows)
}

// invalidHeader are the columns of invalid-values.csv.
var invalidHeader = []string{"order_id", "amount", "placed_at", "paid", "ship_date", "phone", "customer_ref"}

// invalidPlants are the values of invalid-values.csv that do not parse as
// their declared type, by 1-based row and column. Row 9 has two.
var invalidPlants = map[int]map[string]string{
	4:  {"amount": "12,50"},
	9:  {"amount": "n/a", "placed_at": "yesterday"},
	12: {"phone": plantedPhone},
	14: {"placed_at": "2026-02-30T10:00:00Z"},
	17: {"paid": "yes"},
	21: {"ship_date": "2026-13-01"},
	23: {"ship_date": "03/04/2026"},
	26: {"customer_ref": plantedEmail},
}

func invalidValuesCSV() []byte {
	rows := [][]string{invalidHeader}
	for i, o := range orders() {
		n := i + 1
		f := orderFields(o)[:5]
		f = append(f, strconv.Itoa(4930555010+n), strconv.Itoa(70000+n))
		for col, v := range invalidPlants[n] {
			f[index(invalidHeader, col)] = v
		}
		rows = append(rows, f)
	}
	return csvText(rows)
}

func index(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	panic("genmessy: no column " + v)
}

// jsonPlants are the values of invalid-values.ndjson that do not fit
// their declared type, by 1-based row and column, as JSON.
var jsonPlants = map[int]map[string]string{
	3:  {"amount": `"12,50"`},
	6:  {"placed_at": `"yesterday"`, "paid": `"yes"`},
	8:  {"phone": strconv.Quote(plantedPhone)},
	10: {"order_id": "10.5"},
}

// invalidValuesNDJSON is the first 10 rows of invalid-values.csv as
// NDJSON, with jsonPlants instead of the CSV's planted values.
func invalidValuesNDJSON() []byte {
	var b bytes.Buffer
	for i, o := range orders()[:10] {
		n := i + 1
		vals := map[string]string{
			"order_id": strconv.FormatInt(o.id, 10), "amount": o.amount,
			"placed_at": strconv.Quote(o.placedAt.Format(time.RFC3339)), "paid": strconv.FormatBool(o.paid),
			"ship_date": strconv.Quote(o.shipDate.Format(time.DateOnly)),
			"phone":     strconv.Itoa(4930555010 + n), "customer_ref": strconv.Itoa(70000 + n),
		}
		for col, v := range jsonPlants[n] {
			vals[col] = v
		}
		b.WriteByte('{')
		for j, col := range invalidHeader {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%q:%s", col, vals[col])
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

// inferredRows is the length of inferred-type.csv: past the 1000 rows CSV
// type inference reads, so that qty is inferred int64 and the values
// planted after are not integers.
const inferredRows = 1004

// inferredPlants are the values of inferred-type.csv's qty that are not
// integers, by 1-based row.
var inferredPlants = map[int]string{1001: "12x", 1003: "many"}

func inferredTypeCSV() []byte {
	rows := [][]string{{"id", "qty"}}
	for n := 1; n <= inferredRows; n++ {
		qty := strconv.Itoa(n%9 + 1)
		if v, ok := inferredPlants[n]; ok {
			qty = v
		}
		rows = append(rows, []string{strconv.Itoa(n), qty})
	}
	return csvText(rows)
}

// duplicateHeaderCSV names amount twice, as columns 2 and 4.
func duplicateHeaderCSV() []byte {
	rows := [][]string{{"order_id", "amount", "placed_at", "amount"}}
	for _, o := range orders()[:5] {
		rows = append(rows, []string{strconv.FormatInt(o.id, 10), o.amount, o.placedAt.Format(time.RFC3339), o.amount})
	}
	return csvText(rows)
}

// retypedOrder is a row of retyped.parquet: order_id is a string where
// the rule file declares int64; discount is null.
type retypedOrder struct {
	OrderID  string   `parquet:"order_id"`
	Amount   float64  `parquet:"amount"`
	PlacedAt int64    `parquet:"placed_at,timestamp(microsecond)"`
	Paid     bool     `parquet:"paid"`
	ShipDate int32    `parquet:"ship_date,date"`
	Discount *float64 `parquet:"discount,optional"`
}

// createdBy is fixed: parquet-go's default depends on the build.
var createdBy = parquet.CreatedBy("sluice-genmessy", "1", "")

func retypedParquet() ([]byte, error) {
	var rows []retypedOrder
	for _, o := range orders() {
		amount, err := strconv.ParseFloat(o.amount, 64)
		if err != nil {
			return nil, fmt.Errorf("genmessy: amount %q: %w", o.amount, err)
		}
		rows = append(rows, retypedOrder{
			OrderID:  "ORD-" + strconv.FormatInt(o.id, 10),
			Amount:   amount,
			PlacedAt: o.placedAt.UnixMicro(),
			Paid:     o.paid,
			ShipDate: int32(o.shipDate.Unix() / 86400),
		})
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows, createdBy); err != nil {
		return nil, fmt.Errorf("genmessy: writing parquet: %w", err)
	}
	return buf.Bytes(), nil
}

// mixedTypesNDJSON has a voucher key that is a number in some records and
// a string in others.
func mixedTypesNDJSON() []byte {
	var b bytes.Buffer
	for i, o := range orders()[:12] {
		voucher := `"SPRING-` + strconv.Itoa(i+10) + `"`
		if i%3 == 1 {
			voucher = strconv.Itoa(5 * (i + 1))
		}
		fmt.Fprintf(&b, `{"order_id":%d,"amount":%s,"voucher":%s}`+"\n", o.id, o.amount, voucher)
	}
	return b.Bytes()
}

// Rule files. ruleFile puts the common head on columns and rules.
func ruleFile(head, columns, rules string) []byte {
	s := "version: 1\ndataset: messy_orders\nowner: data-quality@example.com\n" + head
	if columns != "" {
		s += "columns:\n" + columns
	}
	if rules != "" {
		s += "rules:\n" + rules
	}
	return []byte(s)
}

const (
	orderKey     = "key: [order_id]\n"
	orderColumns = `  order_id:  {type: int64, required: true, unique: true}
  amount:    {type: double}
  placed_at: {type: timestamp}
  paid:      {type: bool}
  ship_date: {type: date}
  discount:  {type: double}
`
	orderRowRules = `  - name: amount_non_negative
    expr: amount >= 0.0
  - name: ships_after_order
    expr: ship_date >= placed_at
`
	orderRules = orderRowRules + `  - name: enough_rows
    check: row_count() >= 10
`
)

// notEvaluatedRules read discount, null in every row of orders.csv.
const notEvaluatedRules = `  - name: discount_within_amount
    expr: discount >= 0.0 && discount <= amount
  - name: mean_discount_small
    check: mean(discount) < 10.0
`

// invalidRules declares the columns of invalid-values.csv with the given
// on_invalid per column ("" leaves the default) and severity; bareNull
// writes the policy null unquoted, as YAML's null.
func invalidRules(onInvalid map[string]string, bareNull bool, severity string) []byte {
	types := map[string]string{
		"order_id": "int64", "amount": "double", "placed_at": "timestamp", "paid": "bool",
		"ship_date": "date", "phone": "int64", "customer_ref": "int64",
	}
	tags := map[string]string{"phone": "pii.phone", "customer_ref": "pii.email"}
	var cols strings.Builder
	for _, c := range invalidHeader {
		fmt.Fprintf(&cols, "  %s: {type: %s", c, types[c])
		if t := tags[c]; t != "" {
			fmt.Fprintf(&cols, ", tags: [%s]", t)
		}
		if p := onInvalid[c]; p != "" {
			// YAML reads a bare null as no value: the policy is quoted.
			if p == "null" && !bareNull {
				p = `"null"`
			}
			fmt.Fprintf(&cols, ", on_invalid: %s", p)
		}
		if severity != "" {
			fmt.Fprintf(&cols, ", severity: %s", severity)
		}
		cols.WriteString("}\n")
	}
	return ruleFile(orderKey, cols.String(), `  - name: amount_non_negative
    expr: amount >= 0.0
  - name: enough_rows
    check: row_count() >= 10
`)
}

// all maps every column of invalid-values.csv to policy, then applies
// the overrides.
func all(policy string, overrides ...string) map[string]string {
	m := map[string]string{}
	for _, c := range invalidHeader {
		m[c] = policy
	}
	for i := 0; i+1 < len(overrides); i += 2 {
		m[overrides[i]] = overrides[i+1]
	}
	return m
}

func extraRules(policy string) []byte {
	return ruleFile(orderKey+"schema:\n  extra_columns: "+policy+"\n", orderColumns, orderRules)
}

// files returns every fixture, in a fixed order.
func files() ([]file, error) {
	parq, err := retypedParquet()
	if err != nil {
		return nil, err
	}
	fs := []file{
		// Inputs.
		{"orders.csv", ordersCSV(nil, nil)},
		{"invalid-values.csv", invalidValuesCSV()},
		{"invalid-values.ndjson", invalidValuesNDJSON()},
		{"inferred-type.csv", inferredTypeCSV()},
		{"missing-column.csv", ordersCSV(func(c string) bool { return c != "ship_date" }, nil)},
		{"retyped.parquet", parq},
		{"extra-columns.csv", ordersCSV(nil, func(n int) []string {
			return []string{"SPRING-" + strconv.Itoa(n%3), "call back " + strconv.Itoa(n)}
		}, "coupon_code", "internal_note")},
		{"mixed-types.ndjson", mixedTypesNDJSON()},
		{"duplicate-header.csv", duplicateHeaderCSV()},
		{"header-only.csv", csvText([][]string{orderHeader})},
		{"empty.csv", []byte{}},
		{"empty.ndjson", []byte{}},

		// Rule files.
		{"orders.yaml", ruleFile(orderKey, orderColumns, orderRules)},
		{"row-rules.yaml", ruleFile(orderKey, orderColumns, orderRowRules)},
		{"invalid-fail.yaml", invalidRules(nil, false, "")},
		{"invalid-warn.yaml", invalidRules(nil, false, "warn")},
		{"invalid-null.yaml", invalidRules(all("null"), false, "")},
		{"invalid-null-bare.yaml", invalidRules(all("null"), true, "")},
		{"invalid-error.yaml", invalidRules(all("null", "amount", "error"), false, "")},
		{"invalid-error-pii.yaml", invalidRules(all("null", "phone", "error"), false, "")},
		{"inferred-type.yaml", ruleFile("", "  id: {type: int64}\n", "  - name: qty_positive\n    expr: qty > 0\n")},
		{"extra-allow.yaml", extraRules("allow")},
		{"extra-warn.yaml", extraRules("warn")},
		{"extra-fail.yaml", extraRules("fail")},
		{"mixed-types.yaml", ruleFile(orderKey, "  order_id: {type: int64}\n  amount:   {type: double}\n",
			"  - name: amount_non_negative\n    expr: amount >= 0.0\n  - name: voucher_present\n    expr: size(voucher) > 0\n")},
		{"no-rules.yaml", ruleFile("", "", "")},
		{"not-evaluated.yaml", ruleFile(orderKey, orderColumns, orderRules+notEvaluatedRules)},
		{"strict.yaml", ruleFile(orderKey+"strict: true\n", orderColumns, orderRules+notEvaluatedRules)},
		{"errored.yaml", ruleFile(orderKey, orderColumns, orderRules+`  - name: rows_per_missing_row
    check: row_count() / (row_count() - 30) >= 0
    severity: warn
`)},
		{"mostly.yaml", ruleFile(orderKey, orderColumns, `  - name: amount_under_100
    expr: amount < 100.0
    mostly: 0.8
  - name: paid
    expr: paid
    mostly: 0.5
    quarantine: false
`)},
		{"missing-reference.yaml", ruleFile(orderKey, orderColumns, orderRules+`  - name: orders_known
    check: missing_references(order_id, 'no-such-orders.csv', 'order_id') == 0
`)},

		// What the tests look for in every output.
		{"planted-pii.txt", []byte(plantedPhone + "\n" + plantedEmail + "\n")},
	}
	seen := map[string]bool{}
	for _, f := range fs {
		if seen[f.name] {
			return nil, errors.New("genmessy: duplicate file " + f.name)
		}
		seen[f.name] = true
	}
	return fs, nil
}
