package mailfile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHeaderOnlyAboveTheLimit(t *testing.T) {
	dir := t.TempDir()
	header := "From: a@example.com\r\nSubject: big\r\n\r\n"
	big := header + strings.Repeat("x", 5000) + "\r\n"
	small := "From: b@example.com\r\nSubject: small\r\n\r\nhi\r\n"
	os.WriteFile(filepath.Join(dir, "big.eml"), []byte(big), 0o644)
	os.WriteFile(filepath.Join(dir, "small.eml"), []byte(small), 0o644)
	os.WriteFile(filepath.Join(dir, "box.mbox"), []byte("From a@example.com Tue Mar  3 10:00:00 2026\n"+big+"\nFrom b@example.com Tue Mar  3 10:00:00 2026\n"+small), 0o644)

	src, err := Open([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	src.HeaderOnlyAbove(1000)
	got := map[string]Message{}
	for {
		m, err := src.Next(context.Background())
		if err != nil {
			break
		}
		got[filepath.Base(m.Origin())] = m
	}
	for _, name := range []string{"big.eml", "box.mbox#1"} {
		m := got[name]
		if string(m.Raw) != header || m.Size < 5000 {
			t.Errorf("%s: Raw %q (%d bytes), Size %d; want the header section and the whole size", name, m.Raw[:min(len(m.Raw), 40)], len(m.Raw), m.Size)
		}
	}
	for _, name := range []string{"small.eml", "box.mbox#2"} {
		if m := got[name]; string(m.Raw) != small || m.Size != int64(len(small)) {
			t.Errorf("%s: Raw %q, Size %d; want it whole", name, m.Raw, m.Size)
		}
	}
}
