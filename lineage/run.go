package lineage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// TracerName is the instrumentation scope of the spans of this package.
const TracerName = "github.com/sluicedata/sluice/lineage"

// Run is one execution of a Job: a root span, child spans for its reads,
// checks and writes, and (with WithEmitter) OpenLineage START and
// COMPLETE/FAIL events. A Run is safe for concurrent use; its handles (IO,
// Check) belong to the goroutine that started them.
type Run struct {
	cfg     config
	job     Job
	id      uuid.UUID
	tracer  trace.Tracer
	root    trace.Span
	rootCtx context.Context
	started time.Time

	mu       sync.Mutex
	datasets map[dsKey]*dsState
	order    []*dsState
	tests    []testExecution
	errs     []error
	ended    bool
	// runFacets are the callers' own run facets of the terminal event
	// (SetRunFacet), encoded with _producer and _schemaURL.
	runFacets map[string]json.RawMessage
}

type dsKey struct {
	ds  Dataset
	dir string
}

type dsState struct {
	ds         Dataset
	dir        string
	sourceURI  string
	schema     *arrow.Schema
	rows       int64
	bytes      int64
	haveCounts bool
	assertions []Assertion
	metrics    *Metrics
	fields     map[string][]inputField
	fieldOrder []string
	dsLineage  []inputField
	colTags    map[string][]string
}

type testExecution struct {
	Name        string `json:"name"`
	Status      string `json:"status"`
	Severity    string `json:"severity,omitempty"`
	Type        string `json:"type,omitempty"`
	Description string `json:"description,omitempty"`
	Expected    string `json:"expected,omitempty"`
	Actual      string `json:"actual,omitempty"`
	Content     string `json:"content,omitempty"`
	ContentType string `json:"contentType,omitempty"`
}

type runCtxKey struct{}

// Start begins a run of job: it starts the root span "run {job.Name}" and
// emits the OpenLineage START event. The returned context carries the root
// span and the Run (see FromContext); pass it to Read, Check and Write.
// Start never fails: problems (an invalid job, an emitter error) are
// returned by End.
func Start(ctx context.Context, job Job, opts ...Option) (context.Context, *Run) {
	cfg := config{
		clock:         time.Now,
		processing:    "BATCH",
		integration:   "SLUICE",
		jobType:       "JOB",
		producer:      DefaultProducer,
		maxFacetBytes: DefaultMaxFacetBytes,
		maxEventBytes: DefaultMaxEventBytes,
		logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.tp == nil {
		cfg.tp = noop.NewTracerProvider()
	}
	r := &Run{cfg: cfg, job: job, id: cfg.runID, datasets: map[dsKey]*dsState{}}
	if r.id == uuid.Nil {
		id, err := uuid.NewV7()
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("lineage: run id: %w", err))
			id = uuid.New()
		}
		r.id = id
	}
	if job.Namespace == "" || job.Name == "" {
		r.errs = append(r.errs, fmt.Errorf("%w: namespace %q, name %q", ErrInvalidJob, job.Namespace, job.Name))
	}
	r.tracer = cfg.tp.Tracer(TracerName)
	attrs := []attribute.KeyValue{
		AttrJobNamespace.String(job.Namespace),
		AttrJobName.String(job.Name),
		AttrRunID.String(r.id.String()),
	}
	if cfg.owner != "" {
		attrs = append(attrs, AttrOwner.String(cfg.owner))
	}
	r.started = cfg.clock()
	ctx, r.root = r.tracer.Start(ctx, SpanRunPrefix+job.Name, trace.WithAttributes(attrs...))
	ctx = context.WithValue(ctx, runCtxKey{}, r)
	r.rootCtx = ctx
	r.emit(ctx, "START", nil)
	return ctx, r
}

// FromContext returns the Run carried by ctx (set by Start, Read, Check and
// Write), or nil.
func FromContext(ctx context.Context) *Run {
	r, _ := ctx.Value(runCtxKey{}).(*Run)
	return r
}

// ID returns the run id (a UUIDv7 unless WithRunID was given).
func (r *Run) ID() uuid.UUID { return r.id }

// Job returns the job of the run.
func (r *Run) Job() Job { return r.job }

// SpanContext returns the span context of the root span.
func (r *Run) SpanContext() trace.SpanContext { return r.root.SpanContext() }

// parent returns ctx if its span belongs to this run's trace, else a context
// whose span is the run's root, so that every child span hangs under the run.
func (r *Run) parent(ctx context.Context) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() || sc.TraceID() != r.root.SpanContext().TraceID() {
		ctx = trace.ContextWithSpan(ctx, r.root)
	}
	if FromContext(ctx) != r {
		ctx = context.WithValue(ctx, runCtxKey{}, r)
	}
	return ctx
}

func (r *Run) baseAttrs(ds Dataset) []attribute.KeyValue {
	a := []attribute.KeyValue{
		AttrJobNamespace.String(r.job.Namespace),
		AttrJobName.String(r.job.Name),
		AttrRunID.String(r.id.String()),
		AttrDatasetNamespace.String(ds.Namespace),
		AttrDatasetName.String(ds.Name),
	}
	if r.cfg.owner != "" {
		a = append(a, AttrOwner.String(r.cfg.owner))
	}
	return a
}

// state returns the dataset's state for a direction, creating it; r.mu held.
func (r *Run) state(ds Dataset, dir string) *dsState {
	k := dsKey{ds, dir}
	s := r.datasets[k]
	if s == nil {
		s = &dsState{ds: ds, dir: dir}
		r.datasets[k] = s
		r.order = append(r.order, s)
	}
	return s
}

// IO is the handle of one read or write, ended with End.
type IO struct {
	run  *Run
	span trace.Span
	ds   Dataset
	dir  string
	path string
	once sync.Once
}

// Read starts the span "read {ds}" (a child of the run) for reading ds and
// records ds as an input of the run. End the returned IO when the read is
// done; the returned context carries the read span.
func (r *Run) Read(ctx context.Context, ds Dataset, info IOInfo) (context.Context, *IO) {
	return r.startIO(ctx, ds, info, DirectionInput, SpanReadPrefix)
}

// Write starts the span "write {ds}" for writing ds and records ds as an
// output of the run. Writers should store ProducerMetadata of the returned
// IO (or of the context) in the dataset's key-value metadata so that later
// readers can link to this write.
func (r *Run) Write(ctx context.Context, ds Dataset, info IOInfo) (context.Context, *IO) {
	return r.startIO(ctx, ds, info, DirectionOutput, SpanWritePrefix)
}

func (r *Run) startIO(ctx context.Context, ds Dataset, info IOInfo, dir, prefix string) (context.Context, *IO) {
	attrs := append(r.baseAttrs(ds), AttrIODirection.String(dir))
	if info.Path != "" {
		attrs = append(attrs, AttrFilePath.String(info.Path))
	}
	if len(info.ColumnTags) > 0 {
		names := make([]string, 0, len(info.ColumnTags))
		for c, tags := range info.ColumnTags {
			if len(tags) > 0 {
				names = append(names, c)
			}
		}
		sort.Strings(names)
		if len(names) > 0 {
			attrs = append(attrs, AttrTaggedColumns.StringSlice(names))
		}
	}
	attrs = append(attrs, info.Attributes...)
	startOpts := []trace.SpanStartOption{trace.WithAttributes(attrs...)}
	if dir == DirectionInput {
		if l, ok := LinkFromMetadata(info.Metadata, ds); ok {
			startOpts = append(startOpts, trace.WithLinks(l))
		}
	}
	ctx, span := r.tracer.Start(r.parent(ctx), prefix+ds.String(), startOpts...)
	r.mu.Lock()
	s := r.state(ds, dir)
	if info.DataSourceURI != "" {
		s.sourceURI = info.DataSourceURI
	}
	for c, tags := range info.ColumnTags {
		if len(tags) == 0 {
			continue
		}
		if s.colTags == nil {
			s.colTags = map[string][]string{}
		}
		for _, t := range tags {
			if !slices.Contains(s.colTags[c], t) {
				s.colTags[c] = append(s.colTags[c], t)
			}
		}
	}
	r.mu.Unlock()
	return ctx, &IO{run: r, span: span, ds: ds, dir: dir, path: info.Path}
}

// LinkProducer adds a span link to the producer recorded in md (the
// dataset's key-value metadata, see ProducerMetadata), for readers that learn
// the metadata after Read started. It reports whether a link was added.
func (io *IO) LinkProducer(md map[string]string) bool {
	l, ok := LinkFromMetadata(md, io.ds)
	if ok {
		io.span.AddLink(l)
	}
	return ok
}

// ProducerMetadata returns the key-value metadata a writer stores with the
// dataset: the run id, job and W3C trace context of this IO's span.
func (io *IO) ProducerMetadata() map[string]string {
	return producerMetadata(io.run, io.span.SpanContext())
}

// SpanContext returns the span context of the IO's span.
func (io *IO) SpanContext() trace.SpanContext { return io.span.SpanContext() }

// End finishes the read or write: rows and bytes are the counts moved (a
// negative value is unknown and not recorded), schema (may be nil) is the
// dataset's Arrow schema and err the failure, if any. Only the first call
// has an effect.
func (io *IO) End(rows, bytes int64, schema *arrow.Schema, err error) {
	io.once.Do(func() {
		if rows >= 0 {
			io.span.SetAttributes(AttrRows.Int64(rows))
		}
		if bytes >= 0 {
			io.span.SetAttributes(AttrBytes.Int64(bytes))
			if io.path != "" {
				io.span.SetAttributes(AttrFileSize.Int64(bytes))
			}
		}
		if schema != nil {
			io.span.SetAttributes(
				AttrSchemaFingerprint.String(SchemaFingerprint(schema)),
				AttrSchemaFields.Int(schema.NumFields()),
			)
		}
		if err != nil {
			io.span.RecordError(err)
			io.span.SetStatus(codes.Error, err.Error())
		}
		r := io.run
		r.mu.Lock()
		s := r.state(io.ds, io.dir)
		if schema != nil {
			s.schema = schema
		}
		if rows >= 0 {
			s.rows += rows
			s.haveCounts = true
		}
		if bytes >= 0 {
			s.bytes += bytes
		}
		r.mu.Unlock()
		io.span.End()
	})
}

// Check is the handle of one rule-set evaluation, ended with End.
type Check struct {
	run     *Run
	span    trace.Span
	ds      Dataset
	ruleset string
	once    sync.Once
}

// Check starts the span "check {ruleset}" for evaluating a rule set on ds,
// an input of the run (recorded as such if Read was not called for it).
func (r *Run) Check(ctx context.Context, ruleset string, ds Dataset) (context.Context, *Check) {
	attrs := append(r.baseAttrs(ds), AttrTestSuiteName.String(ruleset))
	ctx, span := r.tracer.Start(r.parent(ctx), SpanCheckPrefix+ruleset, trace.WithAttributes(attrs...))
	r.mu.Lock()
	r.state(ds, DirectionInput)
	r.mu.Unlock()
	return ctx, &Check{run: r, span: span, ds: ds, ruleset: ruleset}
}

// End finishes the check with the assertions' outcomes and the measured
// metrics (may be nil). Every assertion becomes a "test.case" span event and
// an entry of the dataQualityAssertions input facet and of the test run
// facet; metrics become the dataQualityMetrics input facet. err reports that
// the check could not be done (not that rules failed). Only the first call
// has an effect.
func (c *Check) End(assertions []Assertion, metrics *Metrics, err error) {
	c.once.Do(func() {
		passed, failed := 0, 0
		tests := make([]testExecution, 0, len(assertions))
		for _, a := range assertions {
			status := "pass"
			if a.Success {
				passed++
			} else {
				status = "fail"
				failed++
			}
			ev := []attribute.KeyValue{AttrTestCaseName.String(a.Name), AttrTestCaseStatus.String(status)}
			for _, kv := range []struct {
				k attribute.Key
				v string
			}{{AttrAssertionColumn, a.Column}, {AttrAssertionKind, a.Type}, {AttrSeverity, a.Severity}, {AttrExpected, a.Expected}, {AttrActual, a.Actual}} {
				if kv.v != "" {
					ev = append(ev, kv.k.String(kv.v))
				}
			}
			c.span.AddEvent(EventTestCase, trace.WithAttributes(ev...))
			tests = append(tests, testExecution{
				Name: a.Name, Status: status, Severity: a.Severity, Type: a.Type,
				Description: a.Description, Expected: a.Expected, Actual: a.Actual,
				Content: a.Content, ContentType: a.ContentType,
			})
		}
		suite := "success"
		if failed > 0 || err != nil {
			suite = "failure"
		}
		c.span.SetAttributes(AttrChecksPassed.Int(passed), AttrChecksFailed.Int(failed), AttrTestSuiteRunStatus.String(suite))
		if metrics != nil && metrics.RowCount != nil {
			c.span.SetAttributes(AttrCheckRows.Int64(*metrics.RowCount))
		}
		if err != nil {
			c.span.RecordError(err)
			c.span.SetStatus(codes.Error, err.Error())
		}
		r := c.run
		r.mu.Lock()
		s := r.state(c.ds, DirectionInput)
		s.assertions = append(s.assertions, assertions...)
		if metrics != nil {
			s.metrics = mergeMetrics(s.metrics, metrics)
		}
		r.tests = append(r.tests, tests...)
		r.mu.Unlock()
		c.span.End()
	})
}

// mergeMetrics overlays b on a: known values of b win, columns are united.
func mergeMetrics(a, b *Metrics) *Metrics {
	if a == nil {
		a = &Metrics{}
	}
	out := *a
	if b.RowCount != nil {
		out.RowCount = b.RowCount
	}
	if b.Bytes != nil {
		out.Bytes = b.Bytes
	}
	if b.FileCount != nil {
		out.FileCount = b.FileCount
	}
	if len(b.Columns) > 0 {
		cols := make(map[string]ColumnMetrics, len(a.Columns)+len(b.Columns))
		for k, v := range a.Columns {
			cols[k] = v
		}
		for k, v := range b.Columns {
			cols[k] = v
		}
		out.Columns = cols
	}
	return &out
}

type inputField struct {
	Namespace       string           `json:"namespace"`
	Name            string           `json:"name"`
	Field           string           `json:"field"`
	Transformations []Transformation `json:"transformations,omitempty"`
}

// Derive records column-level lineage: output field out is computed from
// inputs by t (Identity for copied columns, Masked for masking, Filter for
// inputs that decided which rows passed). Repeated calls accumulate. The
// output dataset becomes an output of the run. It ends in the
// columnLineage facet of the output dataset.
func (r *Run) Derive(out Field, inputs []Field, t Transformation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.state(out.Dataset, DirectionOutput)
	if s.fields == nil {
		s.fields = map[string][]inputField{}
	}
	if _, ok := s.fields[out.Name]; !ok {
		s.fieldOrder = append(s.fieldOrder, out.Name)
	}
	for _, in := range inputs {
		s.fields[out.Name] = append(s.fields[out.Name], inputField{
			Namespace: in.Dataset.Namespace, Name: in.Dataset.Name, Field: in.Name,
			Transformations: []Transformation{t},
		})
	}
}

// DeriveDataset records lineage that affects the whole output dataset rather
// than one column: typically the columns read by row rules that filtered
// which rows reached out (t = Filter(rule)). It ends in the "dataset" list of
// the columnLineage facet.
func (r *Run) DeriveDataset(out Dataset, inputs []Field, t Transformation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.state(out, DirectionOutput)
	for _, in := range inputs {
		s.dsLineage = append(s.dsLineage, inputField{
			Namespace: in.Dataset.Namespace, Name: in.Dataset.Name, Field: in.Name,
			Transformations: []Transformation{t},
		})
	}
}

// ErrInvalidFacet is returned (wrapped) by SetRunFacet for a facet that
// cannot be attached: no name, a name the package writes itself, or fields
// that do not encode as a JSON object.
var ErrInvalidFacet = errors.New("lineage: invalid run facet")

// reservedRunFacets are the run facets the package writes itself.
var reservedRunFacets = map[string]bool{"test": true, "errorMessage": true, "tags": true, "sluice_truncation": true}

// SetRunFacet attaches a run facet of the caller's own to the terminal
// (COMPLETE or FAIL) event. name is the facet's key (a custom facet's name
// carries its producer's prefix, e.g. "sluice_audit"), schemaURL the URL of
// its JSON Schema, and fields the facet's own properties: a value that
// encodes as a JSON object (a struct or a map), copied now. _producer and
// _schemaURL are added. A later call with the same name replaces the
// facet; calls after End have no effect. The facet is held to the size
// caps like the others.
func (r *Run) SetRunFacet(name, schemaURL string, fields any) error {
	if name == "" || reservedRunFacets[name] {
		return fmt.Errorf("%w: name %q", ErrInvalidFacet, name)
	}
	raw, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("%w %s: %w", ErrInvalidFacet, name, err)
	}
	var props map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&props); err != nil || props == nil {
		return fmt.Errorf("%w %s: fields must encode as a JSON object", ErrInvalidFacet, name)
	}
	base, err := json.Marshal(r.base(schemaURL))
	if err != nil {
		return fmt.Errorf("%w %s: %w", ErrInvalidFacet, name, err)
	}
	if err := json.Unmarshal(base, &props); err != nil {
		return fmt.Errorf("%w %s: %w", ErrInvalidFacet, name, err)
	}
	raw, err = json.Marshal(props)
	if err != nil {
		return fmt.Errorf("%w %s: %w", ErrInvalidFacet, name, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return nil
	}
	if r.runFacets == nil {
		r.runFacets = map[string]json.RawMessage{}
	}
	r.runFacets[name] = raw
	return nil
}

// End finishes the run: err == nil emits COMPLETE, otherwise FAIL with the
// errorMessage run facet, and ends the root span (status Error on failure).
// The terminal event repeats every input and output with their facets. Only
// the first call emits; later calls return nil. The returned error joins
// every problem of the run's bookkeeping (invalid job, emitter failures);
// it is not the run's outcome. The event is emitted with ctx's values but
// without its cancellation, so a canceled run still reports FAIL.
func (r *Run) End(ctx context.Context, err error) error {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return nil
	}
	r.ended = true
	r.mu.Unlock()
	if ctx == nil {
		ctx = context.Background()
	}
	eventType := "COMPLETE"
	if err != nil {
		eventType = "FAIL"
		r.root.RecordError(err)
		r.root.SetStatus(codes.Error, err.Error())
	}
	r.root.SetAttributes(attribute.String("sluice.run.outcome", eventType))
	// The terminal event must go out even when the work's context was
	// canceled (often the very cause of the failure); emitters bound their
	// own time (HTTPEmitter: attempt timeout × retries).
	r.emit(context.WithoutCancel(ctx), eventType, err)
	r.root.End()
	r.mu.Lock()
	defer r.mu.Unlock()
	return errors.Join(r.errs...)
}

// emit builds and sends one event; failures are kept for End.
func (r *Run) emit(ctx context.Context, eventType string, runErr error) {
	if r.cfg.emitter == nil {
		return
	}
	ev, err := r.buildEvent(eventType, runErr)
	if err == nil {
		err = r.cfg.emitter.Emit(ctx, ev)
	}
	if err != nil {
		err = fmt.Errorf("lineage: emit %s event of run %s: %w", eventType, r.id, err)
		r.cfg.logger.Warn("lineage event not emitted", "event", eventType, "run", r.id.String(), "error", err)
		r.countEmitFailure(ctx, eventType)
		r.mu.Lock()
		r.errs = append(r.errs, err)
		r.mu.Unlock()
	}
}
