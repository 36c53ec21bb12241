package quality

import (
	"errors"
	"fmt"
)

var (
	// ErrGateFailed is wrapped by Report.Err when the gate status is fail.
	// It is never returned by Check, Run or Filter: a failed gate is a
	// result.
	ErrGateFailed = errors.New("quality gate failed")
	// ErrConfig is wrapped by NewGate errors: a nil program, a negative
	// sample limit, an unknown mode.
	ErrConfig = errors.New("invalid gate configuration")
	// ErrIncomplete is returned by the report function of Filter when it is
	// called before the filtered reader was read to its end.
	ErrIncomplete = errors.New("filtered reader not read to the end")
	// ErrReservedColumn is wrapped when the input already has a column named
	// FailedRulesColumn and a quarantine sink is configured.
	ErrReservedColumn = errors.New("reserved column name")
)

// RunError is the error Check, Run and Filter's report function return when
// the gate could not run: the source could not be opened or read (wrapping
// connectors.ErrCorrupt, *connectors.InputError, …), a rule could not be
// evaluated on a batch, a sink could not be created, written or committed,
// or the context was cancelled. When it is returned every sink of the call
// that was not yet committed has been aborted: the quarantine commits before
// the clean sink, so only a failure of the clean sink's own commit leaves a
// committed quarantine behind. The CLI maps it to exit code 3.
type RunError struct {
	// Stage is where the run stopped: "open", "read", "evaluate",
	// "filter", "create", "write", "finish" or "commit".
	Stage string
	// Dataset names the dataset being read or written, when known.
	Dataset string
	Err     error
}

func (e *RunError) Error() string {
	if e.Dataset != "" {
		return fmt.Sprintf("quality: %s %s: %v", e.Stage, e.Dataset, e.Err)
	}
	return fmt.Sprintf("quality: %s: %v", e.Stage, e.Err)
}

func (e *RunError) Unwrap() error { return e.Err }

func runErr(stage, dataset string, err error) error {
	if err == nil {
		return nil
	}
	var re *RunError
	if errors.As(err, &re) {
		return err
	}
	return &RunError{Stage: stage, Dataset: dataset, Err: err}
}
