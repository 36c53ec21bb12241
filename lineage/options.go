package lineage

import (
	"log/slog"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// DefaultProducer is the OpenLineage producer URI of events and facets.
const DefaultProducer = "https://github.com/sluicedata/sluice"

// Default size caps of emitted events (see WithSizeCaps).
const (
	DefaultMaxFacetBytes = 64 << 10
	DefaultMaxEventBytes = 1 << 20
)

// Option configures Start.
type Option func(*config)

type config struct {
	tp            trace.TracerProvider
	emitter       Emitter
	clock         func() time.Time
	runID         uuid.UUID
	owner         string
	jobTags       []Tag
	runTags       []Tag
	processing    string
	integration   string
	jobType       string
	producer      string
	maxFacetBytes int
	maxEventBytes int
	logger        *slog.Logger
	emitFailures  metric.Int64Counter // nil without WithMeterProvider
}

// WithTracerProvider sets where spans go. The default is a no-op provider:
// the package never reads the global otel provider; pass
// otel.GetTracerProvider() explicitly to use it.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) {
		if tp != nil {
			c.tp = tp
		}
	}
}

// WithEmitter sends OpenLineage RunEvents (START, then one COMPLETE or FAIL)
// to e. Without it no events are built.
func WithEmitter(e Emitter) Option { return func(c *config) { c.emitter = e } }

// WithClock sets the time source of event times (default time.Now). Span
// timestamps come from the TracerProvider.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.clock = now
		}
	}
}

// WithRunID fixes the run id (default: a fresh UUIDv7). Meant for tests and
// for resuming a run started elsewhere.
func WithRunID(id uuid.UUID) Option { return func(c *config) { c.runID = id } }

// WithOwner names the accountable owner of the job (the rule file's owner):
// span attribute sluice.owner and the ownership job facet.
func WithOwner(owner string) Option { return func(c *config) { c.owner = owner } }

// WithJobTags adds tags to the job (tags job facet).
func WithJobTags(tags ...Tag) Option {
	return func(c *config) { c.jobTags = append(c.jobTags, tags...) }
}

// WithRunTags adds tags to the run (tags run facet).
func WithRunTags(tags ...Tag) Option {
	return func(c *config) { c.runTags = append(c.runTags, tags...) }
}

// WithJobType sets the jobType job facet. Defaults: "BATCH", "SLUICE", "JOB".
func WithJobType(processingType, integration, jobType string) Option {
	return func(c *config) {
		c.processing, c.integration, c.jobType = processingType, integration, jobType
	}
}

// WithProducer sets the producer URI of events and facets (default
// DefaultProducer). It must be an absolute URI.
func WithProducer(uri string) Option { return func(c *config) { c.producer = uri } }

// WithSizeCaps bounds the JSON size of each facet and of each whole event.
// A facet over its cap keeps as many list entries as fit and is marked
// "truncated": true with "droppedEntries"; an event over its cap loses its
// largest dataset facets first, listed in the sluice_truncation run facet.
// Zero or negative keeps the default.
func WithSizeCaps(maxFacetBytes, maxEventBytes int) Option {
	return func(c *config) {
		if maxFacetBytes > 0 {
			c.maxFacetBytes = maxFacetBytes
		}
		if maxEventBytes > 0 {
			c.maxEventBytes = maxEventBytes
		}
	}
}

// WithLogger receives emission failures as they happen (default: discard);
// they are also returned, joined, by Run.End.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}
