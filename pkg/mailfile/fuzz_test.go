package mailfile

import (
	"bufio"
	"bytes"
	"io"
	"testing"
)

// splitMbox splits data as an mbox file in memory, with a read buffer of
// bufSize bytes. It returns the messages and the bytes consumed.
func splitMbox(t testing.TB, data []byte, bufSize int) ([]Message, int64) {
	t.Helper()
	r := &mboxReader{
		path:    "fuzz.mbox",
		c:       io.NopCloser(nil),
		br:      bufio.NewReaderSize(bytes.NewReader(data), bufSize),
		max:     maxMessageSize,
		atStart: true,
	}
	var msgs []Message
	for {
		m, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		msgs = append(msgs, m)
		if len(msgs) > len(data)+1 {
			t.Fatalf("more messages (%d) than input bytes (%d)", len(msgs), len(data))
		}
	}
	if _, err := r.next(); err != io.EOF {
		t.Fatalf("next after EOF = %v", err)
	}
	return msgs, r.n
}

// mboxSeeds are inputs worth running on every go test.
var mboxSeeds = []string{
	"",
	"\n",
	"From ",
	"From a Sat Jan  3 01:05:34 1996",
	"From a Sat Jan  3 01:05:34 1996\n",
	"From a Sat Jan  3 01:05:34 1996\nA\n\nFrom b Sat Jan  3 01:05:34 1996\nB\n\n",
	"From a Sat Jan  3 01:05:34 1996\r\nA\r\n\r\nFrom b Sat Jan  3 01:05:34 1996\r\nB\r\n",
	"From a Sat Jan  3 01:05:34 1996\n>From x\n>>From y\nFrom z\n\nFrom here\n",
	"garbage\n\nFrom a Sat Jan  3 01:05:34 1996\nA\n",
	"\n\n\nFrom a 1:00\n\n\nFrom b 1:00\n",
	">From a 1:00\n\n>\n>From\n>From \n",
	"From a 1:00\nFrom b 1:00\n\r\nFrom c 1:00",
	"\r\n\rFrom a 1:00\n\x00\xff",
}

// countFromPrefixed counts the lines of data that begin "From ".
func countFromPrefixed(data []byte) int {
	n := 0
	for line := range bytes.Lines(data) {
		if bytes.HasPrefix(line, []byte("From ")) {
			n++
		}
	}
	return n
}

// isSubsequence reports whether the bytes of sub appear in s in order.
func isSubsequence(sub, s []byte) bool {
	for _, c := range sub {
		i := bytes.IndexByte(s, c)
		if i < 0 {
			return false
		}
		s = s[i+1:]
	}
	return true
}

// FuzzMbox feeds arbitrary bytes as an mbox file. Whatever the input: no
// panic and no error; messages are numbered 1..n; there are at most one
// more messages than lines starting "From "; reading consumes exactly the
// input; and the concatenation of the messages is the input with bytes
// only taken out (From_ lines, separating blank lines, one '>' per escaped
// line), never added or reordered.
func FuzzMbox(f *testing.F) {
	for _, s := range mboxSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		msgs, n := splitMbox(t, data, readBufferSize)
		if n != int64(len(data)) {
			t.Fatalf("consumed %d bytes of %d", n, len(data))
		}
		if max := countFromPrefixed(data) + 1; len(msgs) > max {
			t.Fatalf("%d messages from %d lines starting \"From \"", len(msgs), max-1)
		}
		var all []byte
		for i, m := range msgs {
			if m.Index != i+1 || m.Path != "fuzz.mbox" {
				t.Fatalf("message %d: Index %d, Path %q", i+1, m.Index, m.Path)
			}
			if m.Raw == nil {
				t.Fatalf("message %d: nil Raw", i+1)
			}
			all = append(all, m.Raw...)
		}
		if !isSubsequence(all, data) {
			t.Fatalf("messages %q are not taken from input %q", all, data)
		}
		// Lines shorter than the buffer are read the same with a small one.
		if maxLineLen(data) < 64 {
			small, _ := splitMbox(t, data, 64)
			if len(small) != len(msgs) {
				t.Fatalf("64-byte buffer: %d messages, want %d", len(small), len(msgs))
			}
			for i := range small {
				if !bytes.Equal(small[i].Raw, msgs[i].Raw) {
					t.Fatalf("64-byte buffer: message %d = %q, want %q", i+1, small[i].Raw, msgs[i].Raw)
				}
			}
		}
	})
}

// maxLineLen returns the length of the longest line of data.
func maxLineLen(data []byte) int {
	n := 0
	for line := range bytes.Lines(data) {
		n = max(n, len(line))
	}
	return n
}

// FuzzMboxRoundTrip writes messages (the input split at NUL bytes) as
// mboxrd and checks that they read back exactly.
func FuzzMboxRoundTrip(f *testing.F) {
	f.Add([]byte("Subject: a\n\nbody\n\x00Subject: b\n\nFrom me\n>From you\n"))
	f.Add([]byte("\x00\x00\n\x00\r\n\x00From a 1:00\n\nFrom b 1:00\n"))
	f.Add([]byte("a\r\n\r\n>>From x\r\n\r\n\x00no newline"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, bytes.Split(data, []byte{0}), false)
	})
}
