// Package dovecot starts throwaway Dovecot IMAP servers for tests.
//
// Each Server is a private Dovecot instance (Debian package dovecot-imapd)
// with its own configuration, passwd-file users, Maildirs, sockets and log,
// all inside one folder, listening on free loopback ports. Several servers can
// run at once, so tests using them may call t.Parallel.
//
// When the tests run as root, mail is owned by nobody:nogroup (Dovecot refuses
// to access mail as root); otherwise the whole instance runs as the current
// user with chroots disabled.
package dovecot

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// startTimeout bounds how long Start waits for both listeners and a
	// successful LOGIN.
	startTimeout = 20 * time.Second
	// stopTimeout bounds how long Stop waits after SIGTERM before it kills
	// the whole process group, and then again after SIGKILL.
	stopTimeout = 5 * time.Second
	// startAttempts is how many times Start picks new ports when a port
	// turned out to be taken.
	startAttempts = 3
)

// Server is a throwaway Dovecot instance for tests.
type Server struct {
	Addr    string // "127.0.0.1:PORT" of the plain IMAP listener (STARTTLS offered)
	TLSAddr string // "127.0.0.1:PORT" of the implicit-TLS (imaps) listener
	CAFile  string // PEM of the self-signed certificate (CN=localhost, SAN IP:127.0.0.1 and DNS:localhost), usable as a CA file
	Dir     string // the instance folder

	users   map[string]User
	logPath string
	owner   mailOwner

	cmd  *exec.Cmd
	done chan struct{} // closed when the master process has exited

	stopOnce sync.Once

	mu      sync.Mutex // guards lastSec, lastUs and seq
	lastSec int64
	lastUs  int64
	seq     uint64
}

// User is one mailbox account.
type User struct{ Name, Password string }

// mailOwner is the system account the mail processes run as.
type mailOwner struct {
	user, group string // names for the Dovecot config
	uid, gid    int
	chown       bool // whether files written by the harness must be chowned
}

// Available reports whether the dovecot binary is installed (looks in PATH
// and /usr/sbin).
func Available() bool {
	_, err := binary()
	return err == nil
}

// binary returns the path of the dovecot executable.
func binary() (string, error) {
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p, nil
	}
	const p = "/usr/sbin/dovecot"
	if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
		return p, nil
	}
	return "", errors.New("dovecot not found in PATH or /usr/sbin")
}

// Start starts Dovecot for t with the given users, on /dev/shm when it
// exists (else t.TempDir()), and stops it in t.Cleanup (see Stop), then
// removes the folder.
//
// When the dovecot binary is missing, Start fails the test if the CI
// environment variable is "true" and skips it otherwise.
//
// User names and passwords must not contain ':', '/', control characters
// or non-ASCII characters (passwd-file format and quoted IMAP strings).
// Start returns once both listeners accept connections and, when there is
// at least one user, a LOGIN as the first user succeeds.
func Start(t testing.TB, users ...User) *Server {
	t.Helper()
	return start(t, "/dev/shm", users)
}

// start is Start with the tmpfs folder as a parameter, so that tests can
// exercise the t.TempDir fallback.
func start(t testing.TB, shm string, users []User) *Server {
	t.Helper()
	bin, err := binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("dovecot is required in CI: apt-get install dovecot-imapd")
		}
		t.Skip("dovecot not installed (apt-get install dovecot-imapd); skipping the real-IMAP tests")
	}

	s := &Server{users: make(map[string]User, len(users)), done: make(chan struct{})}
	for _, u := range users {
		if err := checkUser(u); err != nil {
			t.Fatalf("dovecot: %v", err)
		}
		if _, dup := s.users[u.Name]; dup {
			t.Fatalf("dovecot: duplicate user %q", u.Name)
		}
		s.users[u.Name] = u
	}
	if s.owner, err = currentMailOwner(); err != nil {
		t.Fatalf("dovecot: %v", err)
	}
	s.Dir = instanceDir(t, shm)
	t.Cleanup(func() {
		s.Stop()
		if err := os.RemoveAll(s.Dir); err != nil {
			t.Errorf("dovecot: removing %s: %v", s.Dir, err)
		}
	})
	s.logPath = filepath.Join(s.Dir, "dovecot.log")
	if err := s.prepare(users); err != nil {
		t.Fatalf("dovecot: %v", err)
	}

	var lastErr error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		var retry bool
		retry, lastErr = s.launch(bin, users)
		if lastErr == nil {
			return s
		}
		if !retry {
			break
		}
		t.Logf("dovecot: attempt %d: %v; retrying with other ports", attempt, lastErr)
	}
	t.Fatalf("dovecot: %v\n--- dovecot log (last 40 lines) ---\n%s", lastErr, s.LogTail(40))
	return nil
}

// checkUser rejects names and passwords that would break the passwd-file,
// the mail home path or a quoted IMAP string.
func checkUser(u User) error {
	if u.Name == "" || u.Name == "." || u.Name == ".." {
		return fmt.Errorf("invalid user name %q", u.Name)
	}
	for _, f := range []struct{ what, v string }{{"name", u.Name}, {"password", u.Password}} {
		for _, r := range f.v {
			if r < 0x20 || r > 0x7e || r == ':' || (r == '/' && f.what == "name") {
				return fmt.Errorf("user %q: unsupported character %q in %s", u.Name, r, f.what)
			}
		}
	}
	return nil
}

// currentMailOwner returns nobody:nogroup when running as root and the
// current user otherwise.
func currentMailOwner() (mailOwner, error) {
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			return mailOwner{}, fmt.Errorf("looking up user nobody: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			return mailOwner{}, fmt.Errorf("looking up the group of nobody: %w", err)
		}
		return mailOwner{user: u.Username, group: g.Name, uid: uid, gid: gid, chown: true}, nil
	}
	u, err := user.Current()
	if err != nil {
		return mailOwner{}, fmt.Errorf("looking up the current user: %w", err)
	}
	g, err := user.LookupGroupId(strconv.Itoa(os.Getegid()))
	if err != nil {
		return mailOwner{}, fmt.Errorf("looking up the current group: %w", err)
	}
	return mailOwner{user: u.Username, group: g.Name, uid: os.Geteuid(), gid: os.Getegid()}, nil
}

// instanceDir creates the instance folder, on shm when possible, and
// makes it (and a t.TempDir parent) traversable by Dovecot's unprivileged
// processes: a 0700 folder makes logins fail with "Temporary authentication
// failure".
func instanceDir(t testing.TB, shm string) string {
	t.Helper()
	if fi, err := os.Stat(shm); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp(shm, "dovecot-test-"); err == nil {
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatalf("dovecot: %v", err)
			}
			return dir
		}
	}
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatalf("dovecot: %v", err)
		}
	}
	return dir
}

// prepare writes the certificate, the users file and the mail folders.
func (s *Server) prepare(users []User) error {
	for _, d := range []string{"run", "state", "mail"} {
		if err := os.Mkdir(filepath.Join(s.Dir, d), 0o755); err != nil {
			return err
		}
	}
	certPEM, keyPEM, err := selfSignedCert()
	if err != nil {
		return fmt.Errorf("generating the certificate: %w", err)
	}
	s.CAFile = filepath.Join(s.Dir, "cert.pem")
	if err := os.WriteFile(s.CAFile, certPEM, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "key.pem"), keyPEM, 0o600); err != nil {
		return err
	}

	var pw strings.Builder
	for _, u := range users {
		fmt.Fprintf(&pw, "%s:{PLAIN}%s::::::\n", u.Name, u.Password)
		home := filepath.Join(s.Dir, "mail", u.Name)
		for _, d := range []string{home, filepath.Join(home, "Maildir")} {
			if err := s.mkdirOwned(d); err != nil {
				return err
			}
		}
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := s.mkdirOwned(filepath.Join(home, "Maildir", sub)); err != nil {
				return err
			}
		}
	}
	return os.WriteFile(filepath.Join(s.Dir, "users"), []byte(pw.String()), 0o644)
}

// mkdirOwned creates dir (0700) owned by the mail user.
func (s *Server) mkdirOwned(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	if s.owner.chown {
		return os.Chown(dir, s.owner.uid, s.owner.gid)
	}
	return nil
}

// selfSignedCert returns a PEM certificate and PKCS#8 ECDSA P-256 key for
// CN=localhost with SANs localhost and 127.0.0.1, marked as a CA so that it
// can be used directly as a root.
func selfSignedCert() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
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

// config renders dovecot.conf for the given ports.
func (s *Server) config(imapPort, imapsPort int) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	var id [6]byte
	_, _ = rand.Read(id[:])
	dir := s.Dir
	line("# Throwaway Dovecot for tests, written by pkg/imaptest/dovecot.")
	line("instance_name = dovecot-test-%s", hex.EncodeToString(id[:]))
	line("base_dir = %s/run", dir)
	line("state_dir = %s/state", dir)
	line("log_path = %s", s.logPath)
	line("protocols = imap")
	line("listen = 127.0.0.1")
	line("shutdown_clients = yes")
	line("ssl = yes")
	line("ssl_cert = <%s", s.CAFile)
	line("ssl_key = <%s/key.pem", dir)
	line("disable_plaintext_auth = no")
	line("auth_mechanisms = plain login")
	line("auth_verbose = yes")
	line("auth_failure_delay = 0")
	line("passdb {")
	line("  driver = passwd-file")
	line("  args = scheme=PLAIN username_format=%%u %s/users", dir)
	line("}")
	line("userdb {")
	line("  driver = static")
	line("  args = uid=%s gid=%s home=%s/mail/%%u", s.owner.user, s.owner.group, dir)
	line("}")
	line("mail_location = maildir:~/Maildir")
	line("mail_fsync = never")
	line("mail_max_userip_connections = 100")
	line("first_valid_uid = %d", min(s.owner.uid, 500))
	line("first_valid_gid = %d", min(s.owner.gid, 1))
	if !s.owner.chown {
		// Not root: every process runs as the current user, without chroots.
		line("default_internal_user = %s", s.owner.user)
		line("default_internal_group = %s", s.owner.group)
		line("default_login_user = %s", s.owner.user)
		for _, svc := range []string{"imap-login", "anvil", "pop3-login", "submission-login", "imap-urlauth-login"} {
			line("service %s {\n  chroot =\n}", svc)
		}
	}
	line("service imap-login {")
	line("  inet_listener imap {")
	line("    address = 127.0.0.1")
	line("    port = %d", imapPort)
	line("  }")
	line("  inet_listener imaps {")
	line("    address = 127.0.0.1")
	line("    port = %d", imapsPort)
	line("    ssl = yes")
	line("  }")
	line("}")
	return b.String()
}

// launch writes the config for two fresh ports, starts the master process
// and waits until it is ready. retry reports whether the failure looks like
// a port collision worth another attempt; the process is stopped on error.
func (s *Server) launch(bin string, users []User) (retry bool, err error) {
	imapPort, err := freePort()
	if err != nil {
		return false, err
	}
	imapsPort, err := freePort()
	for err == nil && imapsPort == imapPort {
		imapsPort, err = freePort()
	}
	if err != nil {
		return false, err
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(imapPort))
	s.TLSAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(imapsPort))
	conf := filepath.Join(s.Dir, "dovecot.conf")
	if err := os.WriteFile(conf, []byte(s.config(imapPort, imapsPort)), 0o644); err != nil {
		return false, err
	}

	// The master logs to log_path itself; its own stdout and stderr (early
	// startup errors) go to the same file. stdin is /dev/null.
	logf, err := os.OpenFile(s.logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return false, err
	}
	cmd := exec.Command(bin, "-F", "-c", conf)
	cmd.Dir = s.Dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	logf.Close()
	if err != nil {
		return false, fmt.Errorf("starting %s: %w", bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.cmd, s.done = cmd, done

	if err := s.waitReady(users); err != nil {
		s.kill()
		return strings.Contains(s.LogTail(100), "Address already in use"), err
	}
	return false, nil
}

// waitReady waits until both listeners accept connections and a LOGIN as
// the first user succeeds.
func (s *Server) waitReady(users []User) error {
	deadline := time.Now().Add(startTimeout)
	exited := func() bool {
		select {
		case <-s.done:
			return true
		default:
			return false
		}
	}
	for _, addr := range []string{s.Addr, s.TLSAddr} {
		for {
			if exited() {
				return fmt.Errorf("dovecot exited during startup (%v)", s.cmd.ProcessState)
			}
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s not accepting connections after %v: %v", addr, startTimeout, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if len(users) == 0 {
		return nil
	}
	u := users[0]
	for {
		if exited() {
			return fmt.Errorf("dovecot exited during startup (%v)", s.cmd.ProcessState)
		}
		err := probeLogin(s.Addr, u, deadline)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("LOGIN %s not working after %v: %v", u.Name, startTimeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// probeLogin does a raw-protocol LOGIN and LOGOUT on the plain listener.
func probeLogin(addr string, u User, deadline time.Time) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(deadline); err != nil {
		return err
	}
	r := bufio.NewReader(c)
	greeting, err := r.ReadString('\n')
	if err != nil {
		return fmt.Errorf("reading greeting: %w", err)
	}
	if !strings.HasPrefix(greeting, "* OK") {
		return fmt.Errorf("greeting: %q", strings.TrimSpace(greeting))
	}
	if _, err := fmt.Fprintf(c, "p1 LOGIN %s %s\r\n", quote(u.Name), quote(u.Password)); err != nil {
		return err
	}
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("reading LOGIN response: %w", err)
		}
		if strings.HasPrefix(l, "p1 ") {
			if !strings.HasPrefix(l, "p1 OK") {
				return fmt.Errorf("LOGIN: %q", strings.TrimSpace(l))
			}
			break
		}
	}
	_, _ = fmt.Fprintf(c, "p2 LOGOUT\r\n")
	return nil
}

// quote returns s as an IMAP quoted string.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Stop stops the server now (for tests that simulate the server going
// away). It sends SIGTERM to Dovecot's whole process group, not just the
// master (which leaves its imap, log and stats children running for seconds
// after it exits), and waits until every process of the instance has exited,
// so the ports are free and open connections are closed when it returns; if
// that takes more than 5 s the group is killed with SIGKILL. Calling it twice
// is fine; the Cleanup registered by Start still removes the folder.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		if s.cmd == nil || s.cmd.Process == nil {
			return
		}
		if !s.signalUntilGone(syscall.SIGTERM, stopTimeout) {
			s.kill()
		}
	})
}

// kill SIGKILLs the master's process group and waits for all of it.
func (s *Server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.signalUntilGone(syscall.SIGKILL, stopTimeout)
}

// signalUntilGone sends sig to the master's process group, repeating it
// every 100 ms (the master may fork a login process while shutting down),
// until the master has been reaped and no live (non-zombie) process is left
// in the group, for at most timeout. It reports whether that happened.
func (s *Server) signalUntilGone(sig syscall.Signal, timeout time.Duration) bool {
	pgid := s.cmd.Process.Pid
	deadline := time.Now().Add(timeout)
	var lastSignal time.Time
	for {
		select {
		case <-s.done:
			if !groupAlive(pgid) {
				return true
			}
		default:
		}
		if time.Now().After(deadline) {
			return false
		}
		if time.Since(lastSignal) >= 100*time.Millisecond {
			_ = syscall.Kill(-pgid, sig)
			lastSignal = time.Now()
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// groupAlive reports whether a process of group pgid is still running,
// according to /proc. Zombies do not count: once the master is gone its
// children are reparented, and not every container's PID 1 reaps them.
func groupAlive(pgid int) bool {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		// No /proc: fall back to kill(2), which also counts zombies.
		return syscall.Kill(-pgid, 0) == nil
	}
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// "pid (comm) state ppid pgrp ...": comm may hold spaces and ')'.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if g, err := strconv.Atoi(f[2]); err == nil && g == pgid {
			return true
		}
	}
	return false
}

// Maildir returns the path of a user's Maildir (for assertions reading files
// directly, e.g. counting messages with the S flag in cur/).
func (s *Server) Maildir(user string) string {
	return filepath.Join(s.Dir, "mail", user, "Maildir")
}

// Deliver writes raw messages straight into user's INBOX Maildir (new/),
// which is much faster than APPEND for seeding thousands of messages. It is
// safe while Dovecot runs: each message is written to tmp/ and renamed into
// new/, under a unique name whose timestamp part increases, so Dovecot
// assigns UIDs in delivery order. The bytes are stored as given; deliver
// CRLF messages to compare them with what FETCH returns.
func (s *Server) Deliver(t testing.TB, user string, raws ...[]byte) {
	t.Helper()
	if _, ok := s.users[user]; !ok {
		t.Fatalf("dovecot: Deliver to unknown user %q", user)
	}
	md := s.Maildir(user)
	pid := os.Getpid()
	for _, raw := range raws {
		name := s.nextName(pid)
		tmp := filepath.Join(md, "tmp", name)
		if err := os.WriteFile(tmp, raw, 0o600); err != nil {
			t.Fatalf("dovecot: Deliver: %v", err)
		}
		if s.owner.chown {
			if err := os.Chown(tmp, s.owner.uid, s.owner.gid); err != nil {
				t.Fatalf("dovecot: Deliver: %v", err)
			}
		}
		if err := os.Rename(tmp, filepath.Join(md, "new", name)); err != nil {
			t.Fatalf("dovecot: Deliver: %v", err)
		}
	}
}

// nextName returns a unique Maildir base name "SEC.MUSECPpidQn.host" whose
// (seconds, microseconds) part strictly increases for this server.
func (s *Server) nextName(pid int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	sec, us := now.Unix(), int64(now.Nanosecond()/1000)
	if sec < s.lastSec || (sec == s.lastSec && us <= s.lastUs) {
		sec, us = s.lastSec, s.lastUs+1
		if us >= 1000000 {
			sec, us = sec+1, 0
		}
	}
	s.lastSec, s.lastUs = sec, us
	s.seq++
	return fmt.Sprintf("%d.M%dP%dQ%d.dovecot-test", sec, us, pid, s.seq)
}

// LogTail returns the last n lines of Dovecot's log, for failure messages.
func (s *Server) LogTail(n int) string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(no dovecot log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if n >= 0 && len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
