package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/keyring"
	"github.com/vigie-platform/vigie/report"
)

// KeyedOpener opens the one database of a test (the same each call) with
// the given master keys (none: without encryption), and gives raw SQL on
// it. It returns the store's error when the store refuses to open.
type KeyedOpener func(masters ...keyring.Wrapper) (s Store, exec func(query string) error, err error)

// NewKeyedOpener returns a test's opener on a database of its own.
type NewKeyedOpener func(t *testing.T) KeyedOpener

// rewrapper is what rotation needs beyond the contract; both adapters
// have it through the shared store.
type rewrapper interface {
	Rewrap(ctx context.Context, next keyring.Wrapper, progress func(done, total int64)) (int64, error)
}

// The values the encryption tests look for; Contact is what a report
// carries, Seed a TOTP seed, Attachment an attachment's content.
var (
	Contact    = report.Reporter{Name: "Quentin Vasseur-Lebrun", Email: "quentin.vasseur@exemple-signal.fr", Phone: "+33 6 71 82 93 04"}
	Seed       = "JBSWY3DPEHPK3PXPQ2XGK4TFONQW4ZLS"
	Attachment = []byte("capture d'écran: commande 55821 chez Vasseur")
)

// RunEncryption runs the encryption-at-rest conformance tests; each opens
// its own database with newOpener.
func RunEncryption(t *testing.T, newOpener NewKeyedOpener) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, open KeyedOpener)
	}{
		{"UpgradeSealsClearData", testUpgradeSealsClearData},
		{"SealedValuesAreBoundToTheirRow", testSealedValuesBound},
		{"PurgeShredsDataKeys", testPurgeShreds},
		{"WrongOrMissingKeyRefused", testWrongKeyRefused},
		{"RotateResumes", testRotateResumes},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newOpener(t)) })
	}
}

func masterKey(t *testing.T) keyring.Wrapper {
	b := make([]byte, keyring.KeySize)
	rand.Read(b)
	k, err := keyring.NewLocalKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func shaHex(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

// secretSample is a report with the contact, and an attachment.
func secretSample() report.Submission {
	sub := sample(7)
	sub.Name, sub.Email, sub.Phone = Contact.Name, Contact.Email, Contact.Phone
	sub.Attachments = []report.Upload{{Filename: "capture.txt", Content: Attachment}}
	return sub
}

// fill writes what the store must seal: a report with the contact and an
// attachment, an account with the seed, a server key. It returns the
// report's id, the account's id and the server key.
func fill(t *testing.T, s Store) (reportID string, userID int64, key []byte) {
	ack, err := newIntake(s).Submit(ctx, secretSample())
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateUser(ctx, account.User{Email: "seed@vigie.test", Role: account.RoleAnalyst, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCredentials(ctx, u.ID, "hash", Seed); err != nil {
		t.Fatal(err)
	}
	key, err = s.Key(ctx, "follow-up")
	if err != nil {
		t.Fatal(err)
	}
	return ack.ID, u.ID, key
}

// readAll reads back what fill wrote and says what differs or fails.
func readAll(s Store, reportID string, userID int64, key []byte) []error {
	var errs []error
	r, err := s.ReportByID(ctx, reportID)
	if err != nil {
		errs = append(errs, err)
	} else if r.Reporter != (report.Reporter{Name: Contact.Name, Email: Contact.Email, Phone: Contact.Phone}) {
		errs = append(errs, errors.New("contact read back as "+r.Reporter.Name+" "+r.Reporter.Email+" "+r.Reporter.Phone))
	}
	if u, err := s.UserByID(ctx, userID); err != nil {
		errs = append(errs, err)
	} else if u.TOTPSecret != Seed {
		errs = append(errs, errors.New("seed read back as "+u.TOTPSecret))
	}
	if k, err := s.Key(ctx, "follow-up"); err != nil {
		errs = append(errs, err)
	} else if !bytes.Equal(k, key) {
		errs = append(errs, errors.New("server key changed"))
	}
	if b, err := s.GetBlob(ctx, shaHex(Attachment)); err != nil {
		errs = append(errs, err)
	} else if !bytes.Equal(b, Attachment) {
		errs = append(errs, errors.New("attachment read back as "+string(b)))
	}
	return errs
}

// testUpgradeSealsClearData: a store written in clear (as before issue
// 13) is sealed when it is first opened with a master key, and reads back
// the same. Once its data keys are destroyed nothing of it reads, which
// shows that nothing stayed in clear.
func testUpgradeSealsClearData(t *testing.T, open KeyedOpener) {
	s, _ := mustOpen(t, open)
	id, uid, key := fill(t, s)
	if errs := readAll(s, id, uid, key); len(errs) > 0 {
		t.Fatalf("clear store: %v", errs)
	}
	s.Close()

	k := masterKey(t)
	s, _ = mustOpen(t, open, k)
	if errs := readAll(s, id, uid, key); len(errs) > 0 {
		t.Fatalf("after the upgrade: %v", errs)
	}
	// A second start has nothing left to seal and reads the same.
	s.Close()
	s, exec := mustOpen(t, open, k)
	if errs := readAll(s, id, uid, key); len(errs) > 0 {
		t.Fatalf("after a second start: %v", errs)
	}
	// Without the data keys, and under another master key (attachments
	// carry their own key, wrapped by the first), nothing reads: nothing
	// stayed in clear.
	if err := exec(`DELETE FROM data_keys`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, _ = mustOpen(t, open, masterKey(t))
	defer s.Close()
	if errs := readAll(s, id, uid, key); len(errs) != 4 {
		t.Errorf("without the data keys %d of the 4 secrets still read: something stayed in clear (%v)", 4-len(errs), errs)
	}
}

// testSealedValuesBound: a sealed contact or seed copied onto another row
// does not open there (associated data binds it to its row).
func testSealedValuesBound(t *testing.T, open KeyedOpener) {
	s, exec := mustOpen(t, open, masterKey(t))
	defer s.Close()
	id, uid, key := fill(t, s)
	other, err := newIntake(s).Submit(ctx, sample(8))
	if err != nil {
		t.Fatal(err)
	}
	u2, err := s.CreateUser(ctx, account.User{Email: "other@vigie.test", Role: account.RoleAnalyst, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCredentials(ctx, u2.ID, "hash", "OTHERSEEDOTHERSEED234567"); err != nil {
		t.Fatal(err)
	}
	if errs := readAll(s, id, uid, key); len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, q := range []string{
		`UPDATE reports SET contact = (SELECT contact FROM reports WHERE id = '` + id + `') WHERE id = '` + other.ID + `'`,
		`UPDATE users SET totp_sealed = (SELECT totp_sealed FROM users WHERE id = ` + itoa64(uid) + `) WHERE id = ` + itoa64(u2.ID),
	} {
		if err := exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if r, err := s.ReportByID(ctx, other.ID); err == nil {
		t.Errorf("a contact moved to another report opened there: %+v", r.Reporter)
	}
	if u, err := s.UserByID(ctx, u2.ID); err == nil {
		t.Errorf("a seed moved to another account opened there: %q", u.TOTPSecret)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// testPurgeShreds: a purge destroys the data keys of what it purges. The
// purged report's sealed contact, copied aside before the purge (as a
// backup would keep it) and put back after, no longer opens: the store's
// keys after the purge cannot decrypt it. (An attachment's key lives in its
// sealed content and goes with it.)
func testPurgeShreds(t *testing.T, open KeyedOpener) {
	s, exec := mustOpen(t, open, masterKey(t))
	defer s.Close()
	ack, err := newIntake(s).Submit(ctx, secretSample())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE backup_reports AS SELECT id, contact FROM reports`,
		`CREATE TABLE backup_keys AS SELECT name, kek_id, wrapped FROM data_keys`,
	} {
		if err := exec(q); err != nil {
			t.Fatal(err)
		}
	}
	restore := `UPDATE reports SET contact = (SELECT contact FROM backup_reports b WHERE b.id = reports.id) WHERE id = '` + ack.ID + `'`
	// Control: putting the copy back before the purge reads as before,
	// so that a failure below is the purge's doing.
	if err := exec(restore); err != nil {
		t.Fatal(err)
	}
	if r, err := s.ReportByID(ctx, ack.ID); err != nil || r.Reporter.Email != Contact.Email {
		t.Fatalf("control: %+v %v", r.Reporter, err)
	}
	orphans, err := s.PurgeReports(ctx, []string{ack.ID}, time.Now())
	if err != nil || len(orphans) != 1 {
		t.Fatalf("purge: %v %v", orphans, err)
	}
	for _, sha := range orphans {
		if err := s.DeleteBlob(ctx, sha); err != nil {
			t.Fatal(err)
		}
	}
	if err := exec(restore); err != nil {
		t.Fatal(err)
	}
	if r, err := s.ReportByID(ctx, ack.ID); err == nil {
		t.Errorf("a purged report's contact, put back from a copy taken before the purge, opened: %+v", r.Reporter)
	}
	// Nothing else of the key table can stand in: the report's key is
	// gone, and only it was made for the report.
	if err := exec(`INSERT INTO data_keys (name, kek_id, wrapped, created_at)
		SELECT name, kek_id, wrapped, 0 FROM backup_keys WHERE name NOT IN (SELECT name FROM data_keys) AND name NOT LIKE 'report:%'`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReportByID(ctx, ack.ID); err == nil {
		t.Error("the purged contact opened with the keys left")
	}
	// The check can fail: with the destroyed key put back from the
	// backup, the copy opens again (which is why old backups must go with
	// the master key that wrapped them, ARCHITECTURE.md).
	if err := exec(`INSERT INTO data_keys (name, kek_id, wrapped, created_at) SELECT name, kek_id, wrapped, 0 FROM backup_keys WHERE name = 'report:` + ack.ID + `'`); err != nil {
		t.Fatal(err)
	}
	if r, err := s.ReportByID(ctx, ack.ID); err != nil || r.Reporter.Email != Contact.Email {
		t.Errorf("with the backup's key the copy should open: %+v %v", r.Reporter, err)
	}
}

// testWrongKeyRefused: an encrypted store does not open without its
// master key, nor with another one.
func testWrongKeyRefused(t *testing.T, open KeyedOpener) {
	k := masterKey(t)
	s, _ := mustOpen(t, open, k)
	fill(t, s)
	s.Close()
	for name, keys := range map[string][]keyring.Wrapper{"no key": nil, "another key": {masterKey(t)}} {
		s, _, err := open(keys...)
		if err == nil {
			s.Close()
			t.Errorf("%s: an encrypted store opened", name)
		}
	}
}

// mustOpen opens the test's store with keys, failing the test if it
// refuses.
func mustOpen(t *testing.T, open KeyedOpener, keys ...keyring.Wrapper) (Store, func(string) error) {
	t.Helper()
	s, exec, err := open(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return s, exec
}

// testRotateResumes: a rotation re-wraps every data key under the new
// master key, after which the old key opens nothing; a rotation that
// stopped half-way leaves a store that needs both keys, and running it
// again finishes it.
func testRotateResumes(t *testing.T, open KeyedOpener) {
	oldKey, newKey := masterKey(t), masterKey(t)
	s, _ := mustOpen(t, open, oldKey)
	id, uid, key := fill(t, s)
	// More reports than one step of the rotation takes.
	subs := make([]report.Submission, 700)
	for i := range subs {
		subs[i] = sample(100 + i)
	}
	outcomes, err := newIntake(s).SubmitBatch(ctx, subs)
	if err != nil || outcomes[699].Err != nil {
		t.Fatal(err)
	}
	last := outcomes[699].Ack.ID
	s.Close()

	// Interrupted after its first step.
	s, _ = mustOpen(t, open, newKey, oldKey)
	stop, cancel := context.WithCancel(ctx)
	if _, err := s.(rewrapper).Rewrap(stop, newKey, func(done, total int64) { cancel() }); err == nil {
		t.Fatal("an interrupted rotation reported success")
	}
	s.Close()
	if s, _, err := open(newKey); err == nil {
		s.Close()
		t.Fatal("half-way through a rotation the store opened with the new key alone")
	}
	s, _ = mustOpen(t, open, newKey, oldKey)
	n, err := s.(rewrapper).Rewrap(ctx, newKey, nil)
	if err != nil || n == 0 {
		t.Fatalf("resumed rotation: %d %v", n, err)
	}
	s.Close()

	if s, _, err := open(oldKey); err == nil {
		s.Close()
		t.Error("after the rotation the old master key opened the store")
	}
	s, _ = mustOpen(t, open, newKey)
	defer s.Close()
	if errs := readAll(s, id, uid, key); len(errs) > 0 {
		t.Errorf("after the rotation, with the new key: %v", errs)
	}
	if r, err := s.ReportByID(ctx, last); err != nil || r.Reporter.Email != "camille@example.fr" {
		t.Errorf("last report after the rotation: %+v %v", r.Reporter, err)
	}
}
