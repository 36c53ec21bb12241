package metrics

import "errors"

// Errors returned by New, Update and Merge. They are wrapped with context;
// test for them with errors.Is.
var (
	// ErrUnsupported means the function is unknown, or does not apply to a
	// column's type (mean of a string column, min of a list column).
	ErrUnsupported = errors.New("unsupported metric")
	// ErrArgs means the arguments are wrong: the constant arguments (a
	// quantile outside [0,1], a missing or extra argument), the number of
	// columns, or columns of different lengths passed to Update.
	ErrArgs = errors.New("bad metric arguments")
	// ErrMismatch means two states of different specs or column types were
	// merged, or Update got columns of other types than New was given.
	ErrMismatch = errors.New("metric state mismatch")
)
