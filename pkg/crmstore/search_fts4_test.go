package crmstore

import (
	"strings"
	"testing"
)

func TestFTSQuery(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "",
		"hello":                  `"hello"`,
		"Straße  München":        `("straße" OR "strasse") "münchen"`,
		"STRASSE":                `("strasse" OR "straße")`,
		`"a b" OR c*`:            `"a" "b" "or" "c"`,
		"o'brien dana@x.com":     `"o brien" "dana x com"`,
		"- * ( ) : ^":            "",
		strings.Repeat("w ", 40): strings.TrimSpace(strings.Repeat(`"w" `, maxSearchWords)),
	} {
		if got := ftsQuery(in); got != want {
			t.Errorf("ftsQuery(%q) = %q, want %q", in, got, want)
		}
	}
}
