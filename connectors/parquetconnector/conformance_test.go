package parquetconnector

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/connectortest"
)

// conformanceTypes are the types of connectortest.Batch that Parquet
// round-trips exactly (timestamp[s] has no Parquet form).
var conformanceTypes = []arrow.DataType{
	arrow.FixedWidthTypes.Boolean,
	arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
	arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint64,
	arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64,
	arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.Binary,
	arrow.FixedWidthTypes.Date32,
	&arrow.TimestampType{Unit: arrow.Millisecond},
	arrow.FixedWidthTypes.Timestamp_us,
	&arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"},
	&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Europe/Paris"},
}

func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{
		Name: "parquet",
		Ext:  ".parquet",
		NewSource: func(t *testing.T, path string) connectors.Source {
			s, err := NewSource(path)
			require.NoError(t, err)
			return s
		},
		NewSink: func(t *testing.T, path string) connectors.Sink {
			s, err := NewSink(path)
			require.NoError(t, err)
			return s
		},
		Types:           conformanceTypes,
		HugeRows:        1 << 18, // a quarter of the default: the row API writer is slow under -race
		DictionaryIndex: arrow.PrimitiveTypes.Int32,
	})
}
