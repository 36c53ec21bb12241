package kafka

import (
	"slices"
	"strings"
)

func sortNames(s string) string {
	p := strings.Split(s, ",")
	slices.Sort(p)
	return strings.Join(p, ",")
}
