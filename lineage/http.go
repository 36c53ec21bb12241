package lineage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultHTTPTimeout is the default deadline of one Emit of an HTTPEmitter,
// every attempt and every wait between attempts included (see WithTimeout).
const DefaultHTTPTimeout = 5 * time.Second

// HTTPEmitter posts events as JSON to {base}/api/v1/lineage, the endpoint of
// Marquez and of the OpenLineage HTTP transport. Network errors, timeouts,
// 429 and 5xx answers are retried with exponential backoff; other 4xx
// answers fail at once. Each Emit ends by its deadline (WithTimeout), so an
// endpoint that accepts connections and never answers delays a run by at
// most that much per event. It is safe for concurrent use.
type HTTPEmitter struct {
	endpoint string
	display  string // endpoint without its password, for messages
	client   *http.Client
	retries  int
	backoff  time.Duration
	maxWait  time.Duration
	timeout  time.Duration
	total    time.Duration
	header   http.Header
}

// HTTPOption configures NewHTTPEmitter.
type HTTPOption func(*HTTPEmitter)

// WithHTTPClient sets the client (default: a client without its own
// timeout; per-attempt timeouts come from WithAttemptTimeout).
func WithHTTPClient(c *http.Client) HTTPOption {
	return func(e *HTTPEmitter) {
		if c != nil {
			e.client = c
		}
	}
}

// WithRetries sets how many times a failed attempt is retried (default 3).
func WithRetries(n int) HTTPOption {
	return func(e *HTTPEmitter) {
		if n >= 0 {
			e.retries = n
		}
	}
}

// WithBackoff sets the wait before the first retry, doubled on each retry up
// to max (defaults 200ms and 5s).
func WithBackoff(initial, max time.Duration) HTTPOption {
	return func(e *HTTPEmitter) { e.backoff, e.maxWait = initial, max }
}

// WithTimeout sets the deadline of one Emit as a whole: every attempt, retry
// and wait (default DefaultHTTPTimeout). When it passes, Emit gives up with
// an error wrapping context.DeadlineExceeded; the caller's context can end
// it earlier. Zero or negative keeps the default.
func WithTimeout(d time.Duration) HTTPOption {
	return func(e *HTTPEmitter) {
		if d > 0 {
			e.total = d
		}
	}
}

// WithAttemptTimeout bounds each attempt (default 10s), within the
// deadline of the whole emission (WithTimeout) and the caller's context.
func WithAttemptTimeout(d time.Duration) HTTPOption {
	return func(e *HTTPEmitter) {
		if d > 0 {
			e.timeout = d
		}
	}
}

// WithHeader adds a header to every request, e.g. Authorization.
func WithHeader(key, value string) HTTPOption {
	return func(e *HTTPEmitter) { e.header.Add(key, value) }
}

// NewHTTPEmitter returns an emitter for the lineage API at baseURL (for
// Marquez "http://localhost:5000").
func NewHTTPEmitter(baseURL string, opts ...HTTPOption) (*HTTPEmitter, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("lineage: http emitter: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("lineage: http emitter: %q is not an http(s) URL", u.Redacted())
	}
	display := *u
	display.Path = strings.TrimRight(display.Path, "/") + "/api/v1/lineage"
	display.RawPath = ""
	e := &HTTPEmitter{
		endpoint: strings.TrimRight(baseURL, "/") + "/api/v1/lineage",
		display:  display.Redacted(),
		client:   &http.Client{},
		retries:  3,
		backoff:  200 * time.Millisecond,
		maxWait:  5 * time.Second,
		timeout:  10 * time.Second,
		total:    DefaultHTTPTimeout,
		header:   http.Header{},
	}
	for _, o := range opts {
		o(e)
	}
	return e, nil
}

// Endpoint returns the URL events are posted to.
func (e *HTTPEmitter) Endpoint() string { return e.endpoint }

// Emit posts ev, retrying transient failures until the emission's deadline
// (WithTimeout). An emission cut by the deadline returns an error wrapping
// context.DeadlineExceeded that names the endpoint (without its password)
// and the deadline.
func (e *HTTPEmitter) Emit(ctx context.Context, ev RunEvent) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("lineage: http emitter: encode: %w", err)
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, e.total)
	defer cancel()
	wait := e.backoff
	var last error
	for attempt := 0; ; attempt++ {
		retry, err := e.post(ctx, body)
		if err == nil {
			return nil
		}
		last = err
		if ctx.Err() != nil {
			return e.ended(parent, ctx, last)
		}
		if !retry || attempt >= e.retries {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return e.ended(parent, ctx, last)
		case <-t.C:
		}
		wait = min(wait*2, e.maxWait)
	}
	return last
}

// ended is the error of an emission whose context ended: the caller's
// cancellation, or the emission's own deadline.
func (e *HTTPEmitter) ended(parent, ctx context.Context, last error) error {
	if parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("lineage: http emitter: %s: no success within %s: %w (last: %w)", e.display, e.total, ctx.Err(), last)
	}
	return fmt.Errorf("lineage: http emitter: %w (last: %w)", ctx.Err(), last)
}

// post makes one attempt; retry reports whether the failure is transient.
func (e *HTTPEmitter) post(ctx context.Context, body []byte) (retry bool, err error) {
	actx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, e.endpoint, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("lineage: http emitter: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range e.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return !errors.Is(err, context.Canceled), fmt.Errorf("lineage: http emitter: %w", err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	serr := &HTTPStatusError{URL: e.display, StatusCode: resp.StatusCode, Body: strings.TrimSpace(string(snippet))}
	return resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests, serr
}
