package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"strings"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/destination"
	"github.com/vigie-platform/vigie/geo"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/routing"
)

// routingFlags are the routing configuration shared by serve and route.
type routingFlags struct {
	destinations, rules, geoCountry, geoASN string
}

func (f *routingFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.destinations, "destinations", "", "destinations file (JSON) replacing the embedded registry")
	fs.StringVar(&f.rules, "routing-rules", "", "routing rules file (JSON, conditions in the expr language) replacing the embedded rules")
	fs.StringVar(&f.geoCountry, "geoip-country", "", "MaxMind-format country database (e.g. GeoLite2-Country.mmdb) for hosting facts")
	fs.StringVar(&f.geoASN, "geoip-asn", "", "MaxMind-format ASN database (e.g. GeoLite2-ASN.mmdb) for hosting facts")
}

type loadedRouting struct {
	registry *destination.Registry
	rules    *routing.Rules
	gatherer routing.Gatherer
	close    func()
}

func (f *routingFlags) load() (loadedRouting, error) {
	lr := loadedRouting{close: func() {}}
	var err error
	if lr.registry, err = destination.Load(f.destinations); err != nil {
		return lr, err
	}
	if lr.rules, err = routing.Load(f.rules, lr.registry); err != nil {
		return lr, err
	}
	if f.geoCountry != "" || f.geoASN != "" {
		m, err := geo.Open(f.geoCountry, f.geoASN)
		if err != nil {
			return lr, err
		}
		// Host names are resolved only when hosting facts can be used.
		lr.gatherer = routing.Gatherer{Locator: m, Resolver: net.DefaultResolver}
		lr.close = func() { m.Close() }
	}
	return lr, nil
}

func runRoute(ctx context.Context, e env, args []string) error {
	return runSubcommand(ctx, e, "route", "Usage: vigie route explain CASE_ID [flags]\n\n  explain  show the facts of a case, which routing rules fire and why, and\n           the destinations they propose (nothing is sent)",
		"explain", map[string]storeSubcommand{"explain": routeExplain}, args)
}

func routeExplain(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, rest []string) error {
	var rf routingFlags
	rf.register(fs)
	asJSON := fs.Bool("json", false, "print the proposal as JSON")
	var caseID string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		caseID, rest = rest[0], rest[1:]
	}
	if err := parseFlags(fs, e, rest); err != nil {
		return err
	}
	if caseID == "" {
		return errors.New("route explain: give a case id")
	}
	routes, err := rf.load()
	if err != nil {
		return err
	}
	defer routes.close()
	db, _, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := db.CaseByID(ctx, caseID)
	if errors.Is(err, casefile.ErrNotFound) {
		return fmt.Errorf("no case %q", caseID)
	}
	if err != nil {
		return err
	}
	var reports []report.Report
	for _, id := range c.ReportIDs {
		r, err := db.ReportByID(ctx, id)
		if err != nil {
			return err
		}
		reports = append(reports, r)
	}
	p, err := routes.rules.Propose(routes.gatherer.Facts(ctx, c, reports), routes.registry)
	if err != nil {
		return err
	}
	if err := auditCLI(ctx, db, "case.route.explain", "case", c.ID, nil); err != nil {
		return fmt.Errorf("not audited: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	f := p.Facts
	fmt.Fprintf(e.stdout, "case %s: %s\n", c.ID, c.Title)
	fmt.Fprintf(e.stdout, "facts: category=%s urgent=%v victim_departement=%q reporter_country=%q amount_lost=%.2f hosted_abroad=%v\n",
		f.Category, f.Urgent, f.VictimDepartement, f.ReporterCountry, f.AmountLost, f.HostedAbroad)
	for _, h := range f.Hosts {
		fmt.Fprintf(e.stdout, "  host %s ip=%s country=%s asn=%d %s\n", h.Name, h.IP, h.Country, h.ASN, h.Org)
	}
	if len(p.Fired) == 0 {
		fmt.Fprintln(e.stdout, "no rule fires")
	}
	for _, fired := range p.Fired {
		fmt.Fprintf(e.stdout, "rule %s fires → %s\n  %s\n", fired.Rule, strings.Join(fired.Destinations, ", "), fired.Reason)
	}
	fmt.Fprintf(e.stdout, "proposed: %s\n", strings.Join(p.Destinations, ", "))
	return nil
}
