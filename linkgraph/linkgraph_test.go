package linkgraph

import (
	"fmt"
	"math"
	"testing"
)

func TestGraphIsBoundedAndPlaced(t *testing.T) {
	b := NewBuilder()
	b.Report("r0", "VG-0000-0000", "/w/reports/r0", true)
	b.Tie("r0", "iban:FR76", "FR76 3000 6000 0112 3456 7890 189", false)
	b.Tie("r0", "email:support@gmail.com", "support@gmail.com", true)
	b.Tie("r0", "phone:+33", "+33 6 12 34 56 78", true)
	for i := 1; i <= 300; i++ {
		key := fmt.Sprintf("r%d", i)
		b.Report(key, fmt.Sprintf("VG-%04d-0000", i), "/w/reports/"+key, false)
		b.Tie(key, "iban:FR76", "FR76 3000 6000 0112 3456 7890 189", false)
		if i%3 == 0 {
			b.Tie(key, "url:x", "https://x.example/"+key, false)
		}
	}
	b.Tie("unknown", "iban:FR76", "ignored: no such report", false)
	g := b.Graph()

	if len(g.Nodes) != MaxNodes {
		t.Errorf("%d nodes, want the bound %d", len(g.Nodes), MaxNodes)
	}
	// 301 reports and 3 nodes of identifiers (iban, url, the frequent one).
	if g.Left != 301-(MaxNodes-3) {
		t.Errorf("left out %d reports, want %d", g.Left, 301-(MaxNodes-3))
	}
	if g.Frequent != 2 {
		t.Errorf("%d frequent identifiers gathered, want 2", g.Frequent)
	}
	frequentNodes, current := 0, 0
	for _, n := range g.Nodes {
		if n.Kind == KindFrequent {
			frequentNodes++
		}
		if n.Current {
			current++
			if math.Abs(n.X-g.Width/2) > g.Width/20 || math.Abs(n.Y-g.Height/2) > g.Height/20 {
				t.Errorf("the page's report is at %.0f,%.0f, not in the middle", n.X, n.Y)
			}
		}
		if n.X < 0 || n.Y < 0 || n.X > g.Width || n.Y > g.Height {
			t.Errorf("node %s at %.0f,%.0f is outside %.0fx%.0f", n.Key, n.X, n.Y, g.Width, g.Height)
		}
	}
	if frequentNodes != 1 || current != 1 {
		t.Errorf("%d frequent nodes and %d current reports, want 1 and 1", frequentNodes, current)
	}
	// Reports with two ties are kept before those with one.
	kept := map[string]bool{}
	for _, n := range g.Nodes {
		kept[n.Key] = true
	}
	for i := 3; i <= 300; i += 3 {
		if !kept[fmt.Sprintf("r%d", i)] {
			t.Errorf("r%d (two ties) was left out while reports with one were kept", i)
			break
		}
	}
	for _, e := range g.Edges {
		if g.Nodes[e.From].Kind != KindReport || g.Nodes[e.To].Kind == KindReport {
			t.Fatalf("edge %v does not tie a report to an identifier", e)
		}
	}
	ties := g.Ties()
	if len(ties) != 3 || ties[0].Identifier.Title != "FR76 3000 6000 0112 3456 7890 189" {
		t.Errorf("ties %d, first %q; want 3, the IBAN first (most reports)", len(ties), ties[0].Identifier.Title)
	}
	// The same input gives the same picture.
	if again := b.Graph(); fmt.Sprint(again) != fmt.Sprint(g) {
		t.Error("two layouts of one graph differ")
	}
}

func TestSmallGraphsAreCropped(t *testing.T) {
	b := NewBuilder()
	b.Report("a", "VG-A", "", true)
	b.Report("b", "VG-B", "", false)
	b.Tie("a", "iban:1", "FR76", false)
	b.Tie("b", "iban:1", "FR76", false)
	g := b.Graph()
	if g.Height > 250 {
		t.Errorf("two reports and one identifier take %.0f px of height", g.Height)
	}
	for _, n := range g.Nodes {
		if n.X < 100 || n.X > g.Width-100 || n.Y < 20 || n.Y > g.Height-20 {
			t.Errorf("node %s at %.0f,%.0f leaves no room for its label in %.0fx%.0f", n.Key, n.X, n.Y, g.Width, g.Height)
		}
	}
}

func TestLabelsAreShortened(t *testing.T) {
	b := NewBuilder()
	b.Report("r", "VG-1", "", true)
	long := "https://un-domaine-tres-long.example/chemin/vers/une/page"
	b.Tie("r", "url:"+long, long, false)
	g := b.Graph()
	for _, n := range g.Nodes {
		if n.Kind == KindIdentifier && (len([]rune(n.Label)) != 28 || n.Title != long) {
			t.Errorf("label %q (%d runes), title %q", n.Label, len([]rune(n.Label)), n.Title)
		}
	}
}
