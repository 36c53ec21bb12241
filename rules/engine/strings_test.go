package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestASCIICase(t *testing.T) {
	tests := []struct {
		in, lower, upper string
	}{
		{"", "", ""},
		{"TacoCat", "tacocat", "TACOCAT"},
		{"TacoCÆt Xii", "tacocÆt xii", "TACOCÆT XII"}, // only ASCII letters change
		{"\u212a", "\u212a", "\u212a"},                // Kelvin sign: not ASCII
		{"İx", "İx", "İX"},
		{"a\xffB", "a\ufffdb", "A\ufffdB"}, // decoded as runes: invalid bytes become U+FFFD
		{"\xff\xfe", "\ufffd\ufffd", "\ufffd\ufffd"},
		{"x\x00Y", "x\x00y", "X\x00Y"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.lower, lowerASCII(tt.in))
			assert.Equal(t, tt.upper, upperASCII(tt.in))
		})
	}
}
