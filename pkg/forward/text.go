package forward

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// isSpace reports whether r is white space for trimming: Unicode spaces,
// non-breaking spaces and the byte-order mark (as JavaScript's trim does).
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', 0xA0, 0xFEFF, 0x200B:
		return true
	}
	return r >= 0x80 && unicode.IsSpace(r)
}

// trim removes leading and trailing white space (see isSpace).
func trim(s string) string {
	// Fast path for ASCII edges.
	start := 0
	for start < len(s) {
		c := s[start]
		if c < utf8.RuneSelf {
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
				start++
				continue
			}
			break
		}
		r, n := utf8.DecodeRuneInString(s[start:])
		if !isSpace(r) {
			break
		}
		start += n
	}
	end := len(s)
	for end > start {
		c := s[end-1]
		if c < utf8.RuneSelf {
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
				end--
				continue
			}
			break
		}
		r, n := utf8.DecodeLastRuneInString(s[start:end])
		if !isSpace(r) {
			break
		}
		end -= n
	}
	return s[start:end]
}

// isBlank reports whether s holds only white space.
func isBlank(s string) bool { return trim(s) == "" }

// normBufSize bounds the labels and phrases normalised on the stack.
const normBufSize = 128

// appendNorm appends to dst the normalised form of s used for label and
// phrase look-ups: lower case, '*' markup dropped, runs of white space
// (including non-breaking spaces and tabs) collapsed to one space, leading
// and trailing space removed. It reports false when the result would not
// fit in normBufSize bytes.
func appendNorm(dst []byte, s string) ([]byte, bool) {
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		var r rune
		n := 1
		if c < utf8.RuneSelf {
			r = rune(c)
		} else {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		i += n
		if r == '*' {
			continue
		}
		if isSpace(r) {
			space = len(dst) > 0
			continue
		}
		if space {
			dst = append(dst, ' ')
			space = false
		}
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			dst = append(dst, byte(r))
		} else {
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
		if len(dst) > normBufSize {
			return dst, false
		}
	}
	return dst, true
}

// normLabel returns the normalised form of s (see appendNorm), without a
// final colon. Used to build the tables.
func normLabel(s string) string {
	s = strings.TrimSuffix(trim(s), ":")
	b, _ := appendNorm(make([]byte, 0, len(s)), s)
	return string(b)
}

// titleFirst upper-cases the first letter of s.
func titleFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// colonIndex returns the byte index and width of the first ASCII or
// full-width colon in s[:limit], or -1.
func colonIndex(s string, limit int) (int, int) {
	if limit > len(s) {
		limit = len(s)
	}
	for i := 0; i < limit; i++ {
		switch s[i] {
		case ':':
			return i, 1
		case 0xEF: // U+FF1A FULLWIDTH COLON is EF BC 9A
			if i+2 < len(s) && s[i+1] == 0xBC && s[i+2] == 0x9A {
				return i, 3
			}
		}
	}
	return -1, 0
}

// cutColonSuffix reports whether s ends with an ASCII or full-width colon
// and returns s without it.
func cutColonSuffix(s string) (string, bool) {
	if strings.HasSuffix(s, ":") {
		return s[:len(s)-1], true
	}
	if strings.HasSuffix(s, "：") {
		return s[:len(s)-len("：")], true
	}
	return s, false
}

// normalizeBody turns CRLF and CR line ends into LF and drops byte-order
// marks. It returns s itself when there is nothing to change.
func normalizeBody(s string) string {
	if strings.IndexByte(s, '\r') < 0 && !strings.Contains(s, "\uFEFF") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\r':
			b.WriteByte('\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case c == 0xEF && i+2 < len(s) && s[i+1] == 0xBB && s[i+2] == 0xBF:
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// hasDigit reports whether s contains an ASCII digit.
func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}
