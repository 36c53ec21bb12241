package quality

import (
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"
)

// WriteHTML writes reports as one self-contained HTML page: inline CSS, no
// script, no font, image or other request to the network, readable without
// JavaScript. Each report is a section with the dataset, owner and verdict
// at the top; a table of every rule (status as a word and a symbol, not by
// colour alone, counts, pass fraction, threshold, the report's already
// redacted failing samples); the metrics of the dataset checks; the
// privacy findings; and the lineage of the run (input → run → outputs) as
// inline SVG. Every text is escaped by html/template. The page shows only
// what the report carries, so values of pii.* columns are as redacted as
// in the JSON report.
//
// WriteHTMLWith adds the metric history charts.
func WriteHTML(w io.Writer, reports ...*Report) error {
	return WriteHTMLWith(w, HTMLOptions{}, reports...)
}

// WriteHTML writes the report as the package function WriteHTML does.
func (r *Report) WriteHTML(w io.Writer) error { return WriteHTML(w, r) }

type htmlPage struct {
	Title   string
	Reports []htmlReport
}

type htmlReport struct {
	*Report
	Verdict htmlStatus
	Started string
	Rules   []htmlRule
	Metrics []htmlMetric
	Summary string
	Input   string
	Lineage bool
	Outputs []string
}

type htmlArticle struct {
	I int
	R htmlReport
}

type htmlStatus struct {
	Word, Symbol, Class string
}

type htmlRule struct {
	*RuleResult
	State     htmlStatus
	Fraction  string
	Threshold string
	Samples   []string
	More      int64
}

type htmlMetric struct {
	Rule, Name, Value string
	Chart             *htmlChart
}

func htmlStatusOf(s Status) htmlStatus {
	switch s {
	case StatusPass:
		return htmlStatus{"PASS", "✓", "pass"}
	case StatusFail:
		return htmlStatus{"FAIL", "✗", "fail"}
	case StatusWarn:
		return htmlStatus{"WARN", "!", "warn"}
	case StatusError:
		return htmlStatus{"ERROR", "⚠", "error"}
	case StatusNotEvaluated:
		return htmlStatus{"NOT EVALUATED", "–", "na"}
	}
	return htmlStatus{strings.ToUpper(string(s)), "?", "na"}
}

func htmlReportOf(r *Report) htmlReport {
	h := htmlReport{Report: r, Verdict: htmlStatusOf(r.Status), Started: r.StartedAt.UTC().Format(time.RFC3339)}
	counts := map[Status]int{}
	for i := range r.Rules {
		rr := &r.Rules[i]
		counts[rr.Status]++
		hr := htmlRule{RuleResult: rr, State: htmlStatusOf(rr.Status), Fraction: "—", Threshold: "—"}
		if rr.PassFraction != nil {
			hr.Fraction = percent(*rr.PassFraction)
		}
		if rr.Kind != "dataset" {
			hr.Threshold = "≥ " + percent(rr.Mostly)
		} else if rr.Expr != "" {
			hr.Threshold = rr.Expr
		}
		for _, s := range rr.Samples {
			hr.Samples = append(hr.Samples, fmt.Sprintf("row %d: %s", s.Row, sampleText(s)))
		}
		for _, d := range rr.Duplicates {
			hr.Samples = append(hr.Samples, fmt.Sprintf("%s: %d rows", pairsText(d.Key), d.Count))
		}
		if n := rr.Failed - int64(len(rr.Samples)); len(rr.Samples) > 0 && n > 0 {
			hr.More = n
		}
		h.Rules = append(h.Rules, hr)
		keys := make([]string, 0, len(rr.Metrics))
		for k := range rr.Metrics {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			h.Metrics = append(h.Metrics, htmlMetric{Rule: rr.Name, Name: k, Value: valueText(rr.Metrics[k])})
		}
	}
	h.Summary = fmt.Sprintf("%d rules: %d passed, %d failed, %d warned, %d errored, %d not evaluated",
		len(r.Rules), counts[StatusPass], counts[StatusFail], counts[StatusWarn], counts[StatusError], counts[StatusNotEvaluated])
	if r.DatasetID != nil {
		h.Input = r.DatasetID.String()
	}
	if r.Gate.Clean != "" {
		h.Outputs = append(h.Outputs, "clean: "+r.Gate.Clean)
	}
	if r.Gate.Quarantine != "" {
		h.Outputs = append(h.Outputs, "quarantine: "+r.Gate.Quarantine)
	}
	h.Lineage = h.Input != "" || len(h.Outputs) > 0
	return h
}

// svgText shortens a label for a lineage box.
func svgText(s string) string {
	const n = 34
	if r := []rune(s); len(r) > n {
		return "…" + string(r[len(r)-n+1:])
	}
	return s
}

// HTMLStyle is the style sheet of the HTML report, for pages that show
// its parts (WriteHTMLChart) next to their own.
const HTMLStyle = `:root{color-scheme:light;--fg:#1b1f24;--muted:#4a5360;--line:#c9ced6;--bg:#fff;--pass:#0f6b2f;--fail:#a3160f;--warn:#7a4b00;--na:#4a5360}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1200px;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.2rem 0}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem;border-bottom:1px solid var(--line)}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.5rem 0}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;overflow-wrap:anywhere}
.verdict{display:inline-block;padding:.2rem .7rem;border:2px solid currentColor;border-radius:4px;font-weight:700}
.pass{color:var(--pass)}.fail{color:var(--fail)}.warn{color:var(--warn)}.error{color:var(--fail)}.na{color:var(--na)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f5}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code,.samples{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem;overflow-wrap:anywhere}
.samples{margin:.3rem 0 0;padding-left:1.2rem;color:var(--fg)}
svg{max-width:100%;height:auto}
svg text{font:12px system-ui,sans-serif;fill:var(--fg)}
@media (max-width:600px){th,td{padding:.2rem .3rem;font-size:.85rem}}
`

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"svgText":   svgText,
	"htmlStyle": func() template.CSS { return template.CSS(HTMLStyle) }, //nolint:gosec // a constant
	"add":       func(a, b int) int { return a + b },
	"article":   func(i int, r htmlReport) htmlArticle { return htmlArticle{I: i, R: r} },
	"mul":       func(a, b int) int { return a * b },
	"add1":      func(a, b float64) float64 { return round1(a + b) },
}).Parse(htmlSource))

const htmlSource = `{{define "page"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{{.Title}}</title>
<style>
{{htmlStyle}}</style>
</head>
<body>
<main>
{{range $i, $r := .Reports}}{{template "article" (article $i $r)}}{{end}}
</main>
</body>
</html>
{{end}}
{{define "article"}}{{$i := .I}}{{$r := .R}}
<article aria-labelledby="report-{{$i}}">
<header>
<h1 id="report-{{$i}}">Quality report: {{if $r.Dataset}}{{$r.Dataset}}{{else}}-{{end}}</h1>
<p class="verdict {{$r.Verdict.Class}}" data-verdict="{{$r.Status}}"><span aria-hidden="true">{{$r.Verdict.Symbol}}</span> Gate: {{$r.Verdict.Word}}{{if $r.Gate.Strict}} (strict){{end}}</p>
<dl class="meta">
<dt>Dataset</dt><dd>{{if $r.Dataset}}{{$r.Dataset}}{{else}}-{{end}}</dd>
{{if $r.Input}}<dt>Input</dt><dd>{{$r.Input}}</dd>{{end}}
<dt>Owner</dt><dd>{{if $r.Owner}}{{$r.Owner}}{{else}}-{{end}}</dd>
{{if $r.RuleFile}}<dt>Rule file</dt><dd>{{$r.RuleFile}}</dd>{{end}}
<dt>Rows</dt><dd>{{$r.RowsIn}} in, {{$r.RowsClean}} clean, {{$r.RowsQuarantined}} quarantined</dd>
<dt>Started</dt><dd><time datetime="{{$r.Started}}">{{$r.Started}}</time> ({{$r.DurationMS}} ms)</dd>
{{if $r.Lineage}}{{with $r.Report.Lineage}}<dt>Run</dt><dd>{{.RunID}}</dd>{{end}}{{end}}
</dl>
{{range $r.Gate.Reasons}}<p>{{.}}</p>{{end}}
{{range $r.Notes}}<p>Note: {{.}}</p>{{end}}
</header>

<section aria-labelledby="rules-{{$i}}">
<h2 id="rules-{{$i}}">Rules</h2>
<p>{{$r.Summary}}</p>
<div class="scroll">
<table>
<caption class="na">Every rule of the rule file, with its counts and failing samples (values of pii.* columns redacted)</caption>
<thead><tr><th scope="col">Status</th><th scope="col">Rule</th><th scope="col">Kind / severity</th><th scope="col">Evaluated</th><th scope="col">Passed</th><th scope="col">Failed</th><th scope="col">Skipped</th><th scope="col">Pass fraction</th><th scope="col">Threshold</th></tr></thead>
<tbody>
{{range $r.Rules}}<tr class="rule" data-rule="{{.Name}}" data-status="{{.Status}}">
<td class="{{.State.Class}}"><span aria-hidden="true">{{.State.Symbol}}</span> {{.State.Word}}</td>
<th scope="row"><code>{{.Name}}</code>{{if .Message}}<br><small>{{.Message}}</small>{{end}}{{if .Samples}}
<ul class="samples">{{range .Samples}}<li>{{.}}</li>{{end}}{{if .More}}<li>… {{.More}} more failing rows</li>{{end}}</ul>{{end}}</th>
<td>{{.Kind}} / {{.Severity}}</td>
<td class="num" data-count="evaluated">{{.Evaluated}}</td>
<td class="num" data-count="passed">{{.Passed}}</td>
<td class="num" data-count="failed">{{.Failed}}</td>
<td class="num" data-count="skipped">{{.Skipped}}</td>
<td class="num">{{.Fraction}}</td>
<td><code>{{.Threshold}}</code></td>
</tr>
{{else}}<tr><td colspan="9">(no rules)</td></tr>{{end}}
</tbody>
</table>
</div>
</section>

{{if $r.Metrics}}<section aria-labelledby="metrics-{{$i}}">
<h2 id="metrics-{{$i}}">Metrics</h2>
<div class="scroll"><table>
<thead><tr><th scope="col">Rule</th><th scope="col">Metric</th><th scope="col">Value</th></tr></thead>
<tbody>{{range $r.Metrics}}<tr><td><code>{{.Rule}}</code></td><td><code>{{.Name}}</code>{{with .Chart}}
{{template "chart" .}}{{end}}</td><td class="num">{{.Value}}</td></tr>{{end}}</tbody>
</table></div>
</section>{{end}}

<section aria-labelledby="privacy-{{$i}}">
<h2 id="privacy-{{$i}}">Privacy</h2>
{{if $r.Privacy}}<div class="scroll"><table>
<thead><tr><th scope="col">Column</th><th scope="col">Looks like</th><th scope="col">Matches</th><th scope="col">Values</th><th scope="col">Tagged</th><th scope="col">Masked</th></tr></thead>
<tbody>{{range $r.Privacy}}<tr><td><code>{{.Column}}</code></td><td>{{.Kind}}</td><td class="num">{{.Matches}}</td><td class="num">{{.Values}}</td><td>{{if .Tagged}}yes{{else}}<strong>no (untagged)</strong>{{end}}</td><td>{{if .Masked}}yes{{else}}no{{end}}</td></tr>{{end}}</tbody>
</table></div>{{else}}<p>No personal data found by the detectors.</p>{{end}}
</section>

{{if $r.Lineage}}<section aria-labelledby="lineage-{{$i}}">
<h2 id="lineage-{{$i}}">Lineage</h2>
{{$n := len $r.Outputs}}{{$h := add 60 (mul 50 $n)}}
<svg role="img" aria-labelledby="lineage-title-{{$i}}" viewBox="0 0 760 {{$h}}" width="760" height="{{$h}}" xmlns="http://www.w3.org/2000/svg">
<title id="lineage-title-{{$i}}">Lineage of the run: {{if $r.Input}}{{$r.Input}}{{else}}input{{end}} into the gate of {{$r.Dataset}}{{range $r.Outputs}}, {{.}}{{end}}</title>
<rect x="5" y="10" width="250" height="36" rx="4" fill="#eef1f5" stroke="#4a5360"/>
<text x="15" y="33">{{if $r.Input}}{{svgText $r.Input}}{{else}}input{{end}}</text>
<line x1="255" y1="28" x2="300" y2="28" stroke="#4a5360" stroke-width="2"/>
<polygon points="300,23 310,28 300,33" fill="#4a5360"/>
<rect x="310" y="10" width="140" height="36" rx="18" fill="#fff" stroke="#4a5360" stroke-width="2"/>
<text x="325" y="33">gate {{svgText $r.Dataset}}</text>
{{range $j, $o := $r.Outputs}}{{$y := add 28 (mul 50 $j)}}
<path d="M450 28 C 470 28, 470 {{$y}}, 490 {{$y}}" fill="none" stroke="#4a5360" stroke-width="2"/>
<polygon points="490,{{add $y -5}} 500,{{$y}} 490,{{add $y 5}}" fill="#4a5360"/>
<rect x="500" y="{{add $y -18}}" width="255" height="36" rx="4" fill="#eef1f5" stroke="#4a5360"/>
<text x="510" y="{{add $y 5}}">{{svgText $o}}</text>
{{end}}
</svg>
</section>{{end}}
</article>
{{end}}
{{define "chart"}}<figure class="chart"><svg role="img" viewBox="0 0 300 60" width="300" height="60" xmlns="http://www.w3.org/2000/svg"><title>{{.Title}}, from {{.Min}} to {{.Max}}</title>
<polyline points="{{.Line}}" fill="none" stroke="#4a5360" stroke-width="1.5"/>
{{range .Points}}{{if .Anomaly}}<polygon class="anomaly" points="{{.X}},{{add1 .Y -6}} {{add1 .X 6}},{{add1 .Y 5}} {{add1 .X -6}},{{add1 .Y 5}}" fill="#a3160f"><title>{{.Tip}}</title></polygon>{{else if .Failed}}<path class="failed" d="M{{add1 .X -4}} {{add1 .Y -4}} L{{add1 .X 4}} {{add1 .Y 4}} M{{add1 .X -4}} {{add1 .Y 4}} L{{add1 .X 4}} {{add1 .Y -4}}" stroke="#7a4b00" stroke-width="2"><title>{{.Tip}}</title></path>{{else}}<circle cx="{{.X}}" cy="{{.Y}}" r="2.5" fill="#1b1f24"><title>{{.Tip}}</title></circle>{{end}}{{end}}
</svg><figcaption>{{.Title}}: {{.Min}} – {{.Max}}{{if .Anomalies}}; ▲ anomalies:{{end}}</figcaption>{{if .Anomalies}}
<ul class="samples anomalies">{{range .Anomalies}}<li>▲ {{.}}</li>{{end}}</ul>{{end}}</figure>{{end}}
`
