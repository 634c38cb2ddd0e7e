package main

import (
	"os"
	"os/exec"
	"testing"
)

// TestMain lets tests run this test binary as the poller command itself
// (see pollerCommand), so that process-level behaviour (signals, SIGKILL,
// exit status) is tested without building a second binary.
func TestMain(m *testing.M) {
	if os.Getenv("POLLER_TEST_AS_MAIN") == "1" {
		os.Exit(runProcess(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// pollerCommand returns a command that runs "poller args..." in a child
// process.
func pollerCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "POLLER_TEST_AS_MAIN=1")
	return cmd
}
