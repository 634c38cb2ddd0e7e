package email

import "testing"

func TestDecodeTextForgivesBadBase64Padding(t *testing.T) {
	dec := newWordDecoder()
	for in, want := range map[string]string{
		"=?UTF-8?B?UHJlaXNhbmZyYWdl?=":              "Preisanfrage",
		"=?UTF-8?B?UHJlaXNhbmZyYWdl=?=":             "Preisanfrage",
		"=?UTF-8?B?UHJlaXNhbmZyYWdlIGbDvHI?=":       "Preisanfrage für",
		"=?UTF-8?B?UHJlaXNhbmZyYWdlIGbDvHI=?=":      "Preisanfrage für",
		"=?utf-8?b?w5xiZXJzaWNodA==?= 2026":         "Übersicht 2026",
		"=?UTF-8?B?w5xiZXJzaWNodA?= =?UTF-8?Q?_x?=": "Übersicht x",
		"Re: =?ISO-8859-1?B?Q2Fm6Q?=":               "Re: Café",
		"=?UTF-8?Q?caf=C3=A9?=":                     "café",
		"no words here":                             "no words here",
		"=?broken":                                  "=?broken",
	} {
		if got := decodeText(dec, in); got != want {
			t.Errorf("decodeText(%q) = %q, want %q", in, got, want)
		}
	}
}
