package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/vigie-platform/vigie/keyring"
	"github.com/vigie-platform/vigie/report"
)

// Encryption at rest (issue 13). What the store seals, each value bound by
// associated data to its table, column and row:
//
//   - a report's name, e-mail and phone, as one JSON value in
//     reports.contact, under the report's own data key 'report:<id>',
//     which a purge deletes (crypto-shredding);
//   - TOTP seeds, in users.totp_sealed, under the 'accounts' key;
//   - server keys (the follow-up key and others), in server_keys.key with
//     sealed set, under the 'server' key;
//   - attachments, by the adapters (files or the blobs table), each in an
//     envelope holding its own wrapped data key, deleted with the content
//     (SealBlob).
//
// Data keys live in data_keys, wrapped by the master key. A store opened
// without a master key writes and reads clear values, as before issue 13;
// it refuses to open once it holds data keys.

// ErrMasterKeyNeeded is returned when a store that holds encrypted data is
// opened without a master key, or without the one that wrapped its keys.
var ErrMasterKeyNeeded = errors.New("the store is encrypted: give its master key (--master-key-file, VIGIE_MASTER_KEY_FILE or VIGIE_MASTER_KEY)")

// Data key names.
const (
	accountsKey = "accounts"
	serverKey   = "server"
)

func reportKey(id string) string { return "report:" + id }

// BlobKey names the data key of an attachment.
func BlobKey(sha string) string { return "blob:" + sha }

// keys is what a store needs to seal: the master key that wraps new data
// keys, every master key it may unwrap with (the current one, and the
// previous one during a rotation), and the shared data keys it has
// unwrapped already.
type keys struct {
	current keyring.Wrapper
	known   map[string]keyring.Wrapper
	shared  sync.Map // name → []byte, for accountsKey and serverKey only
}

// UseKeys turns encryption on with masters (the first wraps new data keys;
// the others are only unwrapped with, as during a rotation), checks that
// they open every data key of the store, and seals what an older version
// left in clear (contacts, TOTP seeds, server keys; attachments are the
// adapters'). With no master key it checks that the store holds no data
// key, and the store keeps values in clear.
func (s *Store) UseKeys(ctx context.Context, masters ...keyring.Wrapper) (err error) {
	defer s.Guard(&err)
	ids, err := s.kekIDs(ctx)
	if err != nil {
		return err
	}
	if len(masters) == 0 {
		if len(ids) > 0 {
			return ErrMasterKeyNeeded
		}
		return nil
	}
	k := &keys{current: masters[0], known: map[string]keyring.Wrapper{}}
	for _, m := range masters {
		k.known[m.KeyID()] = m
	}
	for _, id := range ids {
		if k.known[id] == nil {
			return fmt.Errorf("data keys are wrapped by master key %s, which was not given (given: %s): %w", id, strings.Join(slices.Sorted(maps.Keys(k.known)), ", "), ErrMasterKeyNeeded)
		}
	}
	s.keys = k
	return s.sealClear(ctx)
}

// Encrypted tells whether the store seals what it writes.
func (s *Store) Encrypted() bool { return s.keys != nil }

// MasterKeyIDs lists the master keys that wrap the store's data keys, with
// how many each wraps.
func (s *Store) MasterKeyIDs(ctx context.Context) (_ map[string]int64, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, `SELECT kek_id, count(*) FROM data_keys GROUP BY kek_id`)
	if err != nil {
		return nil, fmt.Errorf("data keys: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("data keys: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

func (s *Store) kekIDs(ctx context.Context) ([]string, error) {
	m, err := s.MasterKeyIDs(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(m)), nil
}

// dataKeyAD binds a wrapped data key to its name: a wrapped key copied to
// another row does not unwrap there.
func dataKeyAD(name string) []byte { return keyring.AD("data_keys", name) }

// dataKey returns the data key name, read on q (the transaction that may
// have just made it), making it when create is set and it does not
// exist. Concurrent makers agree: the loser's insert does nothing and it
// reads the winner's key. found is false when the key does not exist
// (never made, or destroyed by a purge).
func (s *Store) dataKey(ctx context.Context, q Execer, name string, create bool) (dek []byte, found bool, err error) {
	if s.keys == nil {
		return nil, false, ErrMasterKeyNeeded
	}
	shared := name == accountsKey || name == serverKey
	if shared {
		if v, ok := s.keys.shared.Load(name); ok {
			return v.([]byte), true, nil
		}
	}
	if create {
		fresh, err := keyring.NewDataKey()
		if err != nil {
			return nil, false, err
		}
		wrapped, err := s.keys.current.Wrap(fresh, dataKeyAD(name))
		if err != nil {
			return nil, false, fmt.Errorf("wrap data key %s: %w", name, err)
		}
		if _, err := q.ExecContext(ctx, s.rebind(`INSERT INTO data_keys (name, kek_id, wrapped, created_at) VALUES (?,?,?,?) ON CONFLICT DO NOTHING`),
			name, s.keys.current.KeyID(), wrapped, micros(s.now())); err != nil {
			return nil, false, fmt.Errorf("data key %s: %w", name, err)
		}
	}
	var kek string
	var wrapped []byte
	err = q.QueryRowContext(ctx, s.rebind(`SELECT kek_id, wrapped FROM data_keys WHERE name = ?`), name).Scan(&kek, &wrapped)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("data key %s: %w", name, err)
	}
	dek, err = s.unwrap(name, kek, wrapped)
	if err != nil {
		return nil, false, err
	}
	if shared {
		s.keys.shared.Store(name, dek)
	}
	return dek, true, nil
}

func (s *Store) unwrap(name, kek string, wrapped []byte) ([]byte, error) {
	w := s.keys.known[kek]
	if w == nil {
		return nil, fmt.Errorf("data key %s is wrapped by master key %s: %w", name, kek, ErrMasterKeyNeeded)
	}
	dek, err := w.Unwrap(wrapped, dataKeyAD(name))
	if err != nil {
		return nil, fmt.Errorf("data key %s: %w", name, err)
	}
	return dek, nil
}

// blobKeyAD and blobAD bind an attachment's wrapped key and content to
// its hash.
func blobKeyAD(sha string) []byte { return keyring.AD("blobs", "key", sha) }
func blobAD(sha string) []byte    { return keyring.AD("blobs", "content", sha) }

// SealBlob seals an attachment's content in an envelope that carries its
// own data key, wrapped by the master key (keyring.SealEnvelope): the key
// lives and dies with the content (a purge that deletes the file or row
// shreds it), and intake writes no key row in a transaction of its own.
func (s *Store) SealBlob(sha string, content []byte) ([]byte, error) {
	if s.keys == nil {
		return nil, ErrMasterKeyNeeded
	}
	return keyring.SealEnvelope(s.keys.current, blobKeyAD(sha), content, blobAD(sha))
}

// OpenBlob opens what SealBlob sealed.
func (s *Store) OpenBlob(sha string, sealed []byte) ([]byte, error) {
	if s.keys == nil {
		return nil, ErrMasterKeyNeeded
	}
	b, err := keyring.OpenEnvelope(s.master, blobKeyAD(sha), sealed, blobAD(sha))
	if err != nil {
		return nil, fmt.Errorf("attachment %s: %w", sha, err)
	}
	return b, nil
}

// RewrapBlob re-wraps a sealed attachment's key under next (rotation);
// changed is false when next wraps it already.
func (s *Store) RewrapBlob(sha string, sealed []byte, next keyring.Wrapper) (_ []byte, changed bool, err error) {
	if s.keys == nil {
		return nil, false, ErrMasterKeyNeeded
	}
	out, changed, err := keyring.RewrapEnvelope(s.master, next, blobKeyAD(sha), sealed)
	if err != nil {
		return nil, false, fmt.Errorf("attachment %s: %w", sha, err)
	}
	return out, changed, nil
}

// master finds a master key the store was given by its id.
func (s *Store) master(id string) keyring.Wrapper { return s.keys.known[id] }

// contact is what reports.contact seals.
type contact struct {
	Name  string `json:"n,omitempty"`
	Email string `json:"e,omitempty"`
	Phone string `json:"p,omitempty"`
}

func contactAD(id string) []byte { return keyring.AD("reports", "contact", id) }

// sealedContact is a report's contact sealed under a fresh data key, and
// that key wrapped, to be stored with the report.
type sealedContact struct {
	sealed, wrapped []byte
}

// sealContact seals r's contact fields; nil when there are none or the
// store runs in clear.
func (s *Store) sealContact(r *report.Report) (*sealedContact, error) {
	c := contact{r.Reporter.Name, r.Reporter.Email, r.Reporter.Phone}
	if s.keys == nil || c == (contact{}) {
		return nil, nil
	}
	dek, err := keyring.NewDataKey()
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	sealed, err := keyring.Seal(dek, plain, contactAD(r.ID))
	if err != nil {
		return nil, err
	}
	wrapped, err := s.keys.current.Wrap(dek, dataKeyAD(reportKey(r.ID)))
	if err != nil {
		return nil, fmt.Errorf("wrap data key: %w", err)
	}
	return &sealedContact{sealed: sealed, wrapped: wrapped}, nil
}

// insertReportKeys stores the data keys of the reports ids, in tx.
func (s *Store) insertReportKeys(ctx context.Context, tx Execer, ids []string, seals map[string]*sealedContact) error {
	var args []any
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		q := `INSERT INTO data_keys (name, kek_id, wrapped, created_at) VALUES ` + strings.TrimSuffix(strings.Repeat("(?,?,?,?),", n), ",")
		_, err := tx.ExecContext(ctx, s.rebind(q), args...)
		args, n = args[:0], 0
		if err != nil {
			return fmt.Errorf("insert data keys: %w", err)
		}
		return nil
	}
	at := micros(s.now())
	for _, id := range ids {
		sc := seals[id]
		if sc == nil {
			continue
		}
		args = append(args, reportKey(id), s.keys.current.KeyID(), sc.wrapped, at)
		if n++; n == 500 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// openContact fills r's contact fields from their sealed value, read on q.
func (s *Store) openContact(ctx context.Context, q Execer, r *report.Report, sealed []byte) error {
	dek, found, err := s.dataKey(ctx, q, reportKey(r.ID), false)
	if err != nil {
		return fmt.Errorf("report %s contact: %w", r.ID, err)
	}
	if !found {
		return fmt.Errorf("report %s contact: its data key is destroyed: %w", r.ID, keyring.ErrOpen)
	}
	plain, err := keyring.Open(dek, sealed, contactAD(r.ID))
	if err != nil {
		return fmt.Errorf("report %s contact: %w", r.ID, err)
	}
	var c contact
	if err := json.Unmarshal(plain, &c); err != nil {
		return fmt.Errorf("report %s contact: %w", r.ID, err)
	}
	r.Reporter.Name, r.Reporter.Email, r.Reporter.Phone = c.Name, c.Email, c.Phone
	return nil
}

func totpAD(id int64) []byte { return keyring.AD("users", "totp_secret", fmt.Sprint(id)) }

func serverKeyAD(name string) []byte { return keyring.AD("server_keys", name) }

// sealBatch bounds the rows one step of sealing or re-wrapping takes in a
// transaction, so that a large store is converted in steps that each
// commit, and an interrupted run resumes where it stopped.
const sealBatch = 500

// sealClear seals, in steps, what was written in clear: by a version
// before issue 13, or while the store ran without a master key.
func (s *Store) sealClear(ctx context.Context) error {
	for {
		n, err := s.sealClearContacts(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	err := s.transact(ctx, s.write, "seal TOTP seeds", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, totp_secret FROM users WHERE totp_sealed IS NULL AND totp_secret <> ''`)
		type seed struct {
			id     int64
			secret string
		}
		seeds, err := collect(rows, err, "read seeds", func(sc scanner) (seed, error) {
			var v seed
			return v, sc.Scan(&v.id, &v.secret)
		})
		if err != nil || len(seeds) == 0 {
			return err
		}
		dek, _, err := s.dataKey(ctx, tx, accountsKey, true)
		if err != nil {
			return err
		}
		for _, v := range seeds {
			sealed, err := keyring.Seal(dek, []byte(v.secret), totpAD(v.id))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE users SET totp_secret = '', totp_sealed = ? WHERE id = ? AND totp_sealed IS NULL`), sealed, v.id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.sealClearPendingSeeds(ctx); err != nil {
		return err
	}
	return s.transact(ctx, s.write, "seal server keys", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.rebind(`SELECT name, key FROM server_keys WHERE sealed = ?`), false)
		type named struct {
			name string
			key  []byte
		}
		clear, err := collect(rows, err, "read server keys", func(sc scanner) (named, error) {
			var v named
			return v, sc.Scan(&v.name, &v.key)
		})
		if err != nil || len(clear) == 0 {
			return err
		}
		dek, _, err := s.dataKey(ctx, tx, serverKey, true)
		if err != nil {
			return err
		}
		for _, v := range clear {
			sealed, err := keyring.Seal(dek, v.key, serverKeyAD(v.name))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE server_keys SET key = ?, sealed = ? WHERE name = ? AND sealed = ?`), sealed, true, v.name, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// sealClearContacts seals one step of clear contact fields; n is how many
// it sealed.
func (s *Store) sealClearContacts(ctx context.Context) (n int, err error) {
	err = s.transact(ctx, s.write, "seal contacts", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.rebind(`SELECT id, reporter_name, reporter_email, reporter_phone FROM reports
			WHERE contact IS NULL AND (reporter_name <> '' OR reporter_email <> '' OR reporter_phone <> '') LIMIT ?`), sealBatch)
		reports, err := collect(rows, err, "read contacts", func(sc scanner) (*report.Report, error) {
			r := new(report.Report)
			return r, sc.Scan(&r.ID, &r.Reporter.Name, &r.Reporter.Email, &r.Reporter.Phone)
		})
		if err != nil {
			return err
		}
		for _, r := range reports {
			// The key is made as any other (and, on PostgreSQL, agreed
			// on if two instances upgrade at once) before sealing with it.
			dek, _, err := s.dataKey(ctx, tx, reportKey(r.ID), true)
			if err != nil {
				return err
			}
			plain, err := json.Marshal(contact{r.Reporter.Name, r.Reporter.Email, r.Reporter.Phone})
			if err != nil {
				return err
			}
			sealed, err := keyring.Seal(dek, plain, contactAD(r.ID))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE reports SET contact = ?, reporter_name = '', reporter_email = '', reporter_phone = ''
				WHERE id = ? AND contact IS NULL`), sealed, r.ID); err != nil {
				return err
			}
		}
		n = len(reports)
		return nil
	})
	return n, err
}

// Rewrap re-wraps every data key under next, in steps that each commit:
// a run that stops (a crash, ^C) leaves some keys under the old master key
// and some under next, both of which the store then needs, and running it
// again finishes the work. Data is not touched: only the keys are. The
// store must have been opened with the master keys that wrap its keys now.
// progress, when not nil, is called after each step with the keys done
// and the total. It returns how many keys it re-wrapped.
func (s *Store) Rewrap(ctx context.Context, next keyring.Wrapper, progress func(done, total int64)) (done int64, err error) {
	defer s.Guard(&err)
	if s.keys == nil {
		return 0, ErrMasterKeyNeeded
	}
	var total int64
	if err := s.read.QueryRowContext(ctx, s.rebind(`SELECT count(*) FROM data_keys WHERE kek_id <> ?`), next.KeyID()).Scan(&total); err != nil {
		return 0, fmt.Errorf("count data keys: %w", err)
	}
	for {
		var n int64
		err := s.transact(ctx, s.write, "rewrap data keys", func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, s.rebind(`SELECT name, kek_id, wrapped FROM data_keys WHERE kek_id <> ? ORDER BY name LIMIT ?`), next.KeyID(), sealBatch)
			type row struct {
				name, kek string
				wrapped   []byte
			}
			batch, err := collect(rows, err, "read data keys", func(sc scanner) (row, error) {
				var v row
				return v, sc.Scan(&v.name, &v.kek, &v.wrapped)
			})
			if err != nil {
				return err
			}
			for _, v := range batch {
				dek, err := s.unwrap(v.name, v.kek, v.wrapped)
				if err != nil {
					return err
				}
				wrapped, err := next.Wrap(dek, dataKeyAD(v.name))
				if err != nil {
					return fmt.Errorf("wrap data key %s: %w", v.name, err)
				}
				if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE data_keys SET kek_id = ?, wrapped = ? WHERE name = ? AND kek_id = ?`),
					next.KeyID(), wrapped, v.name, v.kek); err != nil {
					return err
				}
			}
			n = int64(len(batch))
			return nil
		})
		if err != nil {
			return done, err
		}
		if n == 0 {
			break
		}
		done += n
		if progress != nil {
			progress(done, total)
		}
	}
	return done, nil
}

// sealClearPendingSeeds seals the seeds that enrolment links of an older
// store offered in clear, and drops the passkey ceremonies under way
// (five minutes long at most: whoever was in one starts it again).
func (s *Store) sealClearPendingSeeds(ctx context.Context) error {
	return s.transact(ctx, s.write, "seal offered seeds", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.rebind(`SELECT token_hash, totp_secret FROM enrolments WHERE totp_secret <> '' AND totp_secret NOT LIKE ?`), sealedTextPrefix+"%")
		type offer struct {
			hash   []byte
			secret string
		}
		offers, err := collect(rows, err, "read offered seeds", func(sc scanner) (offer, error) {
			var v offer
			return v, sc.Scan(&v.hash, &v.secret)
		})
		if err != nil {
			return err
		}
		for _, v := range offers {
			sealed, err := s.sealText(ctx, tx, enrolmentSeedAD(v.hash), v.secret)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE enrolments SET totp_secret = ? WHERE token_hash = ?`), sealed, v.hash); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, s.rebind(`DELETE FROM passkey_ceremonies WHERE session NOT LIKE ?`), sealedTextPrefix+"%")
		return err
	})
}
