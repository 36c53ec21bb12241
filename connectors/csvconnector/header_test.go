package csvconnector_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/csvconnector"
)

func TestDuplicateHeader(t *testing.T) {
	tests := []struct {
		name    string
		content string
		message string // after "<path>:"
	}{
		{name: "first and last", content: "id,name,amount,id\n1,a,2,3\n", message: `1: duplicate column "id" in the header (columns 1 and 4)`},
		{name: "first repeat reported", content: "a,b,b,a\n", message: `1: duplicate column "b" in the header (columns 2 and 3)`},
		{name: "after the byte order mark", content: "\ufeffid,x,id\n", message: `1: duplicate column "id" in the header (columns 1 and 3)`},
		{name: "empty names", content: "a,,b,\n1,2,3,4\n", message: `1: duplicate column "" in the header (columns 2 and 4)`},
		{name: "control characters escaped", content: "\"a\x1b[2J\",\"a\x1b[2J\"\n", message: `1: duplicate column "a\x1b[2J" in the header (columns 1 and 2)`},
		{name: "quoted and unquoted", content: "\"id\",id\n", message: `1: duplicate column "id" in the header (columns 1 and 2)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, tt.content)
			src := csvconnector.NewSource(path)
			_, serr := src.Schema(context.Background())
			_, _, oerr := readAll(t, src, connectors.ReadOptions{})
			for _, err := range []error{serr, oerr} {
				require.Error(t, err)
				var ie *connectors.InputError
				require.ErrorAs(t, err, &ie)
				assert.Equal(t, path, ie.Path)
				assert.Equal(t, 1, ie.Line)
				require.ErrorIs(t, err, connectors.ErrCorrupt)
				assert.Equal(t, "csvconnector: "+path+":"+tt.message, err.Error())
			}
		})
	}
}

func TestDistinctHeader(t *testing.T) {
	// Names that differ only in case or spaces are distinct columns.
	path := writeTemp(t, "id,ID, id\n1,2,3\n")
	_, rows, err := readAll(t, csvconnector.NewSource(path), connectors.ReadOptions{})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"1", "2", "3"}}, rows)
}
