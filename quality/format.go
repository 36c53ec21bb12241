package quality

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/textsafe"
	"github.com/sluicedata/sluice/rules"
)

// esc escapes text of the report's data (names, owner, messages, values)
// for a terminal: see internal/textsafe.
func esc(s string) string { return textsafe.Escape(s) }

// textSamples is how many samples WriteText shows per rule.
const textSamples = 3

// WriteText writes the report for a person to read at a glance: a header
// with the dataset, owner and row counts, the report's notes (what to know
// before reading the rules, one "note" line each), one line per rule (status, name,
// kind and severity, counts and pass fraction), a few samples under each
// failing rule, and the gate decision. Every name, message and value is
// escaped (control characters, bidi overrides) so that a rule file or a
// data file cannot draw on the reader's terminal.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Quality report: %s\n", esc(orDash(r.Dataset)))
	if r.DatasetID != nil {
		fmt.Fprintf(&b, "  dataset    %s\n", esc(r.DatasetID.String()))
	}
	fmt.Fprintf(&b, "  owner      %s\n", esc(orDash(r.Owner)))
	if r.RuleFile != "" {
		fmt.Fprintf(&b, "  rule file  %s\n", esc(r.RuleFile))
	}
	fmt.Fprintf(&b, "  rows       %d in, %d clean, %d quarantined\n", r.RowsIn, r.RowsClean, r.RowsQuarantined)
	if p := r.Partitions; p != nil {
		fmt.Fprintf(&b, "  partition  %s, combined with %d stored partitions%s\n", esc(p.Current), len(p.Combined), rowsTotal(p))
	}
	fmt.Fprintf(&b, "  started    %s (%d ms)\n", r.StartedAt.UTC().Format(time.RFC3339), r.DurationMS)
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "  note       %s\n", esc(n))
	}
	b.WriteString("\n")

	width := 4
	names := make([]string, len(r.Rules))
	for i, rr := range r.Rules {
		names[i] = esc(rr.Name)
		width = max(width, len(names[i]))
	}
	counts := map[Status]int{}
	for i, rr := range r.Rules {
		counts[rr.Status]++
		fmt.Fprintf(&b, "  %-5s  %-*s  %-13s  %s\n", statusWord(rr.Status), width, names[i],
			esc(string(rr.Kind)+"/"+string(rr.Severity)), esc(ruleDetail(&rr)))
		if rr.Status == StatusPass || rr.Status == StatusNotEvaluated {
			continue
		}
		for i, s := range rr.Samples {
			if i == textSamples {
				fmt.Fprintf(&b, "  %-5s  %-*s    … %d more failing rows\n", "", width, "", rr.Failed-int64(textSamples))
				break
			}
			fmt.Fprintf(&b, "  %-5s  %-*s    row %d: %s\n", "", width, "", s.Row, esc(sampleText(s)))
		}
		for i, d := range rr.Duplicates {
			if i == textSamples {
				fmt.Fprintf(&b, "  %-5s  %-*s    … %d more repeated keys\n", "", width, "", len(rr.Duplicates)-textSamples)
				break
			}
			fmt.Fprintf(&b, "  %-5s  %-*s    %s: %d rows\n", "", width, "", esc(pairsText(d.Key)), d.Count)
		}
	}
	if len(r.Rules) == 0 {
		b.WriteString("  (no rules)\n")
	}
	for i, f := range r.Privacy {
		head := ""
		if i == 0 {
			head = "privacy"
		}
		state := "untagged"
		if f.Tagged {
			state = "tagged"
		}
		if f.Masked {
			state += ", masked"
		}
		fmt.Fprintf(&b, "\n  %-7s  %s: %d of %d values look like %s (%s), %s", head, esc(f.Column), f.Matches, f.Values, esc(f.Kind), percent(f.Fraction), state)
		if i == len(r.Privacy)-1 {
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "\n  %d rules: %d passed, %d failed, %d warned, %d errored, %d not evaluated\n",
		len(r.Rules), counts[StatusPass], counts[StatusFail], counts[StatusWarn], counts[StatusError], counts[StatusNotEvaluated])
	fmt.Fprintf(&b, "Gate: %s", esc(strings.ToUpper(string(r.Status))))
	if r.Gate.Strict {
		b.WriteString(" (strict)")
	}
	if len(r.Gate.Reasons) > 0 {
		b.WriteString(" — " + esc(strings.Join(r.Gate.Reasons, "; ")))
	}
	b.WriteString("\n")
	if r.Gate.Clean != "" {
		fmt.Fprintf(&b, "  clean output %s\n", esc(r.Gate.Clean))
	}
	if r.Gate.Quarantine != "" {
		fmt.Fprintf(&b, "  quarantine %s (%d rows)\n", esc(r.Gate.Quarantine), r.RowsQuarantined)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("quality: write text report: %w", err)
	}
	return nil
}

// WriteText writes each report as (*Report).WriteText does, separated by a
// blank line.
func WriteText(w io.Writer, reports ...*Report) error {
	for i, r := range reports {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return fmt.Errorf("quality: write text report: %w", err)
			}
		}
		if err := r.WriteText(w); err != nil {
			return err
		}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func statusWord(s Status) string {
	switch s {
	case StatusPass:
		return "PASS"
	case StatusFail:
		return "FAIL"
	case StatusWarn:
		return "WARN"
	case StatusError:
		return "ERROR"
	case StatusNotEvaluated:
		return "N/A"
	}
	return strings.ToUpper(string(s))
}

// ruleDetail is the counts part of a rule's line.
func ruleDetail(rr *RuleResult) string {
	var parts []string
	if rr.Kind == rules.KindDataset {
		if len(rr.Metrics) > 0 {
			parts = append(parts, metricsText(rr.Metrics))
		}
		if rr.Status == StatusError || rr.Status == StatusNotEvaluated || rr.Engine == "schema" {
			parts = append(parts, rr.Message)
		}
		return strings.Join(parts, "; ")
	}
	if rr.Evaluated == 0 {
		return rr.Message
	}
	s := fmt.Sprintf("%d/%d passed (%s)", rr.Passed, rr.Evaluated, percent(*rr.PassFraction))
	if rr.Failed > 0 {
		s += fmt.Sprintf(", %d failed", rr.Failed)
	}
	if rr.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped", rr.Skipped)
	}
	if rr.Mostly < 1 {
		s += ", mostly " + strconv.FormatFloat(rr.Mostly, 'f', -1, 64)
	}
	if len(rr.Errors) > 0 {
		s += "; errors: " + errorKinds(rr.Errors)
	}
	return s
}

func metricsText(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " = " + valueText(m[k])
	}
	return strings.Join(parts, ", ")
}

func sampleText(s Sample) string {
	key := ""
	if len(s.Key) > 0 {
		key = "(key " + pairsText(s.Key) + ") "
	}
	if len(s.Values) == 0 {
		return key + "(no columns)"
	}
	return key + pairsText(s.Values)
}

// pairsText renders values as col=value, sorted by column.
func pairsText(values map[string]any) string {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + valueText(values[k])
	}
	return strings.Join(parts, ", ")
}

// textListMax is how many elements of a list value text and HTML show.
const textListMax = 20

func valueText(v any) string {
	switch x := v.(type) {
	case []any:
		// A list metric (most_common_all over a column of unique values)
		// can hold every value of the column: text and HTML show the
		// first textListMax, the JSON report has them all.
		if len(x) > textListMax {
			head := strings.TrimSuffix(valueText(x[:textListMax]), "]")
			return fmt.Sprintf("%s, … %d more]", head, len(x)-textListMax)
		}
	case string:
		if x == Redacted {
			return x
		}
	case float64:
		// Short and readable; exact values are in the JSON report.
		if x != math.Trunc(x) && math.Abs(x) < 1e6 {
			return strconv.FormatFloat(x, 'g', 6, 64)
		}
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// JUnit XML

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  *junitText      `xml:"system-out"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string       `xml:"name,attr"`
	Classname string       `xml:"classname,attr"`
	Time      string       `xml:"time,attr"`
	Failure   *junitResult `xml:"failure"`
	Error     *junitResult `xml:"error"`
	Skipped   *junitResult `xml:"skipped"`
	SystemOut *junitText   `xml:"system-out"`
}

type junitText struct {
	Body string `xml:",cdata"`
}

type junitResult struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",cdata"`
}

// WriteJUnit writes the report as JUnit XML: one testsuite for the dataset,
// one testcase per rule. See the package function WriteJUnit.
func (r *Report) WriteJUnit(w io.Writer) error { return WriteJUnit(w, r) }

// WriteJUnit writes reports as one JUnit XML document, one testsuite per
// report (an input checked) and one testcase per rule, so CI systems show
// rules as tests.
//
// A suite is named after the dataset. With several reports, the name also
// carries the input's file name ("orders (day1.csv)": the base of
// DatasetID.Name; the whole name when two inputs share a base, and "#n"
// when one input is checked twice), and so does every testcase's
// classname, the suite name and the rule kind ("orders (day1.csv).row"):
// tools that split a classname at its last dot group the cases by input.
// One report keeps the bare dataset name, so that a test's identity stays
// the same from one run to the next when the input is a new file each day.
//
// The suite's time is the report's duration. The rules are evaluated
// together, in one pass over the data, so a rule has no time of its own:
// each testcase carries an even share of the suite's time, and the cases
// add up to the suite.
//
// The report's notes (the rule file has no rules, the input has no rows,
// how a reader typed a column) are the suite's <system-out>, one "note:"
// line each, and "note" properties for tools that read properties. The
// suite's output is what Jenkins shows with every case of the suite that
// has no output of its own; a CI system that shows only a testcase's own
// output does not show the notes (the text and JSON reports carry them
// too). Notes never become testcases: they would change the test counts.
//
// The failures mirror the gate: a rule that fails the gate is a <failure>
// (an <error> when a check could not be computed), and so is, under
// strict, a warn or error rule that was not evaluated; any other
// not_evaluated rule is <skipped>; a warning that does not fail the gate
// and a failing info rule pass, with the detail in <system-out>. Names,
// messages and bodies are escaped as in the text report: XML 1.0 cannot
// carry most control characters at all, and CI systems show these texts on
// terminals.
func WriteJUnit(w io.Writer, reports ...*Report) error {
	doc := junitSuites{Name: "sluice"}
	var total int64
	names := junitSuiteNames(reports)
	for i, r := range reports {
		s := junitSuite{
			Name:      esc(names[i]),
			Time:      seconds(r.DurationMS),
			Timestamp: r.StartedAt.UTC().Format(time.RFC3339),
			Properties: []junitProperty{
				{Name: "owner", Value: esc(r.Owner)},
				{Name: "status", Value: string(r.Status)},
				{Name: "rows_in", Value: strconv.FormatInt(r.RowsIn, 10)},
				{Name: "rows_clean", Value: strconv.FormatInt(r.RowsClean, 10)},
				{Name: "rows_quarantined", Value: strconv.FormatInt(r.RowsQuarantined, 10)},
			},
		}
		if r.DatasetID != nil {
			s.Properties = append(s.Properties, junitProperty{Name: "dataset_id", Value: esc(r.DatasetID.String())})
		}
		if r.RuleFile != "" {
			s.Properties = append(s.Properties, junitProperty{Name: "rule_file", Value: esc(r.RuleFile)})
		}
		if len(r.Notes) > 0 {
			var out strings.Builder
			for _, n := range r.Notes {
				s.Properties = append(s.Properties, junitProperty{Name: "note", Value: esc(n)})
				fmt.Fprintf(&out, "note: %s\n", esc(n))
			}
			s.SystemOut = &junitText{Body: out.String()}
		}
		total += r.DurationMS
		share := "0.000"
		if len(r.Rules) > 0 {
			share = strconv.FormatFloat(float64(r.DurationMS)/float64(len(r.Rules))/1000, 'f', 3, 64)
		}
		for j := range r.Rules {
			c := junitTestcase(r, &r.Rules[j], names[i])
			c.Time = share
			s.Tests++
			switch {
			case c.Failure != nil:
				s.Failures++
			case c.Error != nil:
				s.Errors++
			case c.Skipped != nil:
				s.Skipped++
			}
			s.Cases = append(s.Cases, c)
		}
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, s)
	}
	doc.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("quality: write junit report: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("quality: write junit report: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("quality: write junit report: %w", err)
	}
	return nil
}

func seconds(ms int64) string { return strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64) }

// junitSuiteNames names the suites of reports (see WriteJUnit), unescaped.
func junitSuiteNames(reports []*Report) []string {
	names := make([]string, len(reports))
	if len(reports) == 1 {
		names[0] = orDash(reports[0].Dataset)
		return names
	}
	inputs := make([]string, len(reports))
	bases := map[[2]string]map[string]bool{} // dataset and base: the names
	for i, r := range reports {
		if r.DatasetID != nil && r.DatasetID.Name != "" {
			inputs[i] = path.Base(r.DatasetID.Name)
			k := [2]string{r.Dataset, inputs[i]}
			if bases[k] == nil {
				bases[k] = map[string]bool{}
			}
			bases[k][r.DatasetID.Name] = true
		}
	}
	for i, r := range reports {
		if inputs[i] != "" && len(bases[[2]string{r.Dataset, inputs[i]}]) > 1 {
			inputs[i] = r.DatasetID.Name // two files of one base name
		}
	}
	seen := map[string]int{}
	for i, r := range reports {
		name := orDash(r.Dataset)
		if inputs[i] != "" && inputs[i] != r.Dataset {
			name += " (" + inputs[i] + ")"
		}
		seen[name]++
		if n := seen[name]; n > 1 {
			name += " #" + strconv.Itoa(n)
		}
		names[i] = name
	}
	return names
}

func junitTestcase(r *Report, rr *RuleResult, suite string) junitCase {
	c := junitCase{
		Name:      esc(rr.Name),
		Classname: esc(suite + "." + string(rr.Kind)),
	}
	detail := esc(ruleDetail(rr))
	message := esc(rr.Message)
	blocks := rr.Severity == rules.SeverityError || (rr.Severity == rules.SeverityWarn && r.Gate.Strict)
	var body strings.Builder
	fmt.Fprintf(&body, "%s\n", textsafe.EscapeLines(rr.Expr))
	for _, s := range rr.Samples {
		fmt.Fprintf(&body, "row %d: %s\n", s.Row, esc(sampleText(s)))
	}
	switch rr.Status {
	case StatusPass:
	case StatusNotEvaluated:
		if r.Gate.Strict && rr.Severity != rules.SeverityInfo {
			// Under strict a rule that checked nothing fails the gate.
			c.Failure = &junitResult{Message: message, Type: esc(string(rr.Severity)), Body: body.String()}
			break
		}
		c.Skipped = &junitResult{Message: message}
	case StatusError:
		if blocks {
			c.Error = &junitResult{Message: message, Type: esc(string(rr.Severity)), Body: body.String()}
		} else {
			c.SystemOut = &junitText{Body: fmt.Sprintf("%s (%s): %s\n%s", esc(string(rr.Status)), esc(string(rr.Severity)), message, body.String())}
		}
	default: // fail, warn
		if blocks {
			c.Failure = &junitResult{Message: detail, Type: esc(string(rr.Severity)), Body: body.String()}
		} else {
			c.SystemOut = &junitText{Body: fmt.Sprintf("%s (%s): %s\n%s", esc(string(rr.Status)), esc(string(rr.Severity)), detail, body.String())}
		}
	}
	return c
}
