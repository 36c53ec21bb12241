package docsite

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadLineageErrors names the file, line and column of a line that is
// not a RunEvent.
func TestReadLineageErrors(t *testing.T) {
	ok := `{"eventType":"START","run":{"runId":"r1"},"job":{"namespace":"n","name":"j"}}`
	for name, tc := range map[string]struct{ text, want string }{
		"syntax":    {ok + "\n\n" + `{"eventType": "COMPLETE", "run": {"runId": 7}}`, "lineage.ndjson:3:"},
		"truncated": {ok + "\n" + `{"eventType":"COMP`, "lineage.ndjson:2:"},
		"no run id": {`{"eventType":"START","run":{}}`, "lineage.ndjson:1:1: event without run.runId"},
		"bad tests": {`{"eventType":"COMPLETE","run":{"runId":"r","facets":{"test":{"tests":3}}}}`, "lineage.ndjson:1:1: run facet test"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadLineage(strings.NewReader(tc.text), "lineage.ndjson")
			require.ErrorIs(t, err, ErrLineageFile)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestReadLineage unites the inputs and outputs of a run's events and takes
// its status and tests from the last terminal event.
func TestReadLineage(t *testing.T) {
	text := `{"eventType":"START","eventTime":"t1","run":{"runId":"r1"},"job":{"namespace":"n","name":"j"},"inputs":[{"namespace":"file","name":"/a"}]}
{"eventType":"COMPLETE","eventTime":"t2","run":{"runId":"r1","facets":{"test":{"tests":[{"name":"x","status":"pass"}]}}},"job":{"namespace":"n","name":"j"},"inputs":[{"namespace":"file","name":"/a"}],"outputs":[{"namespace":"file","name":"/b"}]}
{"eventType":"START","eventTime":"t3","run":{"runId":"r2"},"job":{"namespace":"n","name":"k"}}`
	l, err := ReadLineage(strings.NewReader(text), "x")
	require.NoError(t, err)
	require.Len(t, l.Runs, 2)
	r := l.Run("r1")
	require.NotNil(t, r)
	assert.Equal(t, "COMPLETE", r.Status)
	assert.Equal(t, "t2", r.Time)
	assert.Len(t, r.Inputs, 1)
	assert.Len(t, r.Outputs, 1)
	assert.Equal(t, []Test{{Name: "x", Status: "pass"}}, r.Tests)
	assert.Equal(t, "START", l.Run("r2").Status)
	assert.Nil(t, l.Run("nope"))
}

// TestSlug keeps plain names and gives every other name its own file name.
func TestSlug(t *testing.T) {
	assert.Equal(t, "orders", slug("orders"))
	assert.Equal(t, "orders_daily.v2", slug("orders_daily.v2"))
	seen := map[string]string{}
	for _, name := range []string{"orders", "Orders", "ORDERS", "sales/orders", "sales-orders", "../etc", ".hidden", "", "über", strings.Repeat("x", 200)} {
		s := slug(name)
		assert.Regexp(t, `^[a-z0-9_-][a-z0-9._-]*$`, s, name)
		assert.NotContains(t, seen, s, "%q and %q share %s", name, seen[s], s)
		seen[s] = name
	}
}
