package sqlite

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/keyring"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
)

// The secrets the raw-bytes test plants. The name has a letter outside
// ASCII so that its JSON-escaped and UTF-8 forms differ.
const (
	secretName  = "Quentin Vasseur-Lebrün"
	secretEmail = "Quentin.Vasseur@exemple-signal.fr"
	secretPhone = "06 71 82 93 04"
	secretSeed  = "JBSWY3DPEHPK3PXPQ2XGK4TFONQW4ZLS"
)

var secretAttachment = []byte("capture: commande 55821, livreur Vasseur, code 8841-ZK")

// forms are every encoding in which the product writes or could write a
// value: as given, lower and upper case, JSON-escaped (Go's and the
// \u-escaped ASCII form), hex and base64 of its bytes.
func forms(v string) []string {
	out := []string{v, strings.ToLower(v), strings.ToUpper(v), hex.EncodeToString([]byte(v)), strings.ToUpper(hex.EncodeToString([]byte(v))),
		base64.StdEncoding.EncodeToString([]byte(v)), base64.RawURLEncoding.EncodeToString([]byte(v))}
	j, _ := json.Marshal(v)
	out = append(out, strings.Trim(string(j), `"`))
	var ascii strings.Builder
	for _, r := range v {
		if r < 0x80 {
			ascii.WriteRune(r)
		} else {
			fmt.Fprintf(&ascii, `\u%04x`, r)
		}
	}
	return append(out, ascii.String())
}

// phoneForms adds the phone's normalised forms (E.164 as the identifier
// extractor writes it, national, digits only).
func phoneForms(p string) []string {
	digits := strings.ReplaceAll(p, " ", "")
	out := append(forms(p), forms(digits)...)
	return append(out, "+33"+digits[1:], "33"+digits[1:], "0033"+digits[1:])
}

// seedForms adds the seed's raw bytes and their encodings, and the
// otpauth URI's secret parameter.
func seedForms(t *testing.T, seed string) []string {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(seed)
	if err != nil {
		t.Fatal(err)
	}
	out := append(forms(seed), string(raw), hex.EncodeToString(raw), base64.StdEncoding.EncodeToString(raw), base64.RawURLEncoding.EncodeToString(raw), "secret="+seed)
	return out
}

// plant writes the secrets through the store: a report with the contact
// and the attachment, an account with the seed.
func plant(t *testing.T, db *DB) {
	ctx := context.Background()
	in := report.NewIntake(db, db, taxonomy.Default(), []byte("raw-bytes-key"), nil)
	if _, err := in.Submit(ctx, report.Submission{Category: "fraud.scam", Description: "Faux vendeur sur une place de marché",
		URLs: []string{"https://boutique.example.fr/annonce"}, Name: secretName, Email: secretEmail, Phone: secretPhone,
		Channel: report.ChannelWeb, Lang: "fr", Attachments: []report.Upload{{Filename: "capture.txt", Content: secretAttachment}}}); err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, account.User{Email: "analyste@vigie.test", Role: account.RoleAnalyst, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetCredentials(ctx, u.ID, "hash", secretSeed); err != nil {
		t.Fatal(err)
	}
	// A seed offered and not yet proved: on an enrolment link, and in a
	// ceremony that offers TOTP back to an account.
	pending, err := db.CreateUser(ctx, account.User{Email: "nouveau@vigie.test", Role: account.RoleAnalyst, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateEnrolment(ctx, []byte("enrolment-token-hash"), pending.ID, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if kept, err := db.OfferEnrolmentSecret(ctx, []byte("enrolment-token-hash"), secretSeed); err != nil || kept != secretSeed {
		t.Fatalf("offered seed: %q %v", kept, err)
	}
	if err := db.SaveCeremony(ctx, account.Ceremony{HandleHash: []byte("ceremony-handle"), UserID: u.ID, Kind: "totp",
		Session: []byte(`{"secret":"` + secretSeed + `"}`), Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if c, err := db.TakeCeremony(ctx, []byte("ceremony-handle"), "totp", time.Now()); err != nil || !strings.Contains(string(c.Session), secretSeed) {
		t.Fatalf("ceremony: %q %v", c.Session, err)
	}
	if err := db.SaveCeremony(ctx, account.Ceremony{HandleHash: []byte("ceremony-kept"), UserID: u.ID, Kind: "totp",
		Session: []byte(`{"secret":"` + secretSeed + `"}`), Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

// leaks greps every file of the data folder (the database, its -wal and
// -shm, the attachments) for every form of every secret, and names the
// secrets found. The master key file is left out: it is what opens them.
func leaks(t *testing.T, dir string) []string {
	t.Helper()
	needles := map[string][]string{
		"name": forms(secretName), "email": forms(secretEmail), "phone": phoneForms(secretPhone),
		"seed": seedForms(t, secretSeed), "attachment": forms(string(secretAttachment)),
	}
	found := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "master.key" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for what, ns := range needles {
			for _, n := range ns {
				if bytes.Contains(b, []byte(n)) {
					found[what] = true
					t.Logf("%s found as %q in %s", what, n, filepath.Base(path))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for what := range found {
		out = append(out, what)
	}
	slices.Sort(out)
	return out
}

// TestRawBytesHoldNoSecret plants a reporter's name, e-mail and phone, an
// attachment and a TOTP seed, then greps the raw bytes of the data
// folder: the database file, its WAL while the server runs, its -shm,
// after a checkpoint, after closing, and the attachments. With a master
// key nothing is found in any form the product uses. The same run without
// encryption finds every secret: the check itself works.
func TestRawBytesHoldNoSecret(t *testing.T) {
	every := []string{"attachment", "email", "name", "phone", "seed"}
	for _, tc := range []struct {
		name    string
		upgrade bool // written in clear, then opened with a master key
		key     bool
		want    []string
	}{
		{"encrypted", false, true, nil},
		{"upgraded from a clear store", true, true, nil},
		{"without encryption (the check finds what is there)", false, false, every},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			var masters []keyring.Wrapper
			if tc.key {
				masters = append(masters, testMasterKey(t))
			}
			if tc.upgrade {
				db, err := Open(ctx, dir)
				if err != nil {
					t.Fatal(err)
				}
				plant(t, db)
				db.Close()
			}
			db, err := Open(ctx, dir, masters...)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if !tc.upgrade {
				plant(t, db)
			}
			// While running: the WAL holds the latest pages.
			if got := leaks(t, dir); !slices.Equal(got, tc.want) {
				t.Errorf("running, before a checkpoint: found %v, want %v", got, tc.want)
			}
			if _, err := db.write.Exec(`PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
				t.Fatal(err)
			}
			if got := leaks(t, dir); !slices.Equal(got, tc.want) {
				t.Errorf("after a checkpoint: found %v, want %v", got, tc.want)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if got := leaks(t, dir); !slices.Equal(got, tc.want) {
				t.Errorf("closed: found %v, want %v", got, tc.want)
			}
		})
	}
}
