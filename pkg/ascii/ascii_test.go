package ascii

import (
	"strings"
	"testing"
)

func TestLowerKeepsEveryBytePosition(t *testing.T) {
	for _, s := range []string{
		"", "abc", "FOR <Log@Example.COM>", "\xff\xfeFOR x@y", "İİİİ for a@b", "Ǆ\x80for",
	} {
		got := Lower(s)
		if len(got) != len(s) {
			t.Errorf("Lower(%q) = %q: length %d, want %d", s, got, len(got), len(s))
		}
		if want := strings.ToLower(s); strings.ToValidUTF8(s, "") == s && !strings.ContainsAny(s, "İǄ") && got != want {
			t.Errorf("Lower(%q) = %q, want %q", s, got, want)
		}
	}
	if got := Lower("FOR <Log@Example.COM>"); got != "for <log@example.com>" {
		t.Errorf("Lower folds A-Z: got %q", got)
	}
	if got := Lower("İ\xff"); got != "İ\xff" {
		t.Errorf("Lower leaves non-ASCII bytes alone: got %q", got)
	}
}
