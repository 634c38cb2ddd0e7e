package password

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("Hash = %q, want the PHC argon2id prefix", h)
	}
	for _, tc := range []struct {
		plain string
		want  bool
	}{
		{"correct horse", true},
		{"correct horse ", false},
		{"Correct horse", false},
		{"", false},
	} {
		got, err := Verify(h, tc.plain)
		if err != nil {
			t.Fatalf("Verify(%q): %v", tc.plain, err)
		}
		if got != tc.want {
			t.Errorf("Verify(hash, %q) = %v, want %v", tc.plain, got, tc.want)
		}
	}
	if NeedsRehash(h) {
		t.Errorf("NeedsRehash(new hash) = true")
	}
}

func TestSaltsDiffer(t *testing.T) {
	a, _ := Hash("same")
	b, _ := Hash("same")
	if a == b {
		t.Errorf("two hashes of one password are equal: %s", a)
	}
}

// TestKnownVector checks that Verify reads a PHC string built by hand from
// argon2.IDKey (salt, parameters and hash as other argon2id libraries
// write them), including parameters other than the current ones.
func TestKnownVector(t *testing.T) {
	salt := []byte("somesaltsomesalt")
	key := argon2.IDKey([]byte("password"), salt, 2, 19456, 1, 32)
	h := "$argon2id$v=19$m=19456,t=2,p=1$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key)
	ok, err := Verify(h, "password")
	if err != nil || !ok {
		t.Fatalf("Verify(vector) = %v, %v", ok, err)
	}
	// Other parameters are read from the string, not assumed.
	key2 := argon2.IDKey([]byte("password"), salt, 1, 64, 2, 16)
	h2 := "$argon2id$v=19$m=64,t=1,p=2$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key2)
	if ok, err := Verify(h2, "password"); err != nil || !ok {
		t.Fatalf("Verify(other params) = %v, %v", ok, err)
	}
	if !NeedsRehash(h2) {
		t.Errorf("NeedsRehash(other params) = false")
	}
}

func TestBadHashes(t *testing.T) {
	good, _ := Hash("x")
	parts := strings.Split(good, "$")
	for _, h := range []string{
		"",
		"plain",
		"$2a$10$abcdefghijklmnopqrstuu",
		"$argon2i$v=19$m=19456,t=2,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=16$m=19456,t=2,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=19456,t=2$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=19456,t=2,p=1,x=3$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=99999999,t=2,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=19456,t=999,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=19456,t=0,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=19456,t=2,p=1$!!!$" + parts[5],
		"$argon2id$v=19$m=19456,t=2,p=1$" + parts[4] + "$",
		good + "$",
	} {
		ok, err := Verify(h, "x")
		if ok || !errors.Is(err, ErrFormat) {
			t.Errorf("Verify(%q) = %v, %v, want false, ErrFormat", h, ok, err)
		}
	}
}
