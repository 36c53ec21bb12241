package quality_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sluicedata/sluice/connectors/memconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/lineage/lineagetest"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/history"
	"github.com/sluicedata/sluice/rules"
	"github.com/sluicedata/sluice/rules/metrics"
)

// plantedRules reads the planted personal columns with every rule kind
// and every metric function, and with expressions whose evaluation errors
// quote the value (timestamp(), int(), a map lookup, a pattern taken from
// the data).
const plantedRules = `version: 1
dataset: people
owner: privacy@example.com
columns:
  id:     {type: int64}
  email:  {type: string, tags: [pii.email], mask: hmac, pattern: '^zz', min_length: 40, unique: true}
  phone:  {type: string, tags: [pii.phone], values: ['0'], max_length: 3}
  salary: {type: int64, tags: [pii.other], min: 0, max: 10}
rules:
  - name: email_is_time
    expr: timestamp(email) > timestamp('2020-01-01T00:00:00Z')
  - name: phone_is_number
    expr: int(phone) > 0
  - name: email_known
    expr: "{'nobody': 1}[email] == 1"
  - name: phone_as_pattern
    expr: "'x'.matches(phone)"
  - name: email_local
    expr: email.startsWith('zz')
  - name: salary_small
    expr: salary < 10
    severity: warn
  - name: metrics_email
    check: >-
      min(email) == '' && max(email) == '' && most_common(email) == '' && distinct_count(email) == 0 &&
      approx_distinct(email) == 0 && duplicate_count(email) == 1 && unique_ratio(email) == 0.5 &&
      min_length(email) == 0 && max_length(email) == 0 && mean_length(email) == 0.0 &&
      null_count(email) == 1 && completeness(email) == 0.5
  - name: metrics_phone
    check: >-
      min(phone) == '' && max(phone) == '' && most_common(phone) == '' && distinct_count(phone) == 0 &&
      duplicate_count(email, phone) == 1 && count_if(phone.startsWith('+1')) == 0 &&
      fraction_if(email.endsWith('.org')) == 0.0
  - name: metrics_salary
    check: >-
      sum(salary) == 0.0 && mean(salary) == 0.0 && stddev(salary) == 0.0 && median(salary) == 0.0 &&
      quantile(salary, 0.9) == 0.0 && min(salary) == 0 && max(salary) == 0
  - name: salary_history
    check: previous(max(salary)) == 0.0 && change(distinct_count(email)) == 0.0
  - name: salary_drift
    check: drift(salary) < 0.1
  - name: phone_int
    check: int(max(phone)) > 0
`

var (
	plantedEmails = []string{"alice.planted@example.com", "bob.planted@example.org", "carol.planted@example.net"}
	plantedPhones = []string{"+1 415 555 0199", "+1 415 555 0188", "+1 415 555 0177"}
	plantedPay    = []int64{918273645, 827364519, 736451928}
)

// planted returns what must appear in no output.
func planted() []string {
	out := append([]string{}, plantedEmails...)
	out = append(out, plantedPhones...)
	for _, p := range plantedPay {
		out = append(out, strconv.FormatInt(p, 10))
	}
	// Parts of the values that a message could quote on their own.
	return append(out, "alice.planted", "415 555 0199")
}

var plantedSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "email", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "phone", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "salary", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

// plantedBatch has the planted values, one of them twice, and a row of
// nulls.
func plantedBatch(mem memory.Allocator) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, plantedSchema)
	defer b.Release()
	ids := b.Field(0).(*array.Int64Builder)
	emails := b.Field(1).(*array.StringBuilder)
	phones := b.Field(2).(*array.StringBuilder)
	pay := b.Field(3).(*array.Int64Builder)
	for i := range 5 {
		ids.Append(int64(i))
		if i == 4 {
			emails.AppendNull()
			phones.AppendNull()
			pay.AppendNull()
			continue
		}
		k := i % len(plantedEmails)
		emails.Append(plantedEmails[k])
		phones.Append(plantedPhones[k])
		pay.Append(plantedPay[k])
	}
	return b.NewRecordBatch()
}

// spanText is every name, attribute, event, status and link of spans.
func spanText(spans []sdktrace.ReadOnlySpan) string {
	var sb strings.Builder
	for _, s := range spans {
		fmt.Fprintln(&sb, s.Name(), s.Status().Description)
		for _, a := range s.Attributes() {
			fmt.Fprintln(&sb, a.Key, a.Value.String())
		}
		for _, ev := range s.Events() {
			fmt.Fprintln(&sb, ev.Name)
			for _, a := range ev.Attributes {
				fmt.Fprintln(&sb, a.Key, a.Value.String())
			}
		}
		for _, l := range s.Links() {
			for _, a := range l.Attributes {
				fmt.Fprintln(&sb, a.Key, a.Value.String())
			}
		}
	}
	return sb.String()
}

// TestNoPlantedValueLeaves runs a gate twice over planted e-mail addresses,
// phone numbers and salaries with every rule and metric kind, with history
// and lineage, and looks for the planted values in every output: the
// reports in each format, the OpenLineage events (NDJSON), the recorded
// spans and the bytes of the SQLite history file and its journal.
func TestNoPlantedValueLeaves(t *testing.T) {
	mem := arrowtest.Allocator(t)
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "history.db")
	eventsPath := filepath.Join(dir, "lineage.ndjson")
	key := []byte("0123456789abcdef-key")

	data := memconnector.NewStore()
	t.Cleanup(data.Clear)
	w, err := data.Sink("people").Create(ctx, plantedSchema)
	require.NoError(t, err)
	batch := plantedBatch(mem)
	require.NoError(t, w.Write(batch))
	batch.Release()
	require.NoError(t, w.Commit(ctx))

	rs, err := rules.Parse("people.yaml", []byte(plantedRules))
	require.NoError(t, err)
	prog, err := rs.Compile(plantedSchema)
	require.NoError(t, err)

	store, err := history.OpenSQLite(ctx, dbPath)
	require.NoError(t, err)
	rec := lineagetest.NewRecorder(t)
	var outputs bytes.Buffer
	var reps []*quality.Report
	for day := range 2 {
		lctx, run := lineage.Start(ctx, lineage.Job{Namespace: "test", Name: "check.people"},
			lineage.WithTracerProvider(rec.TracerProvider()), lineage.WithEmitter(lineage.NewFileEmitter(eventsPath)))
		gate, err := quality.NewGate(prog, quality.WithAllocator(mem), quality.WithHistory(store),
			quality.WithLineage(run), quality.WithMaskKey(key), quality.WithQuarantine(data.Sink("held")),
			quality.WithClock(func() time.Time { return time.Date(2026, 1, 1+day, 0, 0, 0, 0, time.UTC) }))
		require.NoError(t, err)
		rep, err := gate.Run(lctx, data.Source("people"))
		require.NoError(t, err)
		require.NoError(t, run.End(lctx, rep.Err()))
		reps = append(reps, rep)
		require.NoError(t, quality.WriteJSON(&outputs, rep))
		require.NoError(t, quality.WriteText(&outputs, rep))
		require.NoError(t, quality.WriteJUnit(&outputs, rep))
	}

	// The history store keeps the hmac'd form of the masked e-mail column's
	// value-bearing metrics, the counts of the others and no value of the
	// phone and salary columns.
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(plantedEmails[0]))
	want := hex.EncodeToString(mac.Sum(nil))
	pts, err := store.Metrics(ctx, "people", "most_common(email)", 0)
	require.NoError(t, err)
	require.Len(t, pts, 2)
	assert.JSONEq(t, strconv.Quote(want), string(pts[1].JSON), "most_common of the hmac-masked column is stored hmac'd")
	pts, err = store.Metrics(ctx, "people", "distinct_count(email)", 0)
	require.NoError(t, err)
	require.Len(t, pts, 2)
	assert.InDelta(t, 3, pts[1].Value, 0, "counts stay")
	for _, m := range []string{"max(phone)", "min(phone)", "most_common(phone)", "max(salary)", "mean(salary)", "median(salary)"} {
		pts, err := store.Metrics(ctx, "people", m, 0)
		require.NoError(t, err)
		assert.Empty(t, pts, "%s of an unmasked pii column is not stored", m)
	}
	base, err := history.ForRules(store).Baseline(ctx, "people")
	require.NoError(t, err)
	if base != nil {
		for name := range base.States {
			assert.NotContains(t, []string{"median(salary)", "max(phone)", "distinct_count(phone)", "sum(salary)"}, name,
				"a state keeping values of an unmasked pii column is not stored")
		}
	}
	require.NoError(t, store.Close())

	// History-aware checks that lack the value are not evaluated, with the
	// reason.
	second := reps[1]
	for _, rr := range second.Rules {
		switch rr.Name {
		case "salary_history", "salary_drift":
			assert.Equal(t, quality.StatusNotEvaluated, rr.Status, rr.Name)
			assert.NotEmpty(t, rr.Message, rr.Name)
		case "email_is_time":
			assert.Equal(t, map[string]int64{"invalid timestamp": 4}, rr.Errors)
		case "email_known":
			assert.Equal(t, map[string]int64{"no such key": 4}, rr.Errors)
		case "phone_is_number":
			assert.Equal(t, map[string]int64{"type conversion error": 4}, rr.Errors)
		case "phone_as_pattern":
			assert.Equal(t, map[string]int64{"regex: invalid input": 4}, rr.Errors)
		}
	}

	sources := map[string]string{"reports": outputs.String(), "spans": spanText(rec.Spans())}
	events, err := os.ReadFile(eventsPath)
	require.NoError(t, err)
	require.NotEmpty(t, events)
	sources["lineage events"] = string(events)
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		b, err := os.ReadFile(dbPath + suffix)
		if err == nil {
			sources["history"+suffix] = string(b)
		}
	}
	require.Contains(t, sources, "history")
	for name, text := range sources {
		for _, v := range planted() {
			if strings.Contains(text, v) { // not NotContains: it would print the whole file
				t.Errorf("%s carry the planted value %q", name, v)
			}
		}
	}
	assert.Contains(t, sources["reports"], quality.Redacted)
}

// TestErrorKindsBounded evaluates 100k rows whose timestamps are all
// distinct and invalid: one error kind, and a report of a few kilobytes.
func TestErrorKindsBounded(t *testing.T) {
	mem := arrowtest.Allocator(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "at", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	rs, err := rules.Parse("events.yaml", []byte(`version: 1
dataset: events
owner: ops@example.com
rules:
  - name: at_is_time
    expr: timestamp(at) > timestamp('2020-01-01T00:00:00Z')
  - name: at_is_int
    expr: int(at) > 0
  - name: at_by_index
    expr: "[1, 2][int(at.size()) - 20] == 1"
`))
	require.NoError(t, err)
	prog, err := rs.Compile(schema)
	require.NoError(t, err)
	const n = 100_000
	var batches []arrow.RecordBatch
	for start := 0; start < n; start += 8192 {
		b := array.NewStringBuilder(mem)
		for i := start; i < min(start+8192, n); i++ {
			b.Append(fmt.Sprintf("not-a-time-%07d", i))
		}
		arr := b.NewArray()
		b.Release()
		batches = append(batches, array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len())))
		arr.Release()
	}
	reader, err := array.NewRecordReader(schema, batches)
	require.NoError(t, err)
	for _, b := range batches {
		b.Release()
	}
	defer reader.Release()
	gate, err := quality.NewGate(prog, quality.WithAllocator(mem))
	require.NoError(t, err)
	rep, err := gate.Check(context.Background(), reader)
	require.NoError(t, err)
	for _, rr := range rep.Rules {
		assert.LessOrEqual(t, len(rr.Errors), rules.MaxErrorKinds, rr.Name)
		var total int64
		for _, c := range rr.Errors {
			total += c
		}
		assert.Equal(t, int64(n), total, "%s: every row errs", rr.Name)
	}
	assert.Equal(t, map[string]int64{"invalid timestamp": n}, rep.Rules[0].Errors)
	var buf bytes.Buffer
	require.NoError(t, quality.WriteJSON(&buf, rep))
	assert.Less(t, buf.Len(), 32<<10, "the report stays small")
	var decoded map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &decoded))
}

func TestRedactor(t *testing.T) {
	rs, err := rules.Parse("people.yaml", []byte(plantedRules))
	require.NoError(t, err)
	r := quality.NewRedactor(rs, map[string]quality.Mask{"id": {Kind: quality.MaskNull}})
	f := r.Func()
	tests := []struct {
		name, column, value, want string
	}{
		{"tagged", "phone", "12", quality.Redacted},
		{"masked by the rule file", "email", "x", quality.Redacted},
		{"masked by an option", "id", "7", quality.Redacted},
		{"looks personal in an untagged column", "note", "dana@example.com", quality.Redacted},
		{"plain", "note", "hello", "hello"},
		{"unknown column", "other", "42", "42"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, f(tc.column, tc.value))
		})
	}
	assert.True(t, r.Sensitive("salary"))
	assert.False(t, r.Sensitive("note"))
	assert.Equal(t, quality.Redacted, r.Value("salary", int64(5)))
	assert.Nil(t, r.Value("salary", nil))
	assert.Equal(t, int64(5), r.Value("note", int64(5)))
	var none *quality.Redactor
	assert.Equal(t, "x", none.String("phone", "x"))
	assert.Equal(t, quality.Redacted, none.String("phone", "erin@example.com"))
}

// TestRecordedWithoutKey: without an hmac key, history keeps only the
// counts of a masked column.
func TestRecordedWithoutKey(t *testing.T) {
	rs, err := rules.Parse("people.yaml", []byte(plantedRules))
	require.NoError(t, err)
	rec := &rules.Recorded{
		Values: map[string]any{"min(email)": plantedEmails[0], "distinct_count(email)": int64(3), "row_count()": int64(4)},
		States: map[string][]byte{"distinct_count(email)": []byte("state")},
		Specs: map[string]metrics.Spec{
			"min(email)":            {Func: "min", Columns: []string{"email"}},
			"distinct_count(email)": {Func: "distinct_count", Columns: []string{"email"}},
			"row_count()":           {Func: "row_count"},
		},
	}
	quality.NewRedactor(rs, nil).Recorded(rec)
	assert.Equal(t, map[string]any{"distinct_count(email)": int64(3), "row_count()": int64(4)}, rec.Values)
	assert.Empty(t, rec.States)
}

// TestPartitionsMergeHMACedSets checks two partitions that share an e-mail
// address: the stored value sets are hmac'd, the run merges its own set
// hmac'd alike, and the distinct count over both partitions is exact.
func TestPartitionsMergeHMACedSets(t *testing.T) {
	mem := arrowtest.Allocator(t)
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "history.db")
	rs, err := rules.Parse("people.yaml", []byte(`version: 1
dataset: people
owner: privacy@example.com
columns:
  email: {type: string, tags: [pii.email], mask: hmac}
  phone: {type: string, tags: [pii.phone]}
rules:
  - name: distinct
    check: distinct_count(email) == 3 && most_common(email) != '' && null_count(phone) == 0
  - name: phone_max
    check: max(phone) != ''
`))
	require.NoError(t, err)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "email", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "phone", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	prog, err := rs.Compile(schema)
	require.NoError(t, err)
	store, err := history.OpenSQLite(ctx, dbPath)
	require.NoError(t, err)
	parts := map[string][]string{
		"day1": {plantedEmails[0], plantedEmails[1]},
		"day2": {plantedEmails[1], plantedEmails[2]},
	}
	var last *quality.Report
	for _, key := range []string{"day1", "day2"} {
		eb, pb := array.NewStringBuilder(mem), array.NewStringBuilder(mem)
		eb.AppendValues(parts[key], nil)
		pb.AppendValues(plantedPhones[:len(parts[key])], nil)
		e, p := eb.NewArray(), pb.NewArray()
		eb.Release()
		pb.Release()
		batch := array.NewRecordBatch(schema, []arrow.Array{e, p}, int64(e.Len()))
		e.Release()
		p.Release()
		reader, err := array.NewRecordReader(schema, []arrow.RecordBatch{batch})
		require.NoError(t, err)
		batch.Release()
		gate, err := quality.NewGate(prog, quality.WithAllocator(mem), quality.WithHistory(store),
			quality.WithPartition(key), quality.WithMaskKey([]byte("0123456789abcdef-key")))
		require.NoError(t, err)
		last, err = gate.Check(ctx, reader)
		reader.Release()
		require.NoError(t, err)
	}
	require.NoError(t, store.Close())
	require.Len(t, last.Rules, 2)
	assert.Equal(t, quality.StatusNotEvaluated, last.Rules[1].Status,
		"max(phone) is not kept in history: the partitions cannot be combined")
	assert.Contains(t, last.Rules[1].Message, "max(phone)")
	assert.Equal(t, quality.StatusPass, last.Rules[0].Status, "three distinct addresses over both partitions: %v", last.Rules[0].Metrics)
	assert.Equal(t, int64(3), last.Rules[0].Metrics["distinct_count(email)"])
	assert.Equal(t, quality.Redacted, last.Rules[0].Metrics["most_common(email)"])
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(dbPath + suffix)
		if err != nil {
			continue
		}
		for _, v := range planted() {
			assert.False(t, bytes.Contains(b, []byte(v)), "history%s carries the planted value %q", suffix, v)
		}
	}
}
