package lineage_test

import (
	"encoding/json"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/lineage"
)

func TestSchemaFingerprint(t *testing.T) {
	base := ordersSchema()
	md := arrow.NewMetadata([]string{lineage.MetaRunID}, []string{"x"})
	fields := base.Fields()
	renamed := append([]arrow.Field(nil), fields...)
	renamed[0].Name = "id"
	retyped := append([]arrow.Field(nil), fields...)
	retyped[0].Type = arrow.PrimitiveTypes.Int32
	nullable := append([]arrow.Field(nil), fields...)
	nullable[0].Nullable = true
	reordered := append([]arrow.Field{fields[1], fields[0]}, fields[2:]...)
	nested := append([]arrow.Field(nil), fields...)
	nested[4].Type = arrow.StructOf(arrow.Field{Name: "city", Type: arrow.BinaryTypes.String, Nullable: true})

	want := lineage.SchemaFingerprint(base)
	assert.Len(t, want, 32)
	assert.Equal(t, want, lineage.SchemaFingerprint(arrow.NewSchema(fields, &md)), "metadata does not count")
	assert.Empty(t, lineage.SchemaFingerprint(nil))
	tests := []struct {
		name   string
		fields []arrow.Field
	}{
		{"renamed", renamed},
		{"retyped", retyped},
		{"nullability", nullable},
		{"reordered", reordered},
		{"nested child dropped", nested},
		{"column dropped", fields[:4]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.NotEqual(t, want, lineage.SchemaFingerprint(arrow.NewSchema(tt.fields, nil)))
		})
	}
}

// TestValidatorRejects makes sure the schema validation used by the other
// tests does reject broken events, so that its silence means something.
func TestValidatorRejects(t *testing.T) {
	v := loadValidator(t)
	good, err := json.Marshal(sampleEvent(t))
	require.NoError(t, err)
	require.NoError(t, validateRaw(t, v, lineage.RunEventSchemaURL, good))
	tests := []struct {
		name   string
		url    string
		mutate func(map[string]any)
	}{
		{"run id not a uuid", lineage.RunEventSchemaURL, func(m map[string]any) { m["run"].(map[string]any)["runId"] = "42" }},
		{"no job name", lineage.RunEventSchemaURL, func(m map[string]any) { delete(m["job"].(map[string]any), "name") }},
		{"bad event type", lineage.RunEventSchemaURL, func(m map[string]any) { m["eventType"] = "DONE" }},
		{"bad time", lineage.RunEventSchemaURL, func(m map[string]any) { m["eventTime"] = "yesterday" }},
		{"facet without producer", lineage.RunEventSchemaURL, func(m map[string]any) {
			delete(m["job"].(map[string]any)["facets"].(map[string]any)["jobType"].(map[string]any), "_producer")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			require.NoError(t, json.Unmarshal(good, &m))
			tt.mutate(m)
			raw, err := json.Marshal(m)
			require.NoError(t, err)
			assert.Error(t, validateRaw(t, v, tt.url, raw))
		})
	}
	// A facet checked against its own schema: jobType needs integration.
	assert.Error(t, validateRaw(t, v, "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
		[]byte(`{"_producer":"https://x","_schemaURL":"https://y","processingType":"BATCH"}`)))
}
