package rules

// This file holds the types the rest of Sluice builds on. Their shape is a
// contract with package quality and the CLI: fields may be added, not renamed.

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/rules/pii"
)

// Severity says what a failing rule does to the gate.
type Severity string

const (
	SeverityError Severity = "error" // blocks the gate
	SeverityWarn  Severity = "warn"  // gate status warn; fails only with --strict
	SeverityInfo  Severity = "info"  // reported only
)

// NullPolicy says how a row whose rule reads a null input counts.
type NullPolicy string

const (
	NullsSkip NullPolicy = "skip" // not evaluated: excluded from the denominator (default)
	NullsFail NullPolicy = "fail"
	NullsPass NullPolicy = "pass"
)

// Kind tells row rules from dataset checks.
type Kind string

const (
	KindRow     Kind = "row"
	KindDataset Kind = "dataset"
)

// Outcome is the result of a row rule on one row, or of a dataset check.
type Outcome uint8

const (
	Pass    Outcome = iota // evaluated to true (or null with nulls: pass)
	Fail                   // evaluated to false (or null with nulls: fail)
	Skip                   // not evaluated: a null input with nulls: skip
	Errored                // evaluation error (division by zero, …): counts as failed
)

// Column is one entry of a rule file's columns: section.
type Column struct {
	Key       string   // the YAML key: the name rules use
	Name      string   // the physical column name (Key unless name: is given)
	Type      string   // declared type, "" when not declared
	Required  bool     //
	Unique    bool     //
	Values    []any    //
	Min, Max  *float64 //
	Pattern   string   //
	MinLength *int     //
	MaxLength *int     //
	Tags      []string //
	Line      int      // line of the key in the rule file
	// Mask is the column's declared mask, as written: hmac, redact, null,
	// truncate:N or generalize; "" when the column is written unmasked.
	Mask string
	// OnInvalid says what a value that does not parse as the column's type
	// does (text formats): OnInvalidFail (the default, also when "") fails
	// the built-in rule <key>.type on that row, OnInvalidNull leaves the
	// cell null and nothing fails, OnInvalidError aborts the read.
	OnInvalid OnInvalid
	// Severity is the severity of every rule the column generates: its
	// shorthands, <key>.type and schema.<key>; "" means SeverityError.
	Severity Severity
}

// OnInvalid is a column's on_invalid: policy.
type OnInvalid string

const (
	OnInvalidFail  OnInvalid = "fail"  // the row fails <column>.type; the cell is null (default)
	OnInvalidNull  OnInvalid = "null"  // the cell is null; no rule fails
	OnInvalidError OnInvalid = "error" // the read aborts with an error
)

// ExtraColumns is the schema.extra_columns policy: what a column of the
// data that columns: does not declare is.
type ExtraColumns string

const (
	ExtraAllow ExtraColumns = "allow" // nothing (default)
	ExtraWarn  ExtraColumns = "warn"  // a schema finding of severity warn
	ExtraFail  ExtraColumns = "fail"  // a schema finding of severity error
)

// SchemaPolicy is the schema: section of a rule file.
type SchemaPolicy struct {
	// ExtraColumns applies when columns: declares at least one column;
	// "" means ExtraAllow.
	ExtraColumns ExtraColumns
}

// Rule is one rule of a rule file after the column shorthands are expanded.
type Rule struct {
	Name        string
	Description string
	Expr        string // row rule: CEL boolean per row
	Check       string // dataset check: CEL over metric functions
	Severity    Severity
	Mostly      float64 // 0 < mostly <= 1; default 1
	Nulls       NullPolicy
	Generated   bool // expanded from a column shorthand
	Line        int  // line in the rule file (of the column for shorthands)
	// NoQuarantine is quarantine: false: a row failing this rule is not
	// sent to the quarantine for it; the rule counts in the verdict only.
	NoQuarantine bool
}

// Kind returns KindRow or KindDataset.
func (r *Rule) Kind() Kind {
	if r.Check != "" {
		return KindDataset
	}
	return KindRow
}

// Privacy is the privacy: section of a rule file.
type Privacy struct {
	Detect      []string
	UntaggedPII string // "", "error", "warn"
	// Detectors are the user-defined regex detectors of privacy.detectors,
	// compiled; Detect may name them.
	Detectors []pii.Detector
	// Sample scans one row in Sample (0 or 1: every row).
	Sample int
	// MinFraction is the fraction of a column's scanned values a detector
	// must match for the column to count as flagged; 0 means any match.
	MinFraction float64
	// Allow maps a zone (internal, public) to the tags its sinks may
	// receive; the restricted zone receives anything.
	Allow map[string][]string
}

// RuleSet is a parsed, validated rule file. It is immutable and safe for
// concurrent use.
type RuleSet struct {
	Version     int
	Dataset     string
	Owner       string
	Description string
	Columns     []Column // in file order
	Rules       []Rule   // in file order, shorthands first after their column
	Privacy     *Privacy
	// Strict is strict: true: the gate fails on warnings and on rules that
	// are not evaluated or errored, as --strict does.
	Strict bool
	// Key names the columns that identify a row (key:), as written: column
	// keys or physical names; Program.Key resolves them.
	Key []string
	// Schema is the schema: section.
	Schema SchemaPolicy
	// Path is the rule file's path ("" when parsed from bytes); relative
	// dataset paths in the rules resolve against its directory.
	Path string

	// pos holds where each rule's expression starts in the file (parallel
	// to Rules; nil for rule sets built in code).
	pos []exprPos
	// keyLines holds the line of each Key entry; schemaLine the line of
	// schema.extra_columns (0 when not given).
	keyLines   []int
	schemaLine int
}

// Reference is a second dataset a missing_references or row_count('path')
// check reads.
type Reference struct {
	Dataset string // as written in the rule, resolved against the rule file's directory when it is a relative path
	// Column is the column missing_references reads; "" for
	// row_count('path'), which counts rows and reads no value.
	Column string
}

// ReferenceOpener opens the column of a reference dataset for reading (any
// columns when Reference.Column is ""). The returned reader is released by
// the caller (the Run).
type ReferenceOpener func(ctx context.Context, ref Reference) (array.RecordReader, error)

// CompiledRule is a rule checked against a schema.
type CompiledRule struct {
	Rule
	// Index is the rule's position in Program.Rules.
	Index int
	// Columns are the physical columns the rule reads, sorted.
	Columns []string
	// Engine names the path that evaluates the rule: "vectorized" (the
	// columnar engine of package rules/engine) or "interpreter" (cel-go).
	Engine string
	// NotVectorized says, for a row rule on the interpreter, why the
	// vectorized engine does not run it (the construct outside its subset,
	// or that the interpreter was asked for); "" otherwise.
	NotVectorized string
	// NotEvaluated is why the rule is not evaluated on this data, "" when
	// it is: it reads a column that is missing from the data or whose type
	// differs from the declared one (Program.SchemaFindings), e.g. `column
	// "amount" is missing from the data`. Such a rule is in Program.Rules
	// but not in RowRules or Checks, and never reaches a Run.
	NotEvaluated string
}

// BatchResult holds the outcomes of one batch.
type BatchResult struct {
	// Rows is the number of rows in the batch.
	Rows int
	// Outcomes[i][row] is the outcome of Program.RowRules()[i] on row;
	// nil with WithoutOutcomes.
	Outcomes [][]Outcome
	// ErrorKinds[i] counts evaluation errors of Program.RowRules()[i] by
	// kind (ErrorKind: "division by zero", "invalid timestamp", …; at most
	// MaxErrorKinds, the rest under OtherErrorKind); nil when none.
	ErrorKinds []map[string]int64
	// Counts[i] counts the outcomes of Program.RowRules()[i], by outcome.
	Counts []OutcomeCounts
	// Failing[i] is a bitmap of the rows that failed
	// Program.RowRules()[i] (Fail or Errored): bit row%64 of word row/64.
	Failing [][]uint64
}

// FailingRow reports whether row failed row rule i (Fail or Errored).
func (b *BatchResult) FailingRow(i, row int) bool { return b.Failing[i][row>>6]>>(row&63)&1 != 0 }

// OutcomeCounts counts rows by outcome: OutcomeCounts[Fail] is the number
// of failed rows.
type OutcomeCounts [4]int64

// CheckResult is the result of one dataset check.
type CheckResult struct {
	Rule *CompiledRule
	// Outcome is Pass, Fail, Errored (the check could not be computed, see
	// Err), or Skip when a metric it reads is undefined on the data (the mean
	// of no values): not evaluated.
	Outcome Outcome
	// Metrics holds the value of each metric the check read, keyed by its
	// call as written, e.g. "completeness(email)".
	Metrics map[string]any
	Err     string
	// Duplicates are the keys found in more than one row, the most
	// frequent first (see metrics.DuplicateSampler for the order), at most
	// MaxDuplicateSamples of them, for a check that failed and reads
	// exactly one duplicate_count metric (unique: true, say); nil for
	// every other check. The values are the data's, unmasked, as the run's
	// states hold them: a state mapped by Run.MapStates holds its mapped
	// values (hmac'd strings). A report masks them like the column.
	Duplicates []Duplicate
}
