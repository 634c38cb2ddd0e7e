package mailfile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// writeFile writes content to dir/rel, creating the directories on the way.
func writeFile(t testing.TB, dir, rel, content string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// mkdir creates dir/rel.
func mkdir(t testing.TB, dir, rel string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// readAll reads every message of s, checking the byte counters on the way.
func readAll(t testing.TB, s *Source) []Message {
	t.Helper()
	var out []Message
	last := int64(0)
	for {
		m, err := s.Next(context.Background())
		if n := s.ReadBytes(); n < last || n > s.TotalBytes() {
			t.Fatalf("ReadBytes went from %d to %d (TotalBytes %d)", last, n, s.TotalBytes())
		} else {
			last = n
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, m)
	}
	if s.ReadBytes() != s.TotalBytes() {
		t.Fatalf("at EOF ReadBytes = %d, TotalBytes = %d", s.ReadBytes(), s.TotalBytes())
	}
	return out
}

// mboxrdEscape adds one '>' to every line of msg matching ^>*From .
func mboxrdEscape(msg []byte) []byte {
	var out []byte
	for len(msg) > 0 {
		line := msg
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			line = msg[:i+1]
		}
		msg = msg[len(line):]
		if hasFromPrefix(bytes.TrimLeft(line, ">")) {
			out = append(out, '>')
		}
		out = append(out, line...)
	}
	return out
}

// writeMboxrd returns msgs in mboxrd form, each message ending with a
// newline (one is added if missing, as mbox writers do) and a blank line.
// It returns the messages as a reader must give them back.
func writeMboxrd(w io.Writer, msgs [][]byte) [][]byte {
	var want [][]byte
	for _, m := range msgs {
		m = bytes.Clone(m)
		if len(m) > 0 && m[len(m)-1] != '\n' {
			m = append(m, '\n')
		}
		want = append(want, m)
		io.WriteString(w, "From sender@example.com Mon Jan  1 00:00:00 2024\n")
		w.Write(mboxrdEscape(m))
		io.WriteString(w, "\n")
	}
	return want
}
