package docsite

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sluicedata/sluice/lineage"
)

// lineageView is the lineage page: a graph of every dataset and job of
// the lineage file (inputs → job → outputs, jobs joined where one reads
// what another wrote), then every run in a table.
type lineageView struct {
	Nav   nav
	Have  bool
	W, H  int
	Nodes []*gnode
	Edges []gedge
	Runs  []lineageRow
	Title string
}

type gnode struct {
	ID, Label, Full, Kind string
	Note                  string
	Href                  string
	X, Y                  int
	layer                 int
	order                 int
	runs                  int
	last                  string
	counts                map[string]int
}

type gedge struct {
	D     string
	Runs  int
	Title string
}

type lineageRow struct {
	Anchor, Time, Job, Dataset, Href string
	State                            status
	Status                           string
	Inputs, Outputs                  string
}

const (
	nodeW, nodeH, colW, rowH, margin = 230, 40, 290, 60, 10
)

func (s *site) lineageView() lineageView {
	v := lineageView{Nav: newNav(s, "lineage.html", "Lineage"), Have: s.lin != nil}
	if s.lin == nil {
		return v
	}
	nodes := map[string]*gnode{}
	var order []*gnode
	node := func(id, full, kind string) *gnode {
		if n := nodes[id]; n != nil {
			return n
		}
		n := &gnode{ID: id, Full: full, Label: short(full), Kind: kind, order: len(order)}
		nodes[id] = n
		order = append(order, n)
		return n
	}
	type key struct{ from, to string }
	edges := map[key]int{}
	var edgeOrder []key
	edge := func(from, to *gnode) {
		k := key{from.ID, to.ID}
		if edges[k] == 0 {
			edgeOrder = append(edgeOrder, k)
		}
		edges[k]++
	}
	dsNode := func(d lineage.Dataset) *gnode { return node("ds-"+slug(d.String()), d.String(), "dataset") }
	for _, r := range s.lin.Runs {
		job := r.Job.Namespace + "/" + r.Job.Name
		j := node("job-"+slug(job), job, "job")
		j.runs++
		j.last = r.Status
		if j.counts == nil {
			j.counts = map[string]int{}
		}
		j.counts[statusOf(r.Status).Word]++
		row := lineageRow{Anchor: "run-" + slug(r.ID), Time: orDash(r.Time), Job: job, State: statusOf(r.Status), Status: r.Status,
			Inputs: datasetsText(r.Inputs), Outputs: datasetsText(r.Outputs)}
		if p := s.runByID[r.ID]; p != nil {
			row.Dataset, row.Href = p.DS.Name, p.Path
			if j.Href == "" {
				j.Href = p.DS.Path
			}
		}
		v.Runs = append(v.Runs, row)
		for _, d := range r.Inputs {
			edge(dsNode(d), j)
		}
		for _, d := range r.Outputs {
			edge(j, dsNode(d))
		}
	}
	for _, n := range order {
		if n.Kind == "job" {
			var parts []string
			for _, w := range []string{"PASS", "FAIL", "START"} {
				if c := n.counts[w]; c > 0 {
					parts = append(parts, fmt.Sprintf("%d %s", c, strings.ToLower(w)))
				}
			}
			if c := n.runs - n.counts["PASS"] - n.counts["FAIL"] - n.counts["START"]; c > 0 {
				parts = append(parts, fmt.Sprintf("%d other", c))
			}
			n.Note = fmt.Sprintf("%d runs (%s), last %s", n.runs, strings.Join(parts, ", "), statusOf(n.last).Word)
			if n.runs == 1 {
				n.Note = "1 run, " + statusOf(n.last).Word
			}
		}
	}
	// Layers: the longest path from a node without inputs; a cycle (a job
	// that writes what it reads) stops growing after len(order) rounds.
	for range order {
		changed := false
		for _, k := range edgeOrder {
			from, to := nodes[k.from], nodes[k.to]
			if to.layer < from.layer+1 && from.layer+1 < len(order) {
				to.layer, changed = from.layer+1, true
			}
		}
		if !changed {
			break
		}
	}
	perLayer := map[int][]*gnode{}
	layers := 0
	for _, n := range order {
		perLayer[n.layer] = append(perLayer[n.layer], n)
		layers = max(layers, n.layer+1)
	}
	rows := 0
	for l := range layers {
		col := perLayer[l]
		sort.SliceStable(col, func(a, b int) bool { return col[a].order < col[b].order })
		for i, n := range col {
			n.X, n.Y = margin+l*colW, margin+i*rowH
		}
		rows = max(rows, len(col))
	}
	v.W, v.H = margin*2+max(layers-1, 0)*colW+nodeW, margin*2+max(rows-1, 0)*rowH+nodeH
	v.Nodes = order
	for _, k := range edgeOrder {
		from, to := nodes[k.from], nodes[k.to]
		x1, y1 := from.X+nodeW, from.Y+nodeH/2
		x2, y2 := to.X-8, to.Y+nodeH/2
		mid := (x1 + x2) / 2
		d := fmt.Sprintf("M%d %d C %d %d, %d %d, %d %d", x1, y1, mid, y1, mid, y2, x2, y2)
		if to.layer <= from.layer { // back to an earlier column: loop below
			d = fmt.Sprintf("M%d %d C %d %d, %d %d, %d %d", x1, y1, x1+40, y1+rowH, x2-40, y2+rowH, x2, y2)
		}
		n := edges[k]
		title := fmt.Sprintf("%s → %s (%d runs)", from.Full, to.Full, n)
		if n == 1 {
			title = fmt.Sprintf("%s → %s (1 run)", from.Full, to.Full)
		}
		v.Edges = append(v.Edges, gedge{D: d, Runs: n, Title: title})
	}
	v.Title = fmt.Sprintf("Lineage graph: %d datasets and jobs, %d edges, %d runs", len(order), len(edgeOrder), len(s.lin.Runs))
	return v
}

func datasetsText(ds []lineage.Dataset) string {
	if len(ds) == 0 {
		return "-"
	}
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.String()
	}
	return strings.Join(parts, ", ")
}
