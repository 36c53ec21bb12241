package docsite

import (
	"html/template"

	"github.com/sluicedata/sluice/quality"
)

var pageTemplate = template.Must(template.New("site").Funcs(template.FuncMap{
	"style": func() template.CSS { return template.CSS(quality.HTMLStyle + siteStyle) }, //nolint:gosec // constants
	"add":   func(a, b int) int { return a + b },
}).Parse(siteSource))

const siteStyle = `nav.site{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;padding:.5rem 1rem;border-bottom:1px solid var(--line);background:#eef1f5}
nav.site a{color:#0b4f9c}
a{color:#0b4f9c}
.spark{display:flex;align-items:center;gap:.5rem;flex-wrap:wrap}
.spark small{color:var(--muted)}
figure.chart{margin:.3rem 0}
.metrics{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:.5rem 1rem}
.metrics section{border:1px solid var(--line);border-radius:4px;padding:.3rem .6rem}
table.runs td{overflow-wrap:anywhere}
.metrics h3{font-size:1rem;margin:.2rem 0;overflow-wrap:anywhere}
`

const siteSource = `{{define "head"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{{.Title}}</title>
<style>{{style}}</style>
</head>
<body>
<nav class="site" aria-label="Site"><a href="{{.Index}}">Datasets</a><a href="{{.Lineage}}">Lineage</a></nav>
<main>
{{end}}

{{define "foot"}}</main>
</body>
</html>
{{end}}

{{define "verdict"}}<span class="{{.Class}}"><span aria-hidden="true">{{.Symbol}}</span> {{.Word}}</span>{{end}}

{{define "index"}}{{template "head" .Nav}}
<h1>{{.SiteName}}</h1>
<p>{{len .Rows}} datasets, {{.RunCount}} runs.{{if .Lineage}} See the <a href="lineage.html">lineage graph</a> across datasets and runs.{{end}}</p>
<div class="scroll"><table>
<caption class="na">Every dataset of the history store, with its owner, the verdict of its last run and the trend of its recent runs</caption>
<thead><tr><th scope="col">Dataset</th><th scope="col">Owner</th><th scope="col">Last verdict</th><th scope="col">Last run</th><th scope="col">Runs</th><th scope="col">Trend</th></tr></thead>
<tbody>
{{range .Rows}}<tr class="dataset" data-dataset="{{.Name}}">
<th scope="row"><a href="{{.Href}}">{{.Name}}</a></th>
<td>{{.Owner}}</td>
<td data-verdict="{{.Verdict.Class}}">{{template "verdict" .Verdict}}</td>
<td>{{if .LastHref}}<a href="{{.LastHref}}">{{.Last}}</a>{{else}}{{.Last}}{{end}}</td>
<td class="num">{{.Runs}}</td>
<td>{{with .Spark}}<div class="spark"><svg class="sparkline" role="img" viewBox="0 0 120 28" width="120" height="28" xmlns="http://www.w3.org/2000/svg"><title>{{.Text}}</title>
{{if .Line}}<polyline points="{{.Line}}" fill="none" stroke="#4a5360" stroke-width="1.5"/>{{end}}
{{range .Crosses}}<path class="failed" d="M{{.X}} {{.Y}} m-3 -3 l6 6 m-6 0 l6 -6" stroke="#a3160f" stroke-width="1.5"/>{{end}}
</svg><small>{{.Text}}</small></div>{{else}}-{{end}}</td>
</tr>
{{else}}<tr><td colspan="6">(no runs in the history store)</td></tr>{{end}}
</tbody>
</table></div>
{{template "foot"}}{{end}}

{{define "dataset"}}{{template "head" .Nav}}
<h1>Dataset {{.Name}}</h1>
<p class="verdict {{.Verdict.Class}}" data-verdict="{{.Verdict.Class}}"><span aria-hidden="true">{{.Verdict.Symbol}}</span> Last run: {{.Verdict.Word}}</p>
<dl class="meta">
<dt>Owner</dt><dd>{{.Owner}}</dd>
{{if .RuleFile}}<dt>Rule file</dt><dd>{{.RuleFile}}</dd>{{end}}
<dt>Runs</dt><dd>{{len .Runs}}</dd>
</dl>
{{if .Metrics}}<h2 id="metrics">Metrics</h2>
<div class="metrics">
{{range .Metrics}}<section class="metric" data-metric="{{.Name}}"><h3><code>{{.Name}}</code></h3>
<p>Last value: <code>{{.Latest}}</code></p>
{{if .Chart}}{{.Chart}}{{else}}<p><small>No numeric values to chart.</small></p>{{end}}
</section>
{{end}}</div>{{end}}
<h2 id="runs">Runs</h2>
<div class="scroll"><table>
<caption class="na">Every recorded run, newest first</caption>
<thead><tr><th scope="col">Started</th><th scope="col">Verdict</th><th scope="col">Rows</th><th scope="col">Failed rules</th><th scope="col">Warned rules</th><th scope="col">Run</th></tr></thead>
<tbody>
{{range .Runs}}<tr id="{{.Anchor}}" class="run" data-status="{{.Verdict.Class}}">
<th scope="row"><a href="{{.Href}}">{{.Started}}</a></th>
<td>{{template "verdict" .Verdict}}</td>
<td>{{.Rows}}</td>
<td>{{.Failed}}</td>
<td>{{.Warned}}</td>
<td><code>{{.RunID}}</code>{{if .Partition}} (partition {{.Partition}}){{end}}</td>
</tr>
{{end}}</tbody>
</table></div>
{{template "foot"}}{{end}}

{{define "run"}}{{template "head" .Nav}}
<p><a href="{{.DSHref}}">Dataset {{.Dataset}}</a>{{if .PrevHref}} · <a href="{{.PrevHref}}" rel="prev">Previous run ({{.Prev}})</a>{{end}}{{if .LineageHref}} · <a href="{{.LineageHref}}">This run in the lineage graph</a>{{end}}</p>
{{if .Report}}{{.Report}}{{else}}<h1>Quality report: {{.Dataset}}</h1>
<p class="verdict {{.Verdict.Class}}" data-verdict="{{.Verdict.Class}}"><span aria-hidden="true">{{.Verdict.Symbol}}</span> Gate: {{.Verdict.Word}}</p>
<dl class="meta">
<dt>Dataset</dt><dd>{{.Dataset}}</dd>
{{if .Input}}<dt>Input</dt><dd>{{.Input}}</dd>{{end}}
<dt>Owner</dt><dd>{{.Owner}}</dd>
{{if .RuleFile}}<dt>Rule file</dt><dd>{{.RuleFile}}</dd>{{end}}
<dt>Rows</dt><dd>{{.Rows}}</dd>
<dt>Started</dt><dd>{{.Started}}</dd>
<dt>Run</dt><dd><code>{{.Run}}</code>{{if .Partition}} (partition {{.Partition}}){{end}}</dd>
{{if .Job}}<dt>Job</dt><dd>{{.Job}} ({{.LineageStatus}})</dd>{{end}}
</dl>

<h2 id="rules">Rules</h2>
{{if .Recorded}}<div class="scroll"><table>
<caption class="na">The outcome of every rule, as the run's lineage event recorded it</caption>
<thead><tr><th scope="col">Status</th><th scope="col">Rule</th><th scope="col">Kind / severity</th><th scope="col">Expected</th><th scope="col">Actual</th></tr></thead>
<tbody>
{{range .Rules}}<tr class="rule" data-rule="{{.Name}}" data-status="{{.Status}}">
<td class="{{.State.Class}}"><span aria-hidden="true">{{.State.Symbol}}</span> {{.State.Word}}</td>
<th scope="row"><code>{{.Name}}</code>{{if .Message}}<br><small>{{.Message}}</small>{{end}}</th>
<td>{{.Kind}} / {{.Severity}}</td>
<td><code>{{.Expected}}</code></td>
<td><code>{{.Actual}}</code></td>
</tr>
{{end}}</tbody>
</table></div>
{{else}}<p>The lineage file has no rule outcomes of this run; the audit trail recorded:</p>
<dl class="meta"><dt>Failed rules</dt><dd>{{.Failed}}</dd><dt>Warned rules</dt><dd>{{.Warned}}</dd></dl>{{end}}

{{if .Metrics}}<h2 id="metrics">Metrics</h2>
<div class="scroll"><table>
<caption class="na">The metrics of the run, each charted over the runs up to this one</caption>
<thead><tr><th scope="col">Metric</th><th scope="col">Value</th></tr></thead>
<tbody>{{range .Metrics}}<tr data-metric="{{.Name}}"><td><code>{{.Name}}</code>{{.Chart}}</td><td class="num">{{.Latest}}</td></tr>
{{end}}</tbody>
</table></div>{{end}}{{end}}

{{with .Graph}}<h2 id="lineage">Lineage</h2>
<svg role="img" aria-labelledby="run-lineage-title" viewBox="0 0 760 {{.H}}" width="760" height="{{.H}}" xmlns="http://www.w3.org/2000/svg">
<title id="run-lineage-title">{{.Title}}</title>
{{range .Inputs}}<rect x="5" y="{{.Y}}" width="250" height="36" rx="4" fill="#eef1f5" stroke="#4a5360"><title>{{.Full}}</title></rect>
<text x="15" y="{{add .Y 23}}">{{.Label}}</text>
<line x1="255" y1="{{add .Y 18}}" x2="300" y2="{{add $.Graph.JobY 18}}" stroke="#4a5360" stroke-width="2"/>
{{end}}<polygon points="300,{{add .JobY 13}} 310,{{add .JobY 18}} 300,{{add .JobY 23}}" fill="#4a5360"/>
<rect x="310" y="{{.JobY}}" width="140" height="36" rx="18" fill="#fff" stroke="#4a5360" stroke-width="2"><title>{{.Job}}</title></rect>
<text x="322" y="{{add .JobY 23}}">{{.Job}}</text>
{{range .Outputs}}<line x1="450" y1="{{add $.Graph.JobY 18}}" x2="490" y2="{{add .Y 18}}" stroke="#4a5360" stroke-width="2"/>
<polygon points="490,{{add .Y 13}} 500,{{add .Y 18}} 490,{{add .Y 23}}" fill="#4a5360"/>
<rect x="500" y="{{.Y}}" width="255" height="36" rx="4" fill="#eef1f5" stroke="#4a5360"><title>{{.Full}}</title></rect>
<text x="510" y="{{add .Y 23}}">{{.Label}}</text>
{{end}}</svg>{{end}}
{{template "foot"}}{{end}}

{{define "lineage"}}{{template "head" .Nav}}
<h1>Lineage</h1>
{{if .Have}}<p>Every dataset and job of the lineage file: an arrow from a dataset to the job that read it, from a job to the dataset it wrote. A job links to its dataset's page.</p>
<div class="scroll">
<svg class="lineage" role="img" aria-labelledby="lineage-title" viewBox="0 0 {{.W}} {{.H}}" width="{{.W}}" height="{{.H}}" xmlns="http://www.w3.org/2000/svg">
<title id="lineage-title">{{.Title}}</title>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="2" refY="5" markerWidth="8" markerHeight="8" orient="auto"><path d="M0 0 L10 5 L0 10 z" fill="#4a5360"/></marker></defs>
{{range .Edges}}<path class="edge" d="{{.D}}" fill="none" stroke="#4a5360" stroke-width="{{if gt .Runs 1}}2{{else}}1.5{{end}}" marker-end="url(#arrow)"><title>{{.Title}}</title></path>
{{end}}{{range .Nodes}}{{if .Href}}<a href="{{.Href}}">{{end}}<g id="{{.ID}}" class="node {{.Kind}}">
{{if eq .Kind "job"}}<rect x="{{.X}}" y="{{.Y}}" width="230" height="40" rx="20" fill="#fff" stroke="#4a5360" stroke-width="2"/>{{else}}<rect x="{{.X}}" y="{{.Y}}" width="230" height="40" rx="4" fill="#eef1f5" stroke="#4a5360"/>{{end}}
<title>{{.Kind}} {{.Full}}{{if .Note}}: {{.Note}}{{end}}</title>
<text x="{{add .X 10}}" y="{{add .Y 17}}">{{.Label}}</text>
{{if .Note}}<text x="{{add .X 10}}" y="{{add .Y 33}}" font-size="10">{{.Note}}</text>{{end}}
</g>{{if .Href}}</a>{{end}}
{{end}}</svg>
</div>
<h2 id="runs">Runs</h2>
<div class="scroll"><table class="runs">
<caption class="na">Every run of the lineage file, in the order of its first event</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Inputs</th><th scope="col">Outputs</th><th scope="col">Report</th></tr></thead>
<tbody>
{{range .Runs}}<tr id="{{.Anchor}}" class="run" data-status="{{.Status}}">
<th scope="row">{{.Time}}</th>
<td>{{.Job}}</td>
<td>{{template "verdict" .State}} ({{.Status}})</td>
<td>{{.Inputs}}</td>
<td>{{.Outputs}}</td>
<td>{{if .Href}}<a href="{{.Href}}">{{.Dataset}}</a>{{else}}-{{end}}</td>
</tr>
{{end}}</tbody>
</table></div>
{{else}}<p>No lineage file was given: run <code>sluice docs --lineage FILE</code> with the file <code>sluice check --lineage-file</code> writes.</p>{{end}}
{{template "foot"}}{{end}}
`
