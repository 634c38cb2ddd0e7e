// Package password hashes and verifies passwords with argon2id (RFC 9106),
// stored in the PHC string format:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// with salt and hash in unpadded standard base64. The parameters are
// OWASP's minimum for argon2id (19 MiB, two passes, one lane).
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// The parameters new hashes are made with.
const (
	Memory  = 19456 // KiB
	Time    = 2
	Threads = 1
	saltLen = 16
	keyLen  = 32
)

// Bounds on the parameters a stored hash may ask for, so that a tampered
// hash cannot make Verify allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // 1 GiB
	maxTime    = 16
	maxThreads = 16
	maxKeyLen  = 128
)

// ErrFormat is returned, wrapped, for a hash that is not an argon2id PHC
// string this package can verify.
var ErrFormat = errors.New("not an argon2id PHC hash")

var b64 = base64.RawStdEncoding

// Hash returns the argon2id hash of plain, with a fresh random salt, in PHC
// form.
func Hash(plain string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(plain), salt, Time, Memory, Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, Memory, Time, Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// params are what a PHC string states.
type params struct {
	memory  uint32
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

// Verify reports whether plain matches hash. The comparison runs in
// constant time; an error means hash could not be read (ErrFormat).
func Verify(hash, plain string) (bool, error) {
	p, err := parse(hash)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(plain), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

// NeedsRehash reports whether hash was made with other parameters than
// the current ones (or cannot be read).
func NeedsRehash(hash string) bool {
	p, err := parse(hash)
	return err != nil || p.memory != Memory || p.time != Time || p.threads != Threads || len(p.key) != keyLen
}

func parse(hash string) (params, error) {
	var p params
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	f := strings.Split(hash, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" {
		return p, ErrFormat
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, fmt.Errorf("%w: version %q", ErrFormat, f[2])
	}
	seen := map[string]bool{}
	for _, kv := range strings.Split(f[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || seen[k] {
			return p, fmt.Errorf("%w: parameters %q", ErrFormat, f[3])
		}
		seen[k] = true
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n == 0 {
			return p, fmt.Errorf("%w: parameter %q", ErrFormat, kv)
		}
		switch k {
		case "m":
			if n > maxMemory {
				return p, fmt.Errorf("%w: memory %d KiB above the limit", ErrFormat, n)
			}
			p.memory = uint32(n)
		case "t":
			if n > maxTime {
				return p, fmt.Errorf("%w: time %d above the limit", ErrFormat, n)
			}
			p.time = uint32(n)
		case "p":
			if n > maxThreads {
				return p, fmt.Errorf("%w: parallelism %d above the limit", ErrFormat, n)
			}
			p.threads = uint8(n)
		default:
			return p, fmt.Errorf("%w: unknown parameter %q", ErrFormat, k)
		}
	}
	if !seen["m"] || !seen["t"] || !seen["p"] {
		return p, fmt.Errorf("%w: parameters %q", ErrFormat, f[3])
	}
	if p.memory < 8*uint32(p.threads) {
		return p, fmt.Errorf("%w: memory below 8 KiB per lane", ErrFormat)
	}
	var err error
	if p.salt, err = b64.DecodeString(f[4]); err != nil || len(p.salt) < 8 {
		return p, fmt.Errorf("%w: salt", ErrFormat)
	}
	if p.key, err = b64.DecodeString(f[5]); err != nil || len(p.key) < 16 || len(p.key) > maxKeyLen {
		return p, fmt.Errorf("%w: hash", ErrFormat)
	}
	return p, nil
}
