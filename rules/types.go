package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// The type vocabulary of columns.<c>.type, and its Arrow types.
var typeNames = map[string]arrow.DataType{
	"int8":      arrow.PrimitiveTypes.Int8,
	"int16":     arrow.PrimitiveTypes.Int16,
	"int32":     arrow.PrimitiveTypes.Int32,
	"int64":     arrow.PrimitiveTypes.Int64,
	"int":       arrow.PrimitiveTypes.Int64,
	"uint8":     arrow.PrimitiveTypes.Uint8,
	"uint16":    arrow.PrimitiveTypes.Uint16,
	"uint32":    arrow.PrimitiveTypes.Uint32,
	"uint64":    arrow.PrimitiveTypes.Uint64,
	"float32":   arrow.PrimitiveTypes.Float32,
	"float":     arrow.PrimitiveTypes.Float32,
	"float64":   arrow.PrimitiveTypes.Float64,
	"double":    arrow.PrimitiveTypes.Float64,
	"bool":      arrow.FixedWidthTypes.Boolean,
	"boolean":   arrow.FixedWidthTypes.Boolean,
	"string":    arrow.BinaryTypes.String,
	"binary":    arrow.BinaryTypes.Binary,
	"bytes":     arrow.BinaryTypes.Binary,
	"date":      arrow.FixedWidthTypes.Date32,
	"timestamp": &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"},
	"duration":  &arrow.DurationType{Unit: arrow.Microsecond},
}

// typeVocabulary is listed in error messages.
const typeVocabulary = "int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64 (double), bool, string, binary, date, timestamp, duration, decimal(p,s)"

// parseTypeName maps a declared type to Arrow.
func parseTypeName(s string) (arrow.DataType, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if dt, ok := typeNames[t]; ok {
		return dt, nil
	}
	if t == "decimal" {
		return &arrow.Decimal128Type{Precision: 38, Scale: 9}, nil
	}
	if inner, ok := strings.CutPrefix(t, "decimal("); ok {
		if inner, ok = strings.CutSuffix(inner, ")"); ok {
			ps := strings.Split(inner, ",")
			if len(ps) == 1 {
				ps = append(ps, "0")
			}
			if len(ps) == 2 {
				p, err1 := strconv.Atoi(strings.TrimSpace(ps[0]))
				sc, err2 := strconv.Atoi(strings.TrimSpace(ps[1]))
				if err1 == nil && err2 == nil && p >= 1 && p <= 76 && sc >= 0 && sc <= p {
					if p <= 38 {
						return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(sc)}, nil
					}
					return &arrow.Decimal256Type{Precision: int32(p), Scale: int32(sc)}, nil
				}
			}
		}
		return nil, fmt.Errorf("bad decimal type %q: want decimal(precision, scale) with 1 <= precision <= 76 and 0 <= scale <= precision", s)
	}
	return nil, fmt.Errorf("unknown type %q (known: %s)", s, typeVocabulary)
}

// typeFamily groups declared types: "int", "uint", "float", "string", … ("" when unknown).
func typeFamily(declared string) string {
	if declared == "" {
		return ""
	}
	dt, err := parseTypeName(declared)
	if err != nil {
		return ""
	}
	return arrowFamily(dt)
}

func arrowFamily(dt arrow.DataType) string {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return "int"
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return "uint"
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		return "float"
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return "string"
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return "binary"
	case arrow.BOOL:
		return "bool"
	case arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64:
		return "timestamp"
	case arrow.DURATION:
		return "duration"
	case arrow.DICTIONARY:
		return arrowFamily(dt.(*arrow.DictionaryType).ValueType)
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST, arrow.LIST_VIEW, arrow.LARGE_LIST_VIEW:
		return "list"
	}
	return ""
}

// typeAgrees reports whether an Arrow column type satisfies a declared
// type. Widths must agree for numbers; string and binary accept their large,
// view and dictionary encodings; timestamp accepts any unit and zone;
// decimal without precision accepts any decimal.
func typeAgrees(declared string, actual arrow.DataType) bool {
	want, err := parseTypeName(declared)
	if err != nil {
		return true // reported by the loader
	}
	if d, ok := actual.(*arrow.DictionaryType); ok {
		actual = d.ValueType
	}
	switch want.ID() {
	case arrow.STRING:
		return arrowFamily(actual) == "string"
	case arrow.BINARY:
		return arrowFamily(actual) == "binary"
	case arrow.TIMESTAMP:
		return actual.ID() == arrow.TIMESTAMP
	case arrow.DURATION:
		return actual.ID() == arrow.DURATION
	case arrow.DATE32:
		return actual.ID() == arrow.DATE32 || actual.ID() == arrow.DATE64
	case arrow.DECIMAL128, arrow.DECIMAL256:
		if !arrow.IsDecimal(actual.ID()) {
			return false
		}
		if strings.TrimSpace(strings.ToLower(declared)) == "decimal" {
			return true
		}
		wd := want.(arrow.DecimalType)
		ad := actual.(arrow.DecimalType)
		return wd.GetPrecision() == ad.GetPrecision() && wd.GetScale() == ad.GetScale()
	}
	return arrow.TypeEqual(want, actual)
}

// SchemaHint returns the declared column types as an Arrow schema (physical
// names, nullable unless required) for readers that must be told types, such
// as CSV and JSON. Columns without a declared type are absent.
func (rs *RuleSet) SchemaHint() *arrow.Schema {
	var fields []arrow.Field
	for _, c := range rs.Columns {
		if c.Type == "" {
			continue
		}
		dt, err := parseTypeName(c.Type)
		if err != nil {
			continue
		}
		fields = append(fields, arrow.Field{Name: c.Name, Type: dt, Nullable: !c.Required})
	}
	return arrow.NewSchema(fields, nil)
}

// isIdent reports whether s can be written bare in CEL.
func isIdent(s string) bool {
	if s == "" || celReserved[s] {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
		case i > 0 && r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return true
}

var celReserved = map[string]bool{
	"true": true, "false": true, "null": true, "in": true, "as": true, "break": true,
	"const": true, "continue": true, "else": true, "for": true, "function": true,
	"if": true, "import": true, "let": true, "loop": true, "package": true,
	"namespace": true, "return": true, "var": true, "void": true, "while": true,
	"row": true,
}
