package quality

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/quality/history"
	"github.com/sluicedata/sluice/rules"
)

// session is the state of one Check, Run or Filter call.
type session struct {
	g        *Gate
	run      *rules.Run
	rowRules []*rules.CompiledRule
	dataset  string // for errors and logs
	version  string // the dataset version of the audit record

	rowsIn, rowsClean, rowsQuarantined int64

	// per batch, reused
	failed []bool

	priv *privacyState
	// types accounts the built-in <key>.type rules.
	types *typeRules
	// key is the physical names of the key: columns (Program.Key).
	key []string
	// marks is true when the reader marks values that do not parse
	// (InvalidColumn): a text format read with the rule file's policies.
	// Without marks the declared <key>.type rules are not reported: a
	// typed format's values always have their column's type.
	marks bool
	// notes are the report's notes about the input (Report.Notes).
	notes []string
	// mapped names the metrics whose live states hold hmac'd values
	// (Redactor.MapStates), in a run merged with stored partitions.
	mapped map[string]bool
}

// split is the verdict on one batch.
type split struct {
	// failed[row] is true when the row fails an error-severity row rule.
	failed []bool
	// rules[row] lists the error-severity row rules the row failed; only
	// built when a quarantine is written.
	rules [][]string
	// nFailed counts the true entries of failed.
	nFailed int
}

func (g *Gate) newSession(dataset string) *session {
	opts := []rules.RunOption{rules.WithClock(g.cfg.clock), rules.WithoutOutcomes()}
	if g.cfg.refs != nil {
		opts = append(opts, rules.WithReferences(g.cfg.refs))
	}
	if g.cfg.history != nil {
		opts = append(opts, rules.WithHistory(history.ForRules(g.cfg.history)))
	}
	s := &session{
		g:        g,
		rowRules: g.prog.RowRules(),
		dataset:  dataset,
		version:  g.cfg.datasetVersion,
		priv:     g.priv.newState(),
		types:    newTypeRules(g.prog),
		key:      g.prog.Key(),
	}
	// The run keeps the outcome counts, error kinds and samples of the
	// row rules (its Partial); samples are redacted as they are taken.
	opts = append(opts, rules.WithSamples(g.cfg.sampleLimit, s.fillSample))
	s.run = g.prog.NewRun(opts...)
	return s
}

// fillSample records the failing row of batch for row rule i: the values
// of the columns the rule reads and the key, redacted. It runs on the
// run's workers and reads only the session's fixed fields.
func (s *session) fillSample(batch arrow.RecordBatch, i, row int) (values, key map[string]any) {
	sm := s.sample(batch, s.rowRules[i], row, 0)
	return sm.Values, sm.Key
}

// noteSchema takes in the schema of the reader: whether it marks values
// that do not parse (InvalidColumn), and its notes on columns
// (connectors.NoteKey).
func (s *session) noteSchema(schema *arrow.Schema) {
	s.marks = invalidIndex(schema) >= 0
	for _, f := range schema.Fields() {
		if note, ok := f.Metadata.GetValue(connectors.NoteKey); ok && note != "" {
			s.notes = append(s.notes, fmt.Sprintf("column %s: %s", f.Name, note))
		}
	}
}

// eval evaluates the row rules on batch (borrowed), updates the counts and
// samples, and returns which rows fail the gate. withRules asks for the
// names of the failed rules per row.
func (s *session) eval(ctx context.Context, batch arrow.RecordBatch, withRules bool) (*split, error) {
	if err := ctx.Err(); err != nil {
		return nil, runErr("evaluate", s.dataset, err)
	}
	res, err := s.run.Eval(ctx, batch)
	if err != nil {
		return nil, runErr("evaluate", s.dataset, err)
	}
	return s.account(ctx, batch, res, withRules)
}

// evalReader evaluates every batch of reader on the gate's workers and
// hands each batch, in order, with its verdict to each (nil for none).
func (s *session) evalReader(ctx context.Context, reader array.RecordReader, withRules bool,
	each func(batch arrow.RecordBatch, sp *split) error) error {
	err := s.run.EvalReader(ctx, reader, s.g.cfg.workers, func(batch arrow.RecordBatch, res *rules.BatchResult) error {
		// The privacy scan of the batch runs while it is accounted and
		// written: the batches are handed over in order, so the scan
		// still sees them in order, one at a time.
		scanned := s.priv.addAsync(batch)
		sp, err := s.accountRows(ctx, batch, res, withRules)
		if err == nil && each != nil {
			err = each(batch, sp)
		}
		return errors.Join(err, scanned())
	})
	if err == nil {
		return nil
	}
	var re *RunError
	switch {
	case errors.As(err, &re):
		return err
	case reader.Err() != nil:
		return runErr("read", s.dataset, reader.Err())
	}
	return runErr("evaluate", s.dataset, err)
}

// account folds the row outcomes of batch into the counts and samples and
// returns which rows fail the gate.
func (s *session) account(ctx context.Context, batch arrow.RecordBatch, res *rules.BatchResult, withRules bool) (*split, error) {
	data := withoutInvalid(batch)
	s.priv.add(data)
	data.Release()
	return s.accountRows(ctx, batch, res, withRules)
}

// accountRows is account without the privacy scan.
func (s *session) accountRows(ctx context.Context, batch arrow.RecordBatch, res *rules.BatchResult, withRules bool) (*split, error) {
	n := int(batch.NumRows())
	if len(res.Counts) != len(s.rowRules) || len(res.Failing) != len(s.rowRules) {
		return nil, runErr("evaluate", s.dataset,
			fmt.Errorf("rules returned results for %d rules, want %d", len(res.Counts), len(s.rowRules)))
	}
	if cap(s.failed) < n {
		s.failed = make([]bool, n)
	}
	sp := &split{failed: s.failed[:n]}
	clear(sp.failed)
	if withRules {
		sp.rules = make([][]string, n)
	}
	base := s.rowsIn
	if err := s.accountInvalid(batch, sp, base, withRules); err != nil {
		return nil, runErr("read", s.dataset, err)
	}
	for i, rule := range s.rowRules {
		failing := res.Failing[i]
		if len(failing) != (n+63)/64 {
			return nil, runErr("evaluate", s.dataset,
				fmt.Errorf("rule %s: %d result words for a batch of %d rows", rule.Name, len(failing), n))
		}
		// A quarantine: false rule counts in the verdict only: its
		// failing rows stay clean. The run's Partial holds the rule's
		// counts, error kinds and samples.
		blocks := (rule.Severity == rules.SeverityError || rule.Severity == "") && !rule.NoQuarantine
		if !blocks {
			continue
		}
		rules.FailingRowsOf(failing, func(row int) bool {
			if !sp.failed[row] {
				sp.failed[row] = true
				sp.nFailed++
			}
			if withRules {
				sp.rules[row] = append(sp.rules[row], rule.Name)
			}
			return true
		})
	}
	s.rowsIn += int64(n)
	s.rowsQuarantined += int64(sp.nFailed)
	s.rowsClean += int64(n - sp.nFailed)
	if s.g.cfg.progress != nil {
		s.g.cfg.progress(s.rowsIn)
	}
	s.g.cfg.logger.DebugContext(ctx, "quality: batch evaluated",
		"dataset", s.dataset, "rows", n, "failed_rows", sp.nFailed, "rows_done", s.rowsIn)
	return sp, nil
}

// sample records the columns rule reads on row of batch.
func (s *session) sample(batch arrow.RecordBatch, rule *rules.CompiledRule, row int, global int64) Sample {
	values := make(map[string]any, len(rule.Columns))
	sc := batch.Schema()
	for _, name := range rule.Columns {
		idx := sc.FieldIndices(name)
		if len(idx) == 0 {
			continue
		}
		col := batch.Column(idx[0])
		switch {
		case col.IsNull(row):
			values[name] = nil
		default:
			values[name] = s.g.priv.redactValue(name, cellValue(col, row))
		}
	}
	return Sample{Row: global, Values: values, Key: s.sampleKey(batch, row)}
}

// sampleKey returns the key: columns' values on row of batch, redacted;
// nil without key:.
func (s *session) sampleKey(batch arrow.RecordBatch, row int) map[string]any {
	if len(s.key) == 0 {
		return nil
	}
	key := make(map[string]any, len(s.key))
	sc := batch.Schema()
	for _, name := range s.key {
		idx := sc.FieldIndices(name)
		if len(idx) == 0 {
			continue
		}
		col := batch.Column(idx[0])
		if col.IsNull(row) {
			key[name] = nil
			continue
		}
		key[name] = s.g.priv.redactValue(name, cellValue(col, row))
	}
	return key
}

// cellValue returns a JSON-friendly value of col[row] (not null).
func cellValue(col arrow.Array, row int) (v any) {
	defer func() {
		// A type without a marshal form must not take the run down.
		if recover() != nil {
			v = col.ValueStr(row)
		}
	}()
	return jsonValue(col.GetOneForMarshal(row))
}

// finish evaluates the dataset checks and builds the report.
func (s *session) finish(ctx context.Context, rep *Report) error {
	if s.g.cfg.partition != "" && s.g.cfg.history != nil {
		// The stored partitions keep hmac'd value sets: merge like with like.
		s.mapped = s.g.priv.red.MapStates(s.run)
	}
	if err := s.combine(ctx, rep); err != nil {
		return runErr("history", s.dataset, err)
	}
	part, err := s.run.Partial()
	if err != nil {
		return runErr("finish", s.dataset, err)
	}
	totals := part.Rules()
	checks, err := s.run.Finish(ctx)
	if err != nil {
		return runErr("finish", s.dataset, err)
	}
	byRule := make(map[*rules.CompiledRule]*rules.CheckResult, len(checks))
	byName := make(map[string]*rules.CheckResult, len(checks))
	for i := range checks {
		if checks[i].Rule != nil {
			byRule[checks[i].Rule] = &checks[i]
			byName[checks[i].Rule.Name] = &checks[i]
		}
	}
	rowIdx := make(map[*rules.CompiledRule]int, len(s.rowRules))
	for i, r := range s.rowRules {
		rowIdx[r] = i
	}
	rep.RowsIn, rep.RowsClean, rep.RowsQuarantined = s.rowsIn, s.rowsClean, s.rowsQuarantined
	rep.Key = s.key
	rep.Rules = make([]RuleResult, 0, len(s.g.prog.Rules()))
	rep.Rules = append(rep.Rules, schemaResults(s.g.prog.SchemaFindings())...)
	rep.Rules = append(rep.Rules, s.typeResults()...)
	for _, r := range s.g.prog.Rules() {
		rr := RuleResult{
			Name:     r.Name,
			Kind:     r.Kind(),
			Severity: severityOf(r),
			Mostly:   mostlyOf(r),
			Metrics:  map[string]any{},
			Samples:  []Sample{},
			Engine:   r.Engine,
			Errors:   map[string]int64{},
			Expr:     r.Expr,
			Columns:  append([]string{}, r.Columns...),
		}
		if r.NotEvaluated != "" {
			if r.Kind() == rules.KindDataset {
				rr.Expr = r.Check
			}
			rr.Status = StatusNotEvaluated
			rr.Message = "not evaluated: " + r.NotEvaluated
		} else if r.Kind() == rules.KindDataset {
			rr.Expr = r.Check
			cr := byRule[r]
			if cr == nil {
				cr = byName[r.Name]
			}
			fillCheck(&rr, cr, s.g.priv.red)
		} else if i, ok := rowIdx[r]; ok {
			fillRowRule(&rr, r, totals[i], s.g.priv.red)
			rr.Status = ruleStatus(rr.Severity, rr.Passed, rr.Evaluated, rr.Mostly)
			rr.Message = rowRuleMessage(&rr)
		} else {
			rr.Status = StatusNotEvaluated
			rr.Message = "not evaluated: rule missing from the program's row rules"
		}
		rep.Rules = append(rep.Rules, rr)
	}
	s.g.priv.red.partitionGaps(rep, s.mapped)
	rep.Notes = append(rep.Notes, s.reportNotes()...)
	rep.decide(s.g.cfg.strict)
	s.priv.finish(rep, s.g.cfg.strict)
	if err := s.record(ctx, rep); err != nil {
		return runErr("history", s.dataset, err)
	}
	return nil
}

// fillRowRule fills the counts, samples and error kinds of row rule r from
// its totals in the run's Partial.
func fillRowRule(rr *RuleResult, r *rules.CompiledRule, t rules.RuleTotals, red *Redactor) {
	rr.Passed = t.Counts[rules.Pass]
	rr.Failed = t.Counts[rules.Fail] + t.Counts[rules.Errored]
	rr.Skipped = t.Counts[rules.Skip]
	rr.Evaluated = rr.Passed + rr.Failed
	rr.PassFraction = fraction(rr.Passed, rr.Evaluated)
	for _, sm := range t.Samples {
		rr.Samples = append(rr.Samples, Sample{Row: sm.Row, Values: sm.Values, Key: sm.Key})
	}
	for k, n := range t.Errors {
		rr.Errors[red.ErrorKind(r.Columns, k)] += n
	}
}

func severityOf(r *rules.CompiledRule) rules.Severity {
	if r.Severity == "" {
		return rules.SeverityError
	}
	return r.Severity
}

// fillCheck fills the result of a dataset check.
func fillCheck(rr *RuleResult, cr *rules.CheckResult, red *Redactor) {
	if cr == nil {
		rr.Status = StatusNotEvaluated
		rr.Message = "not evaluated: no result for the check"
		return
	}
	for k, v := range cr.Metrics {
		rr.Metrics[k] = jsonValue(v)
	}
	for _, d := range cr.Duplicates {
		key := make(map[string]any, len(d.Columns))
		for j, col := range d.Columns {
			if j < len(d.Values) {
				key[col] = red.Value(col, jsonValue(d.Values[j]))
			}
		}
		rr.Duplicates = append(rr.Duplicates, DuplicateKey{Key: key, Count: d.Count})
	}
	switch cr.Outcome {
	case rules.Pass:
		rr.Evaluated, rr.Passed = 1, 1
		rr.Status = StatusPass
	case rules.Fail:
		rr.Evaluated, rr.Failed = 1, 1
		rr.Status = ruleStatus(rr.Severity, 0, 1, rr.Mostly)
		rr.Message = "check is false"
	case rules.Skip:
		rr.Skipped = 1
		rr.Status = StatusNotEvaluated
		rr.Message = "not evaluated: a metric is undefined on the data"
		if cr.Err != "" {
			rr.Message = "not evaluated: " + cr.Err
		}
	default: // Errored
		rr.Evaluated, rr.Failed = 1, 1
		rr.Status = StatusError
		msg := cr.Err
		if msg == "" {
			msg = "evaluation error"
		}
		if !strings.Contains(msg, ": ") { // a metric's own error is "label: error"
			msg = red.ErrorKind(rr.Columns, msg)
		}
		rr.Errors[msg]++
		rr.Message = "check could not be computed: " + msg
	}
	rr.PassFraction = fraction(rr.Passed, rr.Evaluated)
}

// schemaResults turns the program's schema findings into the results of the
// built-in rules schema.<column>: one per rule name, failed (or warned, by
// the finding's severity), with the findings' messages joined. They come
// first in the report: rules over the columns they name are not evaluated.
func schemaResults(findings []rules.SchemaFinding) []RuleResult {
	var out []RuleResult
	at := map[string]int{}
	for _, f := range findings {
		if i, ok := at[f.Rule]; ok {
			out[i].Message += "; " + f.Message
			continue
		}
		sev := f.Severity
		if sev == "" {
			sev = rules.SeverityError
		}
		rr := RuleResult{
			Name: f.Rule, Kind: rules.KindDataset, Severity: sev, Mostly: 1,
			Evaluated: 1, Failed: 1, PassFraction: fraction(0, 1),
			Metrics: map[string]any{}, Samples: []Sample{}, Engine: "schema",
			Errors: map[string]int64{}, Columns: []string{f.Column}, Message: f.Message,
		}
		rr.Status = ruleStatus(sev, 0, 1, 1)
		at[f.Rule] = len(out)
		out = append(out, rr)
	}
	return out
}

// reportNotes returns the notes that open the report: a rule file without
// rules, an input without rows, the readers' notes on columns.
func (s *session) reportNotes() []string {
	var out []string
	if rs := s.g.prog.RuleSet(); rs == nil || len(rs.Rules) == 0 {
		n := 0
		if s.marks {
			n = len(s.types.list)
		}
		switch {
		case n > 0:
			out = append(out, fmt.Sprintf("the rule file has no rules: only the schema and the types of %d declared columns were checked", n))
		default:
			out = append(out, "the rule file has no rules: nothing but the schema was checked")
		}
	}
	if s.rowsIn == 0 {
		out = append(out, "the input has no rows: row rules were not evaluated")
	}
	return append(out, s.notes...)
}
