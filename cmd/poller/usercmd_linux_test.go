package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPty returns the two ends of a new pseudo-terminal.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open the pty's slave: %v", err)
	}
	t.Cleanup(func() { slave.Close() })
	return master, slave
}

// TestUserPasswordOnATerminal: on a terminal the password is asked twice
// with echo off, and the terminal's echo is back on afterwards.
func TestUserPasswordOnATerminal(t *testing.T) {
	master, slave := openPty(t)
	if !isTerminal(int(slave.Fd())) {
		t.Fatal("isTerminal(pty) = false")
	}
	if isTerminal(int(os.Stdin.Fd())) {
		t.Log("(the test's own stdin is a terminal)")
	}
	config := webConfigFile(t, "")
	db := filepath.Join(t.TempDir(), "p.db")
	echoed := make(chan string, 1)
	go func() { // what the terminal shows (its echo)
		var all strings.Builder
		buf := make([]byte, 256)
		for {
			n, err := master.Read(buf)
			all.Write(buf[:n])
			if err != nil {
				echoed <- all.String()
				return
			}
		}
	}()
	run := func(first, second string) (string, error) {
		var prompts syncBuffer
		var out strings.Builder
		done := make(chan error, 1)
		go func() {
			done <- runUser(context.Background(), []string{"password", "chiara@example-labs.com", "--config", config, "--db", db}, slave, &out, &prompts)
		}()
		waitFor := func(s string, n int) {
			deadline := time.Now().Add(10 * time.Second)
			for strings.Count(prompts.String(), s) < n {
				if time.Now().After(deadline) {
					t.Fatalf("no prompt %q: %q", s, prompts.String())
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		waitFor("New password for chiara@example-labs.com: ", 1)
		master.WriteString(first + "\n")
		if second != "" {
			waitFor("The same password again: ", 1)
			master.WriteString(second + "\n")
		}
		select {
		case err := <-done:
			return out.String(), err
		case <-time.After(20 * time.Second):
			t.Fatal("user password did not finish")
			return "", nil
		}
	}
	if _, err := run("terminal secret 1", "terminal secret 2"); err == nil || !strings.Contains(err.Error(), "differ") {
		t.Errorf("two different passwords: %v", err)
	}
	if _, err := run("tiny", ""); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("a short password: %v", err)
	}
	out, err := run("terminal secret 1", "terminal secret 1")
	if err != nil || !strings.Contains(out, "password set for chiara@example-labs.com") {
		t.Fatalf("user password on a terminal: %v, %q", err, out)
	}
	tio, err := unix.IoctlGetTermios(int(slave.Fd()), ioctlGetTermios)
	if err != nil || tio.Lflag&unix.ECHO == 0 {
		t.Errorf("the terminal's echo is still off after the command (%v)", err)
	}
	slave.Close()
	master.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	var shown string
	select {
	case shown = <-echoed:
	case <-time.After(2 * time.Second):
		master.Close()
		shown = <-echoed
	}
	if strings.Contains(shown, "secret") || strings.Contains(shown, "tiny") {
		t.Errorf("the terminal echoed the password: %q", shown)
	}
	if rows := userList(t, config, db); rows["chiara@example-labs.com"][1] != "yes" {
		t.Errorf("user list chiara = %v", rows["chiara@example-labs.com"])
	}
}
