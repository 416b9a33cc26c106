package pgstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/adapters/pgstore/pgtest"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/oms/storetest"
)

// A Store made by New works on the caller's pool and leaves it open on
// Close; the pool can carry another Store.
func TestNewLeavesPoolToCaller(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s := pgstore.New(pool)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	o := storetest.Order(1)
	insert(t, s, &o)
	s.Close()
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("the caller's pool after Store.Close: %v", err)
	}
	if got, err := pgstore.New(pool).Get(ctx, o.ID); err != nil || got.ID != o.ID {
		t.Fatalf("Get through a second Store on the pool: %+v, %v", got, err)
	}
}

// Config.MaxConns bounds Open's pool: with one connection held by a unit
// of work, a read waits, and gives up when its context ends. A store that
// Open built refuses calls after Close.
func TestOpenMaxConnsAndClose(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, pgtest.DSN(t), pgstore.Config{MaxConns: 1})
	o := storetest.Order(1)
	insert(t, s, &o)
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Do(ctx, func(tx oms.Tx) error {
			if _, err := tx.Get(ctx, o.ID); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := s.Get(wctx, o.ID); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get while the only connection is in use: %v, want context.DeadlineExceeded", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, o.ID); err != nil {
		t.Fatalf("Get once the connection is free: %v", err)
	}
	s.Close()
	if _, err := s.Get(ctx, o.ID); err == nil {
		t.Fatal("Get succeeded on a closed store")
	}
}
