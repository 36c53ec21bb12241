package quality

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/lineage/lineagetest"
	"github.com/sluicedata/sluice/rules"
)

// Planted personal data, each value recognisable and recognised by a
// built-in detector.
var (
	plantedEmails = []string{"alice.leak@example.com", "bob.leak@example.net", "carol.leak@example.org"}
	plantedPhones = []string{"+44 20 7946 0958", "+1 415 555 0199", "+44 161 496 0731"}
	plantedCards  = []string{"4111111111111111", "5555555555554444", "4012888888881881"}
	plantedIBANs  = []string{"DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606"}
	plantedSSNs   = []string{"536-22-8741", "219-09-9999", "457-55-5462"}
	// employee ids are found by a user-defined detector.
	plantedEmployees = []string{"E104729", "E583920", "E672018"}
)

// privacyRules tags email, phone and iban, masks email and phone, and
// leaves card, ssn and employee untagged for the detectors to find. Rules
// read every column so that samples would show them.
const privacyRules = `version: 1
dataset: people
owner: privacy@example.com
columns:
  id:       {type: int64}
  email:    {type: string, tags: [pii.email, gdpr.personal], mask: hmac}
  phone:    {type: string, tags: [pii.phone, gdpr.personal], mask: redact}
  iban:     {type: string, tags: [pii.iban, gdpr.personal, purpose=billing]}
  card:     {type: string}
  ssn:      {type: string}
  employee: {type: string}
  amount:   {type: double, tags: [retention=P30D]}
rules:
  - name: amount_non_negative
    expr: amount >= 0.0
    mostly: 0.5
  - name: email_is_org
    expr: email.endsWith('.org')
    severity: warn
  - name: phone_short
    expr: size(phone) < 5
    severity: warn
  - name: iban_short
    expr: size(iban) < 5
    severity: warn
  - name: card_short
    expr: size(card) < 5
    severity: warn
  - name: ssn_short
    expr: size(ssn) < 5
    severity: warn
  - name: employee_short
    expr: size(employee) < 5
    severity: warn
  - name: card_max
    check: max_length(card) < 5
    severity: warn
privacy:
  detectors:
    - {name: employee_id, pattern: 'E\d{6}'}
  detect: [email, phone, credit_card, iban, us_ssn, employee_id]
  untagged_pii: warn
  allow:
    internal: [pii.iban, gdpr.personal]
`

func writePeople(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,email,phone,iban,card,ssn,employee,amount\n")
	amounts := []string{"10.5", "-1", "3"}
	for i := range plantedEmails {
		b.WriteString(strings.Join([]string{
			string(rune('1' + i)), plantedEmails[i], plantedPhones[i], plantedIBANs[i],
			plantedCards[i], plantedSSNs[i], plantedEmployees[i], amounts[i],
		}, ",") + "\n")
	}
	path := filepath.Join(dir, "people.csv")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
	return path
}

// TestNoLeaks plants personal data in tagged and untagged columns, runs
// every output path of a gate — the three report formats, the clean and
// quarantine files with masking, the OpenLineage NDJSON file, every span
// attribute, event and link, and the logs — and asserts that no raw value
// appears anywhere except in the data files for the columns the user wrote
// unmasked.
func TestNoLeaks(t *testing.T) {
	mem := arrowtest.Allocator(t)
	dir := t.TempDir()
	input := writePeople(t, dir)
	rs, err := rules.Parse(filepath.Join(dir, "people.yaml"), []byte(privacyRules))
	require.NoError(t, err)
	fopts := builtin.Options{SchemaHint: rs.SchemaHint()}
	src, err := builtin.Open(input, fopts)
	require.NoError(t, err)
	schema, err := src.Schema(context.Background())
	require.NoError(t, err)
	prog, err := rs.Compile(schema)
	require.NoError(t, err)

	cleanPath, quarPath := filepath.Join(dir, "clean.csv"), filepath.Join(dir, "held.ndjson")
	clean, err := builtin.Create(cleanPath, fopts)
	require.NoError(t, err)
	quar, err := builtin.Create(quarPath, fopts)
	require.NoError(t, err)

	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rec := lineagetest.NewRecorder(t)
	eventsPath := filepath.Join(dir, "lineage.ndjson")
	ctx, run := lineage.Start(context.Background(), lineage.Job{Namespace: "test", Name: "people"},
		lineage.WithTracerProvider(rec.TracerProvider()), lineage.WithEmitter(lineage.NewFileEmitter(eventsPath)),
		lineage.WithLogger(logger), lineage.WithOwner(rs.Owner))
	gate, err := NewGate(prog, WithSink(clean), WithQuarantine(quar), WithAllocator(mem), WithLogger(logger),
		WithLineage(run), WithMaskKey([]byte("0123456789abcdef-test-key")), WithBatchSize(2))
	require.NoError(t, err)
	rep, err := gate.Run(ctx, src)
	require.NoError(t, err)
	require.NoError(t, run.End(ctx, rep.Err()))

	// The run did what it should: warn (PII rules are warnings), clean
	// committed, one row quarantined, detectors found the untagged data.
	require.Equal(t, StatusWarn, rep.Status, rep.Gate.Reasons)
	assert.Equal(t, "committed", rep.Gate.Clean)
	assert.EqualValues(t, 1, rep.RowsQuarantined)
	for _, col := range []string{"card", "ssn", "employee"} {
		rr := rep.Rule(UntaggedPIIPrefix + col)
		if assert.NotNil(t, rr, col) {
			assert.Equal(t, StatusWarn, rr.Status)
		}
	}
	for _, col := range []string{"email", "phone", "iban"} {
		assert.Nil(t, rep.Rule(UntaggedPIIPrefix+col), "tagged column %s is not untagged PII", col)
	}
	kinds := map[string]string{}
	for _, f := range rep.Privacy {
		kinds[f.Column] = f.Kind
		assert.Equal(t, int64(3), f.Matches, f.Column)
	}
	assert.Equal(t, map[string]string{"email": "email", "phone": "phone", "iban": "iban", "card": "credit_card",
		"ssn": "us_ssn", "employee": "employee_id"}, kinds)
	sampled := 0
	for _, rr := range rep.Rules {
		for _, s := range rr.Samples {
			for c, v := range s.Values {
				if c != "amount" {
					assert.Equal(t, Redacted, v, "%s: sample of %s", rr.Name, c)
					sampled++
				}
			}
		}
	}
	assert.Positive(t, sampled, "the rules on personal columns produced samples")

	var text, js, junit bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	require.NoError(t, rep.WriteJSON(&js))
	require.NoError(t, WriteJUnit(&junit, rep))
	events, err := os.ReadFile(eventsPath)
	require.NoError(t, err)
	require.NotEmpty(t, events)
	cleanData, err := os.ReadFile(cleanPath)
	require.NoError(t, err)
	quarData, err := os.ReadFile(quarPath)
	require.NoError(t, err)

	outputs := map[string]string{
		"text report":  text.String(),
		"json report":  js.String(),
		"junit report": junit.String(),
		"events":       string(events),
		"logs":         logs.String(),
		"spans":        spanText(rec.Spans()),
	}
	require.Contains(t, outputs["spans"], "sluice.privacy.tagged_columns", "the span dump holds attributes")
	require.Contains(t, outputs["logs"], "gate decided", "the logger was used")
	all := [][]string{plantedEmails, plantedPhones, plantedCards, plantedIBANs, plantedSSNs, plantedEmployees}
	for name, out := range outputs {
		for _, values := range all {
			for _, v := range values {
				assert.NotContains(t, out, v, "%s leaks a raw value", name)
			}
		}
	}
	// Data files: masked columns never appear raw; unmasked ones are the
	// user's data, written to a restricted sink as asked.
	for name, data := range map[string]string{"clean file": string(cleanData), "quarantine file": string(quarData)} {
		for _, values := range [][]string{plantedEmails, plantedPhones} {
			for _, v := range values {
				assert.NotContains(t, data, v, "%s holds a masked column's raw value", name)
			}
		}
		assert.Contains(t, data, Redacted, "%s: phone is redacted", name)
	}
	assert.Contains(t, string(cleanData), plantedIBANs[0], "unmasked columns are written as they are")
	assert.Contains(t, string(quarData), plantedCards[1])
}

// spanText dumps everything a span exporter would see.
func spanText(spans []sdktrace.ReadOnlySpan) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(s.Name() + "\n" + s.Status().Description + "\n")
		for _, a := range s.Attributes() {
			b.WriteString(string(a.Key) + "=" + a.Value.String() + "\n")
		}
		for _, e := range s.Events() {
			b.WriteString(e.Name + "\n")
			for _, a := range e.Attributes {
				b.WriteString(string(a.Key) + "=" + a.Value.String() + "\n")
			}
		}
		for _, l := range s.Links() {
			for _, a := range l.Attributes {
				b.WriteString(string(a.Key) + "=" + a.Value.String() + "\n")
			}
		}
	}
	return b.String()
}

// TestPrivacyLineage checks the tags facet, the tagged-columns span
// attributes and the masking transform in the column lineage.
func TestPrivacyLineage(t *testing.T) {
	mem := arrowtest.Allocator(t)
	dir := t.TempDir()
	input := writePeople(t, dir)
	rs, err := rules.Parse("people.yaml", []byte(privacyRules))
	require.NoError(t, err)
	fopts := builtin.Options{SchemaHint: rs.SchemaHint()}
	src, err := builtin.Open(input, fopts)
	require.NoError(t, err)
	schema, err := src.Schema(context.Background())
	require.NoError(t, err)
	clean, err := builtin.Create(filepath.Join(dir, "clean.csv"), fopts)
	require.NoError(t, err)

	rec := lineagetest.NewRecorder(t)
	em := &lineagetest.Emitter{}
	ctx, run := startRun(t, rec, em, "people")
	gate, err := NewGate(compile(t, privacyRules, schema), WithSink(clean), WithAllocator(mem), WithLineage(run),
		WithMaskKey([]byte("0123456789abcdef-test-key")), WithMask("ssn", Mask{Kind: MaskNull}))
	require.NoError(t, err)
	rep, err := gate.Run(ctx, src)
	require.NoError(t, err)
	require.NoError(t, run.End(ctx, rep.Err()))

	write := rec.Span(t, lineage.SpanWritePrefix+clean.Dataset().String())
	v, ok := lineagetest.Attr(write, lineage.AttrTaggedColumns)
	require.True(t, ok)
	assert.Equal(t, []string{"amount", "email", "iban", "phone", "ssn"}, v.AsStringSlice())
	v, ok = lineagetest.Attr(write, AttrMaskedColumns)
	require.True(t, ok)
	assert.Equal(t, []string{"email", "phone", "ssn"}, v.AsStringSlice())
	read := rec.Span(t, lineage.SpanReadPrefix+src.Dataset().String())
	v, ok = lineagetest.Attr(read, lineage.AttrTaggedColumns)
	require.True(t, ok)
	assert.Equal(t, []string{"amount", "email", "iban", "phone"}, v.AsStringSlice())

	evs := em.ByType("COMPLETE")
	require.Len(t, evs, 1)
	require.Len(t, evs[0].Outputs, 1)
	out := evs[0].Outputs[0]
	var tags struct {
		Tags []lineage.Tag `json:"tags"`
	}
	require.NoError(t, json.Unmarshal(out.Facets["tags"], &tags))
	byField := map[string][]string{}
	for _, tg := range tags.Tags {
		assert.Equal(t, "SLUICE", tg.Source)
		byField[tg.Field] = append(byField[tg.Field], tg.Key+"="+tg.Value)
	}
	assert.Equal(t, []string{"gdpr.personal=true", "gdpr.pseudonymized=true"}, byField["email"], "masked: pii.* dropped")
	assert.Equal(t, []string{"pii.iban=true", "gdpr.personal=true", "purpose=billing"}, byField["iban"], "unmasked: tags propagate")
	assert.Equal(t, []string{"gdpr.pseudonymized=true"}, byField["ssn"])
	assert.Equal(t, []string{"retention=P30D"}, byField["amount"])

	var cl struct {
		Fields map[string]struct {
			InputFields []struct {
				Field           string `json:"field"`
				Transformations []lineage.Transformation
			} `json:"inputFields"`
		} `json:"fields"`
	}
	require.NoError(t, json.Unmarshal(out.Facets["columnLineage"], &cl))
	for col, masked := range map[string]bool{"email": true, "phone": true, "ssn": true, "iban": false, "card": false} {
		f := cl.Fields[col]
		require.Len(t, f.InputFields, 1, col)
		require.NotEmpty(t, f.InputFields[0].Transformations, col)
		assert.Equal(t, masked, f.InputFields[0].Transformations[0].Masking, col)
	}
}

func TestPrivacyPolicy(t *testing.T) {
	tests := []struct {
		name    string
		zone    string
		masks   []Option
		status  Status
		policy  []string // columns with a privacy.policy result
		clean   string
		message string
	}{
		{name: "restricted takes anything", zone: ZoneRestricted, status: StatusWarn, clean: "committed"},
		{name: "internal refuses untagged detected data", zone: ZoneInternal, status: StatusFail, clean: "aborted",
			policy: []string{"card", "ssn", "employee"}, message: "may not be written to zone internal"},
		{name: "public refuses every tagged or detected column", zone: ZonePublic, status: StatusFail, clean: "aborted",
			policy: []string{"iban", "card", "ssn", "employee"}, message: "zone public, which allows nothing tagged"},
		{name: "masking makes a column acceptable", zone: ZoneInternal, status: StatusWarn, clean: "committed",
			masks: []Option{WithMask("card", Mask{Kind: MaskRedact}), WithMask("ssn", Mask{Kind: MaskNull}),
				WithMask("employee", Mask{Kind: MaskTruncate, N: 1})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			dir := t.TempDir()
			input := writePeople(t, dir)
			rs, err := rules.Parse("people.yaml", []byte(privacyRules))
			require.NoError(t, err)
			fopts := builtin.Options{SchemaHint: rs.SchemaHint()}
			src, err := builtin.Open(input, fopts)
			require.NoError(t, err)
			schema, err := src.Schema(context.Background())
			require.NoError(t, err)
			out := filepath.Join(dir, "clean.csv")
			clean, err := builtin.Create(out, fopts)
			require.NoError(t, err)
			opts := append([]Option{WithSink(clean), WithZone(tt.zone), WithAllocator(mem),
				WithMaskKey([]byte("0123456789abcdef-test-key"))}, tt.masks...)
			gate, err := NewGate(compile(t, privacyRules, schema), opts...)
			require.NoError(t, err)
			rep, err := gate.Run(context.Background(), src)
			require.NoError(t, err)
			assert.Equal(t, tt.status, rep.Status, rep.Gate.Reasons)
			assert.Equal(t, tt.clean, rep.Gate.Clean)
			var got []string
			for _, rr := range rep.Rules {
				if col, ok := strings.CutPrefix(rr.Name, PolicyPrefix); ok {
					got = append(got, col)
					assert.Equal(t, StatusFail, rr.Status)
					assert.Equal(t, rules.SeverityError, rr.Severity)
					assert.Contains(t, rr.Message, tt.message)
				}
			}
			assert.Equal(t, tt.policy, got)
			if tt.clean == "aborted" {
				assert.NoFileExists(t, out)
			} else {
				assert.FileExists(t, out)
			}
		})
	}
}

func TestPrivacyConfigErrors(t *testing.T) {
	schema := ordersSchema
	prog := compile(t, `version: 1
dataset: orders
owner: o@example.com
columns:
  email: {type: string, mask: hmac}
`, schema)
	_, err := NewGate(prog)
	require.ErrorIs(t, err, ErrConfig)
	assert.ErrorIs(t, err, ErrMask)
	assert.Contains(t, err.Error(), "hmac needs a key")

	_, err = NewGate(prog, WithMaskKey([]byte("0123456789abcdef")), WithZone("dmz"))
	assert.ErrorIs(t, err, ErrConfig)

	_, err = NewGate(prog, WithMaskKey([]byte("0123456789abcdef")))
	assert.NoError(t, err)
}
