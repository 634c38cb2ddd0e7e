package crm

import "strings"

// freeMailDomains are providers whose addresses belong to individuals, not
// companies: a contact there gets no company, and a user's alias there makes
// only that address internal.
var freeMailDomains = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "outlook.com": true,
	"live.com": true, "msn.com": true, "icloud.com": true, "me.com": true,
	"mac.com": true, "aol.com": true, "web.de": true, "libero.it": true,
	"virgilio.it": true, "tiscali.it": true, "alice.it": true,
	"orange.fr": true, "free.fr": true, "laposte.net": true, "sfr.fr": true,
	"wanadoo.fr": true, "mail.ru": true, "yandex.ru": true, "yandex.com": true,
	"ya.ru": true, "rambler.ru": true, "qq.com": true, "163.com": true,
	"126.com": true, "sina.com": true, "proton.me": true,
	"protonmail.com": true, "pm.me": true, "zoho.com": true,
	"zohomail.com": true, "gmx.net": true, "gmx.com": true, "gmx.de": true,
	"mail.com": true, "t-online.de": true, "seznam.cz": true, "wp.pl": true,
	"o2.pl": true, "onet.pl": true, "interia.pl": true, "naver.com": true,
	"daum.net": true, "hanmail.net": true, "rediffmail.com": true,
	"fastmail.com": true, "hey.com": true, "tutanota.com": true,
	"tuta.io": true, "bluewin.ch": true, "btinternet.com": true,
	"comcast.net": true, "verizon.net": true, "att.net": true,
	"sbcglobal.net": true, "ymail.com": true, "rocketmail.com": true,
	"inbox.ru": true, "bk.ru": true, "list.ru": true, "ukr.net": true,
	"hotmail.com": true, "yahoo.com": true,
}

// freeMailFamilies are providers with a domain per country: hotmail.*,
// yahoo.*, gmx.*, live.*, outlook.* and the like.
var freeMailFamilies = []string{"hotmail.", "yahoo.", "gmx.", "live.", "outlook.", "ymail.", "aol."}

// IsFreeMail reports whether domain is a free-mail provider.
func IsFreeMail(domain string) bool {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	if freeMailDomains[domain] {
		return true
	}
	for _, f := range freeMailFamilies {
		if rest, ok := strings.CutPrefix(domain, f); ok && isCountrySuffix(rest) {
			return true
		}
	}
	return false
}

// isCountrySuffix reports whether s looks like a public suffix such as "fr",
// "co.uk" or "com.br".
func isCountrySuffix(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) > 2 {
		return false
	}
	for _, p := range parts {
		if len(p) < 2 || len(p) > 3 {
			return false
		}
	}
	return true
}
