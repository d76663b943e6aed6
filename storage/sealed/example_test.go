package sealed_test

import (
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/sealed"
)

// Example shows what a backend writes itself (here, maps) and what it
// leaves to a Sealer: a create with an Idempotency-Key, its retry, and a
// read.
func Example() {
	key := sha256.Sum256([]byte("example key"))
	kr, _ := crypto.NewKeyring("k1", map[crypto.KeyID][]byte{"k1": key[:]})
	s := sealed.NewSealer(kr)
	var buf sealed.Buffers // one per writing goroutine

	rows := map[string]sealed.Row{}                     // profiles by id
	idemKeys := map[string]sealed.IdempotencyRecord{}   // by Idempotency-Key
	now := time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC) // the store's clock

	create := func(p *profile.Profile, idem *profile.Idempotency) (id string, replayed bool, err error) {
		var rec *sealed.IdempotencyRecord
		if r, ok := idemKeys[idem.Key]; ok {
			rec = &r
		}
		if id, err := s.Replay(&buf, p.AccountID, idem, rec, now.Unix()); err != nil || id != "" {
			return id, id != "", err
		}
		ct, err := s.SealProfile(&buf, p)
		if err != nil {
			return "", false, err
		}
		rows[p.ID] = sealed.Row{ID: p.ID, Sealed: append([]byte(nil), ct...), Version: p.Version,
			CreatedAt: p.CreatedAt.Unix(), UpdatedAt: p.UpdatedAt.Unix()}
		fp := s.SealFingerprint(&buf, p.AccountID, idem)
		idemKeys[idem.Key] = sealed.IdempotencyRecord{Fingerprint: append([]byte(nil), fp...), ProfileID: p.ID, CreatedAt: now.Unix()}
		return p.ID, false, nil
	}

	patch := profile.Patch{
		Name:       profile.Opt[string]{Set: true, V: "김영희"},
		BirthYear:  profile.Opt[int]{Set: true, V: 1990},
		BirthMonth: profile.Opt[int]{Set: true, V: 5},
		BirthDay:   profile.Opt[int]{Set: true, V: 15},
		BirthHour:  profile.Opt[int]{Set: true, V: 10},
	}
	idem := &profile.Idempotency{Key: "create-1", Fingerprint: [32]byte{1}}
	for range 2 {
		p, _ := profile.New("acct_example", &patch, now)
		id, replayed, err := create(p, idem)
		fmt.Println(id == p.ID, replayed, err)
	}
	for id := range rows {
		r := rows[id]
		p, err := s.OpenProfile(nil, "acct_example", &r)
		fmt.Println(p.Name, p.Chart.Day, p.Chart.Hour, err)
		_, err = s.OpenProfile(nil, "acct_other", &r)
		fmt.Println(err != nil)
	}
	// Output:
	// true false <nil>
	// false true <nil>
	// 김영희 경진 신사 <nil>
	// true
}
