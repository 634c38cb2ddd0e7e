package forward

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// line is one line of the body.
type line struct {
	start int    // byte offset of the line in the body
	raw   string // the line, without its end
	text  string // the line without its quote markers ("> > ")
	depth int    // number of quote markers
}

// splitLines cuts s into lines and reads their quote markers.
func splitLines(s string) []line {
	lines := make([]line, 0, strings.Count(s, "\n")+1)
	for start := 0; ; {
		end := strings.IndexByte(s[start:], '\n')
		if end < 0 {
			end = len(s)
		} else {
			end += start
		}
		raw := s[start:end]
		depth, text := unquote(raw)
		lines = append(lines, line{start: start, raw: raw, text: text, depth: depth})
		if end >= len(s) {
			break
		}
		start = end + 1
	}
	return lines
}

// unquote counts the leading quote markers of a line ("> ", ">>", "> > ")
// and returns the text after them, without the one space that follows the
// last marker.
func unquote(raw string) (int, string) {
	depth, i := 0, 0
	for {
		j := i
		for j < len(raw) && (raw[j] == ' ' || raw[j] == '\t') {
			j++
		}
		if j < len(raw) && raw[j] == '>' {
			depth++
			i = j + 1
			continue
		}
		break
	}
	if depth == 0 {
		return 0, raw
	}
	return depth, strings.TrimPrefix(raw[i:], " ")
}

// stripQuotes removes up to n quote markers from raw.
func stripQuotes(raw string, n int) string {
	i := 0
	for k := 0; k < n; k++ {
		j := i
		for j < len(raw) && (raw[j] == ' ' || raw[j] == '\t') {
			j++
		}
		if j >= len(raw) || raw[j] != '>' {
			break
		}
		i = j + 1
		if i < len(raw) && raw[i] == ' ' {
			i++
		}
	}
	return raw[i:]
}

// headers is a header block as read, values verbatim.
type headers struct {
	vals  [fieldOther][]string // value parts per field (continuation lines appended)
	count int                  // labels read
	hr    bool                 // Croatian labels seen (see croatianLabels)
}

func (h *headers) has(f field) bool { return len(h.vals[f]) > 0 }

func (h *headers) get(f field) string {
	switch len(h.vals[f]) {
	case 0:
		return ""
	case 1:
		return h.vals[f][0]
	}
	return strings.Join(h.vals[f], " ")
}

func (h *headers) set(f field, v string) {
	h.count++
	if f == fieldNone || f >= fieldOther || h.has(f) {
		return
	}
	h.vals[f] = append(h.vals[f], v)
}

// strongValid reports whether a block after an explicit separator is a
// header block: a From, or at least two labels.
func (h *headers) strongValid() bool {
	return h.has(fieldFrom) || (h.count >= 2 && (h.has(fieldDate) || h.has(fieldSubject)))
}

// weakValid reports whether a block without an explicit separator is a
// header block: a From and two of Date, To, Cc, Subject.
func (h *headers) weakValid() bool {
	if !h.has(fieldFrom) {
		return false
	}
	n := 0
	for _, f := range []field{fieldDate, fieldTo, fieldCc, fieldSubject} {
		if h.has(f) {
			n++
		}
	}
	return n >= 2
}

// labelColonLimit bounds how far into a line a header label's colon may be.
const labelColonLimit = 64

// splitLabel reads "Label: value" (also "Label : value", "*Label:* value",
// full-width colon) and returns the label's field and the value; fieldNone
// when the line does not start with a known label.
func splitLabel(t string) (field, string) {
	f, v, _ := splitLabelHR(t)
	return f, v
}

// splitLabelHR is splitLabel that also reports a Croatian label.
func splitLabelHR(t string) (field, string, bool) {
	i, w := colonIndex(t, labelColonLimit)
	if i <= 0 {
		return fieldNone, "", false
	}
	var buf [normBufSize + 8]byte
	k, ok := appendNorm(buf[:0], t[:i])
	if !ok || len(k) == 0 {
		return fieldNone, "", false
	}
	f := headerLabels[string(k)]
	if f == fieldNone {
		return fieldNone, "", false
	}
	_, hr := croatianLabels[string(k)]
	v := trim(t[i+w:])
	if strings.HasPrefix(v, "*") {
		v = trim(strings.TrimLeft(v, "*"))
	}
	return f, v, hr
}

// parseBlock reads the header block that starts at lines[i]: consecutive
// label lines at the same quote depth, with wrapped continuation lines. It
// returns the headers and the index of the first line after the block.
func parseBlock(lines []line, i int) (headers, int) {
	var h headers
	if i >= len(lines) {
		return h, i
	}
	d := lines[i].depth
	last := fieldNone
	for j := i; j < len(lines); j++ {
		ln := lines[j]
		if ln.depth != d {
			return h, j
		}
		t := trim(ln.text)
		if t == "" {
			// BlackBerry and some webmails put blank lines between the
			// fields: the block goes on when a field not seen yet follows.
			if k, ok := nextNewField(lines, j+1, d, h); ok && h.count > 0 {
				j = k - 1
				continue
			}
			return h, j
		}
		if f, v, hr := splitLabelHR(t); f != fieldNone {
			if h.count == 0 && f == fieldOther {
				return h, j
			}
			h.hr = h.hr || hr
			h.set(f, v)
			last = f
			continue
		}
		if last != fieldNone && last < fieldOther && h.has(last) &&
			(isContinuation(last, h.vals[last], ln.text, t) || nextIsLabel(lines, j+1, d)) {
			h.vals[last] = append(h.vals[last], t)
			continue
		}
		return h, j
	}
	return h, len(lines)
}

// nextNewField skips blank lines from lines[j] and reports whether the
// first other line at depth d is a label line of a field h does not have
// yet, and its index.
func nextNewField(lines []line, j, d int, h headers) (int, bool) {
	for ; j < len(lines) && lines[j].depth == d; j++ {
		t := trim(lines[j].text)
		if t == "" {
			continue
		}
		f, _ := splitLabel(t)
		return j, f != fieldNone && f != fieldOther && !h.has(f)
	}
	return j, false
}

// nextIsLabel reports whether lines[j] is a header label line at depth d:
// a line between two label lines is a wrapped value, whatever its field.
func nextIsLabel(lines []line, j, d int) bool {
	if j >= len(lines) || lines[j].depth != d {
		return false
	}
	f, _ := splitLabel(trim(lines[j].text))
	return f != fieldNone && f != fieldOther
}

// isContinuation reports whether t continues the address header last
// (clients wrap long To/Cc lines): the previous part ended with a
// separator, or the line is indented, or it starts or ends like an
// address.
func isContinuation(last field, parts []string, text, t string) bool {
	switch last {
	case fieldFrom, fieldTo, fieldCc, fieldBcc:
	default:
		return false
	}
	prev := parts[len(parts)-1]
	if strings.HasSuffix(prev, ",") || strings.HasSuffix(prev, ";") {
		return true
	}
	if t[0] == '<' || (len(text) > 0 && (text[0] == ' ' || text[0] == '\t')) {
		return strings.Contains(t, "@")
	}
	return strings.HasSuffix(t, ">") && strings.Contains(t, "@") && strings.LastIndexByte(prev, '<') <= strings.LastIndexByte(prev, '>') && !strings.HasSuffix(prev, ">")
}

// isDecor reports whether c decorates separator lines.
func isDecor(c byte) bool {
	return c == '-' || c == '_' || c == '=' || c == '*' || c == '#' || c == '~'
}

// separatorLine recognises a forward separator line: "---------- Forwarded
// message ---------", "-------- Original Message --------", "Begin
// forwarded message:", "-----Ursprüngliche Nachricht-----" ... It returns
// its kind and, for Yahoo's one-line blocks ("----- Forwarded Message -----
// From: ...To: ..."), the header text that follows on the same line.
func separatorLine(t string) (separatorKind, string) {
	if len(t) < 4 {
		return sepNone, ""
	}
	if !isDecor(t[0]) {
		// Undecorated separators end with a colon: "Begin forwarded
		// message:", "Forwarded message:".
		p, ok := cutColonSuffix(t)
		if !ok || len(t) > normBufSize {
			return sepNone, ""
		}
		return lookupPhrase(p), ""
	}
	inner := strings.TrimLeft(t, "-_=*#~ \t")
	if inner == "" {
		return sepNone, ""
	}
	phrase, rest := inner, ""
	if k := indexDecorRun(inner); k >= 0 {
		phrase, rest = inner[:k], strings.TrimLeft(inner[k:], "-_=*#~ \t")
	}
	kind := lookupPhrase(phrase)
	if kind == sepNone && strings.Contains(phrase, "/") {
		for _, part := range strings.Split(phrase, "/") {
			if kind = lookupPhrase(part); kind != sepNone {
				break
			}
		}
	}
	if kind == sepNone {
		return sepNone, ""
	}
	if rest != "" {
		if i, _ := colonIndex(rest, len(rest)); i < 0 || lookupPhrase(strings.TrimRight(rest, "-_=*#~ \t")) != sepNone {
			rest = ""
		}
	}
	return kind, rest
}

// indexDecorRun returns the index of the first run of two or more
// decoration characters in s, or -1.
func indexDecorRun(s string) int {
	for i := 0; i+1 < len(s); i++ {
		if isDecor(s[i]) && s[i+1] == s[i] {
			return i
		}
	}
	return -1
}

// lookupPhrase looks a separator phrase up in separatorPhrases.
func lookupPhrase(p string) separatorKind {
	p = trim(p)
	p, _ = cutColonSuffix(p)
	if p == "" || len(p) > normBufSize {
		return sepNone
	}
	var buf [normBufSize + 8]byte
	k, ok := appendNorm(buf[:0], p)
	if !ok {
		return sepNone
	}
	if kind := separatorPhrases[string(k)]; kind != sepNone {
		return kind
	}
	// Lotus Notes names the forwarder: "----- Forwarded by Name/Org on
	// 05.03.2026 15:10 -----".
	for _, prefix := range notesForwardedBy {
		if strings.HasPrefix(string(k), prefix) {
			return sepForward
		}
	}
	return sepNone
}

// isRuleLine reports whether t is a horizontal rule (Outlook's line of
// underscores above a reply or forward header block).
func isRuleLine(t string) bool {
	if len(t) < 8 {
		return false
	}
	c := t[0]
	if c != '_' && c != '-' && c != '=' {
		return false
	}
	for i := 1; i < len(t); i++ {
		if t[i] != c {
			return false
		}
	}
	return true
}

// parseInline reads Yahoo's one-line header block: "From: John
// <j@x>To: a@b; c@dCc: ...Sent: Tuesday, ... 09:26:50 CETSubject: ...".
// The labels are glued to the previous value, so they are found by their
// colons (the known label that ends right before a colon, longest first),
// and, for a field still missing, by a capitalised label glued after '>'
// or an upper-case zone without its colon.
func parseInline(s string) headers {
	type mark struct {
		start, val int
		f          field
	}
	var marks []mark
	var seen [fieldOther + 1]bool
	for i := 0; i < len(s); i++ {
		w := 0
		switch {
		case s[i] == ':':
			w = 1
		case s[i] == 0xEF && i+2 < len(s) && s[i+1] == 0xBC && s[i+2] == 0x9A:
			w = 3
		default:
			continue
		}
		minStart := 0
		if len(marks) > 0 {
			minStart = marks[len(marks)-1].val
		}
		if f, start := labelBefore(s, i, minStart); f != fieldNone {
			marks = append(marks, mark{start, i + w, f})
			seen[f] = true
		}
		i += w - 1
	}
	// Labels whose colon is missing, for fields not yet seen.
	for i := 1; i < len(s); i++ {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsUpper(r) {
			continue
		}
		p, pn := utf8.DecodeLastRuneInString(s[:i])
		if !(p == '>' || unicode.IsUpper(p) || unicode.IsDigit(p)) || pn == 0 {
			continue
		}
		end := strings.IndexAny(s[i:], " \t")
		if end <= n {
			continue
		}
		f, ok := glueLabels[s[i:i+end]]
		if !ok || f == fieldOther || seen[f] {
			continue
		}
		seen[f] = true
		marks = append(marks, mark{i, i + end + 1, f})
	}
	// Sort marks by position (few marks: insertion sort).
	for a := 1; a < len(marks); a++ {
		for b := a; b > 0 && marks[b].start < marks[b-1].start; b-- {
			marks[b], marks[b-1] = marks[b-1], marks[b]
		}
	}
	var h headers
	for k, m := range marks {
		end := len(s)
		if k+1 < len(marks) {
			end = marks[k+1].start
		}
		if end < m.val {
			continue
		}
		v := trim(s[m.val:end])
		if m.f < fieldOther {
			h.set(m.f, v)
		} else {
			h.count++
		}
	}
	return h
}

// labelBefore finds the known label that ends at s[i] (a colon): the
// longest one starting at or after minStart, up to glueMaxWords words. A
// label at a word boundary matches case-insensitively; one glued to the
// preceding letters must match a capitalised spelling exactly.
func labelBefore(s string, i, minStart int) (field, int) {
	best, bestStart := fieldNone, -1
	words := 0
	for k := i; k > minStart && i-k < 48; {
		r, n := utf8.DecodeLastRuneInString(s[minStart:k])
		if r == ' ' || r == '\t' || r == 0xA0 {
			words++
			if words > glueMaxWords {
				break
			}
		} else if !unicode.IsLetter(r) && r != '(' && r != ')' && r != '-' {
			break
		}
		k -= n
		if r == ' ' || r == '\t' || r == 0xA0 {
			continue
		}
		prev, _ := utf8.DecodeLastRuneInString(s[:k])
		cand := s[k:i]
		if k == 0 || !unicode.IsLetter(prev) {
			var buf [normBufSize + 8]byte
			if key, ok := appendNorm(buf[:0], cand); ok {
				if f, ok := headerLabels[string(key)]; ok {
					best, bestStart = f, k
				}
			}
		} else if unicode.IsUpper(r) {
			if f, ok := glueLabels[trim(cand)]; ok {
				best, bestStart = f, k
			}
		}
	}
	return best, bestStart
}
