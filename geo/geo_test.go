package geo_test

import (
	"net/netip"
	"testing"

	"github.com/vigie-platform/vigie/geo"
	"github.com/vigie-platform/vigie/geo/geotest"
)

func TestMaxMindLookup(t *testing.T) {
	c, a := geotest.Write(t, []geotest.Network{
		{CIDR: "198.51.100.0/24", Country: "NL", ASN: 64500, Org: "Bulletproof BV"},
		{CIDR: "203.0.113.0/24", Country: "FR", ASN: 64501, Org: "Hébergeur SAS"},
		{CIDR: "2001:db8::/32", Country: "US", ASN: 64502, Org: "Cloud Inc"},
	})
	m, err := geo.Open(c, a)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	cases := []struct {
		ip   string
		want geo.Info
	}{
		{"198.51.100.7", geo.Info{Country: "NL", ASN: 64500, Org: "Bulletproof BV"}},
		{"203.0.113.250", geo.Info{Country: "FR", ASN: 64501, Org: "Hébergeur SAS"}},
		{"::ffff:203.0.113.1", geo.Info{Country: "FR", ASN: 64501, Org: "Hébergeur SAS"}},
		{"2001:db8::1", geo.Info{Country: "US", ASN: 64502, Org: "Cloud Inc"}},
		{"192.0.2.1", geo.Info{}},
	}
	for _, tc := range cases {
		got, err := m.Locate(netip.MustParseAddr(tc.ip))
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v %v, want %+v", tc.ip, got, err, tc.want)
		}
	}
	if _, err := geo.Open("/no/such.mmdb", ""); err == nil {
		t.Error("a missing database opened")
	}
}
