package quality

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"go.opentelemetry.io/otel/attribute"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/rules"
)

// ReportLineage identifies the lineage run that recorded a gate run: the
// OpenLineage run id and the OpenTelemetry trace id of its spans.
type ReportLineage struct {
	RunID   string `json:"run_id"`
	TraceID string `json:"trace_id,omitempty"`
}

// LogicalNamespace is the dataset namespace the gate uses in lineage for a
// dataset known only by the rule file's logical name (Check and Filter
// without WithDataset).
const LogicalNamespace = "sluice"

// AttrMaskedColumns lists, sorted, the columns a write span's output
// receives masked: names only.
const AttrMaskedColumns = attribute.Key("sluice.privacy.masked_columns")

// errCleanAborted ends the write span of a clean sink aborted because the
// gate failed.
var errCleanAborted = errors.New("quality: clean output aborted: the gate failed")

// FilterLineage records on run that the rows of out were selected from in
// by the gate's error-severity row rules: one dataset-level lineage entry
// (lineage.Filter with the rule name) per column each rule reads. Gate.Run
// calls it for its outputs; callers of Filter call it for the dataset they
// write the clean stream to.
func (g *Gate) FilterLineage(run *lineage.Run, in, out lineage.Dataset) {
	if run == nil {
		return
	}
	for _, r := range g.errorRowRules() {
		inputs := make([]lineage.Field, len(r.Columns))
		for i, c := range r.Columns {
			inputs[i] = lineage.Field{Dataset: in, Name: c}
		}
		run.DeriveDataset(out, inputs, lineage.Filter(r.Name))
	}
}

func (g *Gate) errorRowRules() []*rules.CompiledRule {
	var out []*rules.CompiledRule
	for _, r := range g.prog.RowRules() {
		if severityOf(r) == rules.SeverityError {
			out = append(out, r)
		}
	}
	return out
}

// lineageCall holds the lineage handles of one Run, Check or Filter call.
// Every method is a no-op on a nil receiver (no lineage configured).
type lineageCall struct {
	g     *Gate
	run   *lineage.Run
	in    lineage.Dataset
	read  *lineage.IO
	check *lineage.Check
	rows  int64
}

// startLineage returns the lineage state of one call on input in, or nil
// without WithLineage.
func (g *Gate) startLineage(in lineage.Dataset, rep *Report) *lineageCall {
	run := g.cfg.lineage
	if run == nil {
		return nil
	}
	if in.IsZero() {
		in = lineage.Dataset{Namespace: LogicalNamespace, Name: rep.Dataset}
	}
	rl := &ReportLineage{RunID: run.ID().String()}
	if sc := run.SpanContext(); sc.IsValid() {
		rl.TraceID = sc.TraceID().String()
	}
	rep.Lineage = rl
	return &lineageCall{g: g, run: run, in: in}
}

func filePath(ds lineage.Dataset) string {
	if ds.Namespace == lineage.FileNamespace {
		return ds.Name
	}
	return ""
}

// fileSize returns the size of a regular file at path, or -1.
func fileSize(path string) int64 {
	if path == "" {
		return -1
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return -1
	}
	return fi.Size()
}

// startRead starts the read span; the returned context carries it.
func (l *lineageCall) startRead(ctx context.Context) context.Context {
	if l == nil {
		return ctx
	}
	ctx, l.read = l.run.Read(ctx, l.in, lineage.IOInfo{Path: filePath(l.in), ColumnTags: l.g.priv.inputTags()})
	return ctx
}

// opened links the read span to the producer recorded in the schema's
// metadata (a dataset written by a Sluice run).
func (l *lineageCall) opened(schema *arrow.Schema) {
	if l == nil || l.read == nil || schema == nil {
		return
	}
	md := schema.Metadata()
	if md.Len() == 0 {
		return
	}
	kv := make(map[string]string, md.Len())
	for i, k := range md.Keys() {
		kv[k] = md.Values()[i]
	}
	l.read.LinkProducer(kv)
}

func (l *lineageCall) endRead(rows int64, schema *arrow.Schema, err error) {
	if l == nil || l.read == nil {
		return
	}
	l.read.End(rows, fileSize(filePath(l.in)), schema, err)
	l.read = nil
}

// startCheck starts the check span.
func (l *lineageCall) startCheck(ctx context.Context, rep *Report) {
	if l == nil {
		return
	}
	suite := rep.Dataset
	if suite == "" {
		suite = "rules"
	}
	_, l.check = l.run.Check(ctx, suite, l.in)
}

// endCheck ends the check span with the report's assertions and metrics,
// or with err when the check could not be done (rep is nil then).
func (l *lineageCall) endCheck(rep *Report, err error) {
	if l == nil || l.check == nil {
		return
	}
	if rep == nil {
		l.check.End(nil, nil, err)
	} else {
		l.check.End(Assertions(rep), Metrics(rep), err)
	}
	l.check = nil
}

// fail ends whatever is still open with err.
func (l *lineageCall) fail(err error) {
	if l == nil {
		return
	}
	l.endRead(l.rows, nil, err)
	l.endCheck(nil, err)
}

// lineageWriter follows one output of a gate run: its write span and the
// rows written.
type lineageWriter struct {
	io     *lineage.IO
	ds     lineage.Dataset
	schema *arrow.Schema
	rows   int64
}

// startWrite starts the write span of sink before its writer is created.
func (l *lineageCall) startWrite(ctx context.Context, sink connectors.Sink, schema *arrow.Schema) (context.Context, *lineageWriter) {
	if l == nil {
		return ctx, nil
	}
	ds := sink.Dataset()
	info := lineage.IOInfo{Path: filePath(ds), ColumnTags: l.g.priv.outputTags(schema)}
	if masked := l.g.priv.maskedColumns(schema); len(masked) > 0 {
		info.Attributes = append(info.Attributes, AttrMaskedColumns.StringSlice(masked))
	}
	ctx, wio := l.run.Write(ctx, ds, info)
	return ctx, &lineageWriter{io: wio, ds: ds, schema: schema}
}

// created stores the producer metadata in the new writer, when it can keep
// key-value metadata, and records the output's column lineage: every input
// column copied unchanged, and the row rules that selected the rows when
// filtered is set. extra names columns the gate adds (the quarantine's
// failed-rules column), derived from the columns of the error row rules.
func (l *lineageCall) created(lw *lineageWriter, w connectors.Writer, copied []string, filtered bool, extra string) {
	if l == nil || lw == nil {
		return
	}
	if mw, ok := w.(connectors.MetadataWriter); ok {
		md := lw.io.ProducerMetadata()
		keys := make([]string, 0, len(md))
		for k := range md {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			mw.SetMetadata(k, md[k])
		}
	}
	for _, c := range copied {
		t := lineage.Identity()
		if m, ok := l.g.priv.masks[c]; ok {
			t = lineage.Masked("mask " + m.String())
		}
		l.run.Derive(lineage.Field{Dataset: lw.ds, Name: c}, []lineage.Field{{Dataset: l.in, Name: c}}, t)
	}
	if extra != "" {
		var inputs []lineage.Field
		seen := map[string]bool{}
		for _, r := range l.g.errorRowRules() {
			for _, c := range r.Columns {
				if !seen[c] {
					seen[c] = true
					inputs = append(inputs, lineage.Field{Dataset: l.in, Name: c})
				}
			}
		}
		l.run.Derive(lineage.Field{Dataset: lw.ds, Name: extra}, inputs, lineage.Transformation{
			Type: lineage.TransformDirect, Subtype: lineage.SubtypeTransformation,
			Description: "names of the error row rules the row failed",
		})
	}
	if filtered {
		l.g.FilterLineage(l.run, l.in, lw.ds)
	}
}

func (lw *lineageWriter) wrote(rows int64) {
	if lw != nil {
		lw.rows += rows
	}
}

// end ends the write span: committed when err is nil.
func (lw *lineageWriter) end(err error) {
	if lw == nil || lw.io == nil {
		return
	}
	rows := lw.rows
	if err != nil {
		rows = 0 // nothing written is visible
	}
	lw.io.End(rows, fileSize(filePath(lw.ds)), lw.schema, err)
	lw.io = nil
}

// Assertions turns a report into one lineage assertion per rule: Success
// when the rule's status is pass; Expected is the pass threshold of a row
// rule ("pass_fraction >= 0.999") or the expression of a dataset check;
// Actual the observed pass fraction or the metric values the check read.
func Assertions(rep *Report) []lineage.Assertion {
	if rep == nil {
		return nil
	}
	out := make([]lineage.Assertion, 0, len(rep.Rules))
	for i := range rep.Rules {
		rr := &rep.Rules[i]
		a := lineage.Assertion{
			Name:        rr.Name,
			Type:        string(rr.Kind),
			Success:     rr.Status == StatusPass,
			Severity:    string(rr.Severity),
			Description: rr.Message,
			Content:     rr.Expr,
			ContentType: "cel",
		}
		if len(rr.Columns) == 1 {
			a.Column = rr.Columns[0]
		}
		if rr.Kind == rules.KindDataset {
			a.Expected = rr.Expr
			a.Actual = metricValues(rr.Metrics)
		} else {
			a.Expected = "pass_fraction >= " + strconv.FormatFloat(rr.Mostly, 'g', -1, 64)
			if rr.PassFraction != nil {
				a.Actual = strconv.FormatFloat(*rr.PassFraction, 'f', 4, 64)
			}
		}
		if a.Actual == "" && rr.Status != StatusPass && rr.Status != StatusFail {
			a.Actual = string(rr.Status)
		}
		out = append(out, a)
	}
	return out
}

func metricValues(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// metricCall matches a metric over one plain column, e.g. null_count(email).
var metricCall = regexp.MustCompile(`^([a-z_]+)\(([A-Za-z_][A-Za-z0-9_]*)\)$`)

// Metrics returns the lineage metrics of a report: the row count, and per
// column the null and distinct counts, sum, min and max that dataset checks
// measured (completeness gives the null count).
func Metrics(rep *Report) *lineage.Metrics {
	if rep == nil {
		return nil
	}
	m := &lineage.Metrics{RowCount: lineage.Ptr(rep.RowsIn)}
	cols := map[string]lineage.ColumnMetrics{}
	for i := range rep.Rules {
		rr := &rep.Rules[i]
		if len(rr.Columns) != 1 {
			continue
		}
		col := rr.Columns[0] // the physical name, whatever alias the call used
		for call, v := range rr.Metrics {
			mm := metricCall.FindStringSubmatch(call)
			if mm == nil {
				continue
			}
			f, ok := toFloat(v)
			if !ok {
				continue
			}
			cm := cols[col]
			switch mm[1] {
			case "null_count":
				cm.NullCount = lineage.Ptr(int64(f))
			case "completeness":
				cm.NullCount = lineage.Ptr(int64((1-f)*float64(rep.RowsIn) + 0.5))
			case "distinct_count":
				cm.DistinctCount = lineage.Ptr(int64(f))
			case "sum":
				cm.Sum = lineage.Ptr(f)
			case "min":
				cm.Min = lineage.Ptr(f)
			case "max":
				cm.Max = lineage.Ptr(f)
			default:
				continue
			}
			cols[col] = cm
		}
	}
	if len(cols) > 0 {
		m.Columns = cols
	}
	return m
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}
