package sealed

import (
	"time"

	"github.com/palja/palja/profile"
)

// Update is the step of every backend's [profile.Store] Update between
// reading the profile p of account and sealing it again: it runs fn on p
// and then sets what the store owns, whatever fn did to it (the id, the
// account and the creation time kept, the version one more, UpdatedAt now
// in whole seconds). fn's error is returned as it is, and the backend then
// writes nothing.
func Update(p *profile.Profile, account string, now time.Time, fn func(*profile.Profile) error) error {
	id, version, created := p.ID, p.Version, p.CreatedAt
	if err := fn(p); err != nil {
		return err
	}
	p.ID, p.AccountID, p.CreatedAt = id, account, created
	p.Version = version + 1
	p.UpdatedAt = time.Unix(now.Unix(), 0).UTC()
	return nil
}
