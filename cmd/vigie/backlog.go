package main

import (
	"context"
	"fmt"
	"time"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/storage"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/triage"
)

// demoDestinations are where demo cases go, in rough proportion to the
// articles' first year (many more abroad than in France).
var demoDestinations = []string{"interpol", "interpol", "interpol", "interpol", "ofac-fraud", "ofmin", "local-police-75"}

// handleBacklog plays the analysts over the reports received before
// cutoff, so that a demo or benchmark store looks lived-in: in each page
// of 5,000, 200 reports go into twenty cases (qualified and referred), the
// rest are decided (mostly unfounded, some duplicates, some not competent).
// It returns the reports decided and the cases made.
func handleBacklog(ctx context.Context, db storage.Store, tax *taxonomy.Taxonomy, cutoff time.Time, progress func(done int)) (decided, cases int, err error) {
	svc := casefile.NewService(db, tax, nil)
	const actor = "demo"
	page := 0
	for {
		// Gather up to 5,000 reports, so that each decision is one
		// transaction over many reports.
		var items []triage.Item
		f := triage.Filter{States: []triage.State{triage.StateNew}, To: cutoff, Limit: 500}
		for len(items) < 5000 {
			got, err := db.Queue(ctx, f)
			if err != nil {
				return decided, cases, err
			}
			items = append(items, got...)
			if len(got) < f.Limit {
				break
			}
			f.After = got[len(got)-1].Key()
		}
		if len(items) == 0 {
			return decided, cases, nil
		}
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = it.ID
		}
		grouped := min(200, len(ids)/25) / 10 * 10
		for lo := 0; lo < grouped; lo += 10 {
			c, err := svc.Create(ctx, fmt.Sprintf("Dossier de démonstration %d-%d", page, lo/10), ids[lo:lo+10], actor)
			if err != nil {
				return decided, cases, err
			}
			category := items[lo].Category
			cat, _ := tax.Lookup(category)
			legal := cat.Legal
			if len(legal) > 1 {
				legal = legal[:1]
			}
			if _, err := svc.Qualify(ctx, c.ID, category, legal, "Faits recoupés par identifiants communs.", "normal", actor); err != nil {
				return decided, cases, err
			}
			dest := demoDestinations[(page+lo)%len(demoDestinations)]
			choice := casefile.ReferralChoice{Destination: dest, Reason: "démonstration", AckWithin: 72 * time.Hour, Delivered: true}
			if _, err := svc.Refer(ctx, c.ID, []casefile.ReferralChoice{choice}, []string{dest}, "", actor); err != nil {
				return decided, cases, err
			}
			cases++
		}
		rest := ids[grouped:]
		for i, d := range []triage.Decision{
			{State: triage.StateUnfounded, Reason: "aucune infraction caractérisée"},
			{State: triage.StateDuplicate, Reason: "déjà signalé", DuplicateOf: ids[0]},
			{State: triage.StateNotCompetent, Reason: "relève d'un autre service"},
		} {
			share := rest[:len(rest)*[]int{8, 9, 10}[i]/10]
			if i > 0 {
				share = share[len(rest)*[]int{8, 9}[i-1]/10:]
			}
			n, err := db.Decide(ctx, share, d, actor, time.Now())
			if err != nil {
				return decided, cases, err
			}
			decided += n
		}
		page++
		if progress != nil && page%20 == 0 {
			progress(decided)
		}
	}
}
