// Package pgtest starts throwaway PostgreSQL servers for tests.
//
// Each Server is a private PostgreSQL instance (Debian package postgresql)
// with its own data folder, Unix socket and log, all inside one folder (on
// /dev/shm when it exists), listening on a free port of 127.0.0.1 only, with
// durability turned off (fsync, synchronous_commit and full_page_writes are
// off). The superuser is User ("poller"), authenticated by trust: URLs carry
// no password. Several servers can run at once, so tests using them may call
// t.Parallel.
//
// Use Start for a server per test, or a Shared for one server per test binary
// with a fresh database per test (NewDatabase); see Shared for the TestMain
// pattern.
//
// PostgreSQL refuses to run as root: when the tests run as root, initdb and
// postgres run as the system user postgres (created by the Debian package),
// which owns the instance folder; otherwise they run as the current user.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// User is the superuser of every Server; it owns the databases from
// NewDatabase.
const User = "poller"

const (
	// startTimeout bounds how long New waits for the server to accept
	// connections.
	startTimeout = 30 * time.Second
	// stopTimeout bounds how long Close waits after SIGINT before it kills
	// the whole process group, and then again after SIGKILL.
	stopTimeout = 10 * time.Second
	// startAttempts is how many times New picks a new port when the port
	// turned out to be taken.
	startAttempts = 3
	// installHint is the message for a missing PostgreSQL.
	installHint = "apt-get install postgresql"
)

// ErrUnavailable is wrapped by the error of New when PostgreSQL cannot run
// here (binaries missing, or running as root without a postgres user).
var ErrUnavailable = errors.New("pgtest: PostgreSQL not available (" + installHint + ")")

// Server is a throwaway PostgreSQL instance for tests.
type Server struct {
	Addr   string // "127.0.0.1:PORT"
	Port   int
	Dir    string // the instance folder: data/ (PGDATA), the Unix socket and postgres.log
	BinDir string // the folder of the PostgreSQL programs (psql, pg_dump, ...)

	logPath string
	owner   *syscall.Credential // nil: run as the current user

	cmd  *exec.Cmd
	done chan struct{} // closed when the postmaster has exited

	seq atomic.Uint64 // for database names

	closeOnce sync.Once
	closeErr  error
	closed    atomic.Bool
}

// Available reports whether PostgreSQL can be started here: its programs are
// installed (the newest /usr/lib/postgresql/*/bin, else PATH) and, when
// running as root, the postgres user exists.
func Available() bool {
	_, err := check()
	return err == nil
}

// check returns the binaries folder, or an error wrapping ErrUnavailable.
func check() (string, error) {
	dir, err := binDir()
	if err != nil {
		return "", err
	}
	if os.Geteuid() == 0 {
		if _, err := postgresUser(); err != nil {
			return "", fmt.Errorf("%w: running as root, and %v", ErrUnavailable, err)
		}
	}
	return dir, nil
}

// programs are the programs the package runs.
var programs = []string{"initdb", "postgres", "pg_isready", "psql"}

// binDir returns the newest /usr/lib/postgresql/VERSION/bin holding all the
// programs, else the folder of initdb in PATH if it holds them all.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sortNewestFirst(dirs)
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, d := range dirs {
		if hasPrograms(d) {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w: no folder with %s in /usr/lib/postgresql/*/bin or PATH",
		ErrUnavailable, strings.Join(programs, ", "))
}

// hasPrograms reports whether dir holds every program as an executable.
func hasPrograms(dir string) bool {
	for _, p := range programs {
		fi, err := os.Stat(filepath.Join(dir, p))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// sortNewestFirst sorts /usr/lib/postgresql/VERSION/bin paths by VERSION
// ("9.6", "15", "16"), compared numerically, newest first.
func sortNewestFirst(dirs []string) {
	version := func(d string) []int {
		var v []int
		for _, f := range strings.Split(filepath.Base(filepath.Dir(d)), ".") {
			n, err := strconv.Atoi(f)
			if err != nil {
				n = -1
			}
			v = append(v, n)
		}
		return v
	}
	sort.SliceStable(dirs, func(i, j int) bool {
		a, b := version(dirs[i]), version(dirs[j])
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] > b[k]
			}
		}
		return len(a) > len(b)
	})
}

// postgresUser returns the credentials of the system user postgres.
func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("looking up user postgres: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("user postgres has a non-numeric uid %q or gid %q", u.Uid, u.Gid)
	}
	if uid == 0 {
		return nil, errors.New("user postgres has uid 0")
	}
	// Groups empty: drop root's supplementary groups.
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
}

// Start starts a server for t and closes it in t.Cleanup (see Close).
//
// When PostgreSQL is not available (see Available), Start fails the test if
// the CI environment variable is "true" and skips it otherwise. Any other
// failure fails the test with the failing command and its output.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := New()
	if err != nil {
		fail(t, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("%v", err)
		}
	})
	return s
}

// fail skips t for an ErrUnavailable error outside CI, and fails it
// otherwise.
func fail(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrUnavailable) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		t.Skipf("%v; skipping the PostgreSQL tests", err)
	}
	t.Fatalf("%v", err)
}

// New starts a server outside of any test, for a TestMain; the caller must
// Close it. Prefer Start in a test and Shared in a TestMain. It returns an
// error wrapping ErrUnavailable when PostgreSQL is not available, and an
// error naming the failing command and its output when initdb or postgres
// fail. It returns once the server accepts connections.
func New() (*Server, error) {
	bin, err := check()
	if err != nil {
		return nil, err
	}
	s := &Server{BinDir: bin}
	if os.Geteuid() == 0 {
		if s.owner, err = postgresUser(); err != nil {
			return nil, fmt.Errorf("pgtest: %w", err)
		}
	}
	if s.Dir, err = instanceDir(s.owner); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s.logPath = filepath.Join(s.Dir, "postgres.log")
	if err := s.initdb(); err != nil {
		os.RemoveAll(s.Dir)
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		retry, err := s.launch()
		if err == nil {
			return s, nil
		}
		if !retry || attempt == startAttempts {
			os.RemoveAll(s.Dir)
			return nil, fmt.Errorf("%w\n--- postgres log (last 40 lines) ---\n%s", err, s.LogTail(40))
		}
	}
}

// instanceDir creates the instance folder, on /dev/shm when possible, 0755
// so that the postgres user can reach it, and owned by owner if not nil (the
// server writes its socket and lock files there).
func instanceDir(owner *syscall.Credential) (string, error) {
	parent := os.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		parent = "/dev/shm"
	}
	dir, err := os.MkdirTemp(parent, "pgtest-")
	if err != nil && parent != os.TempDir() {
		dir, err = os.MkdirTemp("", "pgtest-")
	}
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	if owner != nil {
		if err := os.Chown(dir, int(owner.Uid), int(owner.Gid)); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}

// command returns a command for the PostgreSQL program prog, run as the
// instance owner, in the instance folder, without the caller's PG*
// environment variables (PGHOST, PGOPTIONS, ... would override or add to
// the settings of the harness).
func (s *Server) command(ctx context.Context, asOwner bool, prog string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.BinDir, prog), args...)
	cmd.Dir = s.Dir
	env := []string{"LC_ALL=C"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "LC_") && !strings.HasPrefix(kv, "LANG=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	if asOwner && s.owner != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.owner}
	}
	return cmd
}

// initdb creates the cluster in Dir/data.
func (s *Server) initdb() error {
	cmd := s.command(context.Background(), true, "initdb",
		"-D", filepath.Join(s.Dir, "data"), "-U", User, "-A", "trust",
		"-E", "UTF8", "--no-locale", "--no-sync")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: %s: %v\n%s", cmdline(cmd), err, bytes.TrimSpace(out))
	}
	return nil
}

// cmdline renders cmd for error messages.
func cmdline(cmd *exec.Cmd) string {
	return strings.Join(cmd.Args, " ")
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// launch starts the postmaster on a fresh port and waits until it accepts
// connections. retry reports whether the failure looks like a port
// collision worth another attempt; the process is stopped on error.
func (s *Server) launch() (retry bool, err error) {
	if s.Port, err = freePort(); err != nil {
		return false, fmt.Errorf("pgtest: %w", err)
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port))

	// stdout and stderr (the server log) go to postgres.log, opened here so
	// that it need not be writable by the postgres user. stdin is /dev/null.
	logf, err := os.OpenFile(s.logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return false, fmt.Errorf("pgtest: %w", err)
	}
	cmd := s.command(context.Background(), true, "postgres",
		"-D", filepath.Join(s.Dir, "data"), "-k", s.Dir, "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port),
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	cmd.Stdout = logf
	cmd.Stderr = logf
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// Own process group: a Ctrl-C in the terminal does not reach it, and
	// the SIGKILL fallback reaches the backends too. Pdeathsig: a fast
	// shutdown when the test binary dies without cleaning up (timeout
	// panic, SIGKILL); the folder is left behind then.
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGINT
	err = cmd.Start()
	logf.Close()
	if err != nil {
		return false, fmt.Errorf("pgtest: starting %s: %w", cmdline(cmd), err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.cmd, s.done = cmd, done

	if err := s.waitReady(); err != nil {
		s.signalUntilGone(syscall.SIGKILL, stopTimeout)
		return strings.Contains(s.LogTail(100), "Address already in use"),
			fmt.Errorf("pgtest: %s: %w", cmdline(cmd), err)
	}
	return false, nil
}

// waitReady waits until the port accepts TCP connections, then until
// pg_isready reports that the server accepts sessions (it may still be
// starting up).
func (s *Server) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	exited := func() error {
		select {
		case <-s.done:
			return fmt.Errorf("postgres exited during startup (%v)", s.cmd.ProcessState)
		default:
			return nil
		}
	}
	for {
		if err := exited(); err != nil {
			return err
		}
		c, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not accepting connections after %v: %v", s.Addr, startTimeout, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for {
		if err := exited(); err != nil {
			return err
		}
		cmd := s.command(context.Background(), false, "pg_isready",
			"-q", "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-U", User, "-d", "postgres", "-t", "2")
		err := cmd.Run()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %v: %v", cmdline(cmd), startTimeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Close stops the server with a fast shutdown (SIGINT to the postmaster:
// open sessions are ended) and waits until it has exited, killing its
// process group if that takes more than 10 s, then removes Dir. Calling it
// again returns the first result. Start calls it in t.Cleanup.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		var errs []error
		if s.cmd != nil && s.cmd.Process != nil {
			if !s.signalUntilGone(syscall.SIGINT, stopTimeout) {
				errs = append(errs, fmt.Errorf("pgtest: postgres did not stop within %v of SIGINT; killed it\n%s", stopTimeout, s.LogTail(20)))
				s.signalUntilGone(syscall.SIGKILL, stopTimeout)
			}
		}
		if err := os.RemoveAll(s.Dir); err != nil {
			errs = append(errs, fmt.Errorf("pgtest: removing %s: %w", s.Dir, err))
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// signalUntilGone sends sig to the postmaster (SIGKILL: to its whole process
// group) and waits until it has exited, for at most timeout. It reports
// whether it exited.
func (s *Server) signalUntilGone(sig syscall.Signal, timeout time.Duration) bool {
	pid := s.cmd.Process.Pid
	if sig == syscall.SIGKILL {
		pid = -pid
	}
	_ = syscall.Kill(pid, sig)
	select {
	case <-s.done:
		if sig == syscall.SIGKILL {
			_ = syscall.Kill(pid, sig) // backends left behind by a killed postmaster
		}
		return true
	case <-time.After(timeout):
		return false
	}
}

// URL returns the URL of database db on the server, as user User without a
// password: "postgres://poller@127.0.0.1:PORT/DB?sslmode=disable".
func (s *Server) URL(db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(User),
		Host:     s.Addr,
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// NewDatabase creates an empty database (a copy of template1, owned by User)
// with a name unique on this server, derived from t.Name() (e.g.
// "testfoo_sub_3"), and returns its URL (see URL). The database is dropped
// in t.Cleanup, ending any session still open on it, unless the server has
// been closed by then; so a Shared server does not pile up databases.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := s.databaseName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if _, err := s.Psql(ctx, "postgres", "CREATE DATABASE "+name); err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		if s.closed.Load() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		if _, err := s.Psql(ctx, "postgres", "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("pgtest: dropping the test database: %v", err)
		}
	})
	return s.URL(name)
}

// databaseName returns a lower-case identifier made of the letters and
// digits of testName (at most 40 bytes) and a sequence number, so that it
// needs no quoting and fits PostgreSQL's 63-byte limit.
func (s *Server) databaseName(testName string) string {
	var b strings.Builder
	under := true // no leading or doubled '_'
	for _, r := range strings.ToLower(testName) {
		if b.Len() >= 40 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9' && b.Len() > 0:
			b.WriteRune(r)
			under = false
		case !under:
			b.WriteByte('_')
			under = true
		}
	}
	name := strings.TrimSuffix(b.String(), "_")
	if name == "" {
		name = "db"
	}
	return fmt.Sprintf("%s_%d", name, s.seq.Add(1))
}

// Psql runs the SQL script sql with psql on database db (a name, "postgres"
// when empty) as User, for tests that want to set up or inspect rows without
// a Go driver. The script stops at the first error, which is returned with
// psql's output. The output is unaligned and tuples-only: one row a line,
// fields separated by '|', without the final newline (e.g. "1" for
// "SELECT 1"; a script with several statements prints the rows of each).
func (s *Server) Psql(ctx context.Context, db, sql string) (string, error) {
	if db == "" {
		db = "postgres"
	}
	cmd := s.command(ctx, false, "psql", "-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
		"-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-U", User, "-d", db, "-f", "-")
	cmd.Stdin = strings.NewReader(sql)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("pgtest: psql -d %s: %v: %s\n--- script ---\n%s",
			db, err, bytes.TrimSpace(append(stderr.Bytes(), stdout.Bytes()...)), shorten(sql, 2000))
	}
	return strings.TrimSuffix(stdout.String(), "\n"), nil
}

// shorten returns s cut to at most n bytes, marked when cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "\n[... " + strconv.Itoa(len(s)-n) + " more bytes]"
}

// LogTail returns the last n lines of the server log, for failure messages.
func (s *Server) LogTail(n int) string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(no postgres log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if n >= 0 && len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Shared is one server for a whole test binary, started by the first call
// of Server and stopped by Close; give each test its own database with
// NewDatabase. The zero value is ready to use. Declare it in the test
// package and close it after m.Run:
//
//	var pg pgtest.Shared
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		if err := pg.Close(); err != nil {
//			fmt.Fprintln(os.Stderr, err)
//		}
//		os.Exit(code)
//	}
//
//	func TestSomething(t *testing.T) {
//		t.Parallel()
//		dbURL := pg.Server(t).NewDatabase(t)
//		...
//	}
//
// A test binary none of whose selected tests call Server starts no server.
// A Shared must not be copied.
type Shared struct {
	once   sync.Once
	srv    *Server
	err    error
	closed atomic.Bool
}

// Server returns the shared server, starting it on the first call. If it
// could not be started, every call skips or fails t as Start would.
func (sh *Shared) Server(t testing.TB) *Server {
	t.Helper()
	sh.once.Do(func() {
		sh.srv, sh.err = New()
	})
	if sh.closed.Load() {
		t.Fatal("pgtest: Shared.Server called after Close")
	}
	if sh.err != nil {
		fail(t, sh.err)
	}
	return sh.srv
}

// Close stops the server if it was started (see Server.Close). Call it once
// m.Run has returned.
func (sh *Shared) Close() error {
	sh.once.Do(func() {})
	sh.closed.Store(true)
	if sh.srv == nil {
		return nil
	}
	return sh.srv.Close()
}
