package email

import (
	"html"
	"strings"
)

// blockTags end a line of text before and after them.
var blockTags = map[string]bool{
	"p": true, "div": true, "tr": true, "li": true, "ul": true, "ol": true,
	"table": true, "blockquote": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "hr": true, "pre": true, "dl": true,
	"dt": true, "dd": true, "section": true, "article": true, "header": true,
	"footer": true, "address": true, "center": true, "tbody": true,
	"thead": true, "tfoot": true, "body": true, "html": true, "form": true,
	"fieldset": true, "figure": true, "main": true, "nav": true, "aside": true,
}

// skipTags have content that is not text to read.
var skipTags = map[string]bool{
	"script": true, "style": true, "head": true, "title": true,
	"template": true, "noscript": true, "xml": true,
}

// HTMLToText turns an HTML body into plain text good enough to read and to
// find forwarded header blocks in: <br>, <p>, <div>, <tr>, <li> and other
// block elements end lines, table cells are separated by a space, entities
// are decoded, scripts and styles are dropped, and other whitespace is
// collapsed as a browser would. It runs in time linear in len(s).
func HTMLToText(s string) string {
	var b strings.Builder
	b.Grow(len(s) / 2)
	w := textWriter{b: &b}
	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			w.text(s[i : i+j])
			i += j
			continue
		}
		if strings.HasPrefix(s[i:], "<!--") {
			end := strings.Index(s[i+4:], "-->")
			if end < 0 {
				break
			}
			i += 4 + end + 3
			continue
		}
		end := tagEnd(s, i+1)
		if end < 0 {
			w.text(s[i:])
			break
		}
		name, closing := tagName(s[i+1 : end])
		i = end + 1
		switch {
		case skipTags[name] && !closing:
			// Jump past the matching end tag.
			closeTag := "</" + name
			k := indexFold(s[i:], closeTag)
			if k < 0 {
				i = len(s)
				break
			}
			i += k
			if e := strings.IndexByte(s[i:], '>'); e >= 0 {
				i += e + 1
			} else {
				i = len(s)
			}
		case name == "br":
			w.newline()
		case name == "td" || name == "th":
			if !closing {
				w.space()
			}
		case name == "pre":
			w.blockBreak()
			w.pre = !closing
		case blockTags[name]:
			w.blockBreak()
		}
	}
	return w.finish()
}

// tagEnd returns the index of the ">" closing the tag that starts at i,
// skipping quoted attribute values, or -1.
func tagEnd(s string, i int) int {
	var quote byte
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i
		}
	}
	return -1
}

// tagName returns the lower-cased element name of a tag's inside and whether
// it is an end tag.
func tagName(inside string) (string, bool) {
	closing := strings.HasPrefix(inside, "/")
	if closing {
		inside = inside[1:]
	}
	end := 0
	for end < len(inside) {
		c := inside[end]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/' || c == '>' {
			break
		}
		end++
	}
	return strings.ToLower(inside[:end]), closing
}

// indexFold is strings.Index, ASCII case-insensitive in substr.
func indexFold(s, substr string) int {
	n := len(substr)
	for i := 0; i+n <= len(s); i++ {
		if s[i] == '<' && strings.EqualFold(s[i:i+n], substr) {
			return i
		}
	}
	return -1
}

// textWriter collapses whitespace the way HTML rendering does.
type textWriter struct {
	b         *strings.Builder
	pre       bool
	pendSpace bool
	atLine    bool // at the start of a line
	newlines  int  // newlines written in a row
}

func (w *textWriter) text(raw string) {
	t := html.UnescapeString(raw)
	t = strings.ReplaceAll(t, "\u00a0", " ")
	if w.pre {
		for _, line := range strings.SplitAfter(t, "\n") {
			w.writeWord(strings.TrimRight(line, "\r\n"))
			if strings.HasSuffix(line, "\n") {
				w.newline()
			}
		}
		return
	}
	for len(t) > 0 {
		if isHTMLSpace(t[0]) {
			w.pendSpace = true
			t = t[1:]
			continue
		}
		j := 0
		for j < len(t) && !isHTMLSpace(t[j]) {
			j++
		}
		if w.pendSpace && !w.atLine && w.b.Len() > 0 {
			w.b.WriteByte(' ')
		}
		w.pendSpace = false
		w.writeWord(t[:j])
		t = t[j:]
	}
}

func (w *textWriter) writeWord(s string) {
	if s == "" {
		return
	}
	w.b.WriteString(s)
	w.atLine = false
	w.newlines = 0
}

func (w *textWriter) space() {
	if !w.atLine {
		w.pendSpace = true
	}
}

func (w *textWriter) newline() {
	if w.newlines >= 2 {
		return
	}
	w.b.WriteByte('\n')
	w.newlines++
	w.atLine = true
	w.pendSpace = false
}

// blockBreak ends the current line unless it is empty.
func (w *textWriter) blockBreak() {
	if w.b.Len() > 0 && !w.atLine {
		w.newline()
	}
	w.pendSpace = false
}

func (w *textWriter) finish() string {
	lines := strings.Split(w.b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}
