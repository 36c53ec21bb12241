package soda

import (
	"fmt"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/sluicedata/sluice/importers"
)

// positions holds the SodaCL line of each top-level section key and of
// each check in a section's list (or, for `for each dataset`, in its
// checks: list), so that notes can point at the check they are about.
type positions struct {
	section map[string]int
	checks  map[string][]int
}

// locate reads the line numbers of data; a file the YAML parser cannot
// read yields no positions (Import reports the error itself).
func locate(data []byte) positions {
	p := positions{section: map[string]int{}, checks: map[string][]int{}}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return p
	}
	for _, doc := range file.Docs {
		for _, e := range entries(doc) {
			key := keyOf(e)
			if key == "" {
				continue
			}
			p.section[key] = line(e.Key)
			list := e.Value
			for _, sub := range entries(e.Value) { // for each dataset T: {checks: [...]}
				if keyOf(sub) == "checks" {
					list = sub.Value
				}
			}
			if s, ok := list.(*ast.SequenceNode); ok {
				for _, item := range s.Values {
					p.checks[key] = append(p.checks[key], line(item))
				}
			}
		}
	}
	return p
}

// at prefixes the sources of notes with "line N: " (N > 0).
func at(notes []importers.Note, n int) {
	if n <= 0 {
		return
	}
	for i := range notes {
		notes[i].Source = fmt.Sprintf("line %d: %s", n, notes[i].Source)
	}
}

func (p positions) check(section string, i int) int {
	if l := p.checks[section]; i < len(l) {
		return l[i]
	}
	return 0
}

func line(n ast.Node) int {
	if es := entries(n); len(es) > 0 && es[0].Key != nil {
		n = es[0].Key
	}
	if n == nil {
		return 0
	}
	tok := n.GetToken()
	if tok == nil || tok.Position == nil {
		return 0
	}
	return tok.Position.Line
}

func entries(n ast.Node) []*ast.MappingValueNode {
	switch n := n.(type) {
	case *ast.MappingNode:
		return n.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{n}
	case *ast.DocumentNode:
		return entries(n.Body)
	}
	return nil
}

func keyOf(e *ast.MappingValueNode) string {
	if e == nil || e.Key == nil {
		return ""
	}
	if tok := e.Key.GetToken(); tok != nil {
		return tok.Value
	}
	return ""
}
