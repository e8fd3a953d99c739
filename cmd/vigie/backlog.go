package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/demo"
	"github.com/vigie-platform/vigie/destination"
	"github.com/vigie-platform/vigie/routing"
	"github.com/vigie-platform/vigie/storage"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/triage"
)

// How the demo's analysts decide. No public source gives PHAROS's shares
// of decisions; what is known is that referrals are a minority: of about
// 15,000 reports in its first year, 308 went to French services and 1,552
// to Interpol (12 %, ../shared/seeds). So:
//   - every victim of a scam campaign joins that campaign's one case, which
//     is qualified and referred where the routing rules say: grouping them
//     is the point of cross-referencing, and deciding them one by one is
//     what the demo must not show;
//   - of the other reports, one in referEvery of the gravest categories
//     (minors, terrorism, threats) is referred in a case of its own;
//   - the rest is decided in the shares below, an assumption stated here:
//     unfounded, not competent (another door: a complaint, SignalConso),
//     duplicate of a report of the same category.
const referEvery = 20

var otherDecisions = []struct {
	state  triage.State
	reason string
	share  int // of 100
}{
	{triage.StateUnfounded, "aucune infraction caractérisée", 40},
	{triage.StateNotCompetent, "relève d'une plainte ou d'un autre service (orienté)", 35},
	{triage.StateDuplicate, "déjà signalé", 25},
}

// demoDepartements are where some victims live, so that local services
// appear in the referrals as the rules route them.
var demoDepartements = []string{"75", "13", "69", "33", "59", "31", "44", "67", "2A", "974"}

// pendingReport is a report waiting for a decision.
type pendingReport struct{ id, category string }

// backlog is what the demo's analysts work with.
type backlog struct {
	db         storage.Store
	tax        *taxonomy.Taxonomy
	rules      *routing.Rules
	registry   *destination.Registry
	gen        *demo.Generator
	campaignOf map[string]int // report id → its campaign (the ground truth)
	svc        *casefile.Service
	// made lists the cases referred, in order, for their removal notices.
	made []madeCase
}

// madeCase is a case the demo referred: its category and first report.
type madeCase struct{ id, category, report string }

const demoActor = "demo"

// handle plays the analysts over the reports received before
// cutoff, so that a demo store looks lived-in. It returns the reports
// decided and the cases made.
func (b *backlog) handle(ctx context.Context, cutoff time.Time, progress func(done int)) (decided, cases int, err error) {
	b.svc = casefile.NewService(b.db, b.tax, nil)
	byCampaign := map[int][]string{}
	var others []pendingReport
	f := triage.Filter{States: []triage.State{triage.StateNew}, To: cutoff, Limit: 500}
	for {
		got, err := b.db.Queue(ctx, f)
		if err != nil {
			return 0, 0, err
		}
		for _, it := range got {
			if k, ok := b.campaignOf[it.ID]; ok && k != demo.NoCampaign {
				byCampaign[k] = append(byCampaign[k], it.ID)
			} else {
				others = append(others, pendingReport{it.ID, it.Category})
			}
		}
		if len(got) < f.Limit {
			break
		}
		f.After = got[len(got)-1].Key()
	}

	campaigns := make([]int, 0, len(byCampaign))
	for k := range byCampaign {
		campaigns = append(campaigns, k)
	}
	slices.Sort(campaigns)
	for _, k := range campaigns {
		ids := byCampaign[k]
		category := "fraud.scam"
		if len(ids) > 0 {
			if r, err := b.db.ReportByID(ctx, ids[0]); err == nil {
				category = r.Category
			}
		}
		summary := fmt.Sprintf("%d victimes citent les mêmes identifiants (recoupement automatique).", len(ids))
		if err := b.referCase(ctx, b.gen.CampaignTitle(k), ids, category, summary, demoDepartements[k%len(demoDepartements)]); err != nil {
			return decided, cases, err
		}
		cases++
		if progress != nil {
			progress(cases)
		}
	}

	// The other reports, in pages so that each decision is one transaction
	// over many reports.
	for lo := 0; lo < len(others); lo += 5000 {
		page := others[lo:min(lo+5000, len(others))]
		var rest []pendingReport
		for i, o := range page {
			grave := strings.HasPrefix(o.category, "minors.") || strings.HasPrefix(o.category, "terrorism.") || o.category == "violence.threat"
			if grave && (lo+i)%referEvery == 0 {
				cat, _ := b.tax.Lookup(o.category)
				if err := b.referCase(ctx, fmt.Sprintf("%s — signalement isolé", cat.Label.FR), []string{o.id}, o.category, "Contenu vérifié.", ""); err != nil {
					return decided, cases, err
				}
				cases++
				continue
			}
			rest = append(rest, o)
		}
		// Shares by position: each decision takes its slice of the page.
		from := 0
		for i, d := range otherDecisions {
			to := from + len(rest)*d.share/100
			if i == len(otherDecisions)-1 {
				to = len(rest)
			}
			part := rest[from:to]
			from = to
			if len(part) == 0 {
				continue
			}
			if d.state == triage.StateDuplicate {
				n, err := b.duplicates(ctx, rest, part)
				if err != nil {
					return decided, cases, err
				}
				decided += n
				continue
			}
			ids := make([]string, len(part))
			for j, o := range part {
				ids[j] = o.id
			}
			n, err := b.db.Decide(ctx, ids, triage.Decision{State: d.state, Reason: d.reason}, demoActor, time.Now())
			if err != nil {
				return decided, cases, err
			}
			decided += n
		}
		if progress != nil {
			progress(cases + decided)
		}
	}
	return decided, cases, nil
}

// duplicates decides part as duplicates of the first report of the same
// category in the page; a report that is itself that first one is
// decided unfounded, as the page's first reports are.
func (b *backlog) duplicates(ctx context.Context, page, part []pendingReport) (int, error) {
	original := map[string]string{}
	for _, o := range page {
		if _, ok := original[o.category]; !ok {
			original[o.category] = o.id
		}
	}
	groups := map[string][]string{}
	var alone []string
	for _, o := range part {
		if original[o.category] == o.id {
			alone = append(alone, o.id)
			continue
		}
		groups[o.category] = append(groups[o.category], o.id)
	}
	decided := 0
	for category, ids := range groups {
		n, err := b.db.Decide(ctx, ids, triage.Decision{State: triage.StateDuplicate, Reason: "déjà signalé", DuplicateOf: original[category]}, demoActor, time.Now())
		if err != nil {
			return decided, err
		}
		decided += n
	}
	if len(alone) > 0 {
		n, err := b.db.Decide(ctx, alone, triage.Decision{State: otherDecisions[0].state, Reason: otherDecisions[0].reason}, demoActor, time.Now())
		if err != nil {
			return decided, err
		}
		decided += n
	}
	return decided, nil
}

// referCase makes a case of ids, qualifies it, and refers it where the
// routing rules send it, as an analyst following the proposal would.
func (b *backlog) referCase(ctx context.Context, title string, ids []string, category, summary, departement string) error {
	c, err := b.svc.Create(ctx, title, ids, demoActor)
	if err != nil {
		return fmt.Errorf("demo case %q: %w", title, err)
	}
	cat, _ := b.tax.Lookup(category)
	legal := cat.Legal
	if len(legal) > 1 {
		legal = legal[:1]
	}
	priority := "normal"
	if cat.UrgentDefault {
		priority = "high"
	}
	if _, err := b.svc.Qualify(ctx, c.ID, category, legal, summary, priority, demoActor); err != nil {
		return fmt.Errorf("demo case %q: qualify: %w", title, err)
	}
	if departement != "" {
		known := func(d string) bool { return slices.Contains(destination.Departements, d) }
		if c, err = b.svc.SetFacts(ctx, c.ID, departement, "", demoActor, known); err != nil {
			return fmt.Errorf("demo case %q: facts: %w", title, err)
		}
	}
	p, err := b.rules.Propose(routing.Facts{Category: category, VictimDepartement: departement}, b.registry)
	if err != nil {
		return err
	}
	choices := make([]casefile.ReferralChoice, 0, len(p.Destinations))
	for _, dest := range p.Destinations {
		rule := ""
		for _, f := range p.Fired {
			if slices.Contains(f.Destinations, dest) {
				rule = f.Rule
				break
			}
		}
		choices = append(choices, casefile.ReferralChoice{Destination: dest, Rule: rule, AckWithin: 72 * time.Hour, Delivered: true})
	}
	if _, err := b.svc.Refer(ctx, c.ID, choices, p.Destinations, "", demoActor); err != nil {
		return fmt.Errorf("demo case %q: refer: %w", title, err)
	}
	b.made = append(b.made, madeCase{id: c.ID, category: category, report: ids[0]})
	return nil
}
