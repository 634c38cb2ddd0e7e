package forward

import (
	"strings"

	"github.com/poller-crm/poller/pkg/ascii"
)

// maxMailboxes bounds the mailboxes read from one header value.
const maxMailboxes = 100000

// parseMailboxList reads a To/Cc value: mailboxes separated by commas or
// semicolons, as forwarded blocks print them. Quoted names may contain
// separators. When the list uses semicolons, commas belong to names
// ("Doe, John <j@x>; ..."); otherwise a comma-separated piece without an
// address is the start of the next "Last, First <addr>" name.
func parseMailboxList(v string) []Mailbox {
	v = trim(v)
	if v == "" {
		return nil
	}
	semi := hasTopLevel(v, ';')
	parts := splitTopLevel(v, semi)
	var out []Mailbox
	pending := ""
	for i, p := range parts {
		p = trim(p)
		if p == "" {
			continue
		}
		if !semi && !strings.Contains(p, "@") {
			// A piece without an address: part of a "Last, First" name
			// when an addressed mailbox with a name follows, else a
			// name-only mailbox.
			if i+1 < len(parts) && startsNamedAddress(parts[i+1]) {
				if pending != "" {
					pending += ", " + p
				} else {
					pending = p
				}
				continue
			}
		}
		if pending != "" {
			p = pending + ", " + p
			pending = ""
		}
		if m, ok := parseMailbox(p); ok {
			out = append(out, m)
			if len(out) >= maxMailboxes {
				break
			}
		}
	}
	if pending != "" {
		if m, ok := parseMailbox(pending); ok {
			out = append(out, m)
		}
	}
	return out
}

// startsNamedAddress reports whether p is "Name <addr>" (a display name
// followed by a bracketed address), the shape whose name a preceding
// address-less piece may belong to.
func startsNamedAddress(p string) bool {
	p = trim(p)
	i := strings.IndexAny(p, "<[(")
	if i <= 0 {
		return false
	}
	if strings.Contains(p[:i], "@") || strings.ContainsAny(p[:i], "\"'") {
		return false
	}
	return strings.Contains(p[i:], "@")
}

// hasTopLevel reports whether sep occurs in v outside quotes and brackets.
func hasTopLevel(v string, sep byte) bool {
	found := false
	scanTopLevel(v, func(i int, c byte) bool {
		if c == sep {
			found = true
			return false
		}
		return true
	})
	return found
}

// splitTopLevel splits v at top-level semicolons (semi) or at commas and
// semicolons.
func splitTopLevel(v string, semi bool) []string {
	var parts []string
	last := 0
	scanTopLevel(v, func(i int, c byte) bool {
		if c == ';' || (!semi && c == ',') {
			parts = append(parts, v[last:i])
			last = i + 1
		}
		return true
	})
	return append(parts, v[last:])
}

// scanTopLevel calls f for every ',' and ';' of v that is outside double
// quotes, single-quoted names, guillemets, <...>, [...] and (...). It stops
// when f returns false.
func scanTopLevel(v string, f func(i int, c byte) bool) {
	depth := 0
	var quote byte
	atStart := true // at the start of a piece (only spaces since the separator)
	for i := 0; i < len(v); i++ {
		c := v[i]
		if quote != 0 {
			if c == '\\' && quote == '"' {
				i++
				continue
			}
			if c == quote && (quote == '"' || i+1 == len(v) || v[i+1] == ' ' || v[i+1] == '<' || v[i+1] == ',' || v[i+1] == ';') {
				quote = 0
			}
			continue
		}
		switch c {
		case '"':
			quote = '"'
		case '\'':
			if atStart {
				quote = '\''
			}
		case '<', '[', '(':
			depth++
		case '>', ']', ')':
			if depth > 0 {
				depth--
			}
		case ',', ';':
			if depth == 0 {
				if !f(i, c) {
					return
				}
				atStart = true
				continue
			}
		}
		if c != ' ' && c != '\t' {
			atStart = false
		}
	}
}

// parseMailbox reads one mailbox in the forms forwarded blocks show:
//
//	Name <addr>   "Name" <addr>   'Name' <addr>   <addr>   addr
//	Name [mailto:addr]   addr <mailto:addr>   Name <addr<mailto:addr>>
//	Name<mailto:addr> <addr<mailto:addr>> on behalf of other@x
//	Name (addr)   addr (Name)   Name
func parseMailbox(p string) (Mailbox, bool) {
	p = trim(p)
	if p == "" {
		return Mailbox{}, false
	}
	// "X on behalf of Y": X is the author. Only a mailbox naming two
	// addresses can be one.
	if len(p) < 4096 && strings.Count(p, "@") >= 2 {
		lp := ascii.Lower(p)
		for _, ph := range behalfPhrases {
			if i := strings.Index(lp, ph); i > 0 {
				p = trim(p[:i])
				break
			}
		}
	}
	// Inner "<mailto:...>" after an address or a name: Outlook's echo.
	p = trim(dropMailtoEcho(p))

	var name, addr string
	if i := indexAddrOpen(p); i >= 0 {
		open := p[i]
		closer := byte('>')
		switch open {
		case '[':
			closer = ']'
		case '(':
			closer = ')'
		}
		j := strings.LastIndexByte(p, closer)
		if j < i {
			j = len(p)
		}
		inner := trim(p[i+1 : j])
		inner = strings.TrimPrefix(inner, "mailto:")
		inner = strings.TrimPrefix(inner, "MAILTO:")
		inner = trim(strings.Trim(inner, "<>"))
		if strings.Contains(inner, "@") {
			addr = inner
			name = p[:i]
			if j+1 < len(p) && trim(name) == "" {
				name = p[j+1:]
			}
		} else if open == '(' {
			// "addr (Name)"
			name = inner
			addr = trim(p[:i])
		} else {
			name = p
		}
	} else if strings.Contains(p, "@") && !strings.ContainsAny(p, " \t\"") {
		addr = p
	} else {
		name = p
	}
	name = cleanName(name)
	addr = strings.Trim(trim(addr), "'\"<>")
	if !strings.Contains(addr, "@") {
		if addr != "" && name == "" {
			name = cleanName(addr)
		}
		addr = ""
	}
	if name != "" && (strings.EqualFold(name, addr) || (strings.Contains(name, "@") && !strings.Contains(name, " "))) {
		name = ""
	}
	if name == "" && addr == "" {
		return Mailbox{}, false
	}
	return Mailbox{Name: name, Address: addr}, true
}

// indexAddrOpen finds the bracket that opens the address: the first '<' or
// '[' (Outlook's "[mailto:"), or a '(' whose content holds an '@'.
func indexAddrOpen(p string) int {
	i := strings.IndexAny(p, "<[")
	if i >= 0 {
		return i
	}
	if i = strings.IndexByte(p, '('); i >= 0 && strings.Contains(p, "@") {
		return i
	}
	return -1
}

// dropMailtoEcho removes Outlook's "<mailto:...>" echoes: in
// "a@b<mailto:a@b>", "Name <a@b<mailto:a@b>>" and "Name<mailto:a@b> <a@b>".
// A lone "Name<mailto:a@b>" keeps the mailto address as the address.
func dropMailtoEcho(p string) string {
	for n := 0; n < 8; n++ {
		i := strings.Index(p, "<mailto:")
		if i < 0 {
			return p
		}
		j := strings.IndexByte(p[i:], '>')
		if j < 0 {
			return p
		}
		j += i
		before, after := p[:i], p[j+1:]
		target := p[i+len("<mailto:") : j]
		if strings.Contains(before, "@") || strings.Contains(after, "@") {
			p = before + after
			continue
		}
		// Only address: keep it in brackets.
		return before + " <" + target + ">" + after
	}
	return p
}

// cleanName trims a display name and removes surrounding quotes of any
// common style.
func cleanName(s string) string {
	s = trim(s)
	for k := 0; k < 3; k++ {
		t := s
		for _, q := range [][2]string{{`"`, `"`}, {`'`, `'`}, {"«", "»"}, {"„", "”"}, {"„", "“"}, {"“", "”"}, {"‘", "’"}, {"(", ")"}} {
			if len(t) >= len(q[0])+len(q[1]) && strings.HasPrefix(t, q[0]) && strings.HasSuffix(t, q[1]) {
				t = trim(t[len(q[0]) : len(t)-len(q[1])])
				break
			}
		}
		t = strings.TrimRight(t, ",;")
		t = trim(t)
		if t == s {
			break
		}
		s = t
	}
	s = strings.ReplaceAll(s, `\"`, `"`)
	return s
}
