package lineage_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/lineage"
)

// silentServer accepts every request and never answers it.
func silentServer(t *testing.T, calls *atomic.Int32) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv
}

// TestHTTPEmitterDeadline: an endpoint that never answers ends the
// emission at its deadline, long before the attempts and retries would
// (four attempts of 10s by default).
func TestHTTPEmitterDeadline(t *testing.T) {
	var calls atomic.Int32
	srv := silentServer(t, &calls)
	e, err := lineage.NewHTTPEmitter(srv.URL, lineage.WithTimeout(50*time.Millisecond))
	require.NoError(t, err)
	err = e.Emit(context.Background(), sampleEvent(t))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "no success within 50ms")
	assert.Contains(t, err.Error(), srv.URL+"/api/v1/lineage")
	assert.Equal(t, int32(1), calls.Load(), "the deadline ends the first attempt")
}

func TestHTTPEmitterDeadlineDefault(t *testing.T) {
	assert.Equal(t, 5*time.Second, lineage.DefaultHTTPTimeout)
}

// TestRunGoesOnAfterTheDeadline: START and COMPLETE each give up; End
// returns the bookkeeping errors and the run's own outcome is unchanged.
func TestRunGoesOnAfterTheDeadline(t *testing.T) {
	var calls atomic.Int32
	srv := silentServer(t, &calls)
	e, err := lineage.NewHTTPEmitter(srv.URL, lineage.WithTimeout(20*time.Millisecond))
	require.NoError(t, err)
	ctx, run := lineage.Start(context.Background(), testJob, lineage.WithEmitter(e))
	err = run.End(ctx, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 2, strings.Count(err.Error(), "no success within 20ms"), err.Error())
	assert.Equal(t, int32(2), calls.Load())
}

func TestHTTPEmitterHidesThePassword(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(statusSequence(&calls, http.StatusInternalServerError))
	defer srv.Close()
	withCreds := strings.Replace(srv.URL, "http://", "http://alice:s3cr3t@", 1)
	e, err := lineage.NewHTTPEmitter(withCreds, lineage.WithRetries(0))
	require.NoError(t, err)
	err = e.Emit(context.Background(), sampleEvent(t))
	var se *lineage.HTTPStatusError
	require.ErrorAs(t, err, &se)
	assert.NotContains(t, err.Error(), "s3cr3t")

	_, err = lineage.NewHTTPEmitter("ftp://alice:s3cr3t@host")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cr3t")
}
