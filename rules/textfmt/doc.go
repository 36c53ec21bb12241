// Package textfmt holds the text-format predicates of the rule language
// that both evaluation engines share: strftime layouts matched as Python's
// datetime.strptime matches them, the free date forms of parses_date (a
// subset of python-dateutil's parser), and JSON Schema validation.
package textfmt
