package memory_test

import (
	"testing"
	"time"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/memory"
	"github.com/palja/palja/storage/storetest"
)

// TestConformance runs the storage conformance suite on the in-memory
// backend.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Database { return database{memory.New()} })
}

type database struct{ db *memory.Database }

func (d database) Open(kr *crypto.Keyring, now func() time.Time) (storetest.Handle, error) {
	s, err := d.db.Open(kr, now)
	if err != nil {
		return nil, err
	}
	return handle{s}, nil
}

func (d database) Raw() ([]byte, error) { return d.db.Raw(), nil }

type handle struct{ *memory.Store }

func (h handle) Profiles() profile.Store  { return h.Store }
func (h handle) Keys() storetest.KeyStore { return h.Store }
