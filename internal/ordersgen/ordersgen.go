// Package ordersgen generates the orders dataset Sluice ships as test data:
// a seeded, deterministic table of shop orders with defects planted in
// documented, exact numbers, so that a check's report can be compared with
// what is known to be wrong.
package ordersgen

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Defects are the planted defects of a generated dataset, by kind. Each
// planted row carries exactly one defect, so counts never overlap.
type Defects struct {
	NullEmails      int // email is null
	MalformedEmails int // email present but not an address
	NegativeAmounts int // amount < 0
	NullAmounts     int // amount is null (skipped by amount rules)
	DuplicateIDs    int // ids that occur twice (2 rows each)
	ShippedBefore   int // shipped_at earlier than ordered_at
	BadStatus       int // status outside the allowed values
	ContactIsEmail  int // the untagged contact column holds an e-mail address
}

// Config says what to generate.
type Config struct {
	Rows int
	Seed uint64
	// Start is the earliest order time; orders spread over the 30 days after.
	Start   time.Time
	Defects Defects
}

// Default is the configuration of testdata/orders: 10,000 rows, seed 42.
func Default() Config {
	return Config{
		Rows:  10000,
		Seed:  42,
		Start: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		Defects: Defects{
			NullEmails:      37,
			MalformedEmails: 41,
			NegativeAmounts: 23,
			NullAmounts:     13,
			DuplicateIDs:    15,
			ShippedBefore:   19,
			BadStatus:       11,
			ContactIsEmail:  29,
		},
	}
}

// Schema is the schema of the orders dataset.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "customer_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "email", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "currency", Type: arrow.BinaryTypes.String},
	{Name: "status", Type: arrow.BinaryTypes.String},
	{Name: "ordered_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	{Name: "shipped_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "contact", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

var (
	statuses   = []string{"new", "paid", "shipped", "cancelled", "refunded"}
	badStatus  = []string{"pending?", "PAID", "unknown"}
	currencies = []string{"EUR", "USD", "GBP"}
	domains    = []string{"example.com", "example.org", "mail.example.net"}
	malformed  = []string{"no-at-sign.example.com", "two@@example.com", "spaces in@example.com", "trailing@dot.", "@missing-local.org", "missing-domain@"}
	phones     = []string{"+44 20 7946 0958", "+1 202 555 0147", "+49 30 901820", "0161 496 0000"}
)

// Generate builds the dataset in one record batch, the caller's to Release.
// The same Config always yields the same data.
func Generate(mem memory.Allocator, cfg Config) (arrow.RecordBatch, error) {
	d := cfg.Defects
	planted := d.NullEmails + d.MalformedEmails + d.NegativeAmounts + d.NullAmounts +
		d.DuplicateIDs + d.ShippedBefore + d.BadStatus + d.ContactIsEmail
	if planted > cfg.Rows {
		return nil, fmt.Errorf("ordersgen: %d planted defects do not fit in %d rows", planted, cfg.Rows)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))

	// Each defect takes its own rows from one permutation.
	perm := rng.Perm(cfg.Rows)
	kind := make([]int, cfg.Rows) // 0: clean, else defect number
	next := 0
	for k, n := range []int{d.NullEmails, d.MalformedEmails, d.NegativeAmounts, d.NullAmounts,
		d.DuplicateIDs, d.ShippedBefore, d.BadStatus, d.ContactIsEmail} {
		for range n {
			kind[perm[next]] = k + 1
			next++
		}
	}

	b := array.NewRecordBuilder(mem, Schema)
	defer b.Release()
	ids := b.Field(0).(*array.Int64Builder)
	customers := b.Field(1).(*array.Int64Builder)
	emails := b.Field(2).(*array.StringBuilder)
	amounts := b.Field(3).(*array.Float64Builder)
	currency := b.Field(4).(*array.StringBuilder)
	status := b.Field(5).(*array.StringBuilder)
	ordered := b.Field(6).(*array.TimestampBuilder)
	shipped := b.Field(7).(*array.TimestampBuilder)
	contact := b.Field(8).(*array.StringBuilder)

	idOf := make([]int64, cfg.Rows)
	for i := range cfg.Rows {
		idOf[i] = 100000 + int64(i)
	}
	// A duplicate row takes the id of a clean row: both rows then share it.
	for i := range cfg.Rows {
		if kind[i] == 5 {
			for {
				j := rng.IntN(cfg.Rows)
				if kind[j] == 0 && j != i {
					idOf[i] = idOf[j]
					kind[j] = -1 // the twin: taken, so ids stay pairs
					break
				}
			}
		}
	}

	span := 30 * 24 * time.Hour
	for i := range cfg.Rows {
		k := kind[i]
		ids.Append(idOf[i])
		cust := int64(1 + rng.IntN(2000))
		customers.Append(cust)

		switch k {
		case 1:
			emails.AppendNull()
		case 2:
			emails.Append(malformed[rng.IntN(len(malformed))])
		default:
			emails.Append(fmt.Sprintf("customer%d@%s", cust, domains[rng.IntN(len(domains))]))
		}

		amount := float64(100+rng.IntN(99900)) / 100
		switch k {
		case 3:
			amounts.Append(-amount)
		case 4:
			amounts.AppendNull()
		default:
			amounts.Append(amount)
		}
		currency.Append(currencies[rng.IntN(len(currencies))])

		st := statuses[rng.IntN(len(statuses))]
		if k == 7 {
			st = badStatus[rng.IntN(len(badStatus))]
		}
		status.Append(st)

		at := cfg.Start.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Second)
		ordered.Append(arrow.Timestamp(at.UnixMicro()))
		switch {
		case k == 6:
			shipped.Append(arrow.Timestamp(at.Add(-time.Duration(1+rng.IntN(48)) * time.Hour).UnixMicro()))
		case st == "shipped" || st == "refunded":
			shipped.Append(arrow.Timestamp(at.Add(time.Duration(1+rng.IntN(96)) * time.Hour).UnixMicro()))
		default:
			shipped.AppendNull()
		}

		if k == 8 {
			contact.Append(fmt.Sprintf("buyer%d@%s", cust, domains[rng.IntN(len(domains))]))
		} else {
			contact.Append(phones[rng.IntN(len(phones))])
		}
	}
	return b.NewRecordBatch(), nil
}
