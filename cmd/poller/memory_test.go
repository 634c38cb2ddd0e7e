package main

import (
	"bufio"
	"encoding/base64"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// writeLargeAttachmentMessage writes a Bcc'd message carrying an attachment
// of size bytes (base64 encoded) and returns the file's size.
func writeLargeAttachmentMessage(t *testing.T, path string, size int) int64 {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("From: alice@example.com\r\nTo: dana@prospect.example\r\nBcc: log@crm.example.com\r\nSubject: the dataset\r\n" +
		"Message-ID: <large-attachment@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Disposition: attachment; filename=data.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	rng := rand.NewChaCha8([32]byte{1})
	chunk := make([]byte, 57*1024) // a multiple of 57 bytes: whole 76-column lines
	line := make([]byte, base64.StdEncoding.EncodedLen(57))
	for done := 0; done < size; done += len(chunk) {
		rng.Read(chunk)
		for i := 0; i+57 <= len(chunk); i += 57 {
			base64.StdEncoding.Encode(line, chunk[i:i+57])
			w.Write(line)
			w.WriteString("\r\n")
		}
	}
	w.WriteString("--b--\r\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	f.Close()
	return st.Size()
}

// TestIngestLargeAttachmentPeakMemory ingests a message with a 40 MB
// attachment in a child process and checks its peak resident memory stays
// under three times the message's size.
func TestIngestLargeAttachmentPeakMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("memory is not measured under the race detector, which multiplies it")
	}
	dir := t.TempDir()
	msg := filepath.Join(dir, "large.eml")
	size := writeLargeAttachmentMessage(t, msg, 40<<20)
	cfg, _ := os.ReadFile("../../config.example.yaml")
	cfgPath := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfgPath, []byte(strings.Replace(string(cfg), "max_message_size: 50MB", "max_message_size: 100MB", 1)), 0o600)

	cmd := pollerCommand(t, "ingest", "--quiet", "--config", cfgPath, "--db", filepath.Join(dir, "poller.db"), msg)
	out, err := cmd.Output()
	if err != nil || !strings.HasPrefix(string(out), "logged 1,") {
		t.Fatalf("ingest: %v\n%s", err, out)
	}
	peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024 // Linux reports KiB
	t.Logf("message %d MB, peak RSS %d MB (%.2fx)", size>>20, peak>>20, float64(peak)/float64(size))
	if peak > 3*size {
		t.Errorf("peak RSS %d MB is over 3x the %d MB message", peak>>20, size>>20)
	}
}
