// Package linkgraph draws the reports of a report's or a case's
// neighbourhood and the identifiers that tie them, as positions for a
// server-drawn SVG picture: no script, the same picture for everyone, and
// a bounded size whatever the campaign.
package linkgraph

import (
	"cmp"
	"math"
	"slices"
	"unicode/utf8"
)

// Kind tells what a node stands for.
type Kind string

const (
	KindReport     Kind = "report"
	KindIdentifier Kind = "identifier"
	// KindFrequent gathers identifiers too common to tie reports (on the
	// warning list, or past the per-value cap) into one node.
	KindFrequent Kind = "frequent"
)

// MaxNodes bounds a picture: past it, the reports that share the fewest
// identifiers are left out and the graph says how many.
const MaxNodes = 200

// Node is one report or identifier, placed.
type Node struct {
	Key     string // what the caller names it by (report id, "type:value")
	Kind    Kind
	Label   string // what the picture writes (receipt, identifier value)
	Title   string // the full label, for the tooltip
	Href    string // where the node leads, if anywhere
	Current bool   // the report the page is about
	X, Y    float64
}

// Edge ties a report to an identifier it carries (indexes into Nodes).
type Edge struct{ From, To int }

// Graph is a placed picture.
type Graph struct {
	Nodes         []Node
	Edges         []Edge
	Width, Height float64
	// Left counts the reports left out to stay within MaxNodes;
	// Frequent the identifiers gathered into the frequent node.
	Left, Frequent int
}

// Builder collects nodes and ties before the layout.
type Builder struct {
	nodes    []Node
	index    map[string]int
	ties     map[int]map[int]bool // report → identifiers
	frequent int
}

// NewBuilder starts an empty picture.
func NewBuilder() *Builder {
	return &Builder{index: map[string]int{}, ties: map[int]map[int]bool{}}
}

func (b *Builder) node(n Node) int {
	if i, ok := b.index[n.Key]; ok {
		if n.Current {
			b.nodes[i].Current = true
		}
		return i
	}
	b.index[n.Key] = len(b.nodes)
	b.nodes = append(b.nodes, n)
	return len(b.nodes) - 1
}

// Report adds a report node (once per key).
func (b *Builder) Report(key, receipt, href string, current bool) {
	b.node(Node{Key: key, Kind: KindReport, Label: receipt, Title: receipt, Href: href, Current: current})
}

// Tie says that report key carries an identifier; frequent identifiers
// go to the one frequent node.
func (b *Builder) Tie(reportKey, identifierKey, label string, frequent bool) {
	r, ok := b.index[reportKey]
	if !ok {
		return
	}
	var id int
	if frequent {
		if _, seen := b.index["\x00freq:"+identifierKey]; !seen {
			b.index["\x00freq:"+identifierKey] = -1
			b.frequent++
		}
		id = b.node(Node{Key: "\x00frequent", Kind: KindFrequent})
	} else {
		id = b.node(Node{Key: "id:" + identifierKey, Kind: KindIdentifier, Label: shorten(label, 28), Title: label})
	}
	if b.ties[r] == nil {
		b.ties[r] = map[int]bool{}
	}
	b.ties[r][id] = true
}

// Graph bounds and places the picture: identifiers on an inner ring,
// reports on an outer ring next to the identifiers they carry, the page's
// own report in the middle.
func (b *Builder) Graph() Graph {
	g := Graph{Frequent: b.frequent}
	// Which nodes stay: every identifier tied to something, then the
	// reports with the most ties, the current one always, up to MaxNodes.
	var reports, identifiers []int
	for i, n := range b.nodes {
		switch {
		case n.Kind == KindReport:
			reports = append(reports, i)
		case b.tied(i):
			identifiers = append(identifiers, i)
		}
	}
	slices.SortStableFunc(reports, func(x, y int) int {
		if b.nodes[x].Current != b.nodes[y].Current {
			if b.nodes[x].Current {
				return -1
			}
			return 1
		}
		return cmp.Compare(len(b.ties[y]), len(b.ties[x]))
	})
	room := max(MaxNodes-len(identifiers), 1)
	if len(reports) > room {
		g.Left = len(reports) - room
		reports = reports[:room]
	}
	keep := map[int]int{}
	for _, i := range identifiers {
		keep[i] = len(g.Nodes)
		g.Nodes = append(g.Nodes, b.nodes[i])
	}
	nIdent := len(g.Nodes)
	for _, i := range reports {
		keep[i] = len(g.Nodes)
		g.Nodes = append(g.Nodes, b.nodes[i])
	}
	for _, r := range reports {
		ids := make([]int, 0, len(b.ties[r]))
		for id := range b.ties[r] {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			if to, ok := keep[id]; ok {
				g.Edges = append(g.Edges, Edge{From: keep[r], To: to})
			}
		}
	}
	g.place(nIdent)
	return g
}

func (b *Builder) tied(id int) bool {
	for _, ids := range b.ties {
		if ids[id] {
			return true
		}
	}
	return false
}

// place puts identifiers 0..nIdent-1 on the inner ring and the reports on
// the outer ring, each report at the mean angle of its identifiers (then
// spread evenly in that order so that labels do not pile up).
func (g *Graph) place(nIdent int) {
	nReports := len(g.Nodes) - nIdent
	outer := 150 + 4*float64(nReports)
	if outer > 420 {
		outer = 420
	}
	inner := outer * 0.45
	g.Width, g.Height = 2*outer+260, 2*outer+80
	cx, cy := g.Width/2, g.Height/2
	angle := make([]float64, len(g.Nodes))
	for i := range nIdent {
		angle[i] = 2 * math.Pi * float64(i) / float64(max(nIdent, 1))
		g.Nodes[i].X, g.Nodes[i].Y = cx+inner*math.Cos(angle[i]), cy+inner*math.Sin(angle[i])
	}
	type placed struct {
		node  int
		angle float64
	}
	var ring []placed
	sumX, sumY := make([]float64, len(g.Nodes)), make([]float64, len(g.Nodes))
	for _, e := range g.Edges {
		sumX[e.From] += math.Cos(angle[e.To])
		sumY[e.From] += math.Sin(angle[e.To])
	}
	for i := nIdent; i < len(g.Nodes); i++ {
		if g.Nodes[i].Current {
			g.Nodes[i].X, g.Nodes[i].Y = cx, cy
			continue
		}
		ring = append(ring, placed{i, math.Atan2(sumY[i], sumX[i])})
	}
	slices.SortStableFunc(ring, func(a, b placed) int { return cmp.Compare(a.angle, b.angle) })
	for k, p := range ring {
		a := 2 * math.Pi * float64(k) / float64(len(ring))
		if len(ring) > 0 {
			a += ring[0].angle
		}
		g.Nodes[p.node].X, g.Nodes[p.node].Y = cx+outer*math.Cos(a), cy+outer*math.Sin(a)
	}
	g.fit()
}

// fit crops the picture to its nodes, with room for the labels beside
// and above them: a small neighbourhood is a small picture.
func (g *Graph) fit() {
	const marginX, marginY = 140, 30
	if len(g.Nodes) == 0 {
		return
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, n := range g.Nodes {
		minX, maxX = min(minX, n.X), max(maxX, n.X)
		minY, maxY = min(minY, n.Y), max(maxY, n.Y)
	}
	for i := range g.Nodes {
		g.Nodes[i].X += marginX - minX
		g.Nodes[i].Y += marginY - minY
	}
	g.Width, g.Height = maxX-minX+2*marginX, maxY-minY+2*marginY
}

// Anchor says which side of a node its label goes, away from the middle.
func (g Graph) Anchor(n Node) string {
	switch {
	case n.X < g.Width/2-10:
		return "end"
	case n.X > g.Width/2+10:
		return "start"
	}
	return "middle"
}

// LabelX is where a node's label starts, beside the node.
func (g Graph) LabelX(n Node) float64 {
	switch g.Anchor(n) {
	case "end":
		return n.X - 9
	case "start":
		return n.X + 9
	}
	return n.X
}

// Ties lists, for the table that says in words what the picture shows,
// each identifier with the reports that carry it.
func (g Graph) Ties() []Tie {
	byID := map[int]*Tie{}
	var order []int
	for _, e := range g.Edges {
		t := byID[e.To]
		if t == nil {
			t = &Tie{Identifier: g.Nodes[e.To]}
			byID[e.To] = t
			order = append(order, e.To)
		}
		t.Reports = append(t.Reports, g.Nodes[e.From])
	}
	out := make([]Tie, 0, len(order))
	for _, i := range order {
		out = append(out, *byID[i])
	}
	slices.SortStableFunc(out, func(a, b Tie) int { return cmp.Compare(len(b.Reports), len(a.Reports)) })
	return out
}

// Tie is one identifier and the reports that carry it.
type Tie struct {
	Identifier Node
	Reports    []Node
}

func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
