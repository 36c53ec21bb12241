package docsite

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/sluicedata/sluice/lineage"
)

// Lineage is what a file of OpenLineage RunEvents says about runs: their
// jobs, inputs, outputs and test outcomes.
type Lineage struct {
	// Runs in order of their first event.
	Runs []*LineageRun
	byID map[string]*LineageRun
}

// LineageRun is one run of a lineage file.
type LineageRun struct {
	ID  string
	Job lineage.Job
	// Status is the type of the run's last event: START (still running,
	// or its end was lost), COMPLETE, FAIL or ABORT.
	Status string
	// Time is the time of the last event, as written.
	Time string
	// Inputs and Outputs are united over the run's events.
	Inputs, Outputs []lineage.Dataset
	// Tests are the rule outcomes of the run's last terminal event (the
	// "test" run facet), in rule-file order.
	Tests []Test
}

// Test is the outcome of one rule as the "test" run facet records it.
type Test struct {
	Name        string `json:"name"`
	Status      string `json:"status"`
	Severity    string `json:"severity"`
	Type        string `json:"type"`
	Description string `json:"description"`
	Expected    string `json:"expected"`
	Actual      string `json:"actual"`
	Content     string `json:"content"`
}

// Run returns the run with the id, or nil.
func (l *Lineage) Run(id string) *LineageRun {
	if l == nil {
		return nil
	}
	return l.byID[id]
}

// ReadLineage reads NDJSON RunEvents (what sluice check --lineage-file and
// lineage.NewFileEmitter write); name names the file in errors, which give
// the line and column of a line that does not parse. Empty lines are
// skipped.
func ReadLineage(r io.Reader, name string) (*Lineage, error) {
	l := &Lineage{byID: map[string]*LineageRun{}}
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		text, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("docsite: %s: %w", name, err)
		}
		if t := bytes.TrimSpace(text); len(t) > 0 {
			if perr := l.add(t); perr != nil {
				return nil, fmt.Errorf("%w: %s:%d:%w", ErrLineageFile, name, line, perr)
			}
		}
		if err != nil {
			return l, nil
		}
	}
}

func (l *Lineage) add(text []byte) error {
	var ev lineage.RunEvent
	if err := json.Unmarshal(text, &ev); err != nil {
		col := 1
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			col = int(se.Offset)
		case errors.As(err, &te):
			col = int(te.Offset)
		}
		return fmt.Errorf("%d: not an OpenLineage RunEvent: %w", col, err)
	}
	if ev.Run.RunID == "" {
		return errors.New("1: event without run.runId")
	}
	run := l.byID[ev.Run.RunID]
	if run == nil {
		run = &LineageRun{ID: ev.Run.RunID}
		l.byID[run.ID] = run
		l.Runs = append(l.Runs, run)
	}
	run.Job = lineage.Job{Namespace: ev.Job.Namespace, Name: ev.Job.Name}
	run.Status, run.Time = ev.EventType, ev.EventTime
	for _, d := range ev.Inputs {
		run.Inputs = addDataset(run.Inputs, d)
	}
	for _, d := range ev.Outputs {
		run.Outputs = addDataset(run.Outputs, d)
	}
	if raw := ev.Run.Facets["test"]; raw != nil && ev.EventType != "START" {
		var f struct {
			Tests []Test `json:"tests"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			return fmt.Errorf("1: run facet test: %w", err)
		}
		run.Tests = f.Tests
	}
	return nil
}

func addDataset(list []lineage.Dataset, d lineage.EventDataset) []lineage.Dataset {
	ds := lineage.Dataset{Namespace: d.Namespace, Name: d.Name}
	for _, x := range list {
		if x == ds {
			return list
		}
	}
	return append(list, ds)
}
