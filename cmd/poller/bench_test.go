package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/imaptest/dovecot"
)

// TestBenchEndToEnd runs "poller bench" on tiny sets against a real
// Dovecot, "poller once" being this test binary (see TestMain).
func TestBenchEndToEnd(t *testing.T) {
	if !dovecot.Available() {
		if os.Getenv("CI") == "true" {
			t.Fatal("dovecot is required in CI: apt-get install dovecot-imapd")
		}
		t.Skip("dovecot not installed (apt-get install dovecot-imapd); skipping the bench command's test")
	}
	t.Setenv("POLLER_TEST_AS_MAIN", "1") // inherited by the "poller once" children
	var stdout, stderr bytes.Buffer
	code := runProcess([]string{"bench", "--set", "both", "--n", "7", "--rounds", "2", "--batch", "3"}, os.Getenv, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"small set: 7 messages", "large set: 7 messages",
		"bare read  ", "bare read+parse  ", "bare read+parse+STORE  ", "poller once  ",
		"logged 7 of 7 in every run", "peak RSS", "the mail it holds",
		"goal: poller once >= 40% of bare read+parse+STORE msgs/s",
		"goal: poller once >= 50% of bare read+parse MB/s",
		"goal: peak RSS <= 2 x the 32 MiB batch byte cap + 30 MiB = 94 MiB",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	// Two rounds of four contenders on two sets, each on stderr as it ends.
	if n := strings.Count(stderr.String(), "bench: round "); n != 16 {
		t.Errorf("%d progress lines, want 16:\n%s", n, stderr.String())
	}
	t.Log("\n" + out)
}

func TestBenchWithoutDovecotNamesThePackage(t *testing.T) {
	defer func(f func() bool) { benchAvailable = f }(benchAvailable)
	benchAvailable = func() bool { return false }
	var stdout, stderr bytes.Buffer
	if code := runProcess([]string{"bench", "--set", "small"}, os.Getenv, &stdout, &stderr); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "apt-get install dovecot-imapd") {
		t.Errorf("stderr %q does not say how to install Dovecot", stderr.String())
	}
}

func TestBenchUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runProcess([]string{"bench", "-h"}, os.Getenv, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "usage: poller bench ") {
		t.Errorf("bench -h: exit %d, stdout %q", code, stdout.String())
	}
	for _, args := range [][]string{{"--set", "medium"}, {"--rounds", "0"}, {"--bogus"}, {"extra"}} {
		stdout.Reset()
		stderr.Reset()
		code := runProcess(append([]string{"bench"}, args...), os.Getenv, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), "usage: poller bench ") {
			t.Errorf("bench %q: exit %d, stderr %q; want 2 and the usage", args, code, stderr.String())
		}
	}
}
