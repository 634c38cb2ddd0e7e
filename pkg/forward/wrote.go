package forward

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Attribution lines ("On 28/10/2021 12:46, "John Doe" <john@x> wrote:")
// introduce quoted replies. Outlook 2019 also writes them above forwarded
// text, where only the subject's forward prefix tells the two apart.

// attribution is a parsed attribution line.
type attribution struct {
	from     Mailbox
	dateText string
	first    int // index of the attribution's first line
}

// maxAttributionLen bounds the attribution lines read.
const maxAttributionLen = 512

// nameStops are words that end a name read backwards from the address in
// an attribution line: intro and connector words of the common locales.
var nameStops = buildSet(
	"on", "le", "am", "el", "il", "giorno", "op", "em", "dne", "d.", "dnia", "den", "heeft", "időpontban",
	"používateľ", "uživatel", "użytkownik", "пользователь", "користувач", "user", "utente", "usuário",
	"utilisateur", "at", "à", "um", "kl.", "kl", "klo", "às", "alle", "ore", "om", "uhr", "w", "dniu", "v", "u",
	"tarihinde", "schrieb", "schreef", "skrev", "wrote", "escribió", "kirjoitti", "napsal", "napisał",
)

// parseAttribution recognises an attribution line ending at lines[i]
// (possibly wrapped over the previous line, as Gmail does: "On ... <x@y>\nwrote:").
func parseAttribution(lines []line, i int) (attribution, bool) {
	t := trim(lines[i].text)
	if len(t) > maxAttributionLen {
		return attribution{}, false
	}
	body, ok := cutColonSuffix(t)
	if !ok || !hasWroteVerb(body) {
		return attribution{}, false
	}
	first := i
	if !hasDigit(body) && !strings.Contains(body, "@") {
		if i == 0 || isBlank(lines[i-1].text) || lines[i-1].depth != lines[i].depth {
			return attribution{}, false
		}
		prev := trim(lines[i-1].text)
		if len(prev) > maxAttributionLen || (!hasDigit(prev) && !strings.Contains(prev, "@")) {
			return attribution{}, false
		}
		body = prev + " " + trim(body)
		first = i - 1
	}
	a := attribution{first: first}
	a.from, a.dateText = readAttribution(trim(body))
	return a, a.from != (Mailbox{}) || a.dateText != ""
}

// hasWroteVerb reports whether s contains an attribution verb.
func hasWroteVerb(s string) bool {
	for _, suf := range cjkWroteSuffixes {
		if strings.Contains(s, suf) {
			return true
		}
	}
	for _, w := range strings.Fields(s) {
		w = strings.ToLower(strings.Trim(w, `,:;"'«»„“”`))
		if _, ok := wroteVerbs[w]; ok {
			return true
		}
		if _, ok := wroteVerbs[strings.Trim(w, "()")]; ok {
			return true
		}
	}
	return false
}

// readAttribution extracts the author and the date text of an attribution
// line (without its final colon).
func readAttribution(s string) (Mailbox, string) {
	var m Mailbox
	before, after := s, ""
	if at := strings.IndexByte(s, '@'); at > 0 {
		a0, a1 := addressSpan(s, at)
		m.Address = strings.Trim(s[a0:a1], "<>()[] \"'")
		if strings.HasPrefix(strings.ToLower(m.Address), "mailto:") {
			m.Address = m.Address[len("mailto:"):]
		}
		before, after = s[:a0], s[a1:]
	} else if v := verbIndex(s); v > 0 {
		before, after = s[:v], s[v:]
	}
	before = strings.TrimRight(before, " \t(<[")
	var name, dateSeg string
	if !hasDigit(before) {
		// "John Doe <j@x> kirjoitti 28/10/2021 12.46"
		name = before
		dateSeg = after
	} else {
		ns := nameStart(before)
		name, dateSeg = before[ns:], before[:ns]
		if !hasDigit(dateSeg) {
			dateSeg = after
		}
	}
	m.Name = cleanName(name)
	if strings.EqualFold(m.Name, m.Address) {
		m.Name = ""
	}
	return m, dateSpan(dateSeg)
}

// addressSpan returns the span of the address around s[at], including
// its brackets ("<x@y>", "(x@y)", "(<x@y>)").
func addressSpan(s string, at int) (int, int) {
	a0 := at
	for a0 > 0 {
		c := s[a0-1]
		if c == ' ' || c == '<' || c == '(' || c == '[' || c == '"' || c == ',' {
			break
		}
		a0--
	}
	a1 := at
	for a1 < len(s) {
		c := s[a1]
		if c == ' ' || c == '>' || c == ')' || c == ']' || c == '"' || c == ',' {
			break
		}
		a1++
	}
	for a0 > 0 && strings.IndexByte("<([", s[a0-1]) >= 0 {
		a0--
	}
	for a1 < len(s) && strings.IndexByte(">)]", s[a1]) >= 0 {
		a1++
	}
	return a0, a1
}

// verbIndex returns the byte index of the first attribution verb in s.
func verbIndex(s string) int {
	for i := 0; i < len(s); {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j := strings.IndexByte(s[i:], ' ')
		if j < 0 {
			j = len(s)
		} else {
			j += i
		}
		w := strings.ToLower(strings.Trim(s[i:j], `,:;"'«»„“”`))
		if _, ok := wroteVerbs[w]; ok {
			return i
		}
		if _, ok := wroteVerbs[strings.Trim(w, "()")]; ok {
			return i
		}
		i = j
	}
	return -1
}

// nameStart returns where the author's name starts in the text before the
// address: a quoted name, or the words after the last date word, comma or
// connector.
func nameStart(before string) int {
	b := strings.TrimRight(before, " \t")
	if b == "" {
		return len(before)
	}
	// Quoted name.
	last, n := utf8.DecodeLastRuneInString(b)
	if open, ok := closingQuote(last); ok {
		inner := b[:len(b)-n]
		if k := strings.LastIndex(inner, open); k >= 0 {
			return k
		}
	}
	// Words backwards.
	start := len(b)
	for start > 0 {
		end := start
		for end > 0 && b[end-1] == ' ' {
			end--
		}
		k := strings.LastIndexByte(b[:end], ' ') + 1
		w := b[k:end]
		if w == "" {
			break
		}
		lw := strings.ToLower(w)
		if hasDigit(w) || strings.HasSuffix(w, ",") || isStop(lw) {
			break
		}
		start = k
	}
	return start
}

func isStop(w string) bool {
	if _, ok := nameStops[w]; ok {
		return true
	}
	if _, ok := ampm[strings.TrimSuffix(w, ".")]; ok {
		return true
	}
	_, ok := wroteVerbs[w]
	return ok
}

// closingQuote maps a closing quote to its opening quote.
func closingQuote(r rune) (string, bool) {
	switch r {
	case '"':
		return `"`, true
	case '»':
		return "«", true
	case '”':
		return "„", true
	case '“':
		return "„", true
	case '\'':
		return "'", true
	}
	return "", false
}

// dateSpan returns the date part of seg: from its first date word (a
// number, a month or weekday name) to its last (a number, a month name,
// AM/PM or a zone), verbatim.
func dateSpan(seg string) string {
	type span struct{ a, b int }
	var first, last span
	found := false
	for i := 0; i < len(seg); {
		for i < len(seg) && (seg[i] == ' ' || seg[i] == '\t') {
			i++
		}
		if i >= len(seg) {
			break
		}
		j := strings.IndexAny(seg[i:], " \t")
		if j < 0 {
			j = len(seg)
		} else {
			j += i
		}
		w := seg[i:j]
		lw := strings.ToLower(strings.TrimRight(w, ".,;:"))
		isDate := hasDigit(w)
		if !isDate {
			if _, ok := monthNames[lw]; ok {
				isDate = true
			} else if _, ok := weekdayNames[lw]; ok && !found {
				isDate = true
			} else if _, ok := ampm[lw]; ok && found {
				isDate = true
			} else if _, ok := zoneOffsets[lw]; ok && found && isUpperWord(w) {
				isDate = true
			}
		}
		if isDate {
			if !found {
				first = span{i, j}
				found = true
			}
			last = span{i, j}
		}
		i = j
	}
	if !found {
		return ""
	}
	return strings.TrimRight(seg[first.a:last.b], ",;: ")
}

func isUpperWord(w string) bool {
	for _, r := range w {
		if unicode.IsLetter(r) && !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}
