package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/geo/geotest"
	"github.com/vigie-platform/vigie/sqlite"
	"github.com/vigie-platform/vigie/taxonomy"
)

// TestBrowserHosting runs e2e/hosting.mjs: an analyst traces the hosting
// of a case (a documentation address put in OVH's network by a tiny GeoIP
// database, so that nothing is fetched, and a name that does not resolve) and of a minors case, in Chromium at 1280 and
// 375 px, with axe-core; the traced contact prefills the notice form.
func TestBrowserHosting(t *testing.T) {
	e2e, chromium := browserPrerequisites(t)
	data := t.TempDir()
	country, asn := geotest.Write(t, []geotest.Network{{CIDR: "192.0.2.0/24", Country: "FR", ASN: 16276, Org: "OVH SAS"}})
	srv := startServer(t, []string{"--data", data}, "--geoip-country", country, "--geoip-asn", asn)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"user", "add", "--data", data, "--email", "ana@vigie.test", "--role", "analyst", "--password-stdin"},
		strings.NewReader("correct horse battery staple\n"), &out, &bytes.Buffer{}, noEnv); err != nil {
		t.Fatal(err)
	}
	tok := srv.token("partner")
	submit := func(body string) string {
		r := srv.do("POST", "/api/v1/reports", "application/json", strings.NewReader(body), bearer(tok))
		if r.status != 201 {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		return r.json(t)["id"].(string)
	}
	fraud := submit(`{"category":"fraud.scam","description":"Faux site de vente <b>soldes</b>","urls":["http://192.0.2.10/boutique?<script>x</script>","https://boutique-exemple.invalid/p"],"reporter":{"anonymous":true}}`)
	minors := submit(`{"category":"minors.abuse-material","description":"Forum","urls":["https://img.forum.invalid/m/1"],"reporter":{"anonymous":true}}`)
	db, err := sqlite.Open(context.Background(), data, folderKeys(t, data)...)
	if err != nil {
		t.Fatal(err)
	}
	cases := casefile.NewService(db, taxonomy.Default(), nil)
	cf, err := cases.Create(context.Background(), "Boutique", []string{fraud}, "ana@vigie.test")
	if err != nil {
		t.Fatal(err)
	}
	cm, err := cases.Create(context.Background(), "Forum", []string{minors}, "ana@vigie.test")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	shots := os.Getenv("VIGIE_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	node(t, e2e, chromium, "hosting.mjs", srv.base, "ana@vigie.test", "correct horse battery staple", strings.TrimSpace(out.String()), cf.ID, cm.ID, shots)
	fmt.Fprintln(os.Stderr, "screenshots in", shots)
}
