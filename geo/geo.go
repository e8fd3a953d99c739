// Package geo tells where a host is: its country and network (autonomous
// system), from MaxMind-format databases that the operator supplies
// (GeoLite2-Country and GeoLite2-ASN, or compatible). Nothing is fetched:
// an IP address is looked up in files on disk; a host name is resolved by
// the Resolver given, which tests replace with a map.
package geo

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/oschwald/maxminddb-golang/v2"
)

// Info is what the databases say of one address.
type Info struct {
	Country string // ISO 3166-1 alpha-2, "" when unknown
	ASN     uint
	Org     string
}

// Locator looks addresses up.
type Locator interface {
	Locate(ip netip.Addr) (Info, error)
}

// Resolver turns a host name into addresses (net.DefaultResolver fits).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// MaxMind reads a country database and an ASN database; either may be absent.
type MaxMind struct {
	country *maxminddb.Reader
	asn     *maxminddb.Reader
}

// Open opens the databases at the given paths ("" skips one).
func Open(countryPath, asnPath string) (*MaxMind, error) {
	m := &MaxMind{}
	var err error
	if countryPath != "" {
		if m.country, err = maxminddb.Open(countryPath); err != nil {
			return nil, fmt.Errorf("geoip country database %s: %w", countryPath, err)
		}
	}
	if asnPath != "" {
		if m.asn, err = maxminddb.Open(asnPath); err != nil {
			m.Close()
			return nil, fmt.Errorf("geoip ASN database %s: %w", asnPath, err)
		}
	}
	return m, nil
}

// Close releases the databases.
func (m *MaxMind) Close() error {
	var errs []error
	if m.country != nil {
		errs = append(errs, m.country.Close())
	}
	if m.asn != nil {
		errs = append(errs, m.asn.Close())
	}
	return errors.Join(errs...)
}

// Locate looks an address up in both databases.
func (m *MaxMind) Locate(ip netip.Addr) (Info, error) {
	var info Info
	ip = ip.Unmap()
	if m.country != nil {
		var rec struct {
			Country struct {
				ISOCode string `maxminddb:"iso_code"`
			} `maxminddb:"country"`
			RegisteredCountry struct {
				ISOCode string `maxminddb:"iso_code"`
			} `maxminddb:"registered_country"`
		}
		if err := m.country.Lookup(ip).Decode(&rec); err != nil {
			return info, fmt.Errorf("geoip country %s: %w", ip, err)
		}
		info.Country = rec.Country.ISOCode
		if info.Country == "" {
			info.Country = rec.RegisteredCountry.ISOCode
		}
	}
	if m.asn != nil {
		var rec struct {
			Number uint   `maxminddb:"autonomous_system_number"`
			Org    string `maxminddb:"autonomous_system_organization"`
		}
		if err := m.asn.Lookup(ip).Decode(&rec); err != nil {
			return info, fmt.Errorf("geoip ASN %s: %w", ip, err)
		}
		info.ASN, info.Org = rec.Number, rec.Org
	}
	return info, nil
}
