package hosting

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestParseDirectory(t *testing.T) {
	good := "# c\nasn AS16276 abuse@ovh.net  # OVH\n\ndomain .Example.FR. mailto:abuse@example.fr?subject=x\nname Gandi https://gandi.net/abuse\n"
	d, err := ParseDirectory([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		asn         uint
		host, org   string
		contact, by string
	}{
		{16276, "x.example.fr", "", "abuse@ovh.net", "asn"},
		{1, "a.b.example.fr", "", "abuse@example.fr", "domain"},
		{1, "example.fr", "", "abuse@example.fr", "domain"},
		{1, "notexample.fr", "", "", ""},
		{1, "x.org", "GANDI SAS", "https://gandi.net/abuse", "name"},
		{1, "srv.gandi.example", "", "https://gandi.net/abuse", "name"},
		{1, "gandiose.org", "", "", ""},
	} {
		c, by, ok := d.Lookup(tc.asn, tc.host, tc.org)
		if c != tc.contact || by != tc.by || ok != (tc.contact != "") {
			t.Errorf("Lookup(%d, %s, %s) = %q %q %v, want %q %q", tc.asn, tc.host, tc.org, c, by, ok, tc.contact, tc.by)
		}
	}
	for in, want := range map[string]string{
		"asn 1":                        "line 1: want 3 fields",
		"asn x abuse@a.fr":             `line 1: "x" is not an AS number`,
		"asn 0 abuse@a.fr":             "not an AS number",
		"\nasn 1 a@b.fr\nasn 1 c@d.fr": "line 3: AS1 listed twice",
		"domain a/b a@b.fr":            "is not a domain",
		"host x a@b.fr":                `unknown kind "host"`,
		"name x not-an-address":        "is not an e-mail address",
		"name x http://plain.example/": "an e-mail address or an https URL",
		"name x Someone<a@b.fr>":       "is not an e-mail address",
		"domain a..b a@b.fr":           "is not a domain",
	} {
		_, err := ParseDirectory([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDirectory(%q) = %v, want %q", in, err, want)
		}
	}
	if Default().Len() < 5 {
		t.Error("the embedded directory is nearly empty")
	}
}

func TestParseSecurityTxt(t *testing.T) {
	signed := `-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA256

# comment: Contact: mailto:no@example.com
Contact: https://example.com/security
CONTACT:mailto:Security@Example.com
contact: tel:+33-1-00-00-00-00
Contact: not an address
Expires: 2030-01-01T00:00:00.000Z
-----BEGIN PGP SIGNATURE-----
Contact: mailto:insig@example.com
-----END PGP SIGNATURE-----
`
	got := ParseSecurityTxt([]byte(strings.ReplaceAll(signed, "\n", "\r\n")))
	want := []string{"https://example.com/security", "Security@Example.com"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if p := Preferred(got); p != "Security@Example.com" {
		t.Errorf("Preferred = %q", p)
	}
	if p := Preferred(got[:1]); p != "https://example.com/security" {
		t.Errorf("Preferred = %q", p)
	}
	if p := Preferred(nil); p != "" {
		t.Errorf("Preferred(nil) = %q", p)
	}
}

func FuzzParseDirectory(f *testing.F) {
	f.Add([]byte(defaultDirectory))
	f.Add([]byte("asn AS1 mailto:a@b.fr\ndomain x.fr https://x.fr/a\nname n a@b.fr # c"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDirectory(b)
		if err != nil {
			if d != nil {
				t.Fatal("a directory with an error")
			}
			return
		}
		for _, c := range d.asn {
			if _, err := NormaliseContact(c); err != nil {
				t.Fatalf("stored contact %q does not normalise: %v", c, err)
			}
		}
		d.Lookup(1, "a.b.c", "d e")
	})
}

func FuzzParseSecurityTxt(f *testing.F) {
	f.Add([]byte("Contact: mailto:a@b.fr\nContact: https://x.fr/\n"))
	f.Add([]byte("-----BEGIN PGP SIGNED MESSAGE-----\n- Contact: a@b.fr\n-----BEGIN PGP SIGNATURE-----\nx\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cs := ParseSecurityTxt(b)
		if len(cs) > 20 {
			t.Fatalf("%d contacts", len(cs))
		}
		for _, c := range cs {
			n, err := NormaliseContact(c)
			if err != nil || n != c {
				t.Fatalf("contact %q is not in normal form (%q, %v)", c, n, err)
			}
			if strings.ContainsAny(c, "\r\n") {
				t.Fatalf("contact %q spans lines", c)
			}
		}
		p := Preferred(cs)
		if len(cs) > 0 && !slices.Contains(cs, p) {
			t.Fatalf("preferred %q is not a contact", p)
		}
	})
}

func TestLoadDirectory(t *testing.T) {
	dir := t.TempDir()
	good, bad := dir+"/good.txt", dir+"/bad.txt"
	if err := os.WriteFile(good, []byte("asn 64500 abuse@tiny.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("# ok\nasn 64500 abuse@tiny.example\nregistrar x y@z.fr\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if d, err := LoadDirectory(good); err != nil || d.Len() != 1 {
		t.Fatalf("good file: %v", err)
	}
	if _, err := LoadDirectory(bad); err == nil || !strings.Contains(err.Error(), bad+": line 3: unknown kind") {
		t.Errorf("bad file: %v", err)
	}
	if _, err := LoadDirectory(dir + "/missing.txt"); err == nil {
		t.Error("a missing file loaded")
	}
}

func FuzzHostOf(f *testing.F) {
	for _, s := range []string{"hxxps://shop[.]example[.]fr/x", "http://0x33260102/", "https://[2001:db8::1]:8443/x", "exemple.fr/a", "://", "http://Éxample.FR./"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		h := hostOf(raw)
		if h != strings.ToLower(h) || strings.ContainsAny(h, "/?#@ \t\n") || strings.HasSuffix(h, ".") {
			t.Fatalf("hostOf(%q) = %q", raw, h)
		}
	})
}
