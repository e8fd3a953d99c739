package routing

import (
	"context"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/geo"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
)

// Gatherer turns a case and its reports into facts. Hosting facts need a
// Locator (MaxMind databases) and, for host names, a Resolver; without
// them hosts are listed with an unknown country.
type Gatherer struct {
	Locator  geo.Locator
	Resolver geo.Resolver
	// Timeout bounds the name resolution of one host.
	Timeout time.Duration
	// MaxHosts bounds the hosts looked up per case.
	MaxHosts int
}

// HomeCountry is where the platform's own services are competent.
const HomeCountry = "FR"

// Facts gathers what the rules see. Only host names are resolved: no
// reported URL is ever fetched.
func (g Gatherer) Facts(ctx context.Context, c casefile.Case, reports []report.Report) Facts {
	f := Facts{Category: c.Category, VictimDepartement: c.VictimDepartement, ReporterCountry: c.ReporterCountry}
	if f.Category == "" && len(reports) > 0 {
		f.Category = reports[0].Category
	}
	max := g.MaxHosts
	if max <= 0 {
		max = 20
	}
	seen := map[string]bool{}
	for _, r := range reports {
		f.Urgent = f.Urgent || r.Urgent
		if r.Loss != nil {
			f.AmountLost += float64(r.Loss.AmountCents) / 100
		}
		for _, raw := range r.URLs {
			canonical, err := indicator.CanonicalURL(raw)
			if err != nil {
				continue
			}
			u, err := url.Parse(canonical)
			if err != nil || u.Hostname() == "" || seen[u.Hostname()] || len(seen) >= max {
				continue
			}
			seen[u.Hostname()] = true
			f.Hosts = append(f.Hosts, g.host(ctx, u.Hostname()))
		}
	}
	for _, h := range f.Hosts {
		if h.Country != "" && !slices.Contains(f.HostCountries, h.Country) {
			f.HostCountries = append(f.HostCountries, h.Country)
		}
		if h.Country != "" && h.Country != HomeCountry {
			f.HostedAbroad = true
		}
	}
	slices.Sort(f.HostCountries)
	return f
}

func (g Gatherer) host(ctx context.Context, name string) Host {
	h := Host{Name: name}
	ip, err := netip.ParseAddr(strings.Trim(name, "[]"))
	if err != nil {
		if g.Resolver == nil {
			return h
		}
		timeout := g.Timeout
		if timeout <= 0 {
			timeout = 2 * time.Second
		}
		rctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		addrs, err := g.Resolver.LookupNetIP(rctx, "ip", name)
		if err != nil || len(addrs) == 0 {
			return h
		}
		ip = addrs[0]
	}
	h.IP = ip.Unmap().String()
	if g.Locator != nil {
		if info, err := g.Locator.Locate(ip); err == nil {
			h.Country, h.ASN, h.Org = info.Country, info.ASN, info.Org
		}
	}
	return h
}
