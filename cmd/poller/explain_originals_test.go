package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// twoOriginals is a forward carrying two attached messages from two
// prospects.
const twoOriginals = "From: Alice Rossi <alice@example.com>\r\nTo: log@crm.example.com\r\nSubject: Fwd: two threads\r\n" +
	"Date: Mon, 02 Mar 2026 10:00:00 +0100\r\nMessage-ID: <two@example.com>\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nboth for the CRM\r\n" +
	"--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: Dana <dana@prospect.example>\r\nTo: alice@example.com\r\n" +
	"Subject: first\r\nDate: Fri, 27 Feb 2026 09:00:00 +0100\r\nMessage-ID: <one@prospect.example>\r\n\r\nfirst body\r\n" +
	"--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: Hank <hank@globex.example>\r\nTo: alice@example.com\r\n" +
	"Subject: second\r\nDate: Sat, 28 Feb 2026 09:00:00 +0100\r\nMessage-ID: <two@globex.example>\r\n\r\nsecond body\r\n--b--\r\n"

// TestExplainShowsEveryOriginal: a forward with two attached originals is
// logged on both senders, and explain shows both originals.
func TestExplainShowsEveryOriginal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "two.eml")
	if err := os.WriteFile(path, []byte(twoOriginals), 0o600); err != nil {
		t.Fatal(err)
	}
	got := explainJSON(t, "../../config.example.yaml", []string{path})[0]
	if lt, _ := got["log_to"].([]any); len(lt) != 2 {
		t.Fatalf("log_to = %v, want both senders", got["log_to"])
	}
	list, _ := got["originals"].([]any)
	if len(list) != 2 {
		t.Fatalf("originals = %v, want 2", got["originals"])
	}
	for i, want := range []string{"dana@prospect.example", "hank@globex.example"} {
		from := list[i].(map[string]any)["from"].(map[string]any)["address"]
		if from != want {
			t.Errorf("originals[%d].from = %v, want %s", i, from, want)
		}
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"explain", "--config", "../../config.example.yaml", path}, os.Getenv, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`original 1 of 2: from dana@prospect.example, subject "first"`, `original 2 of 2: from hank@globex.example, subject "second"`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("explain summary lacks %q:\n%s", want, stdout.String())
		}
	}
}

// TestExplainSaysAnAttachmentWouldBeDropped: with crm.max_attachment_size
// below an attachment's size (100B, the PDF is 355 bytes), explain names the attachment left out.
func TestExplainSaysAnAttachmentWouldBeDropped(t *testing.T) {
	data, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	small := strings.Replace(string(data), "max_attachment_size: 50MB", "max_attachment_size: 100B", 1)
	if small == string(data) {
		t.Fatal("config.example.yaml no longer sets max_attachment_size: 50MB")
	}
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte(small), 0o600); err != nil {
		t.Fatal(err)
	}
	fixture := "../../fixtures/bcc-with-pdf-attachment.eml"
	got := explainJSON(t, config, []string{fixture})[0]
	list, _ := got["attachments_dropped"].([]any)
	if len(list) != 1 {
		t.Fatalf("attachments_dropped = %v, want the PDF", got["attachments_dropped"])
	}
	if a := list[0].(map[string]any); !strings.HasSuffix(a["name"].(string), ".pdf") || a["limit"] != float64(100) {
		t.Errorf("attachments_dropped[0] = %v", a)
	}
	if got := explainJSON(t, "../../config.example.yaml", []string{fixture})[0]; got["attachments_dropped"] != nil {
		t.Errorf("with the 50MB limit: attachments_dropped = %v", got["attachments_dropped"])
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"explain", "--config", config, fixture}, os.Getenv, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "would be dropped: over crm.max_attachment_size (100 bytes)") {
		t.Errorf("explain summary does not say the attachment would be dropped:\n%s", stdout.String())
	}
}
