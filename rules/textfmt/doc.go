// Package textfmt holds the text-format predicates of the rule language
// that both evaluation engines share: strftime layouts matched as Python's
// datetime.strptime matches them.
package textfmt
