package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/postgres"
	"github.com/palja/palja/storage/postgres/pgtest"
	"github.com/palja/palja/storage/storetest"
)

// TestConformance runs the storage conformance suite on PostgreSQL: each
// test in a schema of its own of the server at PALJA_TEST_DATABASE_URL.
func TestConformance(t *testing.T) {
	pgtest.ServerURL(t)
	storetest.Run(t, func(t *testing.T) storetest.Database {
		u, schema := pgtest.Schema(t)
		return conformanceDB{url: u, schema: schema}
	})
}

type conformanceDB struct{ url, schema string }

func (d conformanceDB) Open(kr *crypto.Keyring, now func() time.Time) (storetest.Handle, error) {
	db, err := postgres.Open(context.Background(), d.url, kr, postgres.Options{Now: now})
	if err != nil {
		return nil, err
	}
	return conformanceHandle{db}, nil
}

// Raw is every value of every table of the test's schema.
func (d conformanceDB) Raw() ([]byte, error) {
	return pgtest.Raw(context.Background(), d.url, d.schema)
}

type conformanceHandle struct{ *postgres.DB }

func (h conformanceHandle) Profiles() profile.Store  { return h.DB.Profiles() }
func (h conformanceHandle) Keys() storetest.KeyStore { return h.DB }
