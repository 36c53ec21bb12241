package pipeline

import "errors"

// ErrConfig is wrapped by the errors of a Pipeline whose settings do not
// fit the rule file or the input: a mask on a column the input lacks, no
// rule file. It also wraps quality.ErrConfig, so either sentinel matches.
var ErrConfig = errors.New("pipeline: invalid configuration")
