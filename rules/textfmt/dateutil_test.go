package textfmt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sluicedata/sluice/rules/textfmt"
)

// TestParsesDate holds ParsesDate to what python-dateutil's parser.parse
// gives for each string (a value, or ParserError / ValueError).
func TestParsesDate(t *testing.T) {
	yes := []string{
		"2019-04-01", "2019-04-13", "01/01/2010", "1/2/2016", "12/31/99", "31/12/2010", "01.01.2010",
		"2010-01-01T10:00:00", "2010-01-01 10:00:00.123456", "2010-01-01T10:00:00Z",
		"2010-01-01T10:00:00+02:00", "2010-01-01 10:00:00 -0500", "2010-01-01 10:00 UTC",
		"Jan 1 2010", "January 1, 2010", "1 January 2010", "Friday, January 1st, 2010", "Dec 2010",
		"sept 5", "10:30", "10:30 pm", "5pm", "20100101", "20100101120000", "2010", "2010-03",
		"  2019-04-01  ", "Mar 3, 2020 at 5:30 PM", "2020-02-29",
	}
	no := []string{
		"", "abc", "cat", "dog", "horse", "2019-02-29", "13/13/2010", "2010-13-01", "25:00",
		"10:61", "hello 2010", "1/2/3/4", "2010-01-01 10:00:00 +25", "Jan Feb 2010", "12345",
		"13pm", "Feb 30", "2010-01-01T10:00:00Z extra",
	}
	for _, s := range yes {
		assert.True(t, textfmt.ParsesDate(s), "%q parses", s)
	}
	for _, s := range no {
		assert.False(t, textfmt.ParsesDate(s), "%q does not parse", s)
	}
}

func FuzzParsesDate(f *testing.F) {
	for _, s := range []string{"2019-04-01", "Jan 1 2010 10:00 pm +02:00", "20100101120000", "1/2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		textfmt.ParsesDate(s) // must not panic
	})
}
