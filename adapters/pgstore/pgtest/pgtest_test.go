package pgtest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/azuvio/omnisales/adapters/pgstore/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestDBIsFreshAndUsable(t *testing.T) {
	ctx := context.Background()
	a, err := pgx.Connect(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	b, err := pgx.Connect(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	if _, err := a.Exec(ctx, "CREATE TABLE t (x int)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 't'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("a table created in one test database is visible in another")
	}
	var user string
	if err := a.QueryRow(ctx, "SELECT current_user").Scan(&user); err != nil || user != "postgres" {
		t.Fatalf("current_user = %q, %v", user, err)
	}
}

func TestWithDatabase(t *testing.T) {
	cases := map[string]string{
		"postgres://u:p@h:5/postgres?sslmode=disable": "postgres://u:p@h:5/x?sslmode=disable",
		"host=h user=u dbname=postgres":               "host=h user=u dbname=postgres dbname=x",
	}
	for in, want := range cases {
		if got := pgtest.WithDatabase(in, "x"); got != want {
			t.Errorf("WithDatabase(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNoServer runs this test binary again with no binaries reachable and
// OMS_PG_DSN unset: the database test must skip with one line, and fail
// when OMS_REQUIRE_PG=1.
func TestNoServer(t *testing.T) {
	if os.Getenv("PGTEST_CHILD") == "1" {
		return
	}
	run := func(require string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDBIsFreshAndUsable$", "-test.v", "-test.count=1")
		env := []string{"PGTEST_CHILD=1", "PATH=", "OMS_PG_BINDIRS=", "HOME=" + os.TempDir()}
		if require != "" {
			env = append(env, "OMS_REQUIRE_PG="+require)
		}
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("")
	if err != nil || !strings.Contains(out, "--- SKIP: TestDBIsFreshAndUsable") || !strings.Contains(out, "no PostgreSQL binaries found") {
		t.Fatalf("without PostgreSQL: want a skip, got err=%v\n%s", err, out)
	}
	out, err = run("1")
	if err == nil || !strings.Contains(out, "--- FAIL: TestDBIsFreshAndUsable") {
		t.Fatalf("with OMS_REQUIRE_PG=1: want a failure, got err=%v\n%s", err, out)
	}
}
