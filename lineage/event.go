package lineage

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Schema URLs of the OpenLineage objects this package emits.
const (
	RunEventSchemaURL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"

	schemaURLSchema        = "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
	schemaURLDataSource    = "https://openlineage.io/spec/facets/1-0-1/DatasourceDatasetFacet.json#/$defs/DatasourceDatasetFacet"
	schemaURLColumnLineage = "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet"
	schemaURLDQMetrics     = "https://openlineage.io/spec/facets/1-0-3/DataQualityMetricsInputDatasetFacet.json#/$defs/DataQualityMetricsInputDatasetFacet"
	schemaURLDQAssertions  = "https://openlineage.io/spec/facets/1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet"
	schemaURLInputStats    = "https://openlineage.io/spec/facets/1-0-0/InputStatisticsInputDatasetFacet.json#/$defs/InputStatisticsInputDatasetFacet"
	schemaURLOutputStats   = "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet"
	schemaURLJobType       = "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"
	schemaURLOwnership     = "https://openlineage.io/spec/facets/1-0-1/OwnershipJobFacet.json#/$defs/OwnershipJobFacet"
	schemaURLJobTags       = "https://openlineage.io/spec/facets/1-0-0/TagsJobFacet.json#/$defs/TagsJobFacet"
	schemaURLRunTags       = "https://openlineage.io/spec/facets/1-0-0/TagsRunFacet.json#/$defs/TagsRunFacet"
	schemaURLDatasetTags   = "https://openlineage.io/spec/facets/1-0-0/TagsDatasetFacet.json#/$defs/TagsDatasetFacet"
	schemaURLTest          = "https://openlineage.io/spec/facets/1-0-1/TestRunFacet.json#/$defs/TestRunFacet"
	schemaURLErrorMessage  = "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet"
	// SchemaURLTruncation is the schema URL of Sluice's own run facet
	// "sluice_truncation", which lists facets dropped to respect the event
	// size cap.
	SchemaURLTruncation = "https://github.com/sluicedata/sluice/blob/main/docs/lineage/TruncationRunFacet.json"
)

// RunEvent is an OpenLineage RunEvent (spec 2-0-2). Facets are kept as
// encoded JSON, already within their size caps.
type RunEvent struct {
	EventType string         `json:"eventType"` // START, COMPLETE or FAIL
	EventTime string         `json:"eventTime"` // RFC 3339, UTC
	Producer  string         `json:"producer"`
	SchemaURL string         `json:"schemaURL"`
	Run       EventRun       `json:"run"`
	Job       EventJob       `json:"job"`
	Inputs    []EventDataset `json:"inputs"`
	Outputs   []EventDataset `json:"outputs"`
}

// Facets maps a facet name to its JSON.
type Facets map[string]json.RawMessage

// EventRun is the run of a RunEvent.
type EventRun struct {
	RunID  string `json:"runId"`
	Facets Facets `json:"facets,omitempty"`
}

// EventJob is the job of a RunEvent.
type EventJob struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Facets    Facets `json:"facets,omitempty"`
}

// EventDataset is an input or output dataset of a RunEvent.
type EventDataset struct {
	Namespace    string `json:"namespace"`
	Name         string `json:"name"`
	Facets       Facets `json:"facets,omitempty"`
	InputFacets  Facets `json:"inputFacets,omitempty"`
	OutputFacets Facets `json:"outputFacets,omitempty"`
}

type baseFacet struct {
	Producer  string `json:"_producer"`
	SchemaURL string `json:"_schemaURL"`
}

// truncMark is added to a facet whose list was cut to fit its cap.
type truncMark struct {
	Truncated      bool `json:"truncated,omitempty"`
	DroppedEntries int  `json:"droppedEntries,omitempty"`
}

func (m *truncMark) mark(total, kept int) {
	if kept < total {
		m.Truncated, m.DroppedEntries = true, total-kept
	}
}

// listFacet is a facet made mostly of a list that can be cut.
type listFacet interface {
	entries() int
	keep(k int) any // a copy holding the first k entries, marked truncated
}

type schemaFacet struct {
	baseFacet
	Fields []schemaField `json:"fields"`
	truncMark
}

func (f schemaFacet) entries() int { return len(f.Fields) }
func (f schemaFacet) keep(k int) any {
	n := len(f.Fields)
	f.Fields = f.Fields[:k]
	f.mark(n, k)
	return f
}

type dataSourceFacet struct {
	baseFacet
	Name string `json:"name,omitempty"`
	URI  string `json:"uri,omitempty"`
}

type assertionEntry struct {
	Assertion   string `json:"assertion"`
	Success     bool   `json:"success"`
	Column      string `json:"column,omitempty"`
	Severity    string `json:"severity,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Expected    string `json:"expected,omitempty"`
	Actual      string `json:"actual,omitempty"`
	Content     string `json:"content,omitempty"`
	ContentType string `json:"contentType,omitempty"`
}

type assertionsFacet struct {
	baseFacet
	Assertions []assertionEntry `json:"assertions"`
	truncMark
}

func (f assertionsFacet) entries() int { return len(f.Assertions) }
func (f assertionsFacet) keep(k int) any {
	n := len(f.Assertions)
	f.Assertions = f.Assertions[:k]
	f.mark(n, k)
	return f
}

type metricsFacet struct {
	baseFacet
	RowCount      *int64                   `json:"rowCount,omitempty"`
	Bytes         *int64                   `json:"bytes,omitempty"`
	FileCount     *int64                   `json:"fileCount,omitempty"`
	ColumnMetrics map[string]ColumnMetrics `json:"columnMetrics"`
	columns       []string                 // sorted keys, for truncation
	truncMark
}

func (f metricsFacet) entries() int { return len(f.columns) }
func (f metricsFacet) keep(k int) any {
	n := len(f.columns)
	cm := make(map[string]ColumnMetrics, k)
	for _, c := range f.columns[:k] {
		cm[c] = f.ColumnMetrics[c]
	}
	f.ColumnMetrics, f.columns = cm, f.columns[:k]
	f.mark(n, k)
	return f
}

type fieldLineage struct {
	InputFields []inputField `json:"inputFields"`
}

type columnLineageFacet struct {
	baseFacet
	Fields  map[string]fieldLineage `json:"fields"`
	Dataset []inputField            `json:"dataset,omitempty"`
	order   []string
	truncMark
}

// entries counts output fields first, then dataset-wide entries.
func (f columnLineageFacet) entries() int { return len(f.order) + len(f.Dataset) }
func (f columnLineageFacet) keep(k int) any {
	n := f.entries()
	if k <= len(f.order) {
		fields := make(map[string]fieldLineage, k)
		for _, name := range f.order[:k] {
			fields[name] = f.Fields[name]
		}
		f.Fields, f.order, f.Dataset = fields, f.order[:k], nil
	} else {
		f.Dataset = f.Dataset[:k-len(f.order)]
	}
	f.mark(n, k)
	return f
}

type statisticsFacet struct {
	baseFacet
	RowCount int64  `json:"rowCount"`
	Size     *int64 `json:"size,omitempty"`
}

type jobTypeFacet struct {
	baseFacet
	ProcessingType string `json:"processingType"`
	Integration    string `json:"integration"`
	JobType        string `json:"jobType,omitempty"`
}

type owner struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

type ownershipFacet struct {
	baseFacet
	Owners []owner `json:"owners"`
}

type tagsFacet struct {
	baseFacet
	Tags []Tag `json:"tags"`
	truncMark
}

func (f tagsFacet) entries() int { return len(f.Tags) }
func (f tagsFacet) keep(k int) any {
	n := len(f.Tags)
	f.Tags = f.Tags[:k]
	f.mark(n, k)
	return f
}

type testFacet struct {
	baseFacet
	Tests []testExecution `json:"tests"`
	truncMark
}

func (f testFacet) entries() int { return len(f.Tests) }
func (f testFacet) keep(k int) any {
	n := len(f.Tests)
	f.Tests = f.Tests[:k]
	f.mark(n, k)
	return f
}

type errorMessageFacet struct {
	baseFacet
	Message             string `json:"message"`
	ProgrammingLanguage string `json:"programmingLanguage"`
}

type truncationFacet struct {
	baseFacet
	DroppedFacets []string `json:"droppedFacets"`
}

// eventBuilder collects facets under their caps.
type eventBuilder struct {
	maxFacet int
	dropped  []string
	err      error
}

// add encodes v under the facet cap into fs[name]; a facet that cannot fit
// is dropped and listed.
func (b *eventBuilder) add(fs Facets, path, name string, v any) {
	raw, err := capFacet(v, b.maxFacet)
	if err != nil {
		b.err = fmt.Errorf("lineage: encode facet %s: %w", name, err)
		return
	}
	if raw == nil {
		b.dropped = append(b.dropped, path+"."+name)
		return
	}
	fs[name] = raw
}

// capFacet returns v's JSON if it fits max bytes; for list facets the
// longest prefix that fits (marked truncated); nil if nothing fits.
func capFacet(v any, max int) (json.RawMessage, error) {
	raw, err := json.Marshal(v)
	if err != nil || len(raw) <= max {
		return raw, err
	}
	lf, ok := v.(listFacet)
	if !ok {
		return nil, nil
	}
	// Largest k in [0, n) whose encoding fits: binary search, size grows with k.
	lo, hi := -1, lf.entries()-1 // invariant: lo fits (or -1), hi+1 does not
	var best json.RawMessage
	for lo < hi {
		mid := (lo + hi + 1) / 2
		r, err := json.Marshal(lf.keep(mid))
		if err != nil {
			return nil, err
		}
		if len(r) <= max {
			lo, best = mid, r
		} else {
			hi = mid - 1
		}
	}
	return best, nil
}

func (r *Run) base(schemaURL string) baseFacet {
	return baseFacet{Producer: r.cfg.producer, SchemaURL: schemaURL}
}

// buildEvent snapshots the run into an event of the given type.
func (r *Run) buildEvent(eventType string, runErr error) (RunEvent, error) {
	b := &eventBuilder{maxFacet: r.cfg.maxFacetBytes}
	ev := RunEvent{
		EventType: eventType,
		EventTime: r.cfg.clock().UTC().Format(time.RFC3339Nano),
		Producer:  r.cfg.producer,
		SchemaURL: RunEventSchemaURL,
		Run:       EventRun{RunID: r.id.String(), Facets: Facets{}},
		Job:       EventJob{Namespace: r.job.Namespace, Name: r.job.Name, Facets: Facets{}},
		Inputs:    []EventDataset{},
		Outputs:   []EventDataset{},
	}
	b.add(ev.Job.Facets, "job.facets", "jobType", jobTypeFacet{
		baseFacet: r.base(schemaURLJobType), ProcessingType: r.cfg.processing,
		Integration: r.cfg.integration, JobType: r.cfg.jobType,
	})
	if r.cfg.owner != "" {
		b.add(ev.Job.Facets, "job.facets", "ownership", ownershipFacet{
			baseFacet: r.base(schemaURLOwnership), Owners: []owner{{Name: r.cfg.owner}},
		})
	}
	if len(r.cfg.jobTags) > 0 {
		b.add(ev.Job.Facets, "job.facets", "tags", tagsFacet{baseFacet: r.base(schemaURLJobTags), Tags: r.cfg.jobTags})
	}
	if len(r.cfg.runTags) > 0 {
		b.add(ev.Run.Facets, "run.facets", "tags", tagsFacet{baseFacet: r.base(schemaURLRunTags), Tags: r.cfg.runTags})
	}
	if runErr != nil {
		b.add(ev.Run.Facets, "run.facets", "errorMessage", errorMessageFacet{
			baseFacet: r.base(schemaURLErrorMessage), Message: runErr.Error(), ProgrammingLanguage: "GO",
		})
	}

	r.mu.Lock()
	if len(r.tests) > 0 {
		b.add(ev.Run.Facets, "run.facets", "test", testFacet{baseFacet: r.base(schemaURLTest), Tests: r.tests})
	}
	if eventType != "START" {
		for name, raw := range r.runFacets {
			b.add(ev.Run.Facets, "run.facets", name, raw)
		}
	}
	for _, s := range r.order {
		if s.dir == DirectionInput {
			ev.Inputs = append(ev.Inputs, r.inputDataset(b, s, len(ev.Inputs)))
		} else {
			ev.Outputs = append(ev.Outputs, r.outputDataset(b, s, len(ev.Outputs)))
		}
	}
	r.mu.Unlock()
	if b.err != nil {
		return RunEvent{}, b.err
	}
	if err := r.capEvent(&ev, b.dropped); err != nil {
		return RunEvent{}, err
	}
	return ev, nil
}

func (r *Run) commonFacets(b *eventBuilder, s *dsState, path string) Facets {
	fs := Facets{}
	if s.schema != nil {
		b.add(fs, path, "schema", schemaFacet{baseFacet: r.base(schemaURLSchema), Fields: schemaFields(s.schema.Fields(), false)})
	}
	ds := dataSourceFacet{baseFacet: r.base(schemaURLDataSource), Name: s.ds.Namespace, URI: s.sourceURI}
	if ds.URI == "" {
		ds.URI = namespaceURI(s.ds.Namespace)
	}
	b.add(fs, path, "dataSource", ds)
	if len(s.colTags) > 0 {
		b.add(fs, path, "tags", tagsFacet{baseFacet: r.base(schemaURLDatasetTags), Tags: columnTags(s.colTags)})
	}
	return fs
}

// columnTags turns column tags into dataset tags facet entries, sorted by
// column, each column's tags in the order given.
func columnTags(m map[string][]string) []Tag {
	cols := make([]string, 0, len(m))
	for c := range m {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	var out []Tag
	for _, c := range cols {
		for _, t := range m[c] {
			k, v, ok := strings.Cut(t, "=")
			if !ok {
				v = "true"
			}
			out = append(out, Tag{Key: k, Value: v, Source: "SLUICE", Field: c})
		}
	}
	return out
}

// namespaceURI returns the namespace as a URI when it is one ("file" becomes
// "file://"), else "".
func namespaceURI(ns string) string {
	if ns == FileNamespace {
		return "file://"
	}
	if u, err := url.Parse(ns); err == nil && u.IsAbs() {
		return ns
	}
	return ""
}

func (r *Run) inputDataset(b *eventBuilder, s *dsState, i int) EventDataset {
	path := fmt.Sprintf("inputs[%d]", i)
	d := EventDataset{Namespace: s.ds.Namespace, Name: s.ds.Name, Facets: r.commonFacets(b, s, path+".facets"), InputFacets: Facets{}}
	if m := s.metrics; m != nil {
		f := metricsFacet{baseFacet: r.base(schemaURLDQMetrics), RowCount: m.RowCount, Bytes: m.Bytes, FileCount: m.FileCount,
			ColumnMetrics: m.Columns}
		if f.ColumnMetrics == nil {
			f.ColumnMetrics = map[string]ColumnMetrics{}
		}
		for c := range f.ColumnMetrics {
			f.columns = append(f.columns, c)
		}
		sort.Strings(f.columns)
		b.add(d.InputFacets, path+".inputFacets", "dataQualityMetrics", f)
	}
	if len(s.assertions) > 0 {
		f := assertionsFacet{baseFacet: r.base(schemaURLDQAssertions), Assertions: make([]assertionEntry, 0, len(s.assertions))}
		for _, a := range s.assertions {
			kind := a.Type
			if kind == "" {
				kind = a.Name
			}
			f.Assertions = append(f.Assertions, assertionEntry{
				Assertion: kind, Success: a.Success, Column: a.Column, Severity: a.Severity, Name: a.Name,
				Description: a.Description, Expected: a.Expected, Actual: a.Actual, Content: a.Content, ContentType: a.ContentType,
			})
		}
		b.add(d.InputFacets, path+".inputFacets", "dataQualityAssertions", f)
	}
	if s.haveCounts {
		b.add(d.InputFacets, path+".inputFacets", "inputStatistics", r.stats(schemaURLInputStats, s))
	}
	return d
}

func (r *Run) outputDataset(b *eventBuilder, s *dsState, i int) EventDataset {
	path := fmt.Sprintf("outputs[%d]", i)
	d := EventDataset{Namespace: s.ds.Namespace, Name: s.ds.Name, Facets: r.commonFacets(b, s, path+".facets"), OutputFacets: Facets{}}
	if len(s.fieldOrder) > 0 || len(s.dsLineage) > 0 {
		f := columnLineageFacet{baseFacet: r.base(schemaURLColumnLineage), Fields: map[string]fieldLineage{}, Dataset: s.dsLineage, order: s.fieldOrder}
		for _, name := range s.fieldOrder {
			f.Fields[name] = fieldLineage{InputFields: s.fields[name]}
		}
		b.add(d.Facets, path+".facets", "columnLineage", f)
	}
	if s.haveCounts {
		b.add(d.OutputFacets, path+".outputFacets", "outputStatistics", r.stats(schemaURLOutputStats, s))
	}
	return d
}

func (r *Run) stats(schemaURL string, s *dsState) statisticsFacet {
	f := statisticsFacet{baseFacet: r.base(schemaURL), RowCount: s.rows}
	if s.bytes > 0 {
		f.Size = Ptr(s.bytes)
	}
	return f
}

// capEvent drops the largest facets until the event fits the event cap and
// lists every dropped facet in the sluice_truncation run facet.
func (r *Run) capEvent(ev *RunEvent, dropped []string) error {
	type slot struct {
		fs   Facets
		path string
		name string
		size int
	}
	var slots []slot
	collect := func(fs Facets, path string) {
		for name, raw := range fs {
			slots = append(slots, slot{fs, path, name, len(raw)})
		}
	}
	for i := range ev.Inputs {
		collect(ev.Inputs[i].Facets, fmt.Sprintf("inputs[%d].facets", i))
		collect(ev.Inputs[i].InputFacets, fmt.Sprintf("inputs[%d].inputFacets", i))
	}
	for i := range ev.Outputs {
		collect(ev.Outputs[i].Facets, fmt.Sprintf("outputs[%d].facets", i))
		collect(ev.Outputs[i].OutputFacets, fmt.Sprintf("outputs[%d].outputFacets", i))
	}
	collect(ev.Run.Facets, "run.facets")
	collect(ev.Job.Facets, "job.facets")
	sort.SliceStable(slots, func(i, j int) bool {
		if slots[i].size != slots[j].size {
			return slots[i].size > slots[j].size
		}
		return slots[i].path+slots[i].name < slots[j].path+slots[j].name
	})
	for next := 0; ; next++ {
		if len(dropped) > 0 {
			raw, err := json.Marshal(truncationFacet{baseFacet: r.base(SchemaURLTruncation), DroppedFacets: dropped})
			if err != nil {
				return fmt.Errorf("lineage: encode truncation facet: %w", err)
			}
			ev.Run.Facets["sluice_truncation"] = raw
		}
		raw, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("lineage: encode %s event: %w", ev.EventType, err)
		}
		if len(raw) <= r.cfg.maxEventBytes {
			return nil
		}
		if next >= len(slots) {
			return fmt.Errorf("%w: %d bytes > %d", ErrEventTooLarge, len(raw), r.cfg.maxEventBytes)
		}
		s := slots[next]
		delete(s.fs, s.name)
		dropped = append(dropped, s.path+"."+s.name)
	}
}
