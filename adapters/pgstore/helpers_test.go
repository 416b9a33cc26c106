package pgstore_test

import (
	"context"
	"testing"

	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/adapters/pgstore/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// open returns a migrated store on dsn, closed at cleanup.
func open(t testing.TB, dsn string, cfg pgstore.Config) *pgstore.Store {
	t.Helper()
	ctx := context.Background()
	s, err := pgstore.Open(ctx, dsn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// newStore returns a migrated store on a fresh database.
func newStore(t testing.TB) *pgstore.Store { return open(t, pgtest.DSN(t), pgstore.Config{}) }
