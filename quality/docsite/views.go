package docsite

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/history"
)

// nav is the navigation bar of a page at path p.
type nav struct {
	Title            string
	Index, Lineage   string
	Dataset, DSHref  string
	Prev, PrevHref   string
	LineageAnchorRef string
}

func newNav(s *site, p, title string) nav {
	return nav{Title: title, Index: rel(p, "index.html"), Lineage: rel(p, "lineage.html")}
}

type indexRow struct {
	Name, Href, Owner string
	Verdict           status
	Last, LastHref    string
	Runs              int
	Spark             *sparkline
}

type indexView struct {
	Nav      nav
	SiteName string
	Rows     []indexRow
	Lineage  bool
	RunCount int
}

func (s *site) indexView() indexView {
	v := indexView{Nav: newNav(s, "index.html", s.title), SiteName: s.title, Lineage: s.lin != nil}
	for _, d := range s.datasets {
		row := indexRow{Name: d.Name, Href: d.Path, Owner: orDash(d.Owner), Runs: len(d.Runs), Verdict: statusOf(""), Last: "-"}
		if n := len(d.Runs); n > 0 {
			last := d.Runs[n-1]
			row.Verdict = statusOf(last.Rec.Status)
			row.Last, row.LastHref = timeText(last.Rec.StartedAt), last.Path
		}
		row.Spark = sparklineOf(d.Runs)
		v.RunCount += len(d.Runs)
		v.Rows = append(v.Rows, row)
	}
	return v
}

// sparkline is the trend of a dataset: rows read by its recent runs, a
// cross on each run that did not pass, and the same in words.
type sparkline struct {
	Line    string
	Crosses []point
	Text    string
}

type point struct{ X, Y float64 }

const sparkRuns, sparkW, sparkH, sparkPad = 30, 120.0, 28.0, 3.0

func sparklineOf(runs []*runPage) *sparkline {
	if len(runs) > sparkRuns {
		runs = runs[len(runs)-sparkRuns:]
	}
	if len(runs) == 0 {
		return nil
	}
	counts := map[string]int{}
	lo, hi, have := math.Inf(1), math.Inf(-1), false
	for _, r := range runs {
		counts[statusOf(r.Rec.Status).Word]++
		if r.Summary != nil {
			f := float64(r.Summary.RowsIn)
			lo, hi, have = math.Min(lo, f), math.Max(hi, f), true
		}
	}
	sp := &sparkline{}
	var words []string
	for _, w := range []string{"PASS", "WARN", "FAIL", "ERROR"} {
		if counts[w] > 0 {
			words = append(words, fmt.Sprintf("%d %s", counts[w], strings.ToLower(w)))
		}
	}
	sp.Text = fmt.Sprintf("last %d runs: %s", len(runs), strings.Join(words, ", "))
	if have {
		sp.Text += fmt.Sprintf("; rows read %s–%s", num(lo), num(hi))
	}
	var line []string
	for i, r := range runs {
		x := sparkPad
		if len(runs) > 1 {
			x += float64(i) * (sparkW - 2*sparkPad) / float64(len(runs)-1)
		}
		y := sparkH / 2
		if r.Summary != nil && hi > lo {
			y = sparkH - sparkPad - (float64(r.Summary.RowsIn)-lo)/(hi-lo)*(sparkH-2*sparkPad)
		}
		x, y = math.Round(x*10)/10, math.Round(y*10)/10
		if r.Summary != nil {
			line = append(line, fmt.Sprintf("%g,%g", x, y))
		}
		if st := r.Rec.Status; st != string(quality.StatusPass) && st != string(quality.StatusWarn) {
			sp.Crosses = append(sp.Crosses, point{x, y})
		}
	}
	sp.Line = strings.Join(line, " ")
	return sp
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', 8, 64) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type dsRunRow struct {
	Href, Anchor, Started, RunID, Partition string
	Verdict                                 status
	Rows                                    string
	Failed, Warned                          string
}

type metricView struct {
	Name, Latest string
	Chart        template.HTML
}

type datasetView struct {
	Nav      nav
	Name     string
	Owner    string
	RuleFile string
	Verdict  status
	Runs     []dsRunRow
	Metrics  []metricView
}

func rowsText(sum *history.Summary) string {
	if sum == nil {
		return "-"
	}
	return fmt.Sprintf("%d in, %d clean, %d quarantined", sum.RowsIn, sum.RowsClean, sum.RowsQuarantined)
}

func listText(names []string) string {
	if len(names) == 0 {
		return "-"
	}
	return strings.Join(names, ", ")
}

func (s *site) datasetView(d *dsPage) (datasetView, error) {
	v := datasetView{Nav: newNav(s, d.Path, "Dataset "+d.Name), Name: d.Name, Owner: orDash(d.Owner), RuleFile: d.RuleFile, Verdict: statusOf("")}
	if n := len(d.Runs); n > 0 {
		v.Verdict = statusOf(d.Runs[n-1].Rec.Status)
	}
	for i := len(d.Runs) - 1; i >= 0; i-- {
		r := d.Runs[i]
		row := dsRunRow{Href: rel(d.Path, r.Path), Anchor: r.Anchor, Started: timeText(r.Rec.StartedAt), RunID: r.Rec.RunID,
			Partition: r.Rec.Partition, Verdict: statusOf(r.Rec.Status), Rows: rowsText(r.Summary), Failed: "-", Warned: "-"}
		if r.Summary != nil {
			row.Failed, row.Warned = listText(r.Summary.FailedRules), listText(r.Summary.WarnedRules)
		}
		v.Runs = append(v.Runs, row)
	}
	for _, m := range d.Metrics {
		pts := d.Series[m]
		mv := metricView{Name: m, Latest: "-"}
		if len(pts) > 0 {
			mv.Latest = pointText(pts[len(pts)-1])
		}
		if len(pts) > quality.HTMLChartRuns {
			pts = pts[len(pts)-quality.HTMLChartRuns:]
		}
		var err error
		if mv.Chart, err = chartHTML(m, pts); err != nil {
			return v, err
		}
		v.Metrics = append(v.Metrics, mv)
	}
	return v, nil
}

// pointText is a stored metric value as text: numbers as numbers, other
// values as stored (already redacted by the store).
func pointText(p history.Point) string {
	var v any
	if len(p.JSON) > 0 && json.Unmarshal(p.JSON, &v) == nil {
		switch x := v.(type) {
		case nil:
			return "null"
		case string:
			return x
		case float64:
			return num(x)
		case bool:
			return strconv.FormatBool(x)
		}
		return string(p.JSON)
	}
	if p.Numeric {
		return num(p.Value)
	}
	return "-"
}

type ruleRow struct {
	Name, Kind, Severity, Expected, Actual, Message string
	State                                           status
	Status                                          string
}

type runView struct {
	Nav                nav
	Dataset, DSHref    string
	Run                string
	Partition          string
	Verdict            status
	Started            string
	Input              string
	Owner, RuleFile    string
	Rows               string
	Job, LineageStatus string
	LineageHref        string
	PrevHref, Prev     string
	Rules              []ruleRow
	Recorded           bool // rule outcomes come from the lineage event
	Failed, Warned     string
	Metrics            []metricView
	Graph              *runGraph
	Report             template.HTML // the full report, when stored
}

func (s *site) runView(r *runPage) (runView, error) {
	d := r.DS
	v := runView{Nav: newNav(s, r.Path, "Run "+r.Rec.RunID+" of "+d.Name), Dataset: d.Name, DSHref: rel(r.Path, d.Path),
		Run: r.Rec.RunID, Partition: r.Rec.Partition, Verdict: statusOf(r.Rec.Status), Started: timeText(r.Rec.StartedAt),
		Rows: rowsText(r.Summary), Owner: orDash(d.Owner), Failed: "-", Warned: "-"}
	if !r.Rec.DatasetID.IsZero() {
		v.Input = r.Rec.DatasetID.String()
	}
	if r.Audit != nil {
		v.Owner, v.RuleFile = orDash(r.Audit.Owner), r.Audit.RuleFile
	}
	if r.Summary != nil {
		v.Failed, v.Warned = listText(r.Summary.FailedRules), listText(r.Summary.WarnedRules)
	}
	if r.Prev != nil {
		v.PrevHref, v.Prev = rel(r.Path, r.Prev.Path), timeText(r.Prev.Rec.StartedAt)
	}
	if ev := r.Event; ev != nil {
		v.Job, v.LineageStatus = ev.Job.Namespace+"/"+ev.Job.Name, ev.Status
		v.LineageHref = rel(r.Path, "lineage.html") + "#run-" + slug(r.Rec.RunID)
		v.Recorded = len(ev.Tests) > 0
		for _, t := range ev.Tests {
			v.Rules = append(v.Rules, ruleRow{Name: t.Name, Kind: orDash(t.Type), Severity: orDash(t.Severity),
				Expected: orDash(t.Expected), Actual: orDash(t.Actual), Message: t.Description, State: statusOf(t.Status), Status: t.Status})
		}
		v.Graph = runGraphOf(ev.Inputs, ev.Job.Name, ev.Outputs)
	} else if v.Input != "" {
		v.Graph = runGraphOf([]lineage.Dataset{r.Rec.DatasetID}, "check."+d.Name, nil)
	}
	names := make([]string, 0, len(r.Rec.Metrics))
	for m := range r.Rec.Metrics {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		mv := metricView{Name: m, Latest: "-"}
		var pts []history.Point
		for _, p := range d.Series[m] {
			if !p.StartedAt.After(r.Rec.StartedAt) {
				pts = append(pts, p)
			}
			if p.RunID == r.Rec.RunID && p.Partition == r.Rec.Partition {
				mv.Latest = pointText(p)
			}
		}
		if len(pts) > quality.HTMLChartRuns {
			pts = pts[len(pts)-quality.HTMLChartRuns:]
		}
		var err error
		if mv.Chart, err = chartHTML(m, pts); err != nil {
			return v, err
		}
		v.Metrics = append(v.Metrics, mv)
	}
	if r.Report != nil {
		series := map[quality.HTMLSeriesKey][]history.Point{}
		for m, all := range d.Series {
			var pts []history.Point
			for _, p := range all {
				if !p.StartedAt.After(r.Rec.StartedAt) {
					pts = append(pts, p)
				}
			}
			if len(pts) > quality.HTMLChartRuns {
				pts = pts[len(pts)-quality.HTMLChartRuns:]
			}
			series[quality.HTMLSeriesKey{Dataset: r.Report.Dataset, Metric: m}] = pts
		}
		var b strings.Builder
		if err := quality.WriteHTMLFragment(&b, quality.HTMLOptions{History: series}, r.Report); err != nil {
			return v, err
		}
		v.Report = template.HTML(b.String()) //nolint:gosec // written by html/template
	}
	return v, nil
}

// runGraph is the lineage of one run: inputs → job → outputs.
type runGraph struct {
	Title   string
	H       int
	Inputs  []box
	Outputs []box
	Job     string
	JobY    int
}

type box struct {
	Label, Full string
	Y           int
}

func runGraphOf(in []lineage.Dataset, job string, out []lineage.Dataset) *runGraph {
	g := &runGraph{Job: job}
	n := max(len(in), len(out), 1)
	g.H = 20 + 50*n
	g.JobY = 10 + 25*(n-1)
	for i, d := range in {
		g.Inputs = append(g.Inputs, box{Label: short(d.String()), Full: d.String(), Y: 10 + 50*i})
	}
	for i, d := range out {
		g.Outputs = append(g.Outputs, box{Label: short(d.String()), Full: d.String(), Y: 10 + 50*i})
	}
	var words []string
	for _, b := range g.Inputs {
		words = append(words, b.Full)
	}
	g.Title = fmt.Sprintf("Lineage of the run: %s read by %s", orDash(strings.Join(words, ", ")), job)
	words = words[:0]
	for _, b := range g.Outputs {
		words = append(words, b.Full)
	}
	if len(words) > 0 {
		g.Title += ", written to " + strings.Join(words, ", ")
	}
	return g
}

// short shortens a label for a box, keeping its end (the file name).
func short(s string) string {
	const n = 32
	if r := []rune(s); len(r) > n {
		return "…" + string(r[len(r)-n+1:])
	}
	return s
}
