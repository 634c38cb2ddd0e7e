package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixtureConfig writes the example config with the limit that
// fixtures/reject-too-large.eml is judged by (fixtures/README.md).
func fixtureConfig(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(data), "max_message_size: 50MB", "max_message_size: 100KB", 1)
	if cfg == string(data) {
		t.Fatal("config.example.yaml no longer sets max_message_size: 50MB")
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func fixtureFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../fixtures/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 40 {
		t.Fatalf("found %d fixtures, want at least 40", len(files))
	}
	return files
}

// explainJSON runs "poller explain --json" in process and returns one
// decoded object per line.
func explainJSON(t *testing.T, config string, files []string, flags ...string) []map[string]any {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args := append(append([]string{"explain", "--config", config, "--json"}, flags...), files...)
	if err := run(context.Background(), args, os.Getenv, &stdout, &stderr); err != nil {
		t.Fatalf("explain: %v\nstderr: %s", err, stderr.String())
	}
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n") {
		if strings.Contains(line, "null") && strings.Contains(line, ":null") {
			t.Errorf("explain printed a null: %s", line)
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("explain printed a line that is not JSON: %v\n%s", err, line)
		}
		out = append(out, obj)
	}
	if len(out) != len(files) {
		t.Fatalf("explain printed %d objects for %d files", len(out), len(files))
	}
	return out
}

// TestExplainGolden pins the explain output of every fixture. Refresh with
// go test ./cmd/poller -run TestExplainGolden -update, and review the diff.
func TestExplainGolden(t *testing.T) {
	files := fixtureFiles(t)
	got := explainJSON(t, fixtureConfig(t), files)
	for i, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".eml")
		obj := got[i]
		if obj["file"] != file {
			t.Errorf("object %d is for %v, want %s: output must follow input order", i, obj["file"], file)
		}
		delete(obj, "file") // golden files do not depend on the path used
		pretty, err := json.MarshalIndent(obj, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		pretty = append(pretty, '\n')
		golden := filepath.Join("testdata", "explain", name+".golden.json")
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, pretty, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Errorf("%s: %v (run with -update to create it)", name, err)
			continue
		}
		if !bytes.Equal(pretty, want) {
			t.Errorf("explain %s differs from %s:\ngot:\n%s\nwant:\n%s", name, golden, pretty, want)
		}
	}
}

// expectation is one entry of fixtures/expected.json: the decision each
// fixture was written to produce, by SPEC.md.
type expectation struct {
	Kind            string   `json:"kind"`
	Reason          string   `json:"reason"`
	AttributedUser  string   `json:"attributed_user"`
	LogTo           []string `json:"log_to"`
	OriginalFrom    string   `json:"original_from"`
	OriginalSubject string   `json:"original_subject"`
	OriginalDate    string   `json:"original_date"`
	Note            string   `json:"note"`
	MaxMessageSize  string   `json:"max_message_size"`
}

// TestExplainMeetsFixtureExpectations checks every fixture against the
// decision it was written for, independently of the golden files.
func TestExplainMeetsFixtureExpectations(t *testing.T) {
	data, err := os.ReadFile("../../fixtures/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var expected map[string]expectation
	if err := json.Unmarshal(data, &expected); err != nil {
		t.Fatalf("fixtures/expected.json: %v", err)
	}
	files := fixtureFiles(t)
	got := explainJSON(t, fixtureConfig(t), files)
	for i, file := range files {
		name := filepath.Base(file)
		want, ok := expected[name]
		if !ok {
			t.Errorf("%s has no entry in fixtures/expected.json", name)
			continue
		}
		obj := got[i]
		str := func(k string) string { s, _ := obj[k].(string); return s }
		if str("kind") != want.Kind || str("reason") != want.Reason {
			t.Errorf("explain %s: kind/reason = %s/%s, want %s/%s", name, str("kind"), str("reason"), want.Kind, want.Reason)
			continue
		}
		if want.AttributedUser != "" && str("attributed_user") != want.AttributedUser {
			t.Errorf("explain %s: attributed_user = %q, want %q", name, str("attributed_user"), want.AttributedUser)
		}
		if want.LogTo != nil {
			var logTo []string
			for _, a := range asSlice(obj["log_to"]) {
				logTo = append(logTo, a.(string))
			}
			if !slices.Equal(logTo, want.LogTo) {
				t.Errorf("explain %s: log_to = %v, want %v", name, logTo, want.LogTo)
			}
		}
		orig, _ := obj["original"].(map[string]any)
		if want.OriginalFrom != "" {
			from, _ := orig["from"].(map[string]any)
			if from["address"] != want.OriginalFrom {
				t.Errorf("explain %s: original.from = %v, want %s", name, from["address"], want.OriginalFrom)
			}
		}
		if want.OriginalSubject != "" && orig["subject"] != want.OriginalSubject {
			t.Errorf("explain %s: original.subject = %v, want %q", name, orig["subject"], want.OriginalSubject)
		}
		if want.OriginalDate != "" && orig["date"] != want.OriginalDate {
			t.Errorf("explain %s: original.date = %v, want %s", name, orig["date"], want.OriginalDate)
		}
		if want.Note != "" && str("note") != want.Note {
			t.Errorf("explain %s: note = %q, want %q", name, str("note"), want.Note)
		}
	}
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func TestExplainContract(t *testing.T) {
	dir := t.TempDir()
	bcc := filepath.Join(dir, "bcc.eml")
	os.WriteFile(bcc, []byte("From: Alice <alice@example.com>\r\nTo: Dana <Dana@Prospect.example>\r\nBcc: log@crm.example.com\r\nMessage-ID: <m1@example.com>\r\nSubject: hi\r\n\r\nHello Dana\r\n"), 0o644)
	junk := filepath.Join(dir, "junk.eml")
	os.WriteFile(junk, []byte("\x00\x01 not a message at all"), 0o644)

	t.Run("json fields", func(t *testing.T) {
		got := explainJSON(t, "../../config.example.yaml", []string{bcc, junk})
		want := map[string]any{
			"file": bcc, "message_id": "m1@example.com", "kind": "bcc",
			"attributed_user": "alice@example.com",
			"log_to":          []any{"dana@prospect.example"}, "create_contacts": []any{"dana@prospect.example"},
			"body": "Hello Dana",
		}
		if g, _ := json.Marshal(got[0]); string(g) != mustJSON(want) {
			t.Errorf("bcc explanation = %s, want %s", g, mustJSON(want))
		}
		if g, _ := json.Marshal(got[1]); string(g) != mustJSON(map[string]any{"file": junk, "kind": "rejected", "reason": "malformed"}) {
			t.Errorf("malformed explanation = %s", g)
		}
	})

	t.Run("unreadable file", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"explain", "--config", "../../config.example.yaml", "--json", bcc, filepath.Join(dir, "missing.eml")}, os.Getenv, &stdout, &stderr)
		if err == nil {
			t.Fatal("explain of a missing file succeeded, want an error")
		}
		if !strings.Contains(stderr.String(), "missing.eml") {
			t.Errorf("stderr = %q, want it to name missing.eml", stderr.String())
		}
		if strings.Count(stdout.String(), "\n") != 1 {
			t.Errorf("stdout = %q, want the readable file still explained", stdout.String())
		}
	})

	t.Run("invalid config", func(t *testing.T) {
		cfg := filepath.Join(dir, "bad.yaml")
		os.WriteFile(cfg, []byte("crm:\n  log_addresses: [log@crm.example.com]\n  lgo_level: 3\nusers: [{email: a@example.com}]\n"), 0o644)
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"explain", "--config", cfg, bcc}, os.Getenv, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), `line 3: unknown key "lgo_level"`) {
			t.Errorf("error = %v, want it to name the unknown key and its line", err)
		}
	})

	t.Run("human summary", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), []string{"explain", bcc, "--config", "../../config.example.yaml"}, os.Getenv, &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout.String(), "bcc, credited to alice@example.com, logged on dana@prospect.example") {
			t.Errorf("summary = %q", stdout.String())
		}
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
