package gx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Suite is an expectation suite, in either GX form.
type Suite struct {
	Name         string
	Expectations []Expectation
}

// Expectation is one expectation of a suite.
type Expectation struct {
	// Type is the expectation type, e.g. "expect_column_values_to_be_in_set".
	Type string
	// Kwargs are its arguments; numbers are json.Number.
	Kwargs map[string]any
	// Meta is free-form metadata; a "notes" string becomes the rule's
	// description.
	Meta map[string]any
}

// ErrNotSuite is returned by ParseSuite for JSON that is not an expectation
// suite.
var ErrNotSuite = errors.New("gx: not an expectation suite (want \"expectations\": [...])")

type rawSuite struct {
	Name         string           `json:"name"`
	LegacyName   string           `json:"expectation_suite_name"`
	Expectations []rawExpectation `json:"expectations"`
}

type rawExpectation struct {
	Type       string         `json:"type"`
	LegacyType string         `json:"expectation_type"`
	Kwargs     map[string]any `json:"kwargs"`
	Meta       map[string]any `json:"meta"`
}

// ParseSuite reads a suite in the GX Core 1.x form or the older one.
func ParseSuite(data []byte) (*Suite, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("gx: %w", err)
	}
	if _, ok := probe["expectations"]; !ok {
		return nil, ErrNotSuite
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw rawSuite
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("gx: %w", err)
	}
	s := &Suite{Name: raw.Name}
	if s.Name == "" {
		s.Name = raw.LegacyName
	}
	for i, e := range raw.Expectations {
		t := e.Type
		if t == "" {
			t = e.LegacyType
		}
		if t == "" {
			return nil, fmt.Errorf("gx: expectations[%d]: no \"type\" (or \"expectation_type\")", i)
		}
		if e.Kwargs == nil {
			e.Kwargs = map[string]any{}
		}
		s.Expectations = append(s.Expectations, Expectation{Type: t, Kwargs: e.Kwargs, Meta: e.Meta})
	}
	return s, nil
}
