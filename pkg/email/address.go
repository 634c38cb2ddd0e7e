package email

import (
	"mime"
	"net/mail"
	"strings"
)

// ParseAddressList parses an address-list header value (RFC 5322 section
// 3.4). Encoded words in display names are decoded. When the value is not
// valid RFC 5322, it falls back to a lenient reading that still finds every
// "name <addr>" and bare "addr" item, so a sloppy header never loses its
// recipients.
func ParseAddressList(dec *mime.WordDecoder, v string) []Address {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	p := mail.AddressParser{WordDecoder: dec}
	if list, err := p.ParseList(v); err == nil {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			out = append(out, Address{Name: toUTF8(a.Name), Address: a.Address})
		}
		return out
	}
	return parseLenient(dec, v)
}

// parseLenient splits v at commas and semicolons outside quotes, angle
// brackets and comments, and reads each item as "name <addr>" or "addr".
func parseLenient(dec *mime.WordDecoder, v string) []Address {
	var out []Address
	for _, item := range splitList(v) {
		if a, ok := parseLenientItem(dec, item); ok {
			out = append(out, a)
		}
	}
	return out
}

func splitList(v string) []string {
	var items []string
	var quoted, escaped bool
	angle, paren := 0, 0
	start := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"' && paren == 0:
			quoted = !quoted
		case quoted:
		case c == '<':
			angle++
		case c == '>' && angle > 0:
			angle--
		case c == '(':
			paren++
		case c == ')' && paren > 0:
			paren--
		case (c == ',' || c == ';') && angle == 0 && paren == 0:
			items = append(items, v[start:i])
			start = i + 1
		}
	}
	return append(items, v[start:])
}

func parseLenientItem(dec *mime.WordDecoder, item string) (Address, bool) {
	item = strings.TrimSpace(item)
	// A group's display name ("Team: a@x, b@y;") precedes its first member.
	if c := strings.IndexByte(item, ':'); c >= 0 && !strings.Contains(item[:c], "@") && !strings.Contains(item[:c], "<") {
		item = strings.TrimSpace(item[c+1:])
	}
	if item == "" {
		return Address{}, false
	}
	if lt := strings.LastIndexByte(item, '<'); lt >= 0 {
		gt := strings.IndexByte(item[lt:], '>')
		addr := item[lt+1:]
		if gt >= 0 {
			addr = item[lt+1 : lt+gt]
		}
		addr = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(addr), "mailto:"))
		if !strings.Contains(addr, "@") {
			return Address{}, false
		}
		name := strings.TrimSpace(item[:lt])
		name = strings.Trim(name, `"'`)
		name = strings.ReplaceAll(name, `\"`, `"`)
		return Address{Name: decodeText(dec, name), Address: addr}, true
	}
	// A bare address, possibly followed by a comment.
	addr := item
	name := ""
	if p := strings.IndexByte(addr, '('); p >= 0 {
		name = strings.Trim(strings.TrimSpace(addr[p:]), "()")
		addr = strings.TrimSpace(addr[:p])
	}
	if sp := strings.IndexAny(addr, " \t"); sp >= 0 {
		// "name addr@x" with no brackets: keep the word with the "@".
		for _, f := range strings.Fields(addr) {
			if strings.Contains(f, "@") {
				addr = f
				break
			}
		}
	}
	addr = strings.Trim(addr, `"'`)
	if !strings.Contains(addr, "@") {
		return Address{}, false
	}
	return Address{Name: decodeText(dec, name), Address: addr}, true
}
