package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables read by this package.
const (
	// EnvDSN names an existing server to use instead of a throwaway one.
	EnvDSN = "OMS_PG_DSN"
	// EnvRequire, when "1", turns a skip for lack of PostgreSQL into a failure.
	EnvRequire = "OMS_REQUIRE_PG"
)

var (
	sharedOnce sync.Once
	shared     *Server
	sharedDSN  string // admin DSN: OMS_PG_DSN or the shared server's
	sharedErr  error
	dbSeq      atomic.Int64
)

// Main runs the package's tests and then stops the shared throwaway server
// (if one was started). Call it from TestMain; it does not return.
func Main(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.Stop()
	}
	os.Exit(code)
}

// AdminDSN returns the DSN of the server tests use (OMS_PG_DSN or the
// shared throwaway server, started on first use), or skips t — or fails
// it when OMS_REQUIRE_PG=1 — when there is none.
func AdminDSN(t testing.TB) string {
	t.Helper()
	sharedOnce.Do(func() {
		if dsn := os.Getenv(EnvDSN); dsn != "" {
			sharedDSN = dsn
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		shared, sharedErr = Start(ctx, Config{})
		if sharedErr == nil {
			sharedDSN = shared.DSN("postgres")
		}
	})
	if sharedErr != nil {
		if errors.Is(sharedErr, ErrNoBinaries) && os.Getenv(EnvRequire) != "1" {
			t.Skipf("pgtest: skipped: %s unset and no PostgreSQL binaries found (set %s=1 to fail instead)", EnvDSN, EnvRequire)
		}
		t.Fatal(sharedErr)
	}
	return sharedDSN
}

// DSN creates a fresh, empty database for t, dropped at cleanup, and
// returns its connection string. It skips or fails like AdminDSN.
func DSN(t testing.TB) string {
	t.Helper()
	admin := AdminDSN(t)
	ctx := context.Background()
	name := fmt.Sprintf("omstest_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, dbSeq.Add(1))
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", redact(admin), err)
	}
	defer conn.Close(ctx)
	// Names are generated here, never from input: quoting via Identifier
	// keeps it that way if that ever changes.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE template0"); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return WithDatabase(admin, name)
}

// WithDatabase returns dsn (URL or keyword/value form) pointing at db.
func WithDatabase(dsn, db string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			u.Path = "/" + db
			u.RawPath = ""
			return u.String()
		}
	}
	// In keyword/value form a later key overrides an earlier one.
	return dsn + " dbname=" + db
}

// redact hides a password in a DSN for error messages.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		return u.String()
	}
	if strings.Contains(dsn, "password") {
		return "(dsn with password)"
	}
	return dsn
}
