package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDemoWorksAnywhere: with no flags but --db, the demo runs from a
// folder holding nothing of the project, on its built-in config and
// fixtures, and shows reject-too-large.eml rejected too_large, saying why.
func TestDemoWorksAnywhere(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	n := len(fixtureFiles(t))
	t.Chdir(t.TempDir())
	var stdout, stderr bytes.Buffer
	if err := runDemo(context.Background(), []string{"--db", db}, &stdout, &stderr); err != nil {
		t.Fatalf("demo outside the project's folder: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"holds the " + itoa(int64(n)) + " messages of the built-in fixtures",
		"crm.max_message_size lowered from 50MB to 100KB",
		"pass demo/INBOX: seen " + itoa(int64(n)) + ", logged ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`reject-too-large\.eml +rejected too_large`).MatchString(out) {
		t.Errorf("reject-too-large.eml is not rejected too_large:\n%s", out)
	}
	m := regexp.MustCompile(`serve --config (\S+) --db`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no serve command in:\n%s", out)
	}
	if _, _, err := loadConfig(m[1]); err != nil {
		t.Errorf("the config the serve command names: %v", err)
	}
}

// TestDemoConfigIsTheExample: the demo's built-in config is
// config.example.yaml byte for byte (go test -run TestDemoConfigIsTheExample
// -update copies it).
func TestDemoConfigIsTheExample(t *testing.T) {
	example, err := os.ReadFile(filepath.Join(repoRoot, "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("demo.yaml", example, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(demoConfig, example) {
		t.Errorf("cmd/poller/demo.yaml differs from config.example.yaml: run go test ./cmd/poller -run TestDemoConfigIsTheExample -update")
	}
}

// TestDemoSelf: the commands the demo prints run poller as it can be run
// from the current folder.
func TestDemoSelf(t *testing.T) {
	t.Chdir(repoRoot)
	if got := demoSelf(); got != "go run ./cmd/poller" {
		t.Errorf("in the project's root: demoSelf() = %q, want go run ./cmd/poller", got)
	}
	t.Chdir(t.TempDir())
	if got := demoSelf(); got != "poller" {
		t.Errorf("elsewhere: demoSelf() = %q, want poller", got)
	}
}
