package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/destination"
	"github.com/vigie-platform/vigie/geo/geotest"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/routing"
	"github.com/vigie-platform/vigie/sqlite"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/triage"
)

func TestCommandsHelpAndErrors(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"migrate", "--help"}, {"token", "--help"}, {"token", "create", "--help"}, {"version", "--help"}, {"bench", "--help"}} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), args, strings.NewReader(""), &out, &errOut, noEnv)
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%v: %v", args, err)
		}
		if out.Len()+errOut.Len() == 0 {
			t.Errorf("%v printed no help", args)
		}
	}
	for _, args := range [][]string{{}, {"nope"}, {"token", "create"}, {"token", "create", "--name", "bad name!"}, {"serve", "--db", "mysql://x"}, {"token", "frobnicate"}} {
		err := run(context.Background(), args, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, noEnv)
		if err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
	if v := vigie(t, "version"); !strings.HasPrefix(v, "vigie ") {
		t.Errorf("version: %q", v)
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string {
		return map[string]string{"VIGIE_DATA": dir}[k]
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, strings.NewReader(""), &out, &bytes.Buffer{}, env); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^sqlite schema at version [1-9][0-9]*\n$`).MatchString(out.String()) {
		t.Errorf("migrate: %q", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "vigie.db")); err != nil {
		t.Errorf("VIGIE_DATA not honoured: %v", err)
	}
	bad := func(k string) string { return map[string]string{"VIGIE_FORM_RATE": "lots"}[k] }
	err := run(context.Background(), []string{"serve", "--data", dir}, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, bad)
	if err == nil || !strings.Contains(err.Error(), "VIGIE_FORM_RATE") {
		t.Errorf("bad environment value: %v", err)
	}
}

func TestTokenCommands(t *testing.T) {
	forEachStore(t, func(t *testing.T, storeArgs []string) {
		tok := strings.TrimSpace(vigie(t, append([]string{"token", "create", "--name", "pharos-partner", "--rate", "7"}, storeArgs...)...))
		if !strings.HasPrefix(tok, "vgt_") {
			t.Fatalf("token = %q", tok)
		}
		list := vigie(t, append([]string{"token", "list"}, storeArgs...)...)
		if !strings.Contains(list, "pharos-partner") || !strings.Contains(list, "reports:write") || strings.Contains(list, tok) {
			t.Errorf("list:\n%s", list)
		}
		err := run(context.Background(), append([]string{"token", "create", "--name", "pharos-partner"}, storeArgs...), strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, noEnv)
		if err == nil {
			t.Error("duplicate name accepted")
		}
		vigie(t, append([]string{"token", "revoke", "--name", "pharos-partner"}, storeArgs...)...)
		listed := false
		for _, line := range strings.Split(vigie(t, append([]string{"token", "list"}, storeArgs...)...), "\n") {
			if f := strings.Fields(line); len(f) == 5 && f[0] == "pharos-partner" {
				listed = true
				if _, err := time.Parse(time.RFC3339, f[4]); err != nil {
					t.Errorf("revocation date not listed: %s", line)
				}
			}
		}
		if !listed {
			t.Error("revoked token missing from the list")
		}
	})
}

func TestCustomTaxonomyWithoutRecompiling(t *testing.T) {
	path := filepath.Join(t.TempDir(), "taxonomy.json")
	doc := `{"version":1,"categories":[{"code":"fraud.fake-shop","label":{"fr":"Faux magasin","en":"Fake shop"},"advice":{"fr":"Conseil","en":"Advice"},"legal":[],"urgent_default":false}]}`
	os.WriteFile(path, []byte(doc), 0o600)
	srv := startServer(t, []string{"--data", t.TempDir()}, "--taxonomy", path)
	if home := string(srv.do("GET", "/", "", nil, nil).body); !strings.Contains(home, "Faux magasin") || strings.Contains(home, "Escroquerie") {
		t.Error("home page does not show the configured taxonomy")
	}
	tok := srv.token("acme")
	ok := srv.do("POST", "/api/v1/reports", "application/json", strings.NewReader(`{"category":"fraud.fake-shop","description":"x"}`), bearer(tok))
	old := srv.do("POST", "/api/v1/reports", "application/json", strings.NewReader(`{"category":"fraud.scam","description":"x"}`), bearer(tok))
	if ok.status != 201 || old.status != 400 {
		t.Errorf("new category %d, removed category %d", ok.status, old.status)
	}
}

// Two instances on one PostgreSQL database share everything that matters:
// a report filed on one is followed up on the other, and a proof-of-work
// solution spent on one cannot be spent again on the other.
func TestTwoInstancesShareOnePostgres(t *testing.T) {
	storeArgs := pgStoreArgs(t, pgURLOrSkip(t))
	a := startServer(t, storeArgs)
	b := startServer(t, storeArgs)
	tok := a.token("shared", "--rate", "0")
	res := a.do("POST", "/api/v1/reports", "application/json", strings.NewReader(validReport), bearer(tok))
	if res.status != 201 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	ack := res.json(t)
	body, _ := json.Marshal(map[string]any{"receipt": ack["receipt"], "secret": ack["follow_up_secret"]})
	if fu := b.do("POST", "/api/v1/follow-up", "application/json", bytes.NewReader(body), nil); fu.status != 200 {
		t.Errorf("follow-up on the other instance: %d %s", fu.status, fu.body)
	}
	h := bearer(tok)
	h["Idempotency-Key"] = "cross"
	first := a.do("POST", "/api/v1/reports", "application/json", strings.NewReader(validReport), h)
	second := b.do("POST", "/api/v1/reports", "application/json", strings.NewReader(validReport), h)
	if first.json(t)["id"] != second.json(t)["id"] {
		t.Error("idempotency key not shared between instances")
	}

	// Both instances run a linker on the shared queue: every report must
	// be counted exactly once, whichever instance took it.
	const n = 120
	for i := range n {
		srvI := a
		if i%2 == 1 {
			srvI = b
		}
		body := `{"category":"fraud.scam","description":"virement ` + itoa(i) + ` sur FR14 2004 1010 0505 0001 3M02 606"}`
		if r := srvI.do("POST", "/api/v1/reports", "application/json", strings.NewReader(body), bearer(tok)); r.status != 201 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	reader := a.token("reader", "--scopes", "indicators:read")
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := b.do("GET", "/api/v1/indicators/iban/FR1420041010050500013M02606", "", nil, bearer(reader))
		if r.status == 200 {
			if c := r.json(t)["count"].(float64); c == n {
				break
			} else if c > n {
				t.Fatalf("count %v > %d: a report was linked twice", c, n)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not all linked: %d %s", r.status, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDemoCommand(t *testing.T) {
	dir := t.TempDir()
	out := vigie(t, "demo", "--reports", "600", "--seed", "3", "--data", dir, "--truth", filepath.Join(dir, "truth.csv"))
	if !strings.Contains(out, "600 reports") || !strings.Contains(out, "600 reports linked") {
		t.Fatalf("demo: %q", out)
	}
	db, err := sqlite.Open(context.Background(), dir, folderKeys(t, dir)...)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if n, _ := db.CountReports(ctx); n != 600 {
		t.Errorf("reports = %d", n)
	}
	visits, _ := db.Visits(ctx, time.Now().AddDate(-1, 0, -1), time.Now().AddDate(0, 0, 1))
	var total int64
	for _, v := range visits {
		total += v
	}
	if total < 600*35 || total > 600*45 {
		t.Errorf("visits = %d for 600 reports, want about 41 each (the articles' ratio)", total)
	}
	top, _ := db.TopIndicators(ctx, 50)
	shared := false
	for _, i := range top {
		if (i.Type == "iban" || i.Type == "phone") && i.Count >= 5 && i.Flagged == "" {
			shared = true
		}
	}
	if !shared {
		t.Errorf("no scam campaign reuses an IBAN or phone: %+v", top)
	}
	if pending, _ := db.UnlinkedCount(ctx); pending != 0 {
		t.Errorf("%d reports left unlinked", pending)
	}
	// The backlog before the last month is handled: every campaign's
	// victims in one case, titled by its identifiers and referred where the
	// routing rules send it; the rest decided; the last month waits.
	truth := readTruth(t, filepath.Join(dir, "truth.csv"))
	if len(truth) != 600 {
		t.Fatalf("ground truth has %d reports, want 600", len(truth))
	}
	rules, _ := routing.Default(destination.Default())
	referred, _ := db.ListCases(ctx, casefile.Filter{Status: casefile.StatusReferred, Limit: 500})
	if len(referred) == 0 {
		t.Fatal("no referred case in the demo")
	}
	campaignCases := 0
	for _, listed := range referred {
		c, err := db.CaseByID(ctx, listed.ID)
		if err != nil || len(c.Referrals) == 0 || len(c.LegalRefs) == 0 {
			t.Fatalf("demo case: %+v %v", c, err)
		}
		if strings.Contains(c.Title, "démonstration") || !strings.Contains(c.Title, " — ") {
			t.Errorf("case titled %q", c.Title)
		}
		// One campaign per case, all of it that came before the last month.
		campaigns := map[int]bool{}
		for _, id := range c.ReportIDs {
			campaigns[truth[id]] = true
		}
		if len(campaigns) != 1 {
			t.Errorf("case %q mixes campaigns %v", c.Title, campaigns)
		}
		if !campaigns[-1] {
			campaignCases++
		}
		// Referred where the rules send it.
		want, _ := rules.Propose(routing.Facts{Category: c.Category, VictimDepartement: c.VictimDepartement}, destination.Default())
		var got []string
		for _, r := range c.Referrals {
			got = append(got, r.Destination)
		}
		slices.Sort(got)
		slices.Sort(want.Destinations)
		if !slices.Equal(got, want.Destinations) {
			t.Errorf("case %q (%s) referred to %v, rules say %v", c.Title, c.Category, got, want.Destinations)
		}
	}
	if campaignCases == 0 {
		t.Error("no campaign case")
	}
	open, _ := db.Queue(ctx, triage.Filter{Limit: 500})
	if len(open) < 20 || len(open) > 100 {
		t.Errorf("%d reports waiting for 600 over a year, want about a month's worth", len(open))
	}
	for _, it := range open {
		if it.CreatedAt.Before(time.Now().AddDate(0, -1, -1)) {
			t.Errorf("report of %s left in the queue", it.CreatedAt)
			break
		}
	}
	// No campaign victim is decided on alone (the review found 32 victims
	// of one IBAN campaign decided unfounded).
	for _, state := range []triage.State{triage.StateUnfounded, triage.StateNotCompetent, triage.StateDuplicate} {
		decided, _ := db.Queue(ctx, triage.Filter{States: []triage.State{state}, Limit: 500})
		if len(decided) == 0 {
			t.Errorf("no report decided %s", state)
		}
		for _, it := range decided {
			if truth[it.ID] != -1 {
				t.Errorf("a victim of campaign %d was decided %s", truth[it.ID], state)
				break
			}
		}
	}

	// Removal notices through their lifecycle on the referred cases with
	// URLs (never minors.*), and the oversight's batches: what the feeds
	// serve is the approved requests still live.
	if !strings.Contains(out, "removal notices") {
		t.Errorf("demo output says nothing of notices: %q", out)
	}
	statuses := map[string]int{}
	overdue := 0
	for _, listed := range referred {
		ns, err := db.CaseNotices(ctx, listed.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			statuses[n.Status]++
			if strings.HasPrefix(n.Category, "minors.") {
				t.Errorf("a notice on a minors case: %+v", n)
			}
			if n.Status == removal.StatusStillOnline && n.Overdue(time.Now()) {
				overdue++
			}
			if !n.NextCheckAt.IsZero() || n.MailedAt.IsZero() || !strings.HasSuffix(n.Recipient, ".example") {
				t.Errorf("a demo notice could be checked or mailed: %+v", n)
			}
		}
	}
	if statuses[removal.StatusRemoved] == 0 || statuses[removal.StatusEscalated] == 0 || overdue == 0 {
		t.Errorf("notices by status %v, %d overdue: want removed, overdue and escalated ones", statuses, overdue)
	}
	requests, _ := db.BlockingRequests(ctx, blocking.Filter{})
	byState, live, thisWeek := map[string]int{}, 0, 0
	for _, r := range requests {
		byState[r.State]++
		if r.Live(time.Now(), 48*time.Hour) {
			live++
		}
		if r.State == blocking.StatePending && r.Batch == blocking.BatchOf(time.Now()) {
			thisWeek++
		}
		if r.State != blocking.StatePending && (r.ReviewedBy == "" || r.Batch >= blocking.BatchOf(time.Now())) {
			t.Errorf("a reviewed request without a reviewer, or of this week: %+v", r)
		}
		if r.State == blocking.StateRefused && r.ReviewReason == "" {
			t.Errorf("a refusal without a reason: %+v", r)
		}
	}
	if thisWeek == 0 || byState[blocking.StateApproved] == 0 || byState[blocking.StateRefused] == 0 || live == 0 {
		t.Errorf("requests by state %v, %d pending this week, %d live: want each, and approved ones for the feeds", byState, thisWeek, live)
	}

	// A second run on the same store is refused unless asked for.
	err = run(context.Background(), []string{"demo", "--reports", "10", "--data", dir}, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, noEnv)
	if err == nil || !strings.Contains(err.Error(), "--append") {
		t.Errorf("a second demo on the same store: %v", err)
	}
	if n, _ := db.CountReports(ctx); n != 600 {
		t.Errorf("the refused run added reports: %d", n)
	}
	vigie(t, "demo", "--reports", "10", "--append", "--handle-backlog=false", "--data", dir)
	if n, _ := db.CountReports(ctx); n != 610 {
		t.Errorf("--append: %d reports, want 610", n)
	}
}

// readTruth reads the demo's ground truth: report id → campaign.
func readTruth(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "report_id,receipt,campaign" {
		t.Fatalf("truth header: %v", rows)
	}
	out := map[string]int{}
	for _, r := range rows[1:] {
		k, err := strconv.Atoi(r[2])
		if err != nil || !strings.HasPrefix(r[1], "VG-") {
			t.Fatalf("truth row %v", r)
		}
		out[r[0]] = k
	}
	return out
}

func TestAuditVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	vigie(t, "token", "create", "--name", "a", "--data", dir)
	vigie(t, "token", "create", "--name", "b", "--data", dir)
	vigie(t, "token", "revoke", "--name", "a", "--data", dir)
	if out := vigie(t, "audit", "verify", "--data", dir); !strings.Contains(out, "intact: 3 entries") {
		t.Fatalf("verify: %q", out)
	}
	// An administrator edits the database by hand.
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET object_id = 'c' WHERE seq = 2`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	err = run(context.Background(), []string{"audit", "verify", "--data", dir}, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, noEnv)
	if err == nil || !strings.Contains(err.Error(), "entry 2") {
		t.Fatalf("tampered trail: %v", err)
	}
}

func TestUserCommands(t *testing.T) {
	forEachStore(t, func(t *testing.T, storeArgs []string) {
		link := strings.TrimSpace(vigie(t, append([]string{"user", "add", "--email", "Ana@Vigie.test", "--role", "analyst", "--base-url", "https://vigie.example/"}, storeArgs...)...))
		if !regexp.MustCompile(`^https://vigie\.example/w/enrol/[A-Za-z0-9_-]{43}$`).MatchString(link) {
			t.Fatalf("activation link %q", link)
		}
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"user", "add", "--email", "ops@vigie.test", "--role", "admin", "--password-stdin"}, storeArgs...),
			strings.NewReader("a long admin passphrase\n"), &out, &bytes.Buffer{}, noEnv)
		if err != nil || !regexp.MustCompile(`^[A-Z2-7]{16,}\n$`).MatchString(out.String()) {
			t.Fatalf("--password-stdin: %q %v", out.String(), err)
		}
		// A new link for an account not yet active; none for an active one.
		again := strings.TrimSpace(vigie(t, append([]string{"user", "link", "--email", "ana@vigie.test", "--base-url", "https://vigie.example"}, storeArgs...)...))
		if !regexp.MustCompile(`^https://vigie\.example/w/enrol/[A-Za-z0-9_-]{43}$`).MatchString(again) || again == link {
			t.Fatalf("second activation link %q (first %q)", again, link)
		}
		if err := run(context.Background(), append([]string{"user", "link", "--email", "ops@vigie.test"}, storeArgs...), strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, noEnv); err == nil || !strings.Contains(err.Error(), "already active") {
			t.Errorf("a link for an active account: %v", err)
		}
		for _, weak := range []string{"password1234", "aaaaaaaaaaaa", "123456789012", "azertyuiop12"} {
			err := run(context.Background(), append([]string{"user", "add", "--email", "w@vigie.test", "--role", "analyst", "--password-stdin"}, storeArgs...),
				strings.NewReader(weak+"\n"), &bytes.Buffer{}, &bytes.Buffer{}, noEnv)
			if err == nil || !strings.Contains(err.Error(), "too easy to guess") {
				t.Errorf("weak password %q: %v", weak, err)
			}
		}
		for _, bad := range [][]string{
			{"user", "link", "--email", "nobody@vigie.test"},
			{"user", "add", "--email", "x@vigie.test", "--role", "root"},
			{"user", "add", "--email", "not-an-address", "--role", "analyst"},
			{"user", "add", "--email", "ana@vigie.test", "--role", "analyst"},
			{"user", "add", "--email", "d@vigie.test", "--role", "destination"},
			{"user", "disable", "--email", "nobody@vigie.test"},
			{"user", "frobnicate"},
		} {
			if err := run(context.Background(), append(bad, storeArgs...), strings.NewReader("short\n"), &bytes.Buffer{}, &bytes.Buffer{}, noEnv); err == nil {
				t.Errorf("%v succeeded", bad)
			}
		}
		if err := run(context.Background(), append([]string{"user", "add", "--email", "p@vigie.test", "--role", "analyst", "--password-stdin"}, storeArgs...),
			strings.NewReader("short\n"), &bytes.Buffer{}, &bytes.Buffer{}, noEnv); err == nil || !strings.Contains(err.Error(), "too short") {
			t.Errorf("short password: %v", err)
		}
		vigie(t, append([]string{"user", "disable", "--email", "ana@vigie.test"}, storeArgs...)...)
		states := map[string]string{}
		for _, line := range strings.Split(vigie(t, append([]string{"user", "list"}, storeArgs...)...), "\n")[1:] {
			if f := strings.Fields(line); len(f) == 5 {
				states[f[0]] = f[1] + " " + f[3]
			}
		}
		if states["ana@vigie.test"] != "analyst disabled" || states["ops@vigie.test"] != "admin active" || len(states) != 2 {
			t.Errorf("user list: %v", states)
		}
		audit := vigie(t, append([]string{"audit", "verify"}, storeArgs...)...)
		if !strings.Contains(audit, "4 entries") { // two additions, a link, a disable
			t.Errorf("user acts not audited: %q", audit)
		}
	})
}

// TestAuditAnchorCatchesTruncation: cutting off the newest entries (and
// their hashes in the tree) leaves a valid chain and tree, which only
// what was written down elsewhere can show: an anchor, or a signed
// checkpoint (TestAuditCheckpointsCatchTampering).
func TestAuditAnchorCatchesTruncation(t *testing.T) {
	dir := t.TempDir()
	anchor := filepath.Join(t.TempDir(), "audit-anchors.txt")
	vigie(t, "token", "create", "--name", "a", "--data", dir)
	vigie(t, "token", "create", "--name", "b", "--data", dir)
	if out := vigie(t, "audit", "verify", "--data", dir, "--anchor", anchor); !strings.Contains(out, "0 anchors checked") {
		t.Fatalf("first anchored run: %q", out)
	}
	vigie(t, "token", "create", "--name", "c", "--data", dir)
	if out := vigie(t, "audit", "verify", "--data", dir, "--anchor", anchor); !strings.Contains(out, "intact: 3 entries") || !strings.Contains(out, "1 anchors checked") {
		t.Fatalf("second anchored run: %q", out)
	}
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	// The intruder cuts the tree's hashes of entry 3 too (from index 3,
	// tlog.StoredHashCount(2)): cutting the entry alone is caught by the
	// stored tree.
	for _, q := range []string{`DROP TRIGGER audit_log_no_delete`, `DROP TRIGGER audit_tree_no_delete`, `DELETE FROM audit_log WHERE seq = 3`, `DELETE FROM audit_tree WHERE idx >= 3`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	if out := vigie(t, "audit", "verify", "--data", dir); !strings.Contains(out, "intact: 2 entries") {
		t.Fatalf("without an anchor the cut trail looks whole: %q", out)
	}
	err = run(context.Background(), []string{"audit", "verify", "--data", dir, "--anchor", anchor}, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, noEnv)
	if err == nil || !strings.Contains(err.Error(), "removed from the end") {
		t.Fatalf("truncated trail with an anchor: %v", err)
	}
	os.WriteFile(anchor, []byte("garbage\n"), 0o600)
	if err := run(context.Background(), []string{"audit", "verify", "--data", dir, "--anchor", anchor}, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, noEnv); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("bad anchor file: %v", err)
	}
}

// TestRouteExplain: the rules, the hosting facts from a tiny GeoIP
// database (URLs with IP addresses: no DNS in tests), and the reason of
// each rule that fires.
func TestRouteExplain(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	countryDB, asnDB := geotest.Write(t, []geotest.Network{{CIDR: "198.51.100.0/24", Country: "NL", ASN: 64500, Org: "Offshore Hosting BV"}})
	db, err := sqlite.Open(ctx, dir, folderKeys(t, dir)...)
	if err != nil {
		t.Fatal(err)
	}
	intake := report.NewIntake(db, db, taxonomy.Default(), []byte("k"), nil)
	ack, err := intake.Submit(ctx, report.Submission{Category: "minors.abuse-material", Description: "forum", URLs: []string{"http://198.51.100.20/board"},
		Anonymous: true, Channel: report.ChannelWeb})
	if err != nil {
		t.Fatal(err)
	}
	svc := casefile.NewService(db, taxonomy.Default(), nil)
	c, err := svc.Create(ctx, "Forum à l'étranger", []string{ack.ID}, "ana")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	out := vigie(t, "route", "explain", c.ID, "--data", dir, "--geoip-country", countryDB, "--geoip-asn", asnDB)
	for _, want := range []string{"category=minors.abuse-material", "host 198.51.100.20 ip=198.51.100.20 country=NL asn=64500 Offshore Hosting BV",
		"rule child-abuse-hosted-abroad fires → hotline-abroad, interpol", "proposed: hotline-abroad, interpol"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	var p struct {
		Destinations []string `json:"destinations"`
		Fired        []struct{ Rule, Reason string }
	}
	if err := json.Unmarshal([]byte(vigie(t, "route", "explain", c.ID, "--json", "--data", dir)), &p); err != nil {
		t.Fatal(err)
	}
	// Without the GeoIP databases the host's country is unknown: the case goes to the minors office.
	if len(p.Destinations) != 1 || p.Destinations[0] != "ofmin" || p.Fired[0].Reason == "" {
		t.Errorf("without geo: %+v", p)
	}
	bad := filepath.Join(t.TempDir(), "rules.json")
	os.WriteFile(bad, []byte(`{"version":1,"rules":[{"name":"broken","when":"Category ==","route":["ofac"],"reason":"r"}]}`), 0o600)
	err = run(ctx, []string{"route", "explain", c.ID, "--data", dir, "--routing-rules", bad}, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, noEnv)
	if err == nil || !strings.Contains(err.Error(), "rule 1 (broken): when:") {
		t.Errorf("broken rules: %v", err)
	}
	if err := run(ctx, []string{"route", "explain", "nope", "--data", dir}, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, noEnv); err == nil {
		t.Error("unknown case explained")
	}
}

func TestPurgeCommand(t *testing.T) {
	forEachStore(t, func(t *testing.T, storeArgs []string) {
		// A demo store holds a year of reports; a taxonomy keeping scams
		// 30 days makes most of them expire.
		vigie(t, append([]string{"demo", "--reports", "300", "--handle-backlog=false"}, storeArgs...)...)
		tax := taxonomy.Default()
		doc := struct {
			Version    int                 `json:"version"`
			Categories []taxonomy.Category `json:"categories"`
		}{Version: 1}
		for _, c := range tax.Categories() {
			if c.Code == "fraud.scam" {
				c.RetentionDays = 30
			}
			doc.Categories = append(doc.Categories, c)
		}
		path := filepath.Join(t.TempDir(), "taxonomy.json")
		b, _ := json.Marshal(doc)
		os.WriteFile(path, b, 0o600)
		dry := vigie(t, append([]string{"purge", "--dry-run", "--taxonomy", path}, storeArgs...)...)
		if !regexp.MustCompile(`fraud\.scam: would purge [1-9][0-9]* reports older than 30 days`).MatchString(dry) {
			t.Fatalf("dry run:\n%s", dry)
		}
		out := vigie(t, append([]string{"purge", "--taxonomy", path}, storeArgs...)...)
		if !regexp.MustCompile(`purged [1-9][0-9]* reports in all`).MatchString(out) {
			t.Fatalf("purge:\n%s", out)
		}
		if again := vigie(t, append([]string{"purge", "--taxonomy", path}, storeArgs...)...); !strings.Contains(again, "purged 0 reports in all") {
			t.Errorf("second purge:\n%s", again)
		}
		if v := vigie(t, append([]string{"audit", "verify"}, storeArgs...)...); !strings.Contains(v, "intact") {
			t.Errorf("audit after purge: %s", v)
		}
	})
}

// TestBenchmarksScaledDown runs the 1-million-report benchmarks on a few
// thousand reports, so that CI keeps them working; the figures themselves
// are measured outside CI (BENCHMARKS.md).
func TestBenchmarksScaledDown(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmarks")
	}
	ws := vigie(t, "bench", "workspace", "--reports", "3000", "--samples", "5", "--data", t.TempDir())
	for _, want := range []string{"store=sqlite reports=3000", "baseline: signed-in request", "p50/baseline=", "queue, first page", "search, common words", "statistics, a year per month", "report page"} {
		if !strings.Contains(ws, want) {
			t.Errorf("bench workspace lacks %q:\n%s", want, ws)
		}
	}
	al := vigie(t, "bench", "alerts", "--background", "300", "--runs", "1", "--gap", "10ms", "--interval", "1s", "--data", t.TempDir())
	if !strings.Contains(al, "run 1: alert") || !strings.Contains(al, "alert_delay_p50_s=") {
		t.Errorf("bench alerts:\n%s", al)
	}
	co := vigie(t, "bench", "correlate", "--reports", "2000", "--hot", "200", "--samples", "20", "--data", t.TempDir())
	for _, want := range []string{"rebuild: 2000 reports", "link one new report: p50=", "related reports, pages of 100"} {
		if !strings.Contains(co, want) {
			t.Errorf("bench correlate lacks %q:\n%s", want, co)
		}
	}
}

// A bad diagnosis or installation file stops the server at start, with
// the file and the element at fault named.
func TestServeRefusesBadDoorFiles(t *testing.T) {
	dir := t.TempDir()
	diag := filepath.Join(dir, "diagnosis.json")
	os.WriteFile(diag, []byte(`{"version":1,"doors":[{"id":"here","kind":"report","name":{"fr":"Ici","en":"Here"},"explanation":{"fr":"x","en":"x"}}],"rules":[{"when":{},"door":"there"}]}`), 0o600)
	inst := filepath.Join(dir, "installation.json")
	os.WriteFile(inst, []byte(`{"version":1,"frame_ancestors":["https://a.example.fr; script-src *"]}`), 0o600)
	for flag, want := range map[string]string{"--diagnosis=" + diag: `rule 0 (to "there"): no door "there"`, "--installation=" + inst: "frame_ancestors"} {
		err := run(context.Background(), []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", flag}, strings.NewReader(""), io.Discard, io.Discard, noEnv)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s: %v, want an error naming the file and saying %q", flag, err, want)
		}
	}
}
