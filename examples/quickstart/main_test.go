package main

import (
	"context"
	"testing"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/adapters/pgstore/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The quickstart is documentation that must keep running: on the
// in-memory store, and on PostgreSQL as `-dsn` runs it.
func TestQuickstartMemstore(t *testing.T) {
	if err := run(context.Background(), memstore.New()); err != nil {
		t.Fatal(err)
	}
}

func TestQuickstartPostgres(t *testing.T) {
	ctx := context.Background()
	pg, err := pgstore.Open(ctx, pgtest.DSN(t), pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if err := pg.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, pg); err != nil {
		t.Fatal(err)
	}
}
