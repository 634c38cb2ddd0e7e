package mailhtml

import (
	"net/url"
	"regexp"
	"strings"
)

// urlKind is what a URL in the body points at.
type urlKind int

const (
	urlOther  urlKind = iota // relative, empty, or a scheme we never load
	urlRemote                // http, https or scheme-relative: a request to another host
	urlData                  // data:
	urlCID                   // cid:, a part of the same message
)

// cleanURL removes what browsers ignore in a URL: leading and trailing C0
// controls and spaces, and tabs and newlines anywhere ("java\tscript:").
func cleanURL(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	}
	return s
}

// scheme returns the lower-cased scheme of a cleaned URL, or "".
func scheme(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':':
			if i == 0 {
				return ""
			}
			return strings.ToLower(s[:i])
		case isAlpha(c):
		case i > 0 && (isDigit(c) || c == '+' || c == '-' || c == '.'):
		default:
			return ""
		}
	}
	return ""
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// classify says what a cleaned URL points at.
func classify(s string) urlKind {
	switch scheme(s) {
	case "http", "https":
		return urlRemote
	case "data":
		return urlData
	case "cid":
		return urlCID
	case "":
		if schemeRelative(s) {
			return urlRemote
		}
	}
	return urlOther
}

// schemeRelative reports whether s starts like "//host"; browsers read a
// backslash as a slash there.
func schemeRelative(s string) bool {
	return len(s) >= 2 && (s[0] == '/' || s[0] == '\\') && (s[1] == '/' || s[1] == '\\')
}

// remoteURL returns s as an absolute http or https URL with a host, or false.
// A scheme-relative "//host/path" becomes https.
func remoteURL(s string) (string, bool) {
	if strings.HasPrefix(s, "//") {
		s = "https:" + s
	}
	if sc := scheme(s); sc != "http" && sc != "https" {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return "", false
	}
	return u.String(), true
}

// linkURL returns a cleaned href for a or area: http, https and mailto
// links, and in-page "#fragment" links. Anything else (javascript:, data:,
// relative paths into the app serving the frame) is refused.
func linkURL(s string) (string, bool) {
	s = cleanURL(s)
	switch scheme(s) {
	case "http", "https":
		return remoteURL(s)
	case "mailto":
		_, err := url.Parse(s)
		return s, err == nil
	case "":
		return s, strings.HasPrefix(s, "#")
	}
	return "", false
}

// dataImage matches the start of a data: URI of an image type we show.
var dataImage = regexp.MustCompile(`^(?i)data:image/(png|jpeg|jpg|gif|webp);base64,`)

// imageData returns s as a data: URI of a PNG, JPEG, GIF or WebP image in
// base64 (whitespace removed, media type lower-cased), or false.
func imageData(s string) (string, bool) {
	m := dataImage.FindString(s)
	if m == "" {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(strings.ToLower(m))
	for i := len(m); i < len(s); i++ {
		c := s[i]
		switch {
		case isAlpha(c) || isDigit(c) || c == '+' || c == '/' || c == '=':
			b.WriteByte(c)
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
		default:
			return "", false
		}
	}
	return b.String(), true
}

// cidOf returns the Content-ID a cid: URL names, without angle brackets.
func cidOf(s string) string {
	id := s[len("cid:"):]
	if u, err := url.PathUnescape(id); err == nil {
		id = u
	}
	return strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
}

// srcsetURLs returns the URLs of a srcset attribute's candidates.
func srcsetURLs(s string) []string {
	var urls []string
	for _, cand := range strings.Split(s, ",") {
		if f := strings.Fields(cand); len(f) > 0 {
			urls = append(urls, f[0])
		}
	}
	return urls
}
