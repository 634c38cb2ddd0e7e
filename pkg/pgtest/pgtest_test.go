package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dbName returns the database name of a URL from NewDatabase.
func dbName(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

// psql runs sql on db and fails t on error.
func psql(t *testing.T, s *Server, db, sql string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := s.Psql(ctx, db, sql)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestServer(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	s := Start(t)
	t1 := time.Now()
	url1 := s.NewDatabase(t)
	t2 := time.Now()
	url2 := s.NewDatabase(t)
	t.Logf("start %v, NewDatabase %v and %v", t1.Sub(t0).Round(time.Millisecond),
		t2.Sub(t1).Round(time.Millisecond), time.Since(t2).Round(time.Millisecond))

	db1, db2 := dbName(t, url1), dbName(t, url2)
	if db1 == db2 || url1 == url2 {
		t.Fatalf("NewDatabase returned the same database twice: %s, %s", url1, url2)
	}
	for _, u := range []string{url1, url2} {
		want := "postgres://poller@127.0.0.1:" + strconv.Itoa(s.Port) + "/" + dbName(t, u) + "?sslmode=disable"
		if u != want || s.URL(dbName(t, u)) != u {
			t.Errorf("URL %q, want %q", u, want)
		}
	}
	if s.Addr != "127.0.0.1:"+strconv.Itoa(s.Port) {
		t.Errorf("Addr %q, Port %d", s.Addr, s.Port)
	}

	t.Run("SELECT 1", func(t *testing.T) {
		for _, db := range []string{db1, db2} {
			if got := psql(t, s, db, "SELECT 1"); got != "1" {
				t.Errorf("SELECT 1 on %s: %q", db, got)
			}
			if got := psql(t, s, db, "SELECT current_database(), current_user"); got != db+"|"+User {
				t.Errorf("current database and user on %s: %q", db, got)
			}
		}
	})

	t.Run("both exist and are distinct", func(t *testing.T) {
		got := psql(t, s, "", "SELECT datname FROM pg_database WHERE datname IN ('"+db1+"', '"+db2+"') ORDER BY datname")
		want := []string{db1, db2}
		if want[0] > want[1] {
			want[0], want[1] = want[1], want[0]
		}
		if got != strings.Join(want, "\n") {
			t.Errorf("pg_database: %q, want %q", got, want)
		}
		psql(t, s, db1, "CREATE TABLE only_in_one (n int); INSERT INTO only_in_one VALUES (7)")
		if got := psql(t, s, db1, "SELECT n FROM only_in_one"); got != "7" {
			t.Errorf("row in %s: %q", db1, got)
		}
		if got := psql(t, s, db2, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_one'"); got != "0" {
			t.Errorf("table of %s visible in %s: count %q", db1, db2, got)
		}
		if got := psql(t, s, db1, "SELECT pg_encoding_to_char(encoding), datcollate FROM pg_database WHERE datname = current_database()"); got != "UTF8|C" {
			t.Errorf("encoding and collation: %q", got)
		}
	})

	t.Run("settings", func(t *testing.T) {
		got := psql(t, s, "", "SHOW listen_addresses; SHOW fsync; SHOW synchronous_commit; SHOW full_page_writes")
		if want := "127.0.0.1\noff\noff\noff"; got != want {
			t.Errorf("settings: %q, want %q", got, want)
		}
	})

	t.Run("listens on 127.0.0.1 only", func(t *testing.T) {
		listeners := tcpListeners(t, s.Port)
		if !reflect.DeepEqual(listeners, []string{"127.0.0.1"}) {
			t.Errorf("listening sockets on port %d: %v, want only 127.0.0.1", s.Port, listeners)
		}
		addrs, _ := net.InterfaceAddrs()
		for _, a := range addrs {
			ip, _, err := net.ParseCIDR(a.String())
			if err != nil || ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.IsLinkLocalUnicast() {
				continue
			}
			if c, err := net.DialTimeout("tcp", net.JoinHostPort(ip.String(), strconv.Itoa(s.Port)), time.Second); err == nil {
				c.Close()
				t.Errorf("the server accepts connections on %s", ip)
			}
		}
	})
}

// tcpListeners returns the local addresses of the TCP sockets listening on
// port, read from /proc/net/tcp and /proc/net/tcp6.
func tcpListeners(t *testing.T, port int) []string {
	t.Helper()
	var out []string
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) && f == "/proc/net/tcp6" {
			continue // no IPv6
		}
		if err != nil {
			t.Skipf("cannot read the socket table: %v", err)
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) < 4 || fields[3] != "0A" { // 0A: TCP_LISTEN
				continue
			}
			hexIP, hexPort, ok := strings.Cut(fields[1], ":")
			if p, err := strconv.ParseUint(hexPort, 16, 16); !ok || err != nil || int(p) != port {
				continue
			}
			out = append(out, procIP(hexIP))
		}
	}
	return out
}

// procIP decodes an address of /proc/net/tcp{,6}: 32-bit words in host
// (little-endian) order.
func procIP(h string) string {
	var ip net.IP
	for i := 0; i+8 <= len(h); i += 8 {
		w, err := strconv.ParseUint(h[i:i+8], 16, 32)
		if err != nil {
			return h
		}
		ip = append(ip, byte(w), byte(w>>8), byte(w>>16), byte(w>>24))
	}
	return ip.String()
}

func TestClose(t *testing.T) {
	t.Parallel()
	s := Start(t)
	psql(t, s, "", "SELECT 1")
	// Close ends open sessions (fast shutdown) rather than waiting for them.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sleeping := make(chan error, 1)
	go func() {
		_, err := s.Psql(ctx, "", "SELECT pg_sleep(60)")
		sleeping <- err
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v", d)
	}
	select {
	case err := <-sleeping:
		if err == nil {
			t.Error("the session survived Close")
		}
	case <-time.After(5 * time.Second):
		t.Error("the session was not ended by Close")
	}
	if _, err := os.Stat(s.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Dir after Close: %v", err)
	}
	if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Close", s.Addr)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestPsqlError(t *testing.T) {
	t.Parallel()
	s := Start(t)
	db := dbName(t, s.NewDatabase(t))
	out, err := s.Psql(context.Background(), db, "CREATE TABLE a (n int);\nSELEC 1;\nCREATE TABLE b (n int);")
	if err == nil {
		t.Fatalf("no error for bad SQL; output %q", out)
	}
	if !strings.Contains(err.Error(), `syntax error at or near "SELEC"`) || !strings.Contains(err.Error(), "psql") {
		t.Errorf("error does not name psql and the problem: %v", err)
	}
	// ON_ERROR_STOP: the statement after the error did not run.
	if got := psql(t, s, db, "SELECT string_agg(tablename, ',') FROM pg_tables WHERE tablename IN ('a', 'b')"); got != "a" {
		t.Errorf("tables after the failed script: %q, want a", got)
	}
}

func TestNewDatabaseDroppedInCleanup(t *testing.T) {
	t.Parallel()
	s := Start(t)
	var name string
	t.Run("sub", func(t *testing.T) {
		name = dbName(t, s.NewDatabase(t))
		psql(t, s, name, "SELECT 1")
	})
	if got := psql(t, s, "", "SELECT count(*) FROM pg_database WHERE datname = '"+name+"'"); got != "0" {
		t.Errorf("database %s still exists after its test (count %s)", name, got)
	}
}

func TestShared(t *testing.T) {
	t.Parallel()
	var sh Shared
	var dirs []string
	for _, sub := range []string{"first", "second"} {
		t.Run(sub, func(t *testing.T) {
			s := sh.Server(t)
			dirs = append(dirs, s.Dir)
			psql(t, s, dbName(t, s.NewDatabase(t)), "SELECT 1")
		})
	}
	if len(dirs) != 2 || dirs[0] != dirs[1] {
		t.Fatalf("Shared.Server returned different servers: %v", dirs)
	}
	if err := sh.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dirs[0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Dir after Close: %v", err)
	}
	var unused Shared
	if err := unused.Close(); err != nil {
		t.Errorf("Close of an unused Shared: %v", err)
	}
}

func TestParallelServers(t *testing.T) {
	t.Parallel()
	a, b := Start(t), Start(t)
	if a.Port == b.Port || a.Dir == b.Dir {
		t.Fatalf("two servers share a port or folder: %s %s, %s %s", a.Addr, a.Dir, b.Addr, b.Dir)
	}
	for _, s := range []*Server{a, b} {
		if got := psql(t, s, "", "SELECT 1"); got != "1" {
			t.Errorf("%s: %q", s.Addr, got)
		}
	}
}

func TestSortNewestFirst(t *testing.T) {
	dirs := []string{
		"/usr/lib/postgresql/9.6/bin",
		"/usr/lib/postgresql/15/bin",
		"/usr/lib/postgresql/odd/bin",
		"/usr/lib/postgresql/16/bin",
		"/usr/lib/postgresql/10/bin",
	}
	sortNewestFirst(dirs)
	want := []string{
		"/usr/lib/postgresql/16/bin",
		"/usr/lib/postgresql/15/bin",
		"/usr/lib/postgresql/10/bin",
		"/usr/lib/postgresql/9.6/bin",
		"/usr/lib/postgresql/odd/bin",
	}
	if !reflect.DeepEqual(dirs, want) {
		t.Errorf("got %v, want %v", dirs, want)
	}
}

func TestDatabaseName(t *testing.T) {
	var s Server
	for _, tc := range []struct{ in, want string }{
		{"TestFoo", "testfoo_1"},
		{"TestFoo/sub_test#01", "testfoo_sub_test_01_2"},
		{"9lives/ünïcode--x", "lives_n_code_x_3"},
		{"", "db_4"},
		{"/", "db_5"},
		{strings.Repeat("abcdefghij", 10), strings.Repeat("abcdefghij", 4) + "_6"},
	} {
		if got := s.databaseName(tc.in); got != tc.want {
			t.Errorf("databaseName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAvailable(t *testing.T) {
	if !Available() {
		if os.Getenv("CI") == "true" {
			t.Fatal("PostgreSQL is required in CI: " + installHint)
		}
		t.Skip("PostgreSQL not installed")
	}
	dir, err := binDir()
	if err != nil || !hasPrograms(dir) {
		t.Fatalf("binDir: %q, %v", dir, err)
	}
}

// recorder is a testing.TB that records Skipf and Fatalf instead of
// stopping the test.
type recorder struct {
	testing.TB
	calls []string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Skipf(format string, a ...any)  { r.calls = append(r.calls, "skip") }
func (r *recorder) Fatalf(format string, a ...any) { r.calls = append(r.calls, "fatal") }

func TestFailSkipsOutsideCIOnly(t *testing.T) {
	unavailable := fmt.Errorf("%w: no folder with initdb", ErrUnavailable)
	for _, tc := range []struct {
		ci   string
		err  error
		want string
	}{
		{"", unavailable, "skip"},
		{"false", unavailable, "skip"},
		{"true", unavailable, "fatal"},
		{"", errors.New("pgtest: initdb: boom"), "fatal"},
		{"true", errors.New("pgtest: initdb: boom"), "fatal"},
	} {
		t.Setenv("CI", tc.ci)
		r := &recorder{TB: t}
		fail(r, tc.err)
		if len(r.calls) == 0 || r.calls[0] != tc.want {
			t.Errorf("CI=%q, %v: calls %v, want %s first", tc.ci, tc.err, r.calls, tc.want)
		}
	}
}
