package lineage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/lineage/lineagetest"
)

const customSchemaURL = "https://github.com/sluicedata/sluice/blob/main/docs/lineage/AuditRunFacet.json"

type customFacet struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

func TestSetRunFacet(t *testing.T) {
	for _, tc := range []struct {
		name      string
		runErr    error
		eventType string
	}{
		{"complete", nil, "COMPLETE"},
		{"fail", errors.New("sink commit failed"), "FAIL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			em := &lineagetest.Emitter{}
			ctx, run := lineage.Start(context.Background(), testJob, lineage.WithEmitter(em), lineage.WithClock(fixedClock()), lineage.WithRunID(testRunID))
			require.NoError(t, run.SetRunFacet("sluice_audit", customSchemaURL, customFacet{Seq: 1, Hash: "00"}))
			require.NoError(t, run.SetRunFacet("sluice_audit", customSchemaURL, customFacet{Seq: 7, Hash: "ab12"}), "a later call replaces")
			require.NoError(t, run.End(ctx, tc.runErr))
			require.NoError(t, run.SetRunFacet("sluice_audit", customSchemaURL, customFacet{Seq: 8}), "after End: no effect")

			start := em.ByType("START")
			require.Len(t, start, 1)
			assert.NotContains(t, start[0].Run.Facets, "sluice_audit", "only the terminal event carries it")
			end := em.ByType(tc.eventType)
			require.Len(t, end, 1)
			assert.JSONEq(t, `{"_producer":"`+lineage.DefaultProducer+`","_schemaURL":"`+customSchemaURL+`","seq":7,"hash":"ab12"}`,
				string(end[0].Run.Facets["sluice_audit"]))
			validateEvent(t, end[0])
		})
	}
}

func TestSetRunFacetInvalid(t *testing.T) {
	_, run := lineage.Start(context.Background(), testJob)
	for _, tc := range []struct {
		name   string
		facet  string
		fields any
	}{
		{"no name", "", customFacet{}},
		{"reserved name", "errorMessage", customFacet{}},
		{"not an object", "sluice_x", []int{1}},
		{"null", "sluice_x", nil},
		{"unencodable", "sluice_x", map[string]any{"f": func() {}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, run.SetRunFacet(tc.facet, customSchemaURL, tc.fields), lineage.ErrInvalidFacet)
		})
	}
}
