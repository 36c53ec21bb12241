package quality_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/quality"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func stringArray(t *testing.T, mem memory.Allocator, dt arrow.DataType, values []string, valid []bool) arrow.Array {
	t.Helper()
	b := array.NewBuilder(mem, dt).(array.StringLikeBuilder)
	defer b.Release()
	b.AppendValues(values, valid)
	return b.NewArray()
}

// strs reads a masked column as Go values, "<null>" for nulls.
func strs(arr arrow.Array) []string {
	out := make([]string, arr.Len())
	for i := range out {
		if arr.IsNull(i) {
			out[i] = "<null>"
			continue
		}
		out[i] = arr.ValueStr(i)
	}
	return out
}

func TestParseMask(t *testing.T) {
	tests := []struct {
		in      string
		want    quality.Mask
		wantErr string
	}{
		{"hmac", quality.Mask{Kind: quality.MaskHMAC}, ""},
		{"redact", quality.Mask{Kind: quality.MaskRedact}, ""},
		{"null", quality.Mask{Kind: quality.MaskNull}, ""},
		{"generalize", quality.Mask{Kind: quality.MaskGeneralize}, ""},
		{"truncate:4", quality.Mask{Kind: quality.MaskTruncate, N: 4}, ""},
		{"truncate:x", quality.Mask{}, "truncate:N needs a number"},
		{"truncate:-1", quality.Mask{}, "truncate:N needs a number"},
		{"hash", quality.Mask{}, `unknown mask "hash"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := quality.ParseMask(tt.in)
			if tt.wantErr != "" {
				assert.ErrorIs(t, err, quality.ErrMask)
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.in, got.String())
		})
	}
}

func TestMaskColumnStrings(t *testing.T) {
	values := []string{"203.0.113.77", "ünïcode-text", "", "2024-03-17", "2001:db8:1:2::5", "2024-03-17T10:20:30Z", "a@example.com"}
	valid := []bool{true, true, false, true, true, true, true}
	tests := []struct {
		name string
		mask quality.Mask
		want []string
	}{
		{"redact", quality.Mask{Kind: quality.MaskRedact}, []string{"[redacted]", "[redacted]", "<null>", "[redacted]", "[redacted]", "[redacted]", "[redacted]"}},
		{"null", quality.Mask{Kind: quality.MaskNull}, []string{"<null>", "<null>", "<null>", "<null>", "<null>", "<null>", "<null>"}},
		{"truncate runes", quality.Mask{Kind: quality.MaskTruncate, N: 4}, []string{"203.", "ünïc", "<null>", "2024", "2001", "2024", "a@ex"}},
		{"truncate 0", quality.Mask{Kind: quality.MaskTruncate}, []string{"", "", "<null>", "", "", "", ""}},
		{"generalize", quality.Mask{Kind: quality.MaskGeneralize}, []string{"203.0.113.0/24", "[redacted]", "<null>", "2024-03-01", "2001:db8:1::/48", "2024-03-01", "[redacted]"}},
	}
	for _, dt := range []arrow.DataType{arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString} {
		for _, tt := range tests {
			t.Run(dt.String()+"/"+tt.name, func(t *testing.T) {
				mem := arrowtest.Allocator(t)
				in := stringArray(t, mem, dt, values, valid)
				defer in.Release()
				out, err := quality.MaskColumn(mem, in, tt.mask)
				require.NoError(t, err)
				defer out.Release()
				assert.True(t, arrow.TypeEqual(dt, out.DataType()))
				assert.Equal(t, tt.want, strs(out))
			})
		}
	}
}

func TestMaskColumnHMAC(t *testing.T) {
	mem := arrowtest.Allocator(t)
	values := []string{"a@example.com", "b@example.com", "a@example.com", ""}
	in := stringArray(t, mem, arrow.BinaryTypes.String, values, []bool{true, true, true, false})
	defer in.Release()
	mask := func(key []byte) []string {
		out, err := quality.MaskColumn(mem, in, quality.Mask{Kind: quality.MaskHMAC, Key: key})
		require.NoError(t, err)
		defer out.Release()
		return strs(out)
	}
	a1, a2 := mask(testKey), mask(testKey)
	b := mask([]byte("another key of sixteen bytes"))

	assert.Equal(t, a1, a2, "deterministic per key")
	assert.Equal(t, a1[0], a1[2], "equal values stay equal")
	assert.NotEqual(t, a1[0], a1[1])
	assert.Equal(t, "<null>", a1[3], "nulls stay null")
	for i := range 3 {
		assert.NotEqual(t, a1[i], b[i], "differs across keys")
		assert.Len(t, a1[i], 64, "hex SHA-256")
		assert.NotContains(t, a1[i], values[i], "never the raw value")
	}

	_, err := quality.MaskColumn(mem, in, quality.Mask{Kind: quality.MaskHMAC})
	assert.ErrorIs(t, err, quality.ErrMask)
}

func TestMaskColumnDictionary(t *testing.T) {
	mem := arrowtest.Allocator(t)
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}
	db := array.NewDictionaryBuilder(mem, dt).(*array.BinaryDictionaryBuilder)
	defer db.Release()
	for _, v := range []string{"10.1.2.3", "10.1.2.3", "", "192.0.2.9", "10.1.2.3"} {
		if v == "" {
			db.AppendNull()
			continue
		}
		require.NoError(t, db.AppendString(v))
	}
	full := db.NewArray().(*array.Dictionary)
	defer full.Release()
	in := array.NewSlice(full, 1, 5).(*array.Dictionary) // a slice keeps its offset
	defer in.Release()

	out, err := quality.MaskColumn(mem, in, quality.Mask{Kind: quality.MaskGeneralize})
	require.NoError(t, err)
	defer out.Release()
	d := out.(*array.Dictionary)
	assert.Equal(t, 2, d.Dictionary().Len(), "one masked entry per dictionary entry")
	assert.Equal(t, []string{"10.1.2.0/24", "<null>", "192.0.2.0/24", "10.1.2.0/24"}, strs(out))

	hm, err := quality.MaskColumn(mem, in, quality.Mask{Kind: quality.MaskHMAC, Key: testKey})
	require.NoError(t, err)
	defer hm.Release()
	got := strs(hm)
	assert.Equal(t, got[0], got[3])
	assert.NotEqual(t, got[0], got[2])
}

func TestMaskColumnTimes(t *testing.T) {
	mem := arrowtest.Allocator(t)
	at := time.Date(2024, 3, 17, 23, 30, 0, 0, time.UTC)

	d32 := array.NewDate32Builder(mem)
	defer d32.Release()
	d32.Append(arrow.Date32FromTime(at))
	d32.AppendNull()
	dates := d32.NewArray()
	defer dates.Release()

	// 23:30 UTC on the 31st is already April 1st in Berlin.
	tt := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Europe/Berlin"}
	tb := array.NewTimestampBuilder(mem, tt)
	defer tb.Release()
	tb.Append(arrow.Timestamp(time.Date(2024, 3, 31, 23, 30, 0, 0, time.UTC).UnixMicro()))
	tb.AppendNull()
	stamps := tb.NewArray()
	defer stamps.Release()

	out, err := quality.MaskColumn(mem, dates, quality.Mask{Kind: quality.MaskGeneralize})
	require.NoError(t, err)
	defer out.Release()
	assert.Equal(t, "2024-03-01", out.(*array.Date32).Value(0).FormattedString())
	assert.True(t, out.IsNull(1))

	out2, err := quality.MaskColumn(mem, stamps, quality.Mask{Kind: quality.MaskGeneralize})
	require.NoError(t, err)
	defer out2.Release()
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2024, 4, 1, 0, 0, 0, 0, berlin).UnixMicro(), int64(out2.(*array.Timestamp).Value(0)))
	assert.True(t, out2.IsNull(1))

	red, err := quality.MaskColumn(mem, dates, quality.Mask{Kind: quality.MaskRedact})
	require.NoError(t, err)
	defer red.Release()
	assert.Equal(t, 2, red.NullN())

	_, err = quality.MaskColumn(mem, dates, quality.Mask{Kind: quality.MaskHMAC, Key: testKey})
	assert.ErrorIs(t, err, quality.ErrMask)
	_, err = quality.MaskColumn(mem, dates, quality.Mask{Kind: quality.MaskTruncate, N: 2})
	assert.ErrorIs(t, err, quality.ErrMask)
}

func TestKeyFrom(t *testing.T) {
	const secret = "s3cret-key-of-at-least-16-bytes"
	t.Setenv("SLUICE_TEST_KEY", secret)
	t.Setenv("SLUICE_TEST_SHORT", "short-secret")
	k, err := quality.KeyFromEnv("SLUICE_TEST_KEY")
	require.NoError(t, err)
	assert.Equal(t, []byte(secret), k)

	_, err = quality.KeyFromEnv("SLUICE_TEST_UNSET_KEY")
	assert.ErrorIs(t, err, quality.ErrMask)
	_, err = quality.KeyFromEnv("SLUICE_TEST_SHORT")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "short-secret", "errors never hold the key")

	dir := t.TempDir()
	path := filepath.Join(dir, "key")
	require.NoError(t, os.WriteFile(path, []byte(secret+"\n"), 0o600))
	k, err = quality.KeyFromFile(path)
	require.NoError(t, err)
	assert.Equal(t, []byte(secret), k)

	short := filepath.Join(dir, "short")
	require.NoError(t, os.WriteFile(short, []byte("short-secret"), 0o600))
	_, err = quality.KeyFromFile(short)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "short-secret")
	_, err = quality.KeyFromFile(filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, os.ErrNotExist)

	assert.NotContains(t, quality.Mask{Kind: quality.MaskHMAC, Key: k}.String(), strings.TrimSpace(secret))
}

func TestMaskColumnUnsupported(t *testing.T) {
	mem := arrowtest.Allocator(t)
	ib := array.NewInt64Builder(mem)
	defer ib.Release()
	ib.AppendValues([]int64{1, 2}, nil)
	ints := ib.NewArray()
	defer ints.Release()

	_, err := quality.MaskColumn(mem, ints, quality.Mask{Kind: quality.MaskHMAC, Key: testKey})
	assert.ErrorIs(t, err, quality.ErrMask)
	assert.ErrorContains(t, err, "int64")
	_, err = quality.MaskColumn(mem, ints, quality.Mask{Kind: "rot13"})
	assert.ErrorIs(t, err, quality.ErrMask)

	out, err := quality.MaskColumn(mem, ints, quality.Mask{Kind: quality.MaskNull})
	require.NoError(t, err)
	defer out.Release()
	assert.Equal(t, 2, out.NullN())
}

func BenchmarkMaskColumn(b *testing.B) {
	const rows = 1_000_000
	mem := memory.NewGoAllocator()
	sb := array.NewStringBuilder(mem)
	for i := range rows {
		sb.Append("customer" + strconv.Itoa(i%50_000) + "@example.com")
	}
	in := sb.NewArray()
	sb.Release()
	defer in.Release()
	masks := []quality.Mask{
		{Kind: quality.MaskHMAC, Key: testKey},
		{Kind: quality.MaskTruncate, N: 4},
		{Kind: quality.MaskRedact},
	}
	for _, m := range masks {
		b.Run(m.String(), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in.(*array.String).ValueBytes())))
			for b.Loop() {
				out, err := quality.MaskColumn(mem, in, m)
				if err != nil {
					b.Fatal(err)
				}
				out.Release()
			}
			b.ReportMetric(float64(b.N)*rows/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
