package crm

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

// CompanyPolicy decides which company a contact belongs to (SPEC
// "Associations"): the company of the address's registrable domain,
// none for free-mail providers and the domains opted out.
type CompanyPolicy struct {
	noCompany map[string]bool
}

// NewCompanyPolicy returns the policy with no company for the free-mail
// providers and for the domains given.
func NewCompanyPolicy(noCompanyDomains []string) CompanyPolicy {
	p := CompanyPolicy{noCompany: map[string]bool{}}
	for _, d := range noCompanyDomains {
		p.noCompany[strings.ToLower(strings.TrimSpace(d))] = true
	}
	return p
}

// Domain is the domain of the company an address belongs to, and false
// when it belongs to none.
func (p CompanyPolicy) Domain(addr string) (string, bool) {
	domain, host := CompanyDomain(addr), domainOf(addr)
	if domain == "" || IsFreeMail(domain) || p.noCompany[domain] || IsFreeMail(host) || p.noCompany[host] {
		return "", false
	}
	return domain, true
}

// CompanyDomain is the domain a company is keyed by for an address: its
// registrable domain ("eu.mail.acme.co.uk" gives "acme.co.uk").
func CompanyDomain(addr string) string {
	d := domainOf(addr)
	if d == "" {
		return ""
	}
	if reg, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return reg
	}
	return d
}

// CompanyName makes a readable name from a domain: "acme-robotics.example"
// gives "Acme Robotics".
func CompanyName(domain string) string {
	label, _, _ := strings.Cut(domain, ".")
	words := strings.FieldsFunc(label, func(r rune) bool { return r == '-' || r == '_' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}
