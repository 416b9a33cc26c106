// Package pgtest gives tests a PostgreSQL database, the way net/http/httptest
// gives them a server. Start with DSN (a fresh, empty database) and Main
// (for TestMain):
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		dsn := pgtest.DSN(t) // skips when no PostgreSQL is available
//		…
//	}
//
// Where the database comes from, in order:
//
//   - OMS_PG_DSN: an existing server. The role needs CREATEDB; each test gets
//     a database named omstest_… that is dropped at cleanup.
//   - Otherwise a throwaway cluster started once per test binary from
//     initdb and postgres found on PATH or under /usr/lib/postgresql/*/bin
//     (see FindBinDir), in a temporary directory, on a free loopback port,
//     with fsync off. Running as root, the server runs as the "postgres"
//     account (or OMS_PG_USER, or "nobody"), since PostgreSQL refuses root.
//     Main stops it and removes its directory after the tests.
//
// Without either, tests skip with a one-line reason; with OMS_REQUIRE_PG=1
// they fail instead, so CI never passes by skipping.
package pgtest
