package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestHelpFlagPrintsTheCommandsUsageAndExitsZero(t *testing.T) {
	for _, cmd := range []string{"once", "run", "explain", "check", "status", "import", "export", "show", "serve", "user", "demo", "ingest", "healthcheck"} {
		for _, flag := range []string{"-h", "--help"} {
			var stdout, stderr bytes.Buffer
			code := runProcess([]string{cmd, flag}, func(string) string { return "" }, &stdout, &stderr)
			if code != 0 || stderr.Len() != 0 {
				t.Errorf("poller %s %s: exit %d, stderr %q; want 0 and nothing", cmd, flag, code, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), "usage: poller "+cmd+" ") {
				t.Errorf("poller %s %s printed %q, want its usage", cmd, flag, stdout.String())
			}
		}
	}
	var stdout, stderr bytes.Buffer
	runProcess([]string{"import", "-h"}, func(string) string { return "" }, &stdout, &stderr)
	if !strings.Contains(stdout.String(), "companies|contacts|deals") || !strings.Contains(stdout.String(), "FILE.csv") {
		t.Errorf("import usage does not name its positional arguments: %q", stdout.String())
	}
}

func TestMistypedFlagGivesOneErrorLineAndTheUsageOnce(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := runProcess([]string{"once", "--bogus"}, func(string) string { return "" }, &stdout, &stderr)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	out := stderr.String()
	if n := strings.Count(out, "bogus"); n != 1 {
		t.Errorf("the error names the flag %d times, want once:\n%s", n, out)
	}
	if n := strings.Count(out, "usage: poller once"); n != 1 {
		t.Errorf("the usage is shown %d times, want once:\n%s", n, out)
	}
	if strings.Contains(out, "Usage of") || strings.Contains(out, "show: show:") {
		t.Errorf("the flag package's own usage leaked:\n%s", out)
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "version"} {
		var stdout, stderr bytes.Buffer
		if code := runProcess([]string{arg}, func(string) string { return "" }, &stdout, &stderr); code != 0 {
			t.Errorf("poller %s: exit %d", arg, code)
		}
		if !strings.HasPrefix(stdout.String(), "poller ") || !strings.Contains(stdout.String(), "go1.") {
			t.Errorf("poller %s = %q, want the version line", arg, stdout.String())
		}
	}
}
