package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
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
