package lineagetest

import (
	"context"
	"slices"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sluicedata/sluice/lineage"
)

// Recorder records the spans of a TracerProvider that samples everything.
// It is safe for concurrent use.
type Recorder struct {
	rec *tracetest.SpanRecorder
	tp  *sdktrace.TracerProvider
}

// NewRecorder returns a Recorder whose provider is shut down when the test
// ends.
func NewRecorder(tb testing.TB) *Recorder {
	tb.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(rec))
	tb.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return &Recorder{rec: rec, tp: tp}
}

// TracerProvider returns the provider to pass to lineage.WithTracerProvider.
func (r *Recorder) TracerProvider() trace.TracerProvider { return r.tp }

// Spans returns the ended spans in the order they ended.
func (r *Recorder) Spans() []sdktrace.ReadOnlySpan { return r.rec.Ended() }

// Started returns the spans started so far, ended or not.
func (r *Recorder) Started() []sdktrace.ReadWriteSpan { return r.rec.Started() }

// SpansByName returns the ended spans called name.
func (r *Recorder) SpansByName(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range r.rec.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// Span returns the only ended span called name and fails the test when
// there is not exactly one.
func (r *Recorder) Span(tb testing.TB, name string) sdktrace.ReadOnlySpan {
	tb.Helper()
	spans := r.SpansByName(name)
	if len(spans) != 1 {
		names := make([]string, 0, len(r.rec.Ended()))
		for _, s := range r.rec.Ended() {
			names = append(names, s.Name())
		}
		tb.Fatalf("lineagetest: want exactly one span %q, found %d among %q", name, len(spans), names)
		return nil
	}
	return spans[0]
}

// Children returns the ended spans whose parent is parent.
func (r *Recorder) Children(parent sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range r.rec.Ended() {
		if s.Parent().SpanID() == parent.SpanContext().SpanID() && s.Parent().TraceID() == parent.SpanContext().TraceID() {
			out = append(out, s)
		}
	}
	return out
}

// Attr returns the value of the attribute key of span.
func Attr(span sdktrace.ReadOnlySpan, key attribute.Key) (attribute.Value, bool) {
	return find(span.Attributes(), key)
}

// LinkAttr returns the value of the attribute key of link.
func LinkAttr(link sdktrace.Link, key attribute.Key) (attribute.Value, bool) {
	return find(link.Attributes, key)
}

// Events returns the span events of span called name (e.g.
// lineage.EventTestCase).
func Events(span sdktrace.ReadOnlySpan, name string) []sdktrace.Event {
	var out []sdktrace.Event
	for _, e := range span.Events() {
		if e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// EventAttr returns the value of the attribute key of a span event.
func EventAttr(ev sdktrace.Event, key attribute.Key) (attribute.Value, bool) {
	return find(ev.Attributes, key)
}

func find(attrs []attribute.KeyValue, key attribute.Key) (attribute.Value, bool) {
	i := slices.IndexFunc(attrs, func(kv attribute.KeyValue) bool { return kv.Key == key })
	if i < 0 {
		return attribute.Value{}, false
	}
	return attrs[i].Value, true
}

// Emitter is a lineage.Emitter that keeps events in memory. The zero value
// is ready; it is safe for concurrent use.
type Emitter struct {
	mu     sync.Mutex
	events []lineage.RunEvent
	// Err, when set, is returned by Emit (after recording the event).
	Err error
}

// Emit records ev.
func (e *Emitter) Emit(_ context.Context, ev lineage.RunEvent) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.events = append(e.events, ev)
	return e.Err
}

// Events returns a copy of the events recorded so far.
func (e *Emitter) Events() []lineage.RunEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.events)
}

// ByType returns the recorded events of eventType (START, COMPLETE, FAIL).
func (e *Emitter) ByType(eventType string) []lineage.RunEvent {
	var out []lineage.RunEvent
	for _, ev := range e.Events() {
		if ev.EventType == eventType {
			out = append(out, ev)
		}
	}
	return out
}
