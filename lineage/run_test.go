package lineage_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/lineage/lineagetest"
)

var (
	testJob   = lineage.Job{Namespace: "shop", Name: "orders.nightly"}
	testRunID = uuid.MustParse("01890a5d-ac96-774b-bcce-b302099a8057")
	ordersIn  = lineage.Dataset{Namespace: lineage.FileNamespace, Name: "/data/orders.parquet"}
	ordersOut = lineage.Dataset{Namespace: "postgres://db:5432", Name: "shop.public.orders"}
	testTime  = time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
)

func ordersSchema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "email", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ordered_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "address", Type: arrow.StructOf(
			arrow.Field{Name: "city", Type: arrow.BinaryTypes.String, Nullable: true},
			arrow.Field{Name: "zip", Type: arrow.BinaryTypes.String, Nullable: true},
		), Nullable: true},
	}, nil)
}

func fixedClock() func() time.Time { return func() time.Time { return testTime } }

// pipeline runs a typical gated copy: read, check, derive, write, end.
func pipeline(t *testing.T, runErr error, opts ...lineage.Option) (*lineagetest.Recorder, *lineagetest.Emitter, *lineage.Run) {
	t.Helper()
	rec := lineagetest.NewRecorder(t)
	em := &lineagetest.Emitter{}
	opts = append([]lineage.Option{
		lineage.WithTracerProvider(rec.TracerProvider()), lineage.WithEmitter(em),
		lineage.WithClock(fixedClock()), lineage.WithRunID(testRunID), lineage.WithOwner("payments-data@example.com"),
		lineage.WithJobTags(lineage.Tag{Key: "team", Value: "payments"}),
		lineage.WithRunTags(lineage.Tag{Key: "env", Value: "test", Source: "USER"}),
	}, opts...)
	ctx, run := lineage.Start(context.Background(), testJob, opts...)

	_, rd := run.Read(ctx, ordersIn, lineage.IOInfo{Path: ordersIn.Name})
	rd.End(1000, 64<<10, ordersSchema(), nil)

	_, chk := run.Check(ctx, "orders", ordersIn)
	chk.End([]lineage.Assertion{
		{Name: "amount_non_negative", Type: "row", Column: "amount", Success: false, Severity: "error",
			Expected: ">= 0.999", Actual: "0.998", Content: "amount >= 0.0", ContentType: "cel"},
		{Name: "order_id_unique", Type: "unique", Column: "order_id", Success: true, Severity: "error"},
	}, &lineage.Metrics{RowCount: lineage.Ptr[int64](1000), Columns: map[string]lineage.ColumnMetrics{
		"amount": {NullCount: lineage.Ptr[int64](0), Min: lineage.Ptr(-3.5), Max: lineage.Ptr(990.0)},
	}}, nil)

	run.Derive(lineage.Field{Dataset: ordersOut, Name: "order_id"}, []lineage.Field{{Dataset: ordersIn, Name: "order_id"}}, lineage.Identity())
	run.Derive(lineage.Field{Dataset: ordersOut, Name: "email_hash"}, []lineage.Field{{Dataset: ordersIn, Name: "email"}}, lineage.Masked("sha256(email)"))
	run.DeriveDataset(ordersOut, []lineage.Field{{Dataset: ordersIn, Name: "amount"}}, lineage.Filter("amount_non_negative"))

	wctx, wr := run.Write(ctx, ordersOut, lineage.IOInfo{Attributes: []attribute.KeyValue{
		attribute.String("db.system.name", "postgresql"), attribute.String("db.collection.name", "public.orders"),
	}})
	md, ok := lineage.ProducerMetadataFromContext(wctx)
	require.True(t, ok)
	assert.Equal(t, wr.ProducerMetadata(), md)
	wr.End(998, -1, ordersSchema(), nil)

	require.NoError(t, run.End(ctx, runErr))
	return rec, em, run
}

func TestRunSpans(t *testing.T) {
	rec, _, run := pipeline(t, nil)

	root := rec.Span(t, "run orders.nightly")
	assert.False(t, root.Parent().IsValid(), "root span has no parent")
	assert.Equal(t, run.SpanContext().SpanID(), root.SpanContext().SpanID())
	for key, want := range map[string]string{
		"openlineage.job.namespace": "shop",
		"openlineage.job.name":      "orders.nightly",
		"openlineage.run.id":        testRunID.String(),
		"sluice.owner":              "payments-data@example.com",
		"sluice.run.outcome":        "COMPLETE",
	} {
		v, ok := lineagetest.Attr(root, lineageKey(key))
		if assert.True(t, ok, key) {
			assert.Equal(t, want, v.AsString(), key)
		}
	}

	children := rec.Children(root)
	names := make([]string, 0, len(children))
	for _, c := range children {
		names = append(names, c.Name())
	}
	assert.ElementsMatch(t, []string{
		"read file:///data/orders.parquet", "check orders", "write postgres://db:5432/shop.public.orders",
	}, names)

	read := rec.Span(t, "read file:///data/orders.parquet")
	tests := []struct {
		key  string
		want any
	}{
		{"openlineage.dataset.namespace", "file"},
		{"openlineage.dataset.name", "/data/orders.parquet"},
		{"openlineage.io.direction", "input"},
		{"openlineage.run.id", testRunID.String()},
		{"file.path", "/data/orders.parquet"},
		{"file.size", int64(64 << 10)},
		{"sluice.io.rows", int64(1000)},
		{"sluice.io.bytes", int64(64 << 10)},
		{"sluice.schema.fingerprint", lineage.SchemaFingerprint(ordersSchema())},
		{"sluice.schema.fields", int64(5)},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			v, ok := lineagetest.Attr(read, lineageKey(tt.key))
			require.True(t, ok)
			assert.Equal(t, tt.want, v.AsInterface())
		})
	}

	write := rec.Span(t, "write postgres://db:5432/shop.public.orders")
	dir, _ := lineagetest.Attr(write, lineage.AttrIODirection)
	assert.Equal(t, "output", dir.AsString())
	_, hasBytes := lineagetest.Attr(write, lineage.AttrBytes)
	assert.False(t, hasBytes, "unknown byte count is not recorded")
	_, hasPath := lineagetest.Attr(write, lineage.AttrFilePath)
	assert.False(t, hasPath)
	dbSystem, _ := lineagetest.Attr(write, "db.system.name")
	assert.Equal(t, "postgresql", dbSystem.AsString(), "caller attributes are kept")

	check := rec.Span(t, "check orders")
	suite, _ := lineagetest.Attr(check, lineage.AttrTestSuiteName)
	assert.Equal(t, "orders", suite.AsString())
	status, _ := lineagetest.Attr(check, lineage.AttrTestSuiteRunStatus)
	assert.Equal(t, "failure", status.AsString())
	failed, _ := lineagetest.Attr(check, lineage.AttrChecksFailed)
	assert.Equal(t, int64(1), failed.AsInt64())
	assert.Equal(t, codes.Unset, check.Status().Code, "a failed rule is a result, not an error")
	cases := lineagetest.Events(check, lineage.EventTestCase)
	require.Len(t, cases, 2)
	name, _ := lineagetest.EventAttr(cases[0], lineage.AttrTestCaseName)
	res, _ := lineagetest.EventAttr(cases[0], lineage.AttrTestCaseStatus)
	col, _ := lineagetest.EventAttr(cases[0], lineage.AttrAssertionColumn)
	assert.Equal(t, "amount_non_negative", name.AsString())
	assert.Equal(t, "fail", res.AsString())
	assert.Equal(t, "amount", col.AsString())
	res, _ = lineagetest.EventAttr(cases[1], lineage.AttrTestCaseStatus)
	assert.Equal(t, "pass", res.AsString())
}

func TestRunEvents(t *testing.T) {
	_, em, _ := pipeline(t, nil)
	events := em.Events()
	require.Len(t, events, 2)
	assert.Equal(t, "START", events[0].EventType)
	assert.Equal(t, "COMPLETE", events[1].EventType)
	for _, ev := range events {
		assert.Equal(t, testRunID.String(), ev.Run.RunID)
		assert.Equal(t, "2026-11-27T04:00:00Z", ev.EventTime)
		assert.Equal(t, testJob.Name, ev.Job.Name)
		assert.Contains(t, ev.Job.Facets, "jobType")
		assert.Contains(t, ev.Job.Facets, "ownership")
		assert.Contains(t, ev.Job.Facets, "tags")
		assert.Contains(t, ev.Run.Facets, "tags")
		validateEvent(t, ev)
	}

	done := events[1]
	require.Len(t, done.Inputs, 1)
	require.Len(t, done.Outputs, 1)
	in, out := done.Inputs[0], done.Outputs[0]
	assert.Equal(t, ordersIn.Name, in.Name)
	assert.Equal(t, ordersOut.Name, out.Name)
	for _, k := range []string{"schema", "dataSource"} {
		assert.Contains(t, in.Facets, k)
		assert.Contains(t, out.Facets, k)
	}
	for _, k := range []string{"dataQualityAssertions", "dataQualityMetrics", "inputStatistics"} {
		assert.Contains(t, in.InputFacets, k)
	}
	assert.Contains(t, out.OutputFacets, "outputStatistics")
	assert.Contains(t, done.Run.Facets, "test")

	var jobType struct{ ProcessingType, Integration, JobType string }
	require.NoError(t, json.Unmarshal(done.Job.Facets["jobType"], &jobType))
	assert.Equal(t, struct{ ProcessingType, Integration, JobType string }{"BATCH", "SLUICE", "JOB"}, jobType)

	var schema struct {
		Fields []struct {
			Name            string `json:"name"`
			Type            string `json:"type"`
			OrdinalPosition int    `json:"ordinal_position"`
			Fields          []struct{ Name string }
		} `json:"fields"`
	}
	require.NoError(t, json.Unmarshal(in.Facets["schema"], &schema))
	require.Len(t, schema.Fields, 5)
	assert.Equal(t, "order_id", schema.Fields[0].Name)
	assert.Equal(t, "int64", schema.Fields[0].Type)
	assert.Equal(t, 1, schema.Fields[0].OrdinalPosition)
	assert.Equal(t, "timestamp[us, tz=UTC]", schema.Fields[3].Type)
	assert.Len(t, schema.Fields[4].Fields, 2, "struct children are nested fields")

	var ds struct{ Name, URI string }
	require.NoError(t, json.Unmarshal(out.Facets["dataSource"], &ds))
	assert.Equal(t, "postgres://db:5432", ds.URI)

	var cl struct {
		Fields map[string]struct {
			InputFields []struct {
				Namespace, Name, Field string
				Transformations        []lineage.Transformation
			}
		}
		Dataset []struct {
			Field           string
			Transformations []lineage.Transformation
		}
	}
	require.NoError(t, json.Unmarshal(out.Facets["columnLineage"], &cl))
	require.Contains(t, cl.Fields, "order_id")
	assert.Equal(t, []lineage.Transformation{lineage.Identity()}, cl.Fields["order_id"].InputFields[0].Transformations)
	assert.Equal(t, ordersIn.Name, cl.Fields["order_id"].InputFields[0].Name)
	require.Contains(t, cl.Fields, "email_hash")
	assert.True(t, cl.Fields["email_hash"].InputFields[0].Transformations[0].Masking)
	require.Len(t, cl.Dataset, 1)
	assert.Equal(t, "amount", cl.Dataset[0].Field)
	assert.Equal(t, lineage.Filter("amount_non_negative"), cl.Dataset[0].Transformations[0])

	var tf struct {
		Tests []struct{ Name, Status, Severity string }
	}
	require.NoError(t, json.Unmarshal(done.Run.Facets["test"], &tf))
	require.Len(t, tf.Tests, 2)
	assert.Equal(t, "fail", tf.Tests[0].Status)
	assert.Equal(t, "pass", tf.Tests[1].Status)

	var stats struct{ RowCount, Size int64 }
	require.NoError(t, json.Unmarshal(in.InputFacets["inputStatistics"], &stats))
	assert.Equal(t, int64(1000), stats.RowCount)
	assert.Equal(t, int64(64<<10), stats.Size)
}

func TestRunFail(t *testing.T) {
	rec, em, _ := pipeline(t, errors.New("gate: 1 error rule failed"))
	require.Len(t, em.ByType("START"), 1)
	require.Empty(t, em.ByType("COMPLETE"))
	fails := em.ByType("FAIL")
	require.Len(t, fails, 1)
	validateEvent(t, fails[0])
	var msg struct{ Message, ProgrammingLanguage string }
	require.NoError(t, json.Unmarshal(fails[0].Run.Facets["errorMessage"], &msg))
	assert.Equal(t, "gate: 1 error rule failed", msg.Message)
	assert.Equal(t, "GO", msg.ProgrammingLanguage)

	root := rec.Span(t, "run orders.nightly")
	assert.Equal(t, codes.Error, root.Status().Code)
}

func TestRunEndOnce(t *testing.T) {
	em := &lineagetest.Emitter{}
	ctx, run := lineage.Start(context.Background(), testJob, lineage.WithEmitter(em))
	require.NoError(t, run.End(ctx, nil))
	require.NoError(t, run.End(ctx, errors.New("late")))
	require.Len(t, em.Events(), 2)
	assert.Equal(t, "COMPLETE", em.Events()[1].EventType)
}

func TestRunNoopDefaults(t *testing.T) {
	ctx, run := lineage.Start(context.Background(), testJob)
	assert.Same(t, run, lineage.FromContext(ctx))
	assert.Equal(t, uuid.Version(7), run.ID().Version(), "run ids are UUIDv7")
	_, rd := run.Read(ctx, ordersIn, lineage.IOInfo{})
	rd.End(1, 1, nil, nil)
	assert.False(t, trace.SpanContextFromContext(ctx).IsValid(), "the default provider records nothing")
	assert.NoError(t, run.End(ctx, nil))
}

func TestRunProblems(t *testing.T) {
	tests := []struct {
		name string
		job  lineage.Job
		emit error
		want error
	}{
		{"invalid job", lineage.Job{Name: "x"}, nil, lineage.ErrInvalidJob},
		{"emitter error", testJob, errEmit, errEmit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			em := &lineagetest.Emitter{Err: tt.emit}
			ctx, run := lineage.Start(context.Background(), tt.job, lineage.WithEmitter(em))
			assert.ErrorIs(t, run.End(ctx, nil), tt.want)
		})
	}
}

var errEmit = errors.New("collector down")

func TestChildOfForeignContext(t *testing.T) {
	rec := lineagetest.NewRecorder(t)
	ctx, run := lineage.Start(context.Background(), testJob, lineage.WithTracerProvider(rec.TracerProvider()))
	// A context without the run's span still yields a child of the run.
	_, rd := run.Read(context.Background(), ordersIn, lineage.IOInfo{})
	rd.End(-1, -1, nil, errors.New("disk"))
	require.NoError(t, run.End(ctx, nil))
	read := rec.Span(t, "read file:///data/orders.parquet")
	assert.Equal(t, run.SpanContext().SpanID(), read.Parent().SpanID())
	assert.Equal(t, codes.Error, read.Status().Code)
	_, hasRows := lineagetest.Attr(read, lineage.AttrRows)
	assert.False(t, hasRows)
}

func TestConcurrentUse(t *testing.T) {
	rec := lineagetest.NewRecorder(t)
	em := &lineagetest.Emitter{}
	ctx, run := lineage.Start(context.Background(), testJob, lineage.WithTracerProvider(rec.TracerProvider()), lineage.WithEmitter(em))
	done := make(chan struct{})
	for i := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			ds := lineage.Dataset{Namespace: "mem", Name: string(rune('a' + i))}
			_, rd := run.Read(ctx, ds, lineage.IOInfo{})
			rd.End(10, 100, ordersSchema(), nil)
			_, c := run.Check(ctx, "rs", ds)
			c.End([]lineage.Assertion{{Name: "r", Success: true}}, nil, nil)
		}()
	}
	for range 8 {
		<-done
	}
	require.NoError(t, run.End(ctx, nil))
	assert.Len(t, rec.SpansByName("check rs"), 8)
	done2 := em.ByType("COMPLETE")
	require.Len(t, done2, 1)
	assert.Len(t, done2[0].Inputs, 8)
	validateEvent(t, done2[0])
}

func lineageKey(s string) attribute.Key { return attribute.Key(s) }

func TestEndAfterCancel(t *testing.T) {
	em := &lineagetest.Emitter{}
	ctx, cancel := context.WithCancel(context.Background())
	ctx, run := lineage.Start(ctx, testJob, lineage.WithEmitter(lineage.EmitterFunc(func(ctx context.Context, ev lineage.RunEvent) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return em.Emit(ctx, ev)
	})))
	cancel()
	require.NoError(t, run.End(ctx, context.Canceled))
	assert.Len(t, em.ByType("FAIL"), 1, "a canceled run still reports its failure")
}
