package docsite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/history"
)

// ManifestFile is the file in the output directory listing the pages Build
// wrote, so that a later Build removes the pages of runs and datasets that
// are gone, and nothing else.
const ManifestFile = ".sluice-docs.json"

// Options configures Build.
type Options struct {
	// Lineage holds the runs of a lineage file (ReadLineage): their inputs,
	// outputs and rule outcomes. Nil: the site has no lineage graph and the
	// run pages show the outcome the audit trail recorded.
	Lineage *Lineage
	// Title heads the index; "" is "Data quality".
	Title string
}

// Result says what Build did. Paths are slash-separated, relative to the
// output directory.
type Result struct {
	// Pages lists every page of the site.
	Pages []string
	// Written lists the pages whose content changed (or that were missing)
	// and were rewritten.
	Written []string
	// Removed lists the pages of an earlier build that the site no longer
	// has.
	Removed []string
}

// Build writes the site of store (every dataset with runs) and opts into
// dir, creating it when missing. It rewrites a page only when its content
// changed; each file is replaced atomically (a temporary file renamed).
func Build(ctx context.Context, store history.Store, dir string, opts Options) (Result, error) {
	s, err := load(ctx, store, opts)
	if err != nil {
		return Result{}, err
	}
	pages, err := s.render()
	if err != nil {
		return Result{}, err
	}
	return writePages(dir, pages)
}

type site struct {
	title    string
	datasets []*dsPage
	byName   map[string]*dsPage
	lin      *Lineage
	runByID  map[string]*runPage
}

type dsPage struct {
	Name, Path string
	Owner      string
	RuleFile   string
	Runs       []*runPage // oldest first
	Metrics    []string
	Series     map[string][]history.Point
}

type runPage struct {
	DS      *dsPage
	Rec     history.RunRecord
	Audit   *history.AuditRecord
	Summary *history.Summary
	Event   *LineageRun
	// Report is the run's stored report (nil for a run saved without one
	// or with another report version).
	Report *quality.Report
	Path   string
	Anchor string
	Prev   *runPage
}

func load(ctx context.Context, store history.Store, opts Options) (*site, error) {
	s := &site{title: opts.Title, byName: map[string]*dsPage{}, lin: opts.Lineage, runByID: map[string]*runPage{}}
	if s.title == "" {
		s.title = "Data quality"
	}
	names, err := store.Datasets(ctx)
	if err != nil {
		return nil, fmt.Errorf("docsite: datasets: %w", err)
	}
	sort.Strings(names)
	dsPaths := map[string]bool{}
	for _, name := range names {
		d := &dsPage{Name: name, Series: map[string][]history.Point{}}
		d.Path = unique(dsPaths, "datasets/"+slug(name), ".html")
		runs, err := store.Runs(ctx, name, 0)
		if err != nil {
			return nil, fmt.Errorf("docsite: runs of %s: %w", name, err)
		}
		audits, err := store.AuditLog(ctx, history.AuditFilter{Dataset: name})
		if err != nil {
			return nil, fmt.Errorf("docsite: audit trail of %s: %w", name, err)
		}
		byRun := map[[2]string]*history.AuditRecord{}
		for i := range audits {
			a := &audits[i]
			byRun[[2]string{a.RunID, a.Partition}] = a
			if a.Owner != "" {
				d.Owner = a.Owner
			}
			if a.RuleFile != "" {
				d.RuleFile = a.RuleFile
			}
		}
		runPaths := map[string]bool{}
		dir := "runs/" + strings.TrimSuffix(path.Base(d.Path), ".html") + "/"
		var prev *runPage
		for _, rec := range runs {
			r := &runPage{DS: d, Rec: rec, Prev: prev, Audit: byRun[[2]string{rec.RunID, rec.Partition}]}
			id := rec.RunID
			if rec.Partition != "" {
				id += "." + rec.Partition
			}
			r.Path = unique(runPaths, dir+slug(id), ".html")
			r.Anchor = "run-" + strings.TrimSuffix(path.Base(r.Path), ".html")
			if r.Audit != nil && len(r.Audit.Summary) > 0 {
				var sum history.Summary
				if err := json.Unmarshal(r.Audit.Summary, &sum); err == nil {
					r.Summary = &sum
				}
			}
			r.Event = s.lin.Run(rec.RunID)
			if r.Report, err = storedReport(ctx, store, rec); err != nil {
				return nil, err
			}
			if _, dup := s.runByID[rec.RunID]; !dup {
				s.runByID[rec.RunID] = r
			}
			d.Runs = append(d.Runs, r)
			prev = r
		}
		if d.Metrics, err = store.MetricNames(ctx, name); err != nil {
			return nil, fmt.Errorf("docsite: metrics of %s: %w", name, err)
		}
		sort.Strings(d.Metrics)
		for _, m := range d.Metrics {
			if d.Series[m], err = store.Metrics(ctx, name, m, 0); err != nil {
				return nil, fmt.Errorf("docsite: metric %s of %s: %w", m, name, err)
			}
		}
		s.datasets = append(s.datasets, d)
		s.byName[name] = d
	}
	return s, nil
}

// storedReport returns the report saved with a run, nil when there is none
// this build reads.
func storedReport(ctx context.Context, store history.Store, rec history.RunRecord) (*quality.Report, error) {
	sr, err := store.RunReport(ctx, rec.Dataset, rec.RunID, rec.Partition)
	if errors.Is(err, history.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("docsite: %w", err)
	}
	if sr.Version != history.ReportVersion {
		return nil, nil
	}
	var rep quality.Report
	if err := json.Unmarshal(sr.JSON, &rep); err != nil {
		return nil, fmt.Errorf("docsite: report of run %s of %s: %w", rec.RunID, rec.Dataset, err)
	}
	return &rep, nil
}

// slug makes a file name of s: lower-case letters, digits, '.', '_' and
// '-' are kept, upper-case ASCII letters are lowered, anything else
// becomes '-'; a name that changed gets a short hash of s so that
// different names never share a file (also on a case-insensitive file
// system).
func slug(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case r == '.' && b.Len() > 0:
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := b.String()
	if len(out) > 80 {
		out = out[:80]
	}
	if out != s || out == "" {
		h := sha256.Sum256([]byte(s))
		out += "-" + hex.EncodeToString(h[:4])
	}
	return out
}

// unique returns base+ext, or base-2+ext and so on when taken.
func unique(taken map[string]bool, base, ext string) string {
	p := base + ext
	for i := 2; taken[strings.ToLower(p)]; i++ {
		p = fmt.Sprintf("%s-%d%s", base, i, ext)
	}
	taken[strings.ToLower(p)] = true
	return p
}

// rel is the link from the page at from to the page at to (both
// slash-separated paths relative to the site's root).
func rel(from, to string) string {
	up := strings.Count(from, "/")
	return strings.Repeat("../", up) + to
}

// page is one rendered file of the site.
type page struct {
	path string
	data []byte
}

func (s *site) render() ([]page, error) {
	var pages []page
	add := func(p string, name string, data any) error {
		var b bytes.Buffer
		if err := pageTemplate.ExecuteTemplate(&b, name, data); err != nil {
			return fmt.Errorf("docsite: render %s: %w", p, err)
		}
		pages = append(pages, page{path: p, data: b.Bytes()})
		return nil
	}
	if err := add("index.html", "index", s.indexView()); err != nil {
		return nil, err
	}
	for _, d := range s.datasets {
		v, err := s.datasetView(d)
		if err != nil {
			return nil, err
		}
		if err := add(d.Path, "dataset", v); err != nil {
			return nil, err
		}
		for _, r := range d.Runs {
			v, err := s.runView(r)
			if err != nil {
				return nil, err
			}
			if err := add(r.Path, "run", v); err != nil {
				return nil, err
			}
		}
	}
	if err := add("lineage.html", "lineage", s.lineageView()); err != nil {
		return nil, err
	}
	return pages, nil
}

// manifest is the content of ManifestFile.
type manifest struct {
	Version int      `json:"version"`
	Pages   []string `json:"pages"`
}

func writePages(dir string, pages []page) (Result, error) {
	var res Result
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, fmt.Errorf("docsite: %w", err)
	}
	var old manifest
	if data, err := os.ReadFile(filepath.Join(dir, ManifestFile)); err == nil {
		if err := json.Unmarshal(data, &old); err != nil {
			return res, fmt.Errorf("docsite: %s: %w", filepath.Join(dir, ManifestFile), err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("docsite: %w", err)
	}
	now := map[string]bool{}
	for _, p := range pages {
		now[p.path] = true
		res.Pages = append(res.Pages, p.path)
		file := filepath.Join(dir, filepath.FromSlash(p.path))
		if cur, err := os.ReadFile(file); err == nil && bytes.Equal(cur, p.data) {
			continue
		}
		if err := writeAtomic(file, p.data); err != nil {
			return res, err
		}
		res.Written = append(res.Written, p.path)
	}
	for _, p := range old.Pages {
		if now[p] || !filepath.IsLocal(filepath.FromSlash(p)) {
			continue
		}
		err := os.Remove(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return res, fmt.Errorf("docsite: %w", err)
		}
		if err == nil {
			res.Removed = append(res.Removed, p)
			// Leave a run directory that became empty: remove it too.
			_ = os.Remove(filepath.Dir(filepath.Join(dir, filepath.FromSlash(p))))
		}
	}
	sort.Strings(res.Pages)
	data, err := json.MarshalIndent(manifest{Version: 1, Pages: res.Pages}, "", "  ")
	if err != nil {
		return res, fmt.Errorf("docsite: manifest: %w", err)
	}
	if cur, err := os.ReadFile(filepath.Join(dir, ManifestFile)); err != nil || !bytes.Equal(cur, append(data, '\n')) {
		if err := writeAtomic(filepath.Join(dir, ManifestFile), append(data, '\n')); err != nil {
			return res, err
		}
	}
	return res, nil
}

func writeAtomic(file string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("docsite: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".tmp-*")
	if err != nil {
		return fmt.Errorf("docsite: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("docsite: write %s: %w", file, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("docsite: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("docsite: %w", err)
	}
	return nil
}

// status is a verdict in words and a symbol (never colour alone).
type status struct {
	Word, Symbol, Class string
}

func statusOf(s string) status {
	switch strings.ToLower(s) {
	case string(quality.StatusPass), "complete":
		return status{"PASS", "✓", "pass"}
	case string(quality.StatusFail), "abort":
		return status{"FAIL", "✗", "fail"}
	case string(quality.StatusWarn):
		return status{"WARN", "!", "warn"}
	case string(quality.StatusError):
		return status{"ERROR", "⚠", "error"}
	case string(quality.StatusNotEvaluated):
		return status{"NOT EVALUATED", "–", "na"}
	case "":
		return status{"UNKNOWN", "?", "na"}
	}
	return status{strings.ToUpper(s), "?", "na"}
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// chartHTML renders the chart of pts, or "" when none is numeric.
func chartHTML(metric string, pts []history.Point) (template.HTML, error) {
	var b bytes.Buffer
	if err := quality.WriteHTMLChart(&b, metric, pts); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil //nolint:gosec // html/template output, escaped there
}
