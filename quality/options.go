package quality

import (
	"crypto"
	"fmt"
	"log/slog"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/quality/history"
	"github.com/sluicedata/sluice/rules"
)

// Mode says which rows reach the clean output.
type Mode int

const (
	// ModeFilter sends clean rows to the clean output and rows failing an
	// error-severity row rule to the quarantine. The default.
	ModeFilter Mode = iota
	// ModeCheck gates the dataset as a whole: every row goes to the clean
	// output, which still commits only when the gate passes; a quarantine
	// sink receives copies of the failing rows.
	ModeCheck
)

// String returns "filter" or "check".
func (m Mode) String() string {
	switch m {
	case ModeFilter:
		return "filter"
	case ModeCheck:
		return "check"
	default:
		return fmt.Sprintf("Mode(%d)", int(m))
	}
}

// DefaultSampleLimit is the number of failing-row samples kept per rule
// unless WithSampleLimit says otherwise.
const DefaultSampleLimit = 5

// Option configures a Gate.
type Option func(*config)

type config struct {
	sink        connectors.Sink
	quarantine  connectors.Sink
	mode        Mode
	sampleLimit int
	refs        rules.ReferenceOpener
	clock       func() time.Time
	logger      *slog.Logger
	progress    func(rowsDone int64)
	mem         memory.Allocator
	strict      bool
	dataset     lineage.Dataset
	batchSize   int
	workers     int
	lineage     *lineage.Run
	zone        string
	masks       map[string]Mask
	maskKey     []byte
	// history records runs and serves history-aware checks (history.go).
	history        history.Store
	datasetVersion string
	partition      string        // partition.go
	auditKey       crypto.Signer // audit.go
	kpi            *kpis         // metrics.go
}

// WithSink sets the sink Run writes the clean output to. It is committed
// only when the gate passes (or warns, unless strict) and aborted
// otherwise.
func WithSink(s connectors.Sink) Option { return func(c *config) { c.sink = s } }

// WithQuarantine sets the sink Run and Filter write the failing rows to,
// with an extra column FailedRulesColumn. It is committed whenever the run
// completes, pass or fail, and aborted on a runtime error.
func WithQuarantine(s connectors.Sink) Option { return func(c *config) { c.quarantine = s } }

// WithMode sets the mode (default ModeFilter).
func WithMode(m Mode) Option { return func(c *config) { c.mode = m } }

// WithSampleLimit sets how many failing rows are sampled per rule (default
// DefaultSampleLimit; 0 keeps none).
func WithSampleLimit(n int) Option { return func(c *config) { c.sampleLimit = n } }

// WithReferences sets how missing_references checks open their reference
// datasets.
func WithReferences(open rules.ReferenceOpener) Option { return func(c *config) { c.refs = open } }

// WithClock sets the clock for started_at, duration_ms and the now() of
// dataset checks (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithProgress sets a function called after each batch with the number of
// rows processed so far, on the goroutine that reads.
func WithProgress(f func(rowsDone int64)) Option { return func(c *config) { c.progress = f } }

// WithAllocator sets the allocator of the batches the gate builds and of
// the reads Run starts (default memory.DefaultAllocator).
func WithAllocator(mem memory.Allocator) Option { return func(c *config) { c.mem = mem } }

// WithStrict makes a warning fail the gate.
func WithStrict(strict bool) Option { return func(c *config) { c.strict = strict } }

// WithDataset sets the physical identity reported as dataset_id. Run
// defaults to the source's Dataset().
func WithDataset(d lineage.Dataset) Option { return func(c *config) { c.dataset = d } }

// WithBatchSize sets the batch size Run asks the source for (default
// connectors.DefaultBatchSize).
func WithBatchSize(n int) Option { return func(c *config) { c.batchSize = n } }

// WithWorkers sets how many goroutines Check and Run evaluate batches on
// (default 0: one per core, GOMAXPROCS). Reports are the same for any
// count: batches are accounted for and written in the source's order. Filter
// evaluates on the goroutine that reads its stream.
func WithWorkers(n int) Option { return func(c *config) { c.workers = n } }

// WithLineage records the gate's work on run: a span "read {dataset}" for
// the source of Run (linked to the run that wrote it when its metadata says
// so), "check {rule set}" with one assertion per rule, "write {dataset}" for
// the clean and quarantine sinks (whose writers receive the producer
// metadata when they implement connectors.MetadataWriter), and the column
// lineage of the outputs. The report's Lineage names the run and its trace.
// The caller starts and ends run.
func WithLineage(run *lineage.Run) Option { return func(c *config) { c.lineage = run } }

func (c *config) validate() error {
	if c.sampleLimit < 0 {
		return fmt.Errorf("quality: sample limit %d: %w", c.sampleLimit, ErrConfig)
	}
	if c.mode != ModeFilter && c.mode != ModeCheck {
		return fmt.Errorf("quality: mode %d: %w", int(c.mode), ErrConfig)
	}
	if c.partition != "" && c.history == nil {
		return fmt.Errorf("quality: partition %q needs a history store (WithHistory): %w", c.partition, ErrConfig)
	}
	if c.batchSize < 0 {
		return fmt.Errorf("quality: batch size %d: %w", c.batchSize, ErrConfig)
	}
	if c.workers < 0 {
		return fmt.Errorf("quality: workers %d: %w", c.workers, ErrConfig)
	}
	return nil
}

func defaultConfig() config {
	return config{
		sampleLimit: DefaultSampleLimit,
		clock:       time.Now,
		logger:      slog.New(slog.DiscardHandler),
		mem:         memory.DefaultAllocator,
	}
}
