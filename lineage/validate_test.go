package lineage_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/lineage"
)

// olValidator validates events and facets against the OpenLineage JSON
// Schemas copied in testdata/openlineage-spec (no network).
type olValidator struct {
	c     *jsonschema.Compiler
	mu    sync.Mutex
	cache map[string]*jsonschema.Schema
	ids   map[string]bool // $id of every loaded schema file
}

var (
	validatorOnce sync.Once
	validator     *olValidator
	validatorErr  error
)

func loadValidator(t *testing.T) *olValidator {
	t.Helper()
	validatorOnce.Do(func() {
		v := &olValidator{c: jsonschema.NewCompiler(), cache: map[string]*jsonschema.Schema{}, ids: map[string]bool{}}
		v.c.AssertFormat()
		files, err := filepath.Glob("testdata/openlineage-spec/*.json")
		if err != nil {
			validatorErr = err
			return
		}
		facets, _ := filepath.Glob("testdata/openlineage-spec/facets/*.json")
		for _, f := range append(files, facets...) {
			raw, err := os.ReadFile(f)
			if err != nil {
				validatorErr = err
				return
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				validatorErr = err
				return
			}
			id, _ := doc.(map[string]any)["$id"].(string)
			if id == "" {
				validatorErr = os.ErrInvalid
				return
			}
			if err := v.c.AddResource(id, doc); err != nil {
				validatorErr = err
				return
			}
			v.ids[id] = true
		}
		validator = v
	})
	require.NoError(t, validatorErr)
	return validator
}

func (v *olValidator) schema(t *testing.T, url string) *jsonschema.Schema {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	if s, ok := v.cache[url]; ok {
		return s
	}
	s, err := v.c.Compile(url)
	require.NoError(t, err, "compile %s", url)
	v.cache[url] = s
	return s
}

func (v *olValidator) validate(t *testing.T, url string, raw []byte) {
	t.Helper()
	assert.NoError(t, validateRaw(t, v, url, raw), "against %s: %s", url, raw)
}

func validateRaw(t *testing.T, v *olValidator, url string, raw []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	require.NoError(t, err)
	return v.schema(t, url).Validate(inst)
}

// validateEvent checks the event against the RunEvent schema and every
// facet against the schema its _schemaURL names. Sluice's own facets
// (schema URL under github.com/sluicedata) are checked against BaseFacet.
func validateEvent(t *testing.T, ev lineage.RunEvent) {
	t.Helper()
	v := loadValidator(t)
	raw, err := json.Marshal(ev)
	require.NoError(t, err)
	v.validate(t, lineage.RunEventSchemaURL, raw)
	check := func(fs lineage.Facets) {
		for name, f := range fs {
			var base struct {
				Producer  string `json:"_producer"`
				SchemaURL string `json:"_schemaURL"`
			}
			require.NoError(t, json.Unmarshal(f, &base), name)
			assert.Equal(t, lineage.DefaultProducer, base.Producer, name)
			if strings.HasPrefix(base.SchemaURL, "https://github.com/sluicedata/") {
				v.validate(t, "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunFacet", f)
				continue
			}
			file, _, _ := strings.Cut(base.SchemaURL, "#")
			if assert.True(t, v.ids[file], "facet %s: schema %s not in testdata", name, base.SchemaURL) {
				v.validate(t, base.SchemaURL, f)
			}
		}
	}
	check(ev.Run.Facets)
	check(ev.Job.Facets)
	for _, d := range ev.Inputs {
		check(d.Facets)
		check(d.InputFacets)
	}
	for _, d := range ev.Outputs {
		check(d.Facets)
		check(d.OutputFacets)
	}
}
