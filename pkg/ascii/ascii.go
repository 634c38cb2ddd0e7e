// Package ascii folds case the way mail syntax does: A-Z only, so every
// byte keeps its position. strings.ToLower can change a string's length
// (invalid UTF-8 becomes U+FFFD, 'İ' grows), so an index found in its result
// must never slice the original; an index found in Lower's result can.
package ascii

// Lower returns s with A-Z mapped to a-z and every other byte unchanged;
// len(Lower(s)) == len(s).
func Lower(s string) string {
	i := 0
	for i < len(s) && !(s[i] >= 'A' && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if c := b[i]; c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
