package forward

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []struct{ subject, body string }{
	{"Fwd: Hello", "Note\n\n---------- Forwarded message ---------\nFrom: A <a@x.example>\nDate: Wed, Oct 27, 2021 at 9:31 AM\nSubject: Hello\nTo: <b@y.example>\nCc: C <c@z.example>, D\n<d@z.example>\n\nBody\n"},
	{"FW: x", "\uFEFFOn 28/10/2021 12:46, \"A\" <a@x.example> wrote:\r\n\r\n    Body\r\n"},
	{"", "> Begin forwarded message:\n>\n> From: A <a@x.example>\n> Subject: s\n> Date: 25 October 2021 at 11:17:21 EEST\n> To: b@y.example\n>\n> Body\n"},
	{"", "   ----- Forwarded Message ----- From: A <a@x.example>To: \"b\" <b@y.example>Cc: C <c@z>Sent: Tuesday, November 2, 2021, 09:26:50 AM GMT+1Subject: s\n Body"},
	{"TR : x", "De : A <a@x.example>\nDate : jeudi, 28 octobre 2021 à 12:06\nÀ : b@y.example\nObjet : s\nBody"},
	{"", "________________________________\nFrom: A, B <a@x.example>\nSent: Wednesday, October 27, 2021 15:14\nTo: X, Y <x@y.example>; z@w.example <z@w.example>\nSubject: s\n\nBody"},
	{"", "---------- メッセージを転送 ---------\n送信元：A <a@x.example>\n日付：2022年9月19日月曜日 17:55:44 -0400\n件名：s\n\nBody"},
	{"Re: x", "Ok\n\nOn Tue, Mar 5, 2024 at 10:03 AM A <a@x.example>\nwrote:\n> q"},
	{"", "-----Original Message-----\nFrom: A [mailto:a@x.example]\nSent: 5 March 2024 08:30\nTo: B\nSubject: s\n\nBody"},
	{"", ">>>>>> > > \n:\n----- -----\n----- x ----- :::: \n\xff\xfe<><>@@"},
}

// FuzzParse checks that Parse never panics and that its results are sane.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.subject, s.body)
	}
	f.Fuzz(func(t *testing.T, subject, body string) {
		fw, ok := Parse(subject, body)
		if !ok {
			if fw.Note != "" || fw.Original.Body != "" || fw.Original.From != (Mailbox{}) {
				t.Fatalf("not a forward but a non-zero result: %+v", fw)
			}
			return
		}
		o := fw.Original
		if o.Body != trim(o.Body) || fw.Note != trim(fw.Note) {
			t.Fatalf("untrimmed result: %+v", fw)
		}
		if utf8.ValidString(body) && (!utf8.ValidString(o.Body) || !utf8.ValidString(fw.Note) || !utf8.ValidString(o.From.Name)) {
			t.Fatalf("valid UTF-8 in, invalid out: %+v", fw)
		}
		if !o.Date.IsZero() && o.DateText == "" {
			t.Fatalf("date without text: %+v", o)
		}
		if len(o.Body)+len(fw.Note) > len(body)+len(subject) {
			t.Fatalf("output larger than input")
		}
	})
}

// FuzzStripSubjectPrefix checks that stripping never panics, only shortens,
// and is idempotent.
func FuzzStripSubjectPrefix(f *testing.F) {
	for _, s := range []string{"Fwd: x", "RE: Fwd: x", "TR : x", "Fwd[2]: Fw: x", "转发：x", "[Fwd: x]", "Re:", ":", "I: "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := StripSubjectPrefix(s)
		if len(got) > len(s) {
			t.Fatalf("StripSubjectPrefix(%q) = %q grew", s, got)
		}
		if !ok && got != trim(s) {
			t.Fatalf("StripSubjectPrefix(%q) = %q without a prefix", s, got)
		}
		if ok && !strings.Contains(s, got) {
			t.Fatalf("StripSubjectPrefix(%q) = %q is not a part of the input", s, got)
		}
	})
}
