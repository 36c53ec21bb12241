package lineage

import (
	"errors"
	"fmt"
)

// ErrInvalidJob is returned (wrapped) when a Job lacks its namespace or name.
var ErrInvalidJob = errors.New("lineage: job needs a namespace and a name")

// ErrEventTooLarge is returned (wrapped) by Run.End when an event could not
// be brought under the size cap even after dropping every optional facet.
var ErrEventTooLarge = errors.New("lineage: event exceeds size cap")

// HTTPStatusError is returned by HTTPEmitter when the lineage endpoint
// answers with a status other than 2xx after all retries.
type HTTPStatusError struct {
	URL        string
	StatusCode int
	Body       string // first bytes of the response body
}

func (e *HTTPStatusError) Error() string {
	return fmt.Sprintf("lineage: POST %s: status %d: %s", e.URL, e.StatusCode, e.Body)
}
