package dovecot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrNotInstalled is returned by Launch when the dovecot binary is missing.
var ErrNotInstalled = errors.New("dovecot is not installed (apt-get install dovecot-imapd)")

// Launch is Start outside a test (a benchmark command, a script): the same
// private instance, on /dev/shm when it exists (else under os.TempDir()),
// returned once both listeners accept connections and a LOGIN as the first
// user succeeds. It returns ErrNotInstalled when the dovecot binary is
// missing. The caller stops it with Close (or Stop, to keep its folder).
func Launch(users ...User) (*Server, error) {
	bin, err := binary()
	if err != nil {
		return nil, ErrNotInstalled
	}
	s := &Server{users: make(map[string]User, len(users)), done: make(chan struct{})}
	for _, u := range users {
		if err := checkUser(u); err != nil {
			return nil, fmt.Errorf("dovecot: %w", err)
		}
		if _, dup := s.users[u.Name]; dup {
			return nil, fmt.Errorf("dovecot: duplicate user %q", u.Name)
		}
		s.users[u.Name] = u
	}
	if s.owner, err = currentMailOwner(); err != nil {
		return nil, fmt.Errorf("dovecot: %w", err)
	}
	if s.Dir, err = standaloneDir("/dev/shm"); err != nil {
		return nil, fmt.Errorf("dovecot: %w", err)
	}
	s.logPath = filepath.Join(s.Dir, "dovecot.log")
	if err := s.prepare(users); err != nil {
		os.RemoveAll(s.Dir)
		return nil, fmt.Errorf("dovecot: %w", err)
	}
	var lastErr error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		var retry bool
		if retry, lastErr = s.launch(bin, users); lastErr == nil {
			return s, nil
		}
		if !retry {
			break
		}
	}
	tail := s.LogTail(40)
	os.RemoveAll(s.Dir)
	return nil, fmt.Errorf("dovecot: %v\n--- dovecot log (last 40 lines) ---\n%s", lastErr, tail)
}

// standaloneDir is instanceDir without a test: a 0755 folder on shm when
// possible, else under os.TempDir().
func standaloneDir(shm string) (string, error) {
	parent := os.TempDir()
	if fi, err := os.Stat(shm); err == nil && fi.IsDir() {
		parent = shm
	}
	dir, err := os.MkdirTemp(parent, "dovecot-")
	if err != nil && parent != os.TempDir() {
		dir, err = os.MkdirTemp(os.TempDir(), "dovecot-")
	}
	if err != nil {
		return "", err
	}
	return dir, os.Chmod(dir, 0o755)
}

// Close stops a server started by Launch (see Stop) and removes its
// folder.
func (s *Server) Close() error {
	s.Stop()
	return os.RemoveAll(s.Dir)
}

// DeliverRaw is Deliver outside a test: it writes raw messages straight
// into user's INBOX Maildir (new/), in order, and returns the first error.
func (s *Server) DeliverRaw(user string, raws ...[]byte) error {
	if _, ok := s.users[user]; !ok {
		return fmt.Errorf("dovecot: deliver to unknown user %q", user)
	}
	md := s.Maildir(user)
	pid := os.Getpid()
	for _, raw := range raws {
		name := s.nextName(pid)
		tmp := filepath.Join(md, "tmp", name)
		if err := os.WriteFile(tmp, raw, 0o600); err != nil {
			return fmt.Errorf("dovecot: deliver: %w", err)
		}
		if s.owner.chown {
			if err := os.Chown(tmp, s.owner.uid, s.owner.gid); err != nil {
				return fmt.Errorf("dovecot: deliver: %w", err)
			}
		}
		if err := os.Rename(tmp, filepath.Join(md, "new", name)); err != nil {
			return fmt.Errorf("dovecot: deliver: %w", err)
		}
	}
	return nil
}
