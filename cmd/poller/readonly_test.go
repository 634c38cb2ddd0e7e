package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// unprivilegedCommand is pollerCommand run as an ordinary user: as nobody
// when the tests run as root (root ignores folder permissions), from a copy
// of the test binary that nobody may execute.
func unprivilegedCommand(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := pollerCommand(t, args...)
	if os.Geteuid() != 0 {
		return cmd
	}
	exe := filepath.Join(dir, "poller.test")
	src, err := os.Open(cmd.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(exe, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	cmd.Path = exe
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	return cmd
}

// TestReadOnlyFolderIsAClearError: a database in a folder poller may not
// write to is refused with a message naming the problem.
func TestReadOnlyFolderIsAClearError(t *testing.T) {
	dir, err := os.MkdirTemp("", "poller-readonly-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(dir, "ro"), 0o755); os.RemoveAll(dir) })
	for _, f := range []string{"config.example.yaml", "fixtures/bcc-gmail-plain.eml"} {
		data, err := os.ReadFile(filepath.Join("../..", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644)
	}
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o555)
	os.Chmod(dir, 0o755)
	for _, db := range []string{filepath.Join(ro, "poller.db"), filepath.Join(ro, "sub", "poller.db")} {
		cmd := unprivilegedCommand(t, dir, "ingest", "--config", filepath.Join(dir, "config.example.yaml"), "--db", db, filepath.Join(dir, "bcc-gmail-plain.eml"))
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("ingest into %s succeeded, want an error", db)
		}
		if !strings.Contains(string(out), "permission denied") || !strings.Contains(string(out), "open store") {
			t.Errorf("ingest into %s said %q, want it to name the permission problem", db, out)
		}
	}
}
