package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultBinDirs are searched, in order after PATH, for initdb and
// postgres. The newest major version is tried first. OMS_PG_BINDIRS
// (a list separated by os.PathListSeparator, globs allowed) replaces it;
// set and empty, only PATH is searched.
var DefaultBinDirs = []string{"/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin"}

// ErrNoBinaries reports that initdb and postgres were not found. Tests
// skip on it unless OMS_REQUIRE_PG=1.
var ErrNoBinaries = errors.New("pgtest: no PostgreSQL binaries (initdb, postgres) on PATH or in " + strings.Join(DefaultBinDirs, ", "))

// Config configures a throwaway server. The zero value is usable.
type Config struct {
	// BinDir holds initdb and postgres; "" searches PATH, then
	// OMS_PG_BINDIRS or DefaultBinDirs.
	BinDir string
	// User is the operating-system account that runs the server when the
	// current process is root (PostgreSQL refuses to run as root). ""
	// means OMS_PG_USER, else "postgres" if that account exists, else
	// "nobody".
	User string
	// Settings are extra postgresql.conf lines (name → value, quoted as
	// needed). They override the defaults, which favour speed over
	// durability for throwaway data: fsync, synchronous_commit and
	// full_page_writes off (set them to "on" to measure durable commits).
	Settings map[string]string
}

// Server is a PostgreSQL cluster in a temporary directory, listening on a
// free loopback TCP port, with trust authentication for the superuser
// "postgres". Stop removes it.
type Server struct {
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{}
	// waitErr is set before done closes.
	waitErr error
}

// FindBinDir returns the directory holding initdb and postgres: PATH
// first (following symlinks to the real bin directory), then
// OMS_PG_BINDIRS or DefaultBinDirs. It returns ErrNoBinaries when none.
// pg_ctl is not needed: the server runs as a child process, so that it
// dies with the tests even when they crash.
func FindBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			if hasServer(filepath.Dir(real)) {
				return filepath.Dir(real), nil
			}
		}
		if hasServer(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	dirs := DefaultBinDirs
	if v, ok := os.LookupEnv("OMS_PG_BINDIRS"); ok {
		dirs = filepath.SplitList(v)
	}
	for _, pattern := range dirs {
		matches, _ := filepath.Glob(pattern)
		// Newest version first: /usr/lib/postgresql/16/bin before 15.
		sort.Slice(matches, func(i, j int) bool { return versionKey(matches[i]) > versionKey(matches[j]) })
		for _, m := range matches {
			if hasServer(m) {
				return m, nil
			}
		}
	}
	return "", ErrNoBinaries
}

func versionKey(dir string) int {
	for _, part := range strings.Split(dir, string(filepath.Separator)) {
		if n, err := strconv.Atoi(part); err == nil {
			return n
		}
	}
	return 0
}

func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// runAs returns the credential to run the server with: nil when not root.
func runAs(name string) (*syscall.Credential, string, error) {
	if os.Geteuid() != 0 {
		return nil, "", nil
	}
	var candidates []string
	switch {
	case name != "":
		candidates = []string{name}
	case os.Getenv("OMS_PG_USER") != "":
		candidates = []string{os.Getenv("OMS_PG_USER")}
	default:
		candidates = []string{"postgres", "nobody"}
	}
	for _, c := range candidates {
		u, err := user.Lookup(c)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, c, nil
	}
	return nil, "", fmt.Errorf("pgtest: running as root and no unprivileged account among %v to run PostgreSQL", candidates)
}

// Start initialises (initdb) and starts (postgres) a throwaway cluster.
// The server also receives SIGQUIT (immediate shutdown) if this process
// dies without calling Stop; its directory then stays behind.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	bin := cfg.BinDir
	if bin == "" {
		var err error
		if bin, err = FindBinDir(); err != nil {
			return nil, err
		}
	}
	cred, account, err := runAs(cfg.User)
	if err != nil {
		return nil, err
	}
	parent := os.TempDir()
	if cred != nil && !traversable(parent) {
		parent = "/tmp" // the server's account must reach its directory
	}
	dir, err := os.MkdirTemp(parent, "pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir}
	fail := func(err error) (*Server, error) {
		s.Stop()
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fail(fmt.Errorf("pgtest: chown %s to %s: %w", dir, account, err))
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
	initdb.Dir = dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Env = append(os.Environ(), "LC_ALL=C")
	if out, err := initdb.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("pgtest: initdb (as %q): %w\n%s", account, err, out))
	}
	settings := map[string]string{
		"listen_addresses":        "'127.0.0.1'",
		"unix_socket_directories": "''",
		"max_connections":         "200",
		"fsync":                   "off",
		"synchronous_commit":      "off",
		"full_page_writes":        "off",
		"logging_collector":       "off",
		"log_min_messages":        "fatal",
	}
	for k, v := range cfg.Settings {
		settings[k] = v
	}
	var conf strings.Builder
	conf.WriteString("\n# pgtest\n")
	for k, v := range settings {
		fmt.Fprintf(&conf, "%s = %s\n", k, v)
	}
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fail(err)
	}
	_, err = f.WriteString(conf.String())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(err)
	}
	// A free port can be taken between the probe and the bind: retry.
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return fail(err)
		}
		err = s.launch(ctx, bin, data, port, cred)
		if err == nil {
			return s, nil
		}
		if attempt == 2 {
			return fail(fmt.Errorf("pgtest: start postgres (as %q): %w", account, err))
		}
	}
}

// traversable reports whether any account may pass through dir and each of
// its parents.
func traversable(dir string) bool {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) launch(ctx context.Context, bin, data string, port int, cred *syscall.Credential) error {
	logPath := filepath.Join(s.dir, "postgres.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port))
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	// Pdeathsig fires when the starting OS thread exits, not the process:
	// start and wait from one goroutine locked to its thread, so the thread
	// lives exactly as long as the server is wanted.
	done, started := make(chan struct{}), make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		s.waitErr = cmd.Wait()
		close(done)
	}()
	if err := <-started; err != nil {
		return err
	}
	s.cmd, s.port, s.done = cmd, port, done
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-s.done:
			out, _ := os.ReadFile(logPath)
			s.cmd = nil
			return fmt.Errorf("postgres exited: %v\n%s", s.waitErr, out)
		case <-ctx.Done():
			s.Stop()
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		c, err := pgx.Connect(ctx, s.DSN("postgres"))
		if err == nil {
			c.Close(ctx)
			return nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("postgres did not accept connections within 60s: %w", err)
		}
	}
}

// DSN returns a connection string for database db as the superuser.
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// Port returns the TCP port the server listens on.
func (s *Server) Port() int { return s.port }

// Dir returns the temporary directory that holds the cluster and its log.
func (s *Server) Dir() string { return s.dir }

// Stop shuts the server down (fast shutdown, then SIGKILL after 10s) and
// removes its directory. It is safe to call more than once.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.done
		}
		s.cmd = nil
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
		s.dir = ""
	}
}
