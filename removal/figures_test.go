package removal_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/removal"
)

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 10; i++ {
		ds = append(ds, time.Duration(i)*time.Minute)
	}
	for _, tc := range []struct {
		ds   []time.Duration
		p    float64
		want time.Duration
	}{
		{ds, 50, 5 * time.Minute}, {ds, 90, 9 * time.Minute}, {ds, 100, 10 * time.Minute}, {ds, 1, time.Minute},
		{ds[:1], 90, time.Minute}, {ds[:3], 50, 2 * time.Minute}, {nil, 50, 0},
	} {
		if got := removal.Percentile(tc.ds, tc.p); got != tc.want {
			t.Errorf("p%v of %d values = %v, want %v", tc.p, len(tc.ds), got, tc.want)
		}
	}
}

// notices makes a year of notices whose outcome the test knows.
func yearNotices() []removal.Notice {
	jan := time.Date(2026, 1, 1, 0, 30, 0, 0, time.UTC) // 1:30 in Paris: 2026
	mk := func(id, kind, recipient, host, category, network, status string, sent time.Time, removedAfter time.Duration) removal.Notice {
		n := removal.Notice{ID: id, Kind: kind, Recipient: recipient, Host: host, Category: category, Network: network, Status: status, SentAt: sent}
		if removedAfter > 0 {
			n.RemovedAt = sent.Add(removedAfter)
		}
		return n
	}
	return []removal.Notice{
		mk("1", "removal-order", "abuse@ovh.net", "abuse@ovh.net", "terrorism.propaganda", "AS16276 OVH SAS", removal.StatusRemoved, jan, 30*time.Minute),
		mk("2", "removal-order", "abuse@ovh.net", "abuse@ovh.net", "terrorism.propaganda", "AS16276 OVH SAS", removal.StatusRemoved, jan.Add(time.Hour), 3*time.Hour),
		mk("3", "removal-order", "abuse@ovh.net", "abuse@ovh.net", "terrorism.propaganda", "AS16276 OVH SAS", removal.StatusEscalated, jan.Add(2*time.Hour), 30*time.Hour),
		mk("4", "removal-order", "", "=HYPERLINK(\"x\")", "terrorism.propaganda", "", removal.StatusSent, jan.Add(3*time.Hour), 0),
		mk("5", "notice", "abuse@Hetzner.de", "abuse@Hetzner.de", "fraud.scam", "AS24940 Hetzner", removal.StatusStillOnline, jan.Add(4*time.Hour), 0),
		mk("6", "administrative", "abuse@hetzner.de", "abuse@hetzner.de", "minors.abuse-material", "AS24940 Hetzner", removal.StatusEscalated, jan.Add(5*time.Hour), 0),
	}
}

func TestRemovalTimesPerHostAndNetwork(t *testing.T) {
	all, hosts := removal.RemovalTimes(yearNotices(), removal.Provider)
	if all.Notices != 6 || all.Removed != 3 || all.Median != 3*time.Hour || all.P90 != 30*time.Hour {
		t.Errorf("all: %+v", all)
	}
	if len(hosts) != 3 || hosts[0].Key != "ovh.net" || hosts[0].Notices != 3 || hosts[0].Removed != 3 || hosts[0].Median != 3*time.Hour ||
		hosts[1].Key != "hetzner.de" || hosts[1].Notices != 2 || hosts[1].Removed != 0 {
		t.Errorf("per host: %+v", hosts)
	}
	_, nets := removal.RemovalTimes(yearNotices(), removal.Network)
	if len(nets) != 2 || nets[0].Key != "AS16276 OVH SAS" || nets[0].P90 != 30*time.Hour {
		t.Errorf("per network (the untraced left out): %+v", nets)
	}
}

func TestYearReport(t *testing.T) {
	from, to := removal.YearBounds(2026)
	if !from.Equal(time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC)) || !to.Equal(time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("Paris year 2026: %v – %v", from, to)
	}
	r := removal.Report(2026, yearNotices())
	if r.Notices != 6 || r.ByAction[removal.ActionRemoved] != 2 || r.ByAction[removal.ActionEscalated] != 2 ||
		r.ByAction[removal.ActionStillOnline] != 1 || r.ByAction[removal.ActionPending] != 1 {
		t.Errorf("by action: %v", r.ByAction)
	}
	o := r.Orders
	if o.Orders != 4 || o.Removed != 3 || o.WithinHour != 1 || o.Median != 3*time.Hour || o.P90 != 30*time.Hour || o.By[removal.ActionEscalated] != 1 || o.By[removal.ActionPending] != 1 {
		t.Errorf("removal orders: %+v", o)
	}
	if len(r.ByCategory) != 3 || r.ByCategory[0].Key != "terrorism.propaganda" || r.ByCategory[0].Notices != 4 {
		t.Errorf("by category: %+v", r.ByCategory)
	}

	var b bytes.Buffer
	if err := r.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Count(b.String(), "\r\n") != strings.Count(b.String(), "\n") {
		t.Errorf("records do not all end with CRLF:\n%q", b.String())
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, rec := range recs[1:] {
		rows[rec[0]+"/"+rec[1]] = rec
	}
	if got := rows["total/2026"]; strings.Join(got[2:7], ",") != "6,2,2,1,1" {
		t.Errorf("total row %v", got)
	}
	if got := rows["removal-orders/removal-order"]; strings.Join(got[2:], ",") != "4,2,1,0,1,1,10800,108000" {
		t.Errorf("orders row %v", got)
	}
	if _, ok := rows["provider/'=HYPERLINK(\"x\")"]; !ok {
		t.Errorf("a formula-like provider is not kept as text: %v", rows)
	}
}
