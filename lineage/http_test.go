package lineage_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/lineage"
)

func sampleEvent(t *testing.T) lineage.RunEvent {
	t.Helper()
	var got lineage.RunEvent
	ctx, run := lineage.Start(context.Background(), testJob, lineage.WithRunID(testRunID), lineage.WithClock(fixedClock()),
		lineage.WithEmitter(lineage.EmitterFunc(func(_ context.Context, ev lineage.RunEvent) error { got = ev; return nil })))
	require.NoError(t, run.End(ctx, nil))
	return got
}

// statusSequence answers with codes in order, then the last one forever.
func statusSequence(calls *atomic.Int32, codes ...int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1)) - 1
		w.WriteHeader(codes[min(n, len(codes)-1)])
		_, _ = w.Write([]byte(`{"msg":"x"}`))
	}
}

func TestHTTPEmitter(t *testing.T) {
	tests := []struct {
		name      string
		codes     []int
		retries   int
		wantCalls int32
		wantCode  int // 0: success
	}{
		{"created", []int{http.StatusCreated}, 3, 1, 0},
		{"retries 5xx then succeeds", []int{503, 500, 200}, 3, 3, 0},
		{"retries 429", []int{429, 201}, 3, 2, 0},
		{"gives up after retries", []int{502}, 2, 3, 502},
		{"4xx is not retried", []int{400}, 3, 1, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(statusSequence(&calls, tt.codes...))
			defer srv.Close()
			e, err := lineage.NewHTTPEmitter(srv.URL, lineage.WithRetries(tt.retries), lineage.WithBackoff(time.Millisecond, 2*time.Millisecond))
			require.NoError(t, err)
			err = e.Emit(context.Background(), sampleEvent(t))
			assert.Equal(t, tt.wantCalls, calls.Load())
			if tt.wantCode == 0 {
				assert.NoError(t, err)
				return
			}
			var se *lineage.HTTPStatusError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.wantCode, se.StatusCode)
			assert.JSONEq(t, `{"msg":"x"}`, se.Body)
		})
	}
}

func TestHTTPEmitterRequest(t *testing.T) {
	var got lineage.RunEvent
	var path, ctype, auth, method string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, ctype, auth, method = r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), r.Method
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&got))
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	e, err := lineage.NewHTTPEmitter(srv.URL+"/", lineage.WithHeader("Authorization", "Bearer k"))
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/api/v1/lineage", e.Endpoint())
	ev := sampleEvent(t)
	require.NoError(t, e.Emit(context.Background(), ev))
	assert.Equal(t, "/api/v1/lineage", path)
	assert.Equal(t, http.MethodPost, method)
	assert.Equal(t, "application/json", ctype)
	assert.Equal(t, "Bearer k", auth)
	assert.Equal(t, ev.Run.RunID, got.Run.RunID)
	assert.Equal(t, "COMPLETE", got.EventType)
}

func TestHTTPEmitterAttemptTimeout(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		select { // never answers; the client gives up
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	e, err := lineage.NewHTTPEmitter(srv.URL, lineage.WithRetries(1), lineage.WithBackoff(time.Millisecond, time.Millisecond),
		lineage.WithAttemptTimeout(20*time.Millisecond))
	require.NoError(t, err)
	err = e.Emit(context.Background(), sampleEvent(t))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, int32(2), calls.Load(), "a timed-out attempt is retried")
}

func TestHTTPEmitterCanceled(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(statusSequence(&calls, 503))
	defer srv.Close()
	e, err := lineage.NewHTTPEmitter(srv.URL, lineage.WithRetries(5), lineage.WithBackoff(time.Hour, time.Hour))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	ev := sampleEvent(t)
	done := make(chan error)
	go func() { done <- e.Emit(ctx, ev) }()
	// The first attempt fails with 503 (or is canceled in flight); the
	// emitter would then wait an hour unless the context ends.
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	err = <-done
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, int32(1), calls.Load(), "no retry after cancellation")
}

func TestHTTPEmitterNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens any more
	e, err := lineage.NewHTTPEmitter(url, lineage.WithRetries(2), lineage.WithBackoff(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	err = e.Emit(context.Background(), sampleEvent(t))
	require.Error(t, err)
	var se *lineage.HTTPStatusError
	assert.NotErrorAs(t, err, &se)
}

func TestNewHTTPEmitterRejects(t *testing.T) {
	for _, u := range []string{"", "localhost:5000", "ftp://x", "http://", "::"} {
		t.Run(u, func(t *testing.T) {
			_, err := lineage.NewHTTPEmitter(u)
			assert.Error(t, err)
		})
	}
}
