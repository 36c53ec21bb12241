package lineage

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// SchemaFingerprint returns a stable digest of the schema's shape: field
// names, types and nullability in order, including nested fields. Schema
// metadata (which carries producer metadata) is left out, so a dataset
// rewritten with the same columns keeps its fingerprint. The result is 32 hex
// characters (128 bits of SHA-256).
func SchemaFingerprint(s *arrow.Schema) string {
	if s == nil {
		return ""
	}
	h := sha256.New()
	buf := make([]byte, 0, 256)
	for _, f := range s.Fields() {
		buf = appendField(buf[:0], f)
		buf = append(buf, ';')
		h.Write(buf)
	}
	sum := h.Sum(nil)
	return hex.EncodeToString(sum[:16])
}

func appendField(b []byte, f arrow.Field) []byte {
	b = strconv.AppendQuote(b, f.Name)
	b = append(b, ':')
	b = append(b, f.Type.String()...) // includes nested children
	if f.Nullable {
		b = append(b, '?')
	}
	return b
}

type schemaField struct {
	Name            string        `json:"name"`
	Type            string        `json:"type,omitempty"`
	OrdinalPosition int           `json:"ordinal_position,omitempty"`
	Fields          []schemaField `json:"fields,omitempty"`
}

func schemaFields(fs []arrow.Field, nested bool) []schemaField {
	out := make([]schemaField, 0, len(fs))
	for i, f := range fs {
		sf := schemaField{Name: f.Name, Type: typeName(f.Type)}
		if !nested {
			sf.OrdinalPosition = i + 1
		}
		if st, ok := f.Type.(*arrow.StructType); ok {
			sf.Fields = schemaFields(st.Fields(), true)
		}
		out = append(out, sf)
	}
	return out
}

// typeName is the Arrow type's name for the schema facet: the full form for
// parameterized types (timestamp[us, tz=UTC], list<item: int64>), the short
// one for structs whose children are listed as nested fields.
func typeName(t arrow.DataType) string {
	if t.ID() == arrow.STRUCT {
		return "struct"
	}
	return t.String()
}
