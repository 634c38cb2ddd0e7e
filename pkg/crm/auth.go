package crm

import (
	"fmt"
	"strings"

	"github.com/poller-crm/poller/pkg/email"
)

// authResult is one trusted Authentication-Results field (RFC 8601).
type authResult struct {
	dmarc, spf, dkim string   // results, lower-case; "" when absent
	spfDomain        string   // smtp.mailfrom domain
	dkimPass         []string // header.d of passing signatures
}

// spoofed applies the AuthCheck and says why m is spoofed, or "".
func (r *Rules) spoofed(m *email.Message, from email.Address) string {
	id := strings.ToLower(r.auth.TrustedAuthservID)
	if id == "" {
		return ""
	}
	res, ok := trustedResult(m.Header.Values("Authentication-Results"), id)
	if !ok {
		if r.auth.RequirePass {
			return fmt.Sprintf("no Authentication-Results from %s, and a pass is required", id)
		}
		return ""
	}
	fromDomain := from.Domain()
	if res.dmarc == "pass" {
		return ""
	}
	for _, d := range res.dkimPass {
		if aligned(d, fromDomain) {
			return ""
		}
	}
	if res.spf == "pass" && aligned(res.spfDomain, fromDomain) {
		return ""
	}
	switch {
	case res.dmarc == "fail":
		return fmt.Sprintf("%s reports dmarc=fail for %s", id, fromDomain)
	case (res.spf == "fail" || res.spf == "softfail") && len(res.dkimPass) == 0:
		return fmt.Sprintf("%s reports spf=%s and no passing DKIM signature for %s", id, res.spf, fromDomain)
	case r.auth.RequirePass:
		return fmt.Sprintf("%s shows no DMARC pass and no SPF or DKIM pass aligned with %s", id, fromDomain)
	}
	return ""
}

// trustedResult parses the first (topmost, so most recently added)
// Authentication-Results field whose authserv-id is id.
func trustedResult(values []string, id string) (authResult, bool) {
	for _, v := range values {
		parts := strings.Split(stripComments(v), ";")
		fields := strings.Fields(parts[0])
		if len(fields) == 0 || strings.ToLower(fields[0]) != id {
			continue
		}
		var res authResult
		for _, p := range parts[1:] {
			words := strings.Fields(p)
			if len(words) == 0 {
				continue
			}
			method, result, ok := strings.Cut(strings.ToLower(words[0]), "=")
			if !ok {
				continue
			}
			method, _, _ = strings.Cut(method, "/")
			props := map[string]string{}
			for _, w := range words[1:] {
				if k, v, ok := strings.Cut(w, "="); ok {
					props[strings.ToLower(k)] = strings.ToLower(strings.Trim(v, `"`))
				}
			}
			switch method {
			case "dmarc":
				if res.dmarc == "" || result == "fail" {
					res.dmarc = result
				}
			case "spf":
				res.spf = result
				d := props["smtp.mailfrom"]
				if at := strings.LastIndexByte(d, '@'); at >= 0 {
					d = d[at+1:]
				}
				res.spfDomain = d
			case "dkim":
				d := props["header.d"]
				if d == "" {
					if i := props["header.i"]; i != "" {
						d = i[strings.LastIndexByte(i, '@')+1:]
					}
				}
				if result == "pass" {
					res.dkimPass = append(res.dkimPass, d)
				}
				if res.dkim != "pass" {
					res.dkim = result
				}
			}
		}
		return res, true
	}
	return authResult{}, false
}

// aligned is relaxed alignment (RFC 7489 section 3.1): the same domain, or
// one a subdomain of the other.
func aligned(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	return a == b || strings.HasSuffix(a, "."+b) || strings.HasSuffix(b, "."+a)
}

// stripComments removes RFC 5322 comments "( ... )", nested ones included.
func stripComments(v string) string {
	if !strings.Contains(v, "(") {
		return v
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}
