package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestDemo(t *testing.T) {
	var stdout, stderr bytes.Buffer
	db := filepath.Join(t.TempDir(), "demo.db")
	err := runDemo(context.Background(), []string{"--config", "../../config.example.yaml", "--fixtures", "../../fixtures", "--db", db}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	n := len(fixtureFiles(t))
	for _, want := range []string{
		fmt.Sprintf("pass demo/INBOX: seen %d, logged ", n),
		"failed 0",
		"(0 unseen)",
		db,
		"bcc-gmail-plain.eml                            logged bcc",
		`"Pricing for 40 warehouse sensors" -> Quantaloop warehouse sensors (proposal)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Ferrotech spare sensors") {
		t.Error("a won deal was linked to an email: only open deals are")
	}
}

// TestDemoSaysHowToOpenTheWebApp: the demo ends with the serve command,
// the URL and credentials that work: signing in with them at POST /login
// gets a session.
func TestDemoSaysHowToOpenTheWebApp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	db := filepath.Join(t.TempDir(), "demo.db")
	if err := runDemo(context.Background(), []string{"--config", "../../config.example.yaml", "--fixtures", "../../fixtures", "--db", db}, &stdout, &stderr); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"\n  poller serve --config ../../config.example.yaml --db " + db + "\n", // "go run ./cmd/poller" in the project's root
		"browse to http://127.0.0.1:8080/ and sign in as alice@example.com (an admin: sees everything) or bob@example.com, password demo-password",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	m := regexp.MustCompile(`\n  poller (serve [^\n]*)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no serve command in:\n%s", out)
	}
	args := append(strings.Fields(m[1])[1:], "--listen", "127.0.0.1:0")
	base := startServe(t, args...)
	for _, email := range []string{"alice@example.com", "bob@example.com"} {
		resp := signIn(t, base, email, demoPassword)
		if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
			t.Errorf("POST /login as %s with the demo password = %s, cookies %v; want 303 with a session cookie", email, resp.Status, resp.Cookies())
		}
	}
	resp := signIn(t, base, "alice@example.com", "wrong-password")
	if resp.StatusCode == http.StatusSeeOther {
		t.Errorf("a wrong password: %s", resp.Status)
	}
	for _, c := range resp.Cookies() {
		if c.Value != "" && c.MaxAge >= 0 {
			t.Errorf("a wrong password got a cookie: %v", c)
		}
	}
}

// TestDemoServe: demo --serve serves the demo store right after the pass,
// until interrupted.
func TestDemoServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runDemo(ctx, []string{"--config", "../../config.example.yaml", "--fixtures", "../../fixtures",
			"--db", filepath.Join(t.TempDir(), "demo.db"), "--serve", "--listen", "127.0.0.1:0"}, &stdout, &stderr)
	}()
	browse := regexp.MustCompile(`browse to (http://127\.0\.0\.1:\d+)/ and sign in as alice@example\.com`)
	var base string
	deadline := time.Now().Add(30 * time.Second)
	for base == "" {
		if m := browse.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("demo --serve ended: %v\n%s\n%s", err, stdout.String(), stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo --serve printed no URL:\n%s\n%s", stdout.String(), stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if strings.Contains(stdout.String(), "poller serve --config") {
		t.Error("demo --serve prints the serve command too")
	}
	if resp, _ := get(t, noRedirects, base+"/login"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /login = %s", resp.Status)
	}
	if resp := signIn(t, base, "alice@example.com", demoPassword); resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
		t.Errorf("POST /login = %s, cookies %v", resp.Status, resp.Cookies())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo --serve after interrupt: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("demo --serve did not stop")
	}
}
