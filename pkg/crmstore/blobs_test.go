package crmstore

import (
	"crypto/sha256"
	"fmt"
	"testing"
)

// Blobs stored as deflate-mail1 can be read only with the dictionary they
// were compressed with: its bytes never change.
func TestMailDictionaryIsFrozen(t *testing.T) {
	const want = "77437953eb428951029253d2ae344fc74cf477146cbc801ca41c04a1f458cc9c"
	if got := fmt.Sprintf("%x", sha256.Sum256(mailDict1)); got != want {
		t.Fatalf("mail1.dict has SHA-256 %s, want %s: blobs stored as deflate-mail1 would no longer read back; add a new dictionary and encoding instead", got, want)
	}
}
