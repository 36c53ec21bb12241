package importers_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/importers"
	"github.com/sluicedata/sluice/rules"
)

func TestFileYAMLLoads(t *testing.T) {
	one := 1
	f := &importers.File{Header: []string{"made in a test"}, Dataset: "odd: name", Description: "quotes \" and\nnewlines"}
	f.Column("Cost Total $").Type = "double"
	f.Column("status").Values = []string{importers.Quote("a"), importers.Quote("b")}
	f.Column("code").MinLength = &one
	f.AddRule(importers.Rule{Name: "r", Expr: importers.Ident("Cost Total $") + " >= 0.0", Mostly: 0.9, Comment: "two\nlines"})
	f.AddRule(importers.Rule{Name: "r", Check: "row_count() > 0", Severity: "warn"})
	f.AddRule(importers.Rule{Name: "status.values", Expr: "true"})
	f.Notes = append(f.Notes, importers.Note{Source: "x", Reason: "y"})

	rs, err := rules.Parse("t.yaml", f.YAML())
	require.NoError(t, err, "%s", f.YAML())
	assert.Equal(t, "odd: name", rs.Dataset)
	assert.Equal(t, importers.OwnerPlaceholder, rs.Owner)
	var names []string
	for _, r := range rs.Rules {
		names = append(names, r.Name)
	}
	assert.Contains(t, names, "r_2")
	assert.Contains(t, names, "status.values_2")
	assert.Contains(t, string(f.YAML()), "# - not translated: x: y")
}

func TestIdent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"amount", "amount"},
		{"Cost Total $", `row["Cost Total $"]`},
		{"1st", `row["1st"]`},
		{"in", `row["in"]`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) { assert.Equal(t, tc.want, importers.Ident(tc.in)) })
	}
}
