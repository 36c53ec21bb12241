package textfmt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/rules/textfmt"
)

func TestStrftimeMatch(t *testing.T) {
	tests := []struct {
		layout, s string
		want      bool
	}{
		{"%Y-%m-%d", "2019-04-01", true},
		{"%Y-%m-%d", "2019-4-1", true}, // strptime takes one digit too
		{"%Y%m%d", "2019-04-01", false},
		{"%Y-%d-%m", "2019-13-04", true},
		{"%Y-%d-%m", "2019-04-13", false}, // month 13
		{"%m-%d-%Y", "01/20/2019", false},
		{"%d/%m/%Y", "01/01/2010", true},
		{"%Y-%m-%dT%H:%M:%S", "1977-05-55T00:00:00", false},
		{"%Y-%m-%dT%H:%M:%S", "2017-06-12T23:57:59", true},
		{"%Y-%m-%d", "2019-02-29", false},
		{"%Y-%m-%d", "2020-02-29", true},
		{"%Y-%m-%d", "2019-04-31", false},
		{"%Y%m%d", "20190401", true},
		{"%d%%", "12%", true},
		{"%Y-%m-%d", "2019-04-01 ", false},
		{"%Y-%m-%d", "", false},
	}
	for _, tt := range tests {
		l, err := textfmt.Compile(tt.layout)
		require.NoError(t, err, tt.layout)
		assert.Equal(t, tt.want, l.Match(tt.s), "%s on %q", tt.layout, tt.s)
	}
}

func TestStrftimeBadLayout(t *testing.T) {
	for _, layout := range []string{"%D", "%Y-%", "%Q"} {
		_, err := textfmt.Compile(layout)
		assert.ErrorIs(t, err, textfmt.ErrLayout, layout)
	}
}
