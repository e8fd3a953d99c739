// Package geotest builds tiny MaxMind-format databases for tests.
package geotest

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Network is one range with its country and network.
type Network struct {
	CIDR    string
	Country string
	ASN     uint32
	Org     string
}

// Write builds a country and an ASN database in a temporary folder and
// returns their paths.
func Write(t testing.TB, networks []Network) (countryPath, asnPath string) {
	t.Helper()
	dir := t.TempDir()
	country, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-Country", RecordSize: 24, IncludeReservedNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	asn, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-ASN", RecordSize: 24, IncludeReservedNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range networks {
		_, ipnet, err := net.ParseCIDR(n.CIDR)
		if err != nil {
			t.Fatal(err)
		}
		if err := country.Insert(ipnet, mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String(n.Country)}}); err != nil {
			t.Fatal(err)
		}
		if err := asn.Insert(ipnet, mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(n.ASN), "autonomous_system_organization": mmdbtype.String(n.Org)}); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name string, tree *mmdbwriter.Tree) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := tree.WriteTo(f); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("country.mmdb", country), write("asn.mmdb", asn)
}
