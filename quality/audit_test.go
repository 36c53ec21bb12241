package quality_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/lineage/lineagetest"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/history"
	"github.com/sluicedata/sluice/rules"
)

// A signed run: the report and the lineage COMPLETE event carry the audit
// record's seq, hash, signature and key id, and those anchors verify.
func TestAuditRecordTravelsOutOfTheStore(t *testing.T) {
	mem := arrowtest.Allocator(t)
	ctx := context.Background()
	store, err := history.Open(ctx, filepath.Join(t.TempDir(), "history.db"))
	require.NoError(t, err)
	defer store.Close()
	pub, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	rs, err := rules.Parse("orders.yaml", []byte(historyRules))
	require.NoError(t, err)

	em := &lineagetest.Emitter{}
	var reports []*quality.Report
	for day := range 2 {
		batch := ordersRun(mem, uint64(day), 100, 100, false)
		prog, err := rs.Compile(batch.Schema())
		require.NoError(t, err)
		lctx, run := lineage.Start(ctx, lineage.Job{Namespace: "sluice", Name: "check.orders"}, lineage.WithEmitter(em))
		gate, err := quality.NewGate(prog, quality.WithHistory(store), quality.WithAuditKey(priv), quality.WithLineage(run),
			quality.WithClock(func() time.Time { return time.Date(2025, 3, 1+day, 0, 0, 0, 0, time.UTC) }))
		require.NoError(t, err)
		rdr, err := array.NewRecordReader(batch.Schema(), []arrow.RecordBatch{batch})
		require.NoError(t, err)
		rep, err := gate.Check(lctx, rdr)
		rdr.Release()
		batch.Release()
		require.NoError(t, err)
		require.NoError(t, run.End(lctx, rep.Err()))
		reports = append(reports, rep)
	}

	log, err := store.AuditLog(ctx, history.AuditFilter{})
	require.NoError(t, err)
	require.Len(t, log, 2)
	for i, rep := range reports {
		require.NotNil(t, rep.Audit)
		assert.Equal(t, quality.ReportAudit{Seq: log[i].Seq, Hash: log[i].Hash, Signature: log[i].Signature, KeyID: history.KeyID(pub)}, *rep.Audit)
		assert.NoError(t, log[i].VerifySignature(pub))
		assert.NotEmpty(t, log[i].MetricsDigest, "the run's metrics are covered")
	}
	var js bytes.Buffer
	require.NoError(t, quality.WriteJSON(&js, reports[1]))
	var decoded struct {
		Audit json.RawMessage `json:"audit"`
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &decoded))
	assert.JSONEq(t, `{"seq":2,"hash":"`+log[1].Hash+`","signature":"`+log[1].Signature+`","key_id":"`+history.KeyID(pub)+`"}`, string(decoded.Audit))

	var ndjson bytes.Buffer
	for _, ev := range em.Events() {
		raw, err := json.Marshal(ev)
		require.NoError(t, err)
		ndjson.Write(append(raw, '\n'))
		if ev.EventType == "START" {
			assert.NotContains(t, ev.Run.Facets, quality.AuditFacetName)
		}
	}
	complete := em.ByType("COMPLETE")
	fail := em.ByType("FAIL")
	require.Len(t, append(complete, fail...), 2)
	anchors, err := quality.ReadAuditAnchors(&ndjson, "lineage.ndjson")
	require.NoError(t, err)
	require.Len(t, anchors, 2)
	assert.Equal(t, history.Anchor{Seq: 1, Hash: log[0].Hash, Signature: log[0].Signature, Source: "lineage.ndjson:2"}, anchors[0])
	assert.Equal(t, "lineage.ndjson:4", anchors[1].Source)

	res, err := store.VerifyAudit(ctx, history.WithPublicKeys(pub), history.WithAnchors(anchors...))
	require.NoError(t, err)
	assert.True(t, res.OK, "%v", res.Problems)
	assert.EqualValues(t, 2, res.Signed)
	assert.EqualValues(t, 2, res.Anchored)
}

func TestReadAuditAnchorsErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"not JSON", "{\"run\":{}}\nnot json at all\n", "lineage.ndjson:2: not an OpenLineage event: invalid JSON at byte 2"},
		{"wrong type", `{"run":{"facets":[]}}`, "lineage.ndjson:1: not an OpenLineage event"},
		{"facet without hash", `{"run":{"facets":{"sluice_audit":{"seq":3}}}}`, "lineage.ndjson:1: the sluice_audit facet has no valid seq and hash"},
		{"facet with a bad seq", `{"run":{"facets":{"sluice_audit":{"seq":"x","hash":"ab"}}}}`, "lineage.ndjson:1: the sluice_audit facet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := quality.ReadAuditAnchors(strings.NewReader(tt.in), "lineage.ndjson")
			require.ErrorIs(t, err, quality.ErrAuditAnchors)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
	anchors, err := quality.ReadAuditAnchors(strings.NewReader("\n{\"eventType\":\"START\",\"run\":{\"runId\":\"x\"}}\n\n"), "f")
	require.NoError(t, err)
	assert.Empty(t, anchors, "events without the facet are skipped")
}
