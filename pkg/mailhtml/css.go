package mailhtml

import (
	"strings"

	"github.com/poller-crm/poller/pkg/ascii"
)

// maxStyleLen is the longest style attribute kept; longer ones are dropped
// whole (no real email needs more, and it bounds the CSS work per element).
const maxStyleLen = 32 << 10

// splitDeclarations splits a style attribute into declarations at the
// semicolons outside quotes and parentheses.
func splitDeclarations(s string) []string {
	var decls []string
	var quote byte
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == ';' && depth == 0:
			decls = append(decls, s[start:i])
			start = i + 1
		}
	}
	return append(decls, s[start:])
}

// property returns the lower-cased property name of a declaration.
func property(decl string) string {
	name, _, _ := strings.Cut(decl, ":")
	return strings.ToLower(strings.TrimSpace(name))
}

// cssURLs returns the arguments of the url() functions and @import rules in
// CSS text (quotes removed). It is for counting what gets blocked, not for
// deciding what is safe.
func cssURLs(css string) []string {
	lower := ascii.Lower(css)
	var urls []string
	u, imp := -2, -2 // next match positions; -1 = none left
	for i := 0; ; {
		u = nextIndex(lower, "url(", i, u)
		imp = nextIndex(lower, "@import", i, imp)
		switch {
		case u < 0 && imp < 0:
			return urls
		case imp < 0 || (u >= 0 && u < imp):
			arg, n := cssArg(css[u+len("url("):], ')')
			urls = append(urls, arg)
			i = u + len("url(") + n
		default:
			i = imp + len("@import")
			rest := strings.TrimLeft(css[i:], " \t\r\n\f")
			if len(rest) > 0 && (rest[0] == '"' || rest[0] == '\'') {
				arg, _ := cssArg(rest, 0)
				urls = append(urls, arg)
			}
		}
	}
}

// nextIndex returns the position of the first sub in s at or after from,
// reusing prev (the last answer) while it is still ahead; -1 means none.
// Each search starts where the last one for sub matched, so a scan is linear.
func nextIndex(s, sub string, from, prev int) int {
	if prev == -1 || prev >= from {
		return prev
	}
	j := strings.Index(s[from:], sub)
	if j < 0 {
		return -1
	}
	return from + j
}

// cssArg reads a possibly quoted argument from the start of s, ending at
// the closing quote or at end (0 for none); it returns the argument and the
// bytes consumed.
func cssArg(s string, end byte) (string, int) {
	t := strings.TrimLeft(s, " \t\r\n\f")
	skipped := len(s) - len(t)
	if len(t) > 0 && (t[0] == '"' || t[0] == '\'') {
		if j := strings.IndexByte(t[1:], t[0]); j >= 0 {
			return t[1 : 1+j], skipped + j + 2
		}
		return t[1:], len(s)
	}
	if end == 0 {
		return "", skipped
	}
	if j := strings.IndexByte(t, end); j >= 0 {
		return strings.TrimSpace(t[:j]), skipped + j + 1
	}
	return strings.TrimSpace(t), len(s)
}

// allowedFunctions are the CSS functions a style value may call.
var allowedFunctions = map[string]bool{"rgb": true, "rgba": true, "hsl": true, "hsla": true}

// cssValueOK is the last check on a (lower-cased) style value in the
// bluemonday policy: no escapes, comments, expression(), script URLs or
// functions other than colours; url() only when allowURL and only with a
// plain http or https URL.
func cssValueOK(v string, allowURL bool) bool {
	if strings.ContainsAny(v, "\\<>{}@;") || strings.Contains(v, "/*") ||
		strings.Contains(v, "expression") || strings.Contains(v, "javascript") ||
		strings.Contains(v, "vbscript") ||
		strings.Contains(v, "behavior") || strings.Contains(v, "binding") {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] != '(' {
			continue
		}
		name := functionName(v[:i])
		switch {
		case allowedFunctions[name]:
		case name == "url" && allowURL:
			n, ok := plainURLArg(v[i+1:])
			if !ok {
				return false
			}
			i += n
		default:
			return false
		}
	}
	return true
}

// functionName returns the CSS identifier at the end of s.
func functionName(s string) string {
	j := len(s)
	for j > 0 && (isAlpha(s[j-1]) || isDigit(s[j-1]) || s[j-1] == '-') {
		j--
	}
	return s[j:]
}

// plainURLArg checks that s starts with an http or https URL in optional
// quotes followed by ')', using only characters that cannot end the value
// or the function early, and returns how many bytes it spans.
func plainURLArg(s string) (int, bool) {
	q := byte(0)
	i := 0
	if len(s) > 0 && (s[0] == '"' || s[0] == '\'') {
		q, i = s[0], 1
	}
	j := i
	for j < len(s) && urlByte(s[j]) {
		j++
	}
	if _, ok := remoteURL(s[i:j]); !ok {
		return 0, false
	}
	if q != 0 {
		if j >= len(s) || s[j] != q {
			return 0, false
		}
		j++
	}
	if j >= len(s) || s[j] != ')' {
		return 0, false
	}
	return j + 1, true
}

// urlByte reports whether c may appear in a URL inside a CSS url().
func urlByte(c byte) bool {
	return isAlpha(c) || isDigit(c) || strings.IndexByte("-._~:/?#[]!$&*+,=%", c) >= 0
}
