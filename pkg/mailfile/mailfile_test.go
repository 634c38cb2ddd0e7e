package mailfile

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const eml1 = "From: a@example.com\r\nSubject: one\r\n\r\nHello.\r\n"

// got is a message as the tests compare it: origin relative to the test
// directory, and the raw text.
type got struct {
	origin string
	raw    string
}

func TestOpenAndRead(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) []string // returns the paths to Open
		want  []got
	}{
		{
			name: "single eml",
			setup: func(t *testing.T, dir string) []string {
				return []string{writeFile(t, dir, "one.eml", eml1)}
			},
			want: []got{{"one.eml", eml1}},
		},
		{
			name: "single file without extension",
			setup: func(t *testing.T, dir string) []string {
				return []string{writeFile(t, dir, "1700000000.M1P2.host:2,S", "Subject: x\n\nFrom here on.\n")}
			},
			want: []got{{"1700000000.M1P2.host:2,S", "Subject: x\n\nFrom here on.\n"}},
		},
		{
			name: "directory of eml files and ignored files",
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, dir, "in/b.eml", "B")
				writeFile(t, dir, "in/a.eml", "A")
				writeFile(t, dir, "in/C.EML", "C")
				writeFile(t, dir, "in/notes.txt", "ignored")
				writeFile(t, dir, "in/meta.json", "{}")
				writeFile(t, dir, "in/.hidden.eml", "ignored")
				writeFile(t, dir, "in/README", "From the desk of nobody\n")
				writeFile(t, dir, "in/.git/x.eml", "ignored")
				writeFile(t, dir, "in/sub/z.eml", "Z")
				writeFile(t, dir, "in/sub/deeper/y.Eml", "Y")
				writeFile(t, dir, "outside/o.eml", "O")
				if err := os.Symlink(filepath.Join(dir, "outside"), filepath.Join(dir, "in/link")); err != nil {
					t.Skip("symlinks not supported:", err)
				}
				if err := os.Symlink(filepath.Join(dir, "in"), filepath.Join(dir, "in/sub/loop")); err != nil {
					t.Fatal(err)
				}
				return []string{filepath.Join(dir, "in")}
			},
			// os.ReadDir sorts by byte order: upper case first.
			want: []got{{"in/C.EML", "C"}, {"in/a.eml", "A"}, {"in/b.eml", "B"}, {"in/sub/deeper/y.Eml", "Y"}, {"in/sub/z.eml", "Z"}},
		},
		{
			name: "maildir with new cur tmp and a Maildir++ subfolder",
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, dir, "Mail/cur/2.M2.host:2,S", "cur2")
				writeFile(t, dir, "Mail/cur/1.M1.host:2,S", "cur1")
				writeFile(t, dir, "Mail/cur/.hidden", "ignored")
				writeFile(t, dir, "Mail/new/3.M3.host", "new3")
				writeFile(t, dir, "Mail/tmp/4.M4.host", "ignored")
				writeFile(t, dir, "Mail/dovecot-uidlist", "ignored")
				writeFile(t, dir, "Mail/.Sent/cur/5.M5.host:2,S", "sent5")
				mkdir(t, dir, "Mail/.Sent/new")
				mkdir(t, dir, "Mail/.Sent/tmp")
				writeFile(t, dir, "Mail/.Archive.2020/new/6.M6.host", "arch6")
				writeFile(t, dir, "Mail/.NotAMaildir/7.eml", "ignored")
				writeFile(t, dir, "Mail/other/8.eml", "ignored")
				return []string{filepath.Join(dir, "Mail")}
			},
			want: []got{
				{"Mail/new/3.M3.host", "new3"},
				{"Mail/cur/1.M1.host:2,S", "cur1"},
				{"Mail/cur/2.M2.host:2,S", "cur2"},
				{"Mail/.Archive.2020/new/6.M6.host", "arch6"},
				{"Mail/.Sent/cur/5.M5.host:2,S", "sent5"},
			},
		},
		{
			name: "maildir nested in a walked directory, only new present",
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, dir, "root/a.eml", "A")
				writeFile(t, dir, "root/box/new/1", "n1")
				writeFile(t, dir, "root/box/junk.eml", "ignored: inside a Maildir")
				writeFile(t, dir, "root/z.eml", "Z")
				return []string{filepath.Join(dir, "root")}
			},
			want: []got{{"root/a.eml", "A"}, {"root/box/new/1", "n1"}, {"root/z.eml", "Z"}},
		},
		{
			name: "cur directory given directly",
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, dir, "M/cur/1:2,S", "c1")
				writeFile(t, dir, "M/new/2", "n2")
				return []string{filepath.Join(dir, "M", "cur")}
			},
			want: []got{{"M/cur/1:2,S", "c1"}},
		},
		{
			name: "mbox with escaped and ambiguous From lines",
			setup: func(t *testing.T, dir string) []string {
				return []string{writeFile(t, dir, "box.mbox", ""+
					"From alice@example.com Sat Jan  3 01:05:34 1996\n"+
					"Subject: one\n"+
					"\n"+
					"Hi.\n"+
					">From the archive: an escaped line.\n"+
					">>From stays escaped once.\n"+
					"From me to you, not after a blank line: body text.\n"+
					"\n"+
					"From here on, no date: body text too.\n"+
					"\n"+
					"From bob@example.com Sun Jan  4 10:00:00 1996\n"+
					"Subject: two\n"+
					"\n"+
					"Two.\n"+
					"\n"+
					"\n"+
					"From - Mon Jan  5 11:12:13 1996\n"+
					"Subject: three\n"+
					"\n"+
					"Three, no final blank line.\n")}
			},
			want: []got{
				{"box.mbox#1", "Subject: one\n\nHi.\nFrom the archive: an escaped line.\n>From stays escaped once.\nFrom me to you, not after a blank line: body text.\n\nFrom here on, no date: body text too.\n"},
				{"box.mbox#2", "Subject: two\n\nTwo.\n\n"},
				{"box.mbox#3", "Subject: three\n\nThree, no final blank line.\n"},
			},
		},
		{
			name: "mboxo: an unescaped From_ line after a blank line splits",
			setup: func(t *testing.T, dir string) []string {
				return []string{writeFile(t, dir, "mbox", ""+
					"From a@x Sat Jan  3 01:05:34 1996\n"+
					"Subject: one\n\nquoted:\n\n"+
					"From someone Sat Jan  3 01:00:00 1996\n"+
					"rest\n")}
			},
			want: []got{{"mbox#1", "Subject: one\n\nquoted:\n"}, {"mbox#2", "rest\n"}},
		},
		{
			name: "CRLF mbox",
			setup: func(t *testing.T, dir string) []string {
				return []string{writeFile(t, dir, "crlf.mbx", ""+
					"From a@x Sat Jan  3 01:05:34 1996\r\n"+
					"Subject: one\r\n\r\nOne.\r\n>From x\r\n\r\n"+
					"From b@x Sat Jan  3 01:05:35 1996\r\n"+
					"Subject: two\r\n\r\nTwo.\r\n\r\n")}
			},
			want: []got{
				{"crlf.mbx#1", "Subject: one\r\n\r\nOne.\r\nFrom x\r\n"},
				{"crlf.mbx#2", "Subject: two\r\n\r\nTwo.\r\n"},
			},
		},
		{
			name: "empty mbox",
			setup: func(t *testing.T, dir string) []string {
				return []string{writeFile(t, dir, "empty.mbox", "")}
			},
			want: nil,
		},
		{
			name: "mbox of blank lines only",
			setup: func(t *testing.T, dir string) []string {
				return []string{writeFile(t, dir, "blank.mbox", "\n\r\n\n")}
			},
			want: nil,
		},
		{
			name: "leading blank lines and an empty message",
			setup: func(t *testing.T, dir string) []string {
				return []string{writeFile(t, dir, "x.mbox", "\n\nFrom a Sat Jan  3 01:05:34 1996\n\nFrom b Sat Jan  3 01:05:34 1996\nB\n\n")}
			},
			want: []got{{"x.mbox#1", ""}, {"x.mbox#2", "B\n"}},
		},
		{
			name: "content before the first From_ line is message 1",
			setup: func(t *testing.T, dir string) []string {
				return []string{writeFile(t, dir, "x.mbox", "Subject: stray\n\nFrom a Sat Jan  3 01:05:34 1996\nA\n")}
			},
			want: []got{{"x.mbox#1", "Subject: stray\n"}, {"x.mbox#2", "A\n"}},
		},
		{
			name: "eml that starts with a From_ line is an mbox",
			setup: func(t *testing.T, dir string) []string {
				return []string{writeFile(t, dir, "x.eml", "From a Sat Jan  3 01:05:34 1996\nSubject: s\n\nbody\n")}
			},
			want: []got{{"x.eml#1", "Subject: s\n\nbody\n"}},
		},
		{
			name: "mbox files found in a walk",
			setup: func(t *testing.T, dir string) []string {
				const m = "From a Sat Jan  3 01:05:34 1996\nM\n"
				writeFile(t, dir, "w/archive.mbox", m)
				writeFile(t, dir, "w/Old.MBX", m)
				writeFile(t, dir, "w/sub/mbox", m)
				writeFile(t, dir, "w/saved", m)
				writeFile(t, dir, "w/plain", "not an mbox\n")
				writeFile(t, dir, "w/mail.txt", m)
				return []string{filepath.Join(dir, "w")}
			},
			want: []got{{"w/Old.MBX#1", "M\n"}, {"w/archive.mbox#1", "M\n"}, {"w/saved#1", "M\n"}, {"w/sub/mbox#1", "M\n"}},
		},
		{
			name: "paths in the order given",
			setup: func(t *testing.T, dir string) []string {
				return []string{
					writeFile(t, dir, "z.eml", "Z"),
					writeFile(t, dir, "m.mbox", "From a Sat Jan  3 01:05:34 1996\nM1\n\nFrom a Sat Jan  3 01:05:34 1996\nM2\n"),
					writeFile(t, dir, "a.eml", "A"),
				}
			},
			want: []got{{"z.eml", "Z"}, {"m.mbox#1", "M1\n"}, {"m.mbox#2", "M2\n"}, {"a.eml", "A"}},
		},
		{
			name: "no paths",
			setup: func(t *testing.T, dir string) []string {
				return nil
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			paths := tt.setup(t, dir)
			s, err := Open(paths)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			var total int64
			for _, it := range s.items {
				total += it.size
			}
			if s.TotalBytes() != total {
				t.Errorf("TotalBytes = %d, want %d", s.TotalBytes(), total)
			}
			var gotMsgs []got
			for _, m := range readAll(t, s) {
				rel, err := filepath.Rel(dir, m.Path)
				if err != nil {
					t.Fatal(err)
				}
				m.Path = filepath.ToSlash(rel)
				gotMsgs = append(gotMsgs, got{m.Origin(), string(m.Raw)})
			}
			if len(gotMsgs) != len(tt.want) {
				t.Fatalf("got %d messages, want %d:\n got %q\nwant %q", len(gotMsgs), len(tt.want), gotMsgs, tt.want)
			}
			for i := range gotMsgs {
				if gotMsgs[i] != tt.want[i] {
					t.Errorf("message %d:\n got %q\nwant %q", i, gotMsgs[i], tt.want[i])
				}
			}
			// Reading again gives the same result.
			s2, err := Open(paths)
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			if n := len(readAll(t, s2)); n != len(gotMsgs) {
				t.Errorf("second read: %d messages, want %d", n, len(gotMsgs))
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.eml", eml1)
	missing := filepath.Join(dir, "nope", "missing.mbox")
	tests := []struct {
		name  string
		paths []string
		want  string // in the error
		is    error
	}{
		{"missing path", []string{missing}, missing, fs.ErrNotExist},
		{"missing after a good one", []string{good, missing}, missing, fs.ErrNotExist},
	}
	if os.Getuid() != 0 { // root can read anything
		unreadable := writeFile(t, dir, "secret.eml", "x")
		if err := os.Chmod(unreadable, 0); err != nil {
			t.Fatal(err)
		}
		closedDir := mkdir(t, dir, "closed")
		writeFile(t, dir, "closed/x.eml", "x")
		if err := os.Chmod(closedDir, 0); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(closedDir, 0o755) })
		tests = append(tests,
			struct {
				name  string
				paths []string
				want  string
				is    error
			}{"unreadable file", []string{unreadable}, unreadable, fs.ErrPermission},
			struct {
				name  string
				paths []string
				want  string
				is    error
			}{"unreadable directory", []string{closedDir}, closedDir, fs.ErrPermission},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.paths)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name %s", err, tt.want)
			}
			if strings.Count(err.Error(), tt.want) != 1 {
				t.Errorf("error %q names %s more than once", err, tt.want)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
		})
	}
}

func TestFileRemovedAfterOpen(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "d/a.eml", "A")
	writeFile(t, dir, "d/b.eml", "B")
	s, err := Open([]string{filepath.Join(dir, "d")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.Remove(a); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Next(ctx); err == nil || !strings.Contains(err.Error(), a) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Next on a removed file: %v", err)
	}
	m, err := s.Next(ctx)
	if err != nil || string(m.Raw) != "B" {
		t.Fatalf("Next after the error = %q, %v; want B", m.Raw, err)
	}
	if _, err := s.Next(ctx); err != io.EOF {
		t.Fatalf("Next at the end = %v, want io.EOF", err)
	}
	if s.ReadBytes() != s.TotalBytes() {
		t.Errorf("ReadBytes %d != TotalBytes %d", s.ReadBytes(), s.TotalBytes())
	}
}

func TestContextCancelled(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) []string
	}{
		{"eml files", func(t *testing.T, dir string) []string {
			writeFile(t, dir, "d/1.eml", "1")
			writeFile(t, dir, "d/2.eml", "2")
			writeFile(t, dir, "d/3.eml", "3")
			return []string{filepath.Join(dir, "d")}
		}},
		{"mbox", func(t *testing.T, dir string) []string {
			return []string{writeFile(t, dir, "m.mbox", "From a Sat Jan  3 01:05:34 1996\n1\n\nFrom a Sat Jan  3 01:05:34 1996\n2\n\nFrom a Sat Jan  3 01:05:34 1996\n3\n")}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.setup(t, t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx, cancel := context.WithCancel(context.Background())
			m, err := s.Next(ctx)
			if err != nil || !strings.HasPrefix(string(m.Raw), "1") {
				t.Fatalf("first Next = %q, %v", m.Raw, err)
			}
			cancel()
			if _, err := s.Next(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("Next after cancel = %v, want context.Canceled", err)
			}
			// Nothing was lost: a live context goes on with message 2.
			m, err = s.Next(context.Background())
			if err != nil || !strings.HasPrefix(string(m.Raw), "2") {
				t.Fatalf("Next with a new context = %q, %v", m.Raw, err)
			}
		})
	}
}

func TestBytesCounters(t *testing.T) {
	dir := t.TempDir()
	mbox := "From a Sat Jan  3 01:05:34 1996\n1\n\nFrom a Sat Jan  3 01:05:34 1996\n2\n\n"
	paths := []string{
		writeFile(t, dir, "a.eml", eml1),
		writeFile(t, dir, "m.mbox", mbox),
		writeFile(t, dir, "e.mbox", ""),
	}
	s, err := Open(paths)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := int64(len(eml1) + len(mbox))
	if s.TotalBytes() != want {
		t.Fatalf("TotalBytes = %d, want %d", s.TotalBytes(), want)
	}
	if s.ReadBytes() != 0 {
		t.Fatalf("ReadBytes before Next = %d", s.ReadBytes())
	}
	ctx := context.Background()
	s.Next(ctx)
	if s.ReadBytes() != int64(len(eml1)) {
		t.Errorf("after the eml ReadBytes = %d, want %d", s.ReadBytes(), len(eml1))
	}
	s.Next(ctx)
	if n := s.ReadBytes(); n <= int64(len(eml1)) || n >= want {
		t.Errorf("inside the mbox ReadBytes = %d, want between %d and %d", n, len(eml1), want)
	}
	msgs := readAll(t, s) // checks ReadBytes == TotalBytes at EOF
	if len(msgs) != 1 {
		t.Errorf("%d messages left, want 1", len(msgs))
	}
}

func TestMessageTooLarge(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("x", 100) + "\n"
	mbox := writeFile(t, dir, "m.mbox", "From a Sat Jan  3 01:05:34 1996\nsmall\n\n"+
		"From a Sat Jan  3 01:05:34 1996\n"+big+big+"\n"+
		"From a Sat Jan  3 01:05:34 1996\nlast\n")
	eml := writeFile(t, dir, "big.eml", big+big)
	maildirMsg := writeFile(t, dir, "Maildir/new/1", big+big)
	after := writeFile(t, dir, "after.eml", "after")
	s, err := Open([]string{mbox, eml, filepath.Join(dir, "Maildir"), after})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.max = 150
	ctx := context.Background()
	var log []string
	for {
		m, err := s.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			if !errors.Is(err, ErrMessageTooLarge) {
				t.Fatalf("unexpected error: %v", err)
			}
			log = append(log, "error: "+err.Error())
			continue
		}
		rel, _ := filepath.Rel(dir, m.Path)
		m.Path = rel
		log = append(log, m.Origin()+" "+strings.TrimSpace(string(m.Raw)))
	}
	want := []string{
		"m.mbox#1 small",
		"error: read " + mbox + "#2: message too large (over 150 bytes)",
		"m.mbox#3 last",
		"error: read " + eml + ": message too large (over 150 bytes)",
		"error: read " + maildirMsg + ": message too large (over 150 bytes)",
		"after.eml after",
	}
	if strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
	if s.ReadBytes() != s.TotalBytes() {
		t.Errorf("ReadBytes %d != TotalBytes %d", s.ReadBytes(), s.TotalBytes())
	}
}

func TestOrigin(t *testing.T) {
	tests := []struct {
		m    Message
		want string
	}{
		{Message{Path: "/a/b.eml"}, "/a/b.eml"},
		{Message{Path: "/a/box.mbox", Index: 1}, "/a/box.mbox#1"},
		{Message{Path: "box", Index: 5000}, "box#5000"},
	}
	for _, tt := range tests {
		if got := tt.m.Origin(); got != tt.want {
			t.Errorf("Origin() = %q, want %q", got, tt.want)
		}
	}
}

func TestClose(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "m.mbox", "From a Sat Jan  3 01:05:34 1996\n1\n\nFrom a Sat Jan  3 01:05:34 1996\n2\n")
	s, err := Open([]string{p})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.Next(context.Background()); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Next after Close = %v, want os.ErrClosed", err)
	}
}
