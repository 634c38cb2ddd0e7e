package mailfile

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// readMbox writes data to an mbox file and reads it back.
func readMbox(t testing.TB, data []byte) (*Source, []Message) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.mbox")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open([]string{p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, readAll(t, s)
}

// checkRoundTrip writes msgs as mboxrd and checks that they read back as
// they were, from a file through Open and Next, or in memory.
func checkRoundTrip(t testing.TB, msgs [][]byte, viaFile bool) {
	t.Helper()
	var file bytes.Buffer
	want := writeMboxrd(&file, msgs)
	var got []Message
	if viaFile {
		_, got = readMbox(t, file.Bytes())
	} else {
		got, _ = splitMbox(t, file.Bytes(), readBufferSize)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d messages, wrote %d", len(got), len(want))
	}
	for i, m := range got {
		if m.Index != i+1 {
			t.Errorf("message %d has Index %d", i+1, m.Index)
		}
		if !bytes.Equal(m.Raw, want[i]) {
			t.Errorf("message %d:\n got %.200q (len %d)\nwant %.200q (len %d)", i+1, m.Raw, len(m.Raw), want[i], len(want[i]))
		}
	}
}

func TestMboxRoundTrip(t *testing.T) {
	long := strings.Repeat("x", 200_000)
	tests := []struct {
		name string
		msgs []string
	}{
		{"one", []string{"Subject: a\n\nbody\n"}},
		{"empty message", []string{"", "Subject: b\n\nb\n", ""}},
		{"no final newline", []string{"Subject: a\n\nno newline"}},
		{"blank lines at the end", []string{"a\n\n\n", "b\n\r\n"}},
		{"From lines in the body", []string{"From x Mon Jan  1 00:00:00 2024\n\nFrom y Mon Jan  1 00:00:00 2024\n>From z\n>>From w\n>From\n"}},
		{"CRLF", []string{"Subject: a\r\n\r\nbody\r\n\r\nFrom a Mon Jan  1 00:00:00 2024\r\n", "b\r\n"}},
		{"long line", []string{"a\n" + long + "\n\nend\n", "next\n"}},
		{"long escaped line", []string{"a\n\nFrom " + long + "\n>From " + long + "\n"}},
		{"long line ending in a From_ line", []string{"a\n\n" + long + "From b Mon Jan  1 00:00:00 2024\n"}},
		{"lines at the buffer size", []string{
			strings.Repeat("y", readBufferSize-1) + "\n\n",
			strings.Repeat("y", readBufferSize) + "\n\n",
			strings.Repeat("y", readBufferSize+1) + "\n",
			"\n" + strings.Repeat("y", 2*readBufferSize-1) + "\n",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var msgs [][]byte
			for _, m := range tt.msgs {
				msgs = append(msgs, []byte(m))
			}
			checkRoundTrip(t, msgs, true)
		})
	}
}

func TestMboxLongFromLine(t *testing.T) {
	// A separating From_ line longer than the read buffer is dropped whole.
	from := "From sender Mon Jan  1 00:00:00 2024 " + strings.Repeat("z", 3*readBufferSize) + "\n"
	data := from + "A\n\n" + from + "B\n"
	_, msgs := readMbox(t, []byte(data))
	if len(msgs) != 2 || string(msgs[0].Raw) != "A\n" || string(msgs[1].Raw) != "B\n" {
		for _, m := range msgs {
			t.Logf("%s: %.100q", m.Origin(), m.Raw)
		}
		t.Fatalf("got %d messages, want A and B", len(msgs))
	}
}

// genMessage returns message i of the many-messages test.
func genMessage(i int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Message-ID: <%d@example.com>\nSubject: message %d\n\n", i, i)
	for j := range i % 7 {
		fmt.Fprintf(&b, "line %d of message %d %s\n", j, i, strings.Repeat("-", 500))
	}
	if i%10 == 0 {
		b.WriteString("\nFrom the body, escaped.\n>From already quoted.\n")
	}
	return b.Bytes()
}

func TestMboxManyMessages(t *testing.T) {
	const n = 5000
	p := filepath.Join(t.TempDir(), "many.mbox")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		writeMboxrd(w, [][]byte{genMessage(i)})
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open([]string{p})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var before, mid runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ctx := context.Background()
	for i := range n {
		m, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
		if m.Index != i+1 || !bytes.Equal(m.Raw, genMessage(i)) {
			t.Fatalf("message %d (Index %d) differs:\n got %q\nwant %q", i+1, m.Index, m.Raw, genMessage(i))
		}
		if i == n/2 {
			runtime.GC()
			runtime.ReadMemStats(&mid)
		}
	}
	if _, err := s.Next(ctx); err != io.EOF {
		t.Fatalf("after %d messages: %v, want io.EOF", n, err)
	}
	if s.ReadBytes() != s.TotalBytes() {
		t.Errorf("ReadBytes %d != TotalBytes %d", s.ReadBytes(), s.TotalBytes())
	}
	// The file is about 8 MB; half way through, the live heap must not have
	// grown by anything like the part already read.
	grown := int64(mid.HeapAlloc) - int64(before.HeapAlloc)
	if limit := s.TotalBytes() / 4; grown > limit {
		t.Errorf("live heap grew by %d bytes half way through a %d-byte mbox", grown, s.TotalBytes())
	}
	t.Logf("mbox %d bytes, live heap growth half way %d bytes", s.TotalBytes(), grown)
}
