package main

import (
	"strings"
	"testing"
)

func TestTableAlignsWideCharacters(t *testing.T) {
	var b strings.Builder
	tw := newTable(&b)
	tw.Write([]byte("NAME\tCOMPANY\tOWNER\n"))
	tw.Write([]byte("山田太郎\tトヨタ\talice\n"))
	tw.Write([]byte("Ana\tAcme\tbob\n"))
	tw.Write([]byte("José\tCafé\tchiara\n"))
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	var owner []int
	for _, l := range lines {
		i := strings.LastIndex(l, "  ")
		owner = append(owner, displayWidth(l[:i+2]))
	}
	for i, col := range owner {
		if col != owner[0] {
			t.Errorf("line %d: the last column starts at screen column %d, want %d:\n%s", i, col, owner[0], b.String())
		}
	}
	if displayWidth("山田") != 4 || displayWidth("e\u0301") != 1 || displayWidth("abc") != 3 {
		t.Error("displayWidth is wrong for wide or combining characters")
	}
}

func TestTableAlignsBlocksLikeTabwriter(t *testing.T) {
	var b strings.Builder
	tw := newTable(&b)
	tw.Write([]byte("  company:\tacme.example\n  owner:\tbob\n\nemails:\n  DATE\tKIND\tSUBJECT\n  2026-03-01 10:00 CET\tbcc\tHello\n"))
	tw.Flush()
	want := "  company:  acme.example\n  owner:    bob\n\nemails:\n  DATE                  KIND  SUBJECT\n  2026-03-01 10:00 CET  bcc   Hello\n"
	if b.String() != want {
		t.Errorf("table =\n%s\nwant\n%s", b.String(), want)
	}
}
