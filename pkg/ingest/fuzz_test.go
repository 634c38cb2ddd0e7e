package ingest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/poller-crm/poller/pkg/ingest"
)

// FuzzProcess feeds arbitrary bytes to Process as a message fetched from a
// mailbox (the IMAP-facing entry of the pipeline): it must never panic nor
// fail, only decide. The seeds (fixtures and a few broken messages) run in
// every go test.
func FuzzProcess(f *testing.F) {
	files, _ := filepath.Glob("../../fixtures/*.eml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil && len(data) < 32<<10 {
			f.Add(data)
		}
	}
	f.Add([]byte("From: alice@example.com\r\nTo: log@crm.example.com\r\nSubject: Fwd: x\r\n\r\n---------- Forwarded message ---------\r\nFrom: <\r\n"))
	f.Add([]byte("From: alice@example.com\r\nBcc: log@crm.example.com\r\nTo: =?utf-8?b?////?= <a@b>\r\nContent-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: message/rfc822\r\n\r\n--a--"))
	r := rules(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		it := ingest.Process(r, ingest.Origin{Mailbox: "fuzz", UIDValidity: 1, UID: 1}, raw)
		if it.Failure != nil {
			t.Fatalf("Process failed: %v", it.Failure)
		}
		if it.Decision.Kind == "" {
			t.Fatal("no decision")
		}
	})
}
