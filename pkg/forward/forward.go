package forward

import (
	"strings"
	"time"
)

// Mailbox is one address from a forwarded header block. Address is empty when
// the block gives a name only; Name is empty when it gives an address only.
type Mailbox struct {
	Name    string
	Address string
}

// Original is the message a forward carries, as its header block states it.
type Original struct {
	From    Mailbox
	To      []Mailbox
	Cc      []Mailbox
	Subject string
	// DateText is the Date (or Sent) value exactly as the block shows it.
	DateText string
	// Date is DateText parsed, or the zero time when it could not be parsed.
	Date time.Time
	// DateHasZone reports whether DateText stated a UTC offset or zone. When it
	// did not, Date holds the wall-clock time in time.UTC and the caller chooses
	// the offset to read it in.
	DateHasZone bool
	// Body is the original's body, without the header block, trimmed, with any
	// "> " quote markers of a quoted block removed.
	Body string
}

// Forward is a recognised forward.
type Forward struct {
	// Note is the forwarder's own text above the forwarded block, trimmed;
	// empty when there is none.
	Note string
	// Original is the forwarded message. A forward of a forward leaves the
	// inner forwarded block inside Original.Body; call Parse on it again to
	// descend.
	Original Original
}

// Parse looks for a forwarded message in body, the decoded text body of an
// email whose Subject is subject (may be empty). It reports false when body
// carries no forwarded block. A forward-like subject alone never makes a
// forward: the body is always read.
func Parse(subject, body string) (Forward, bool) {
	body = normalizeBody(body)
	lines := splitLines(body)
	fwdSubject, replySubject := subjectKind(subject)
	p := parser{subject: subject, body: body, lines: lines}

	for i := 0; i < len(lines); i++ {
		t := trim(lines[i].text)
		if t == "" {
			continue
		}
		// An explicit separator line.
		if kind, rest := separatorLine(t); kind != sepNone {
			if kind == sepOriginal && replySubject {
				return Forward{}, false
			}
			if rest != "" {
				if h := parseInline(rest); h.strongValid() {
					return p.result(i, h, i+1, lines[i].depth, false), true
				}
				continue
			}
			j := nextNonBlank(lines, i+1)
			if h, end := parseBlock(lines, j); h.strongValid() {
				// Zoho closes the header block with the separator again.
				if k := nextNonBlank(lines, end); k < len(lines) && k > i {
					if kk, r := separatorLine(trim(lines[k].text)); kk == kind && r == "" {
						end = k + 1
					}
				}
				return p.result(i, h, end, lines[j].depth, false), true
			}
			continue
		}
		// Outlook's rule of underscores above a header block.
		if isRuleLine(t) {
			j := nextNonBlank(lines, i+1)
			if h, end := parseBlock(lines, j); h.weakValid() {
				if replySubject {
					return Forward{}, false
				}
				return p.result(i, h, end, lines[j].depth, false), true
			}
			continue
		}
		// A header block without separator.
		if f, _ := splitLabel(t); f != fieldNone && f != fieldOther {
			h, end := parseBlock(lines, i)
			if h.weakValid() {
				if fwdSubject {
					return p.result(i, h, end, lines[i].depth, false), true
				}
				if replySubject {
					return Forward{}, false
				}
			}
			// A block that is not a forward's has no forward's block inside.
			if end > i {
				i = end - 1
			}
			continue
		}
		// An attribution line.
		if a, ok := parseAttribution(lines, i); ok {
			if !fwdSubject {
				return Forward{}, false
			}
			var h headers
			if a.from != (Mailbox{}) {
				h.count++
			}
			fw := p.result(a.first, h, i+1, lines[i].depth, true)
			fw.Original.From = a.from
			fw.Original.DateText = a.dateText
			d := parseDate(a.dateText, false)
			fw.Original.Date, fw.Original.DateHasZone = d.t, d.hasZone
			return fw, true
		}
	}
	return Forward{}, false
}

// parser holds one Parse call's input.
type parser struct {
	subject string
	body    string
	lines   []line
}

// nextNonBlank returns the index of the first non-blank line at or after i,
// or len(lines)-1 when there is none.
func nextNonBlank(lines []line, i int) int {
	for ; i < len(lines); i++ {
		if !isBlank(lines[i].text) {
			return i
		}
	}
	return len(lines) - 1
}

// result builds the Forward whose block starts at line first (the note is
// what precedes it), whose headers are h, and whose body starts at line
// bodyStart. depth is the quote depth of the header block; dedent removes
// the body's common indentation (Outlook 2019 indents forwarded text).
func (p *parser) result(first int, h headers, bodyStart, depth int, dedent bool) Forward {
	var fw Forward
	if first < len(p.lines) {
		fw.Note = trim(p.body[:p.lines[first].start])
	}
	o := &fw.Original
	if v := h.get(fieldFrom); v != "" {
		o.From, _ = parseMailbox(v)
	}
	o.To = parseMailboxList(h.get(fieldTo))
	o.Cc = parseMailboxList(h.get(fieldCc))
	if h.has(fieldSubject) {
		o.Subject = h.get(fieldSubject)
	} else {
		o.Subject, _ = StripSubjectPrefix(p.subject)
	}
	o.DateText = h.get(fieldDate)
	if o.DateText != "" {
		d := parseDate(o.DateText, h.hr)
		o.Date, o.DateHasZone = d.t, d.hasZone
	}
	o.Body = trimEndMarker(p.bodyFrom(bodyStart, depth, dedent))
	return fw
}

// endPhrases close a forwarded message in some clients ("-------- Конец
// пересылаемого сообщения --------" in Mail.ru, "----- End forwarded
// message -----"), lower case.
var endPhrases = []string{
	"end forwarded message", "end of forwarded message", "end of original message",
	"конец пересылаемого сообщения", "конец пересланного сообщения",
	"ende der weitergeleiteten nachricht", "fin du message transféré", "fin del mensaje reenviado",
	"fine messaggio inoltrato",
}

// trimEndMarker removes a closing marker line from the end of a forwarded
// body.
func trimEndMarker(body string) string {
	i := strings.LastIndexByte(body, '\n')
	last := body[i+1:]
	if last == "" || !isDecor(last[0]) {
		return body
	}
	inner := strings.ToLower(strings.Trim(last, "-_=*#~ \t"))
	for _, p := range endPhrases {
		if inner == p {
			if i < 0 {
				return ""
			}
			return trim(body[:i])
		}
	}
	return body
}

// bodyFrom joins the lines from start on, removing the quote markers of
// the block (its depth, or the depth every body line shares, whichever is
// larger), blanking lines of white space only, and trimming the result.
func (p *parser) bodyFrom(start, depth int, dedent bool) string {
	if start >= len(p.lines) {
		return ""
	}
	lines := p.lines[start:]
	strip := -1
	for _, ln := range lines {
		if isBlank(ln.text) {
			continue
		}
		if strip < 0 || ln.depth < strip {
			strip = ln.depth
		}
	}
	if strip < depth {
		strip = depth
	}
	indent := -1
	if dedent {
		for _, ln := range lines {
			s := stripQuotes(ln.raw, strip)
			if isBlank(s) {
				continue
			}
			n := len(s) - len(strings.TrimLeft(s, " \t"))
			if indent < 0 || n < indent {
				indent = n
			}
		}
	}
	var b strings.Builder
	b.Grow(len(p.body) - lines[0].start)
	for k, ln := range lines {
		if k > 0 {
			b.WriteByte('\n')
		}
		s := ln.raw
		if strip > 0 {
			s = stripQuotes(s, strip)
		}
		if isBlank(s) {
			continue
		}
		if indent > 0 {
			s = s[indent:]
		}
		b.WriteString(s)
	}
	return trim(b.String())
}
