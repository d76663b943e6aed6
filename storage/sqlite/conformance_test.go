package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/storetest"
)

// TestConformance runs the storage conformance suite on SQLite files.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Database {
		return conformanceDB{path: filepath.Join(t.TempDir(), "palja.db")}
	})
}

type conformanceDB struct{ path string }

func (d conformanceDB) Open(kr *crypto.Keyring, now func() time.Time) (storetest.Handle, error) {
	db, err := Open(context.Background(), d.path, kr, Options{Now: now})
	if err != nil {
		return nil, err
	}
	return conformanceHandle{db}, nil
}

// Raw is the database file and its WAL.
func (d conformanceDB) Raw() ([]byte, error) {
	var all []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(d.path + suffix)
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		all = append(all, b...)
	}
	return all, nil
}

type conformanceHandle struct{ *DB }

func (h conformanceHandle) Profiles() profile.Store  { return h.DB.Profiles() }
func (h conformanceHandle) Keys() storetest.KeyStore { return h.DB }
