package email

import (
	"errors"
	"strings"
	"testing"
)

func mustParse(t *testing.T, raw string) *Message {
	t.Helper()
	m, err := Parse(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func TestParseDecodesHeaders(t *testing.T) {
	tests := []struct {
		name, raw   string
		wantSubject string
		wantFrom    Address
	}{
		{
			name:        "utf-8 B word",
			raw:         "From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <jm@kunde.example>\r\nSubject: =?UTF-8?Q?Angebot_f=C3=BCr_Q3?=\r\n\r\nhi\r\n",
			wantSubject: "Angebot für Q3",
			wantFrom:    Address{Name: "Jürgen Müller", Address: "jm@kunde.example"},
		},
		{
			name:        "iso-8859-1 Q word",
			raw:         "From: =?ISO-8859-1?Q?Fran=E7ois_L=E9ger?= <fl@client.example>\r\nSubject: =?iso-8859-1?q?R=E9union_de_lundi?=\r\n\r\nhi\r\n",
			wantSubject: "Réunion de lundi",
			wantFrom:    Address{Name: "François Léger", Address: "fl@client.example"},
		},
		{
			name:        "koi8-r",
			raw:         "From: =?KOI8-R?B?6dfBzg==?= <ivan@zavod.example>\r\nSubject: =?KOI8-R?B?8NLJ18XU?=\r\n\r\nhi\r\n",
			wantSubject: "Привет",
			wantFrom:    Address{Name: "Иван", Address: "ivan@zavod.example"},
		},
		{
			name:        "iso-2022-jp",
			raw:         "From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@kaisha.example>\r\nSubject: =?ISO-2022-JP?B?GyRCJTclaiE8JTobKEI=?=\r\n\r\nhi\r\n",
			wantSubject: "シリーズ",
			wantFrom:    Address{Name: "山田", Address: "yamada@kaisha.example"},
		},
		{
			name:        "raw latin-1 bytes",
			raw:         "From: Jos\xe9 <jose@x.example>\r\nSubject: Caf\xe9\r\n\r\nhi\r\n",
			wantSubject: "Café",
			wantFrom:    Address{Name: "José", Address: "jose@x.example"},
		},
		{
			name:        "folded subject",
			raw:         "From: a@x.example\r\nSubject: a long\r\n subject line\r\n\r\nhi\r\n",
			wantSubject: "a long subject line",
			wantFrom:    Address{Address: "a@x.example"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.raw)
			if m.Subject != tt.wantSubject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.wantSubject)
			}
			if len(m.From) != 1 || m.From[0] != tt.wantFrom {
				t.Errorf("From = %+v, want %+v", m.From, tt.wantFrom)
			}
		})
	}
}

func TestParseAddressListLenient(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`"Doe, John" <john@x.example>, jane@y.example`, []string{"john@x.example", "jane@y.example"}},
		{`John Q. Public <jqp@x.example>; Other <o@y.example>`, []string{"jqp@x.example", "o@y.example"}},
		{`Sales: a@x.example, b@x.example;`, []string{"a@x.example", "b@x.example"}},
		{`John Doe john@x.example, <jane@y.example>`, []string{"john@x.example", "jane@y.example"}},
		{`undisclosed-recipients:;`, nil},
	}
	for _, tt := range tests {
		got := ParseAddressList(newWordDecoder(), tt.in)
		var addrs []string
		for _, a := range got {
			addrs = append(addrs, a.Address)
		}
		if strings.Join(addrs, ",") != strings.Join(tt.want, ",") {
			t.Errorf("ParseAddressList(%q) = %v, want %v", tt.in, addrs, tt.want)
		}
	}
}

func TestParseBodiesAndAttachments(t *testing.T) {
	raw := "From: alice@example.com\r\nTo: bob@client.example\r\nSubject: files\r\n" +
		"Message-ID: <abc@mail.example.com>\r\nIn-Reply-To: <prev@client.example>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n" +
		"--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n" +
		"--inner\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Voil=E0 le devis.\r\n" +
		"--inner\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"PHA+Vm9pbMOgIGxlIGRldmlzLjwvcD4=\r\n" +
		"--inner--\r\n" +
		"--outer\r\nContent-Type: application/pdf; name=\"=?UTF-8?Q?devis_=C3=A9t=C3=A9.pdf?=\"\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"JVBERi0xLjQK\r\n" +
		"--outer\r\nContent-Type: message/rfc822\r\n\r\n" +
		"From: Carl <carl@client.example>\r\nTo: alice@example.com\r\nSubject: original\r\n\r\ninner body\r\n" +
		"--outer--\r\n"
	m := mustParse(t, raw)
	if m.MessageID != "abc@mail.example.com" {
		t.Errorf("MessageID = %q", m.MessageID)
	}
	if len(m.InReplyTo) != 1 || m.InReplyTo[0] != "prev@client.example" {
		t.Errorf("InReplyTo = %q", m.InReplyTo)
	}
	if got := strings.TrimSpace(m.Text); got != "Voilà le devis." {
		t.Errorf("Text = %q, want %q", got, "Voilà le devis.")
	}
	if m.HTML != "<p>Voilà le devis.</p>" {
		t.Errorf("HTML = %q", m.HTML)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("Attachments = %+v, want 1", m.Attachments)
	}
	a := m.Attachments[0]
	if a.Filename != "devis été.pdf" || a.Size != 9 || a.ContentType != "application/pdf" || len(a.SHA256) != 64 {
		t.Errorf("attachment = %+v", a)
	}
	if len(m.Attached) != 1 || m.Attached[0].Subject != "original" || strings.TrimSpace(m.Attached[0].Text) != "inner body" {
		t.Fatalf("Attached = %+v", m.Attached)
	}
	if m.Size != int64(len(raw)) {
		t.Errorf("Size = %d, want %d", m.Size, len(raw))
	}
}

func TestParseCharsets(t *testing.T) {
	tests := []struct {
		charset, body, want string
	}{
		{"windows-1251", "\xcf\xf0\xe8\xe2\xe5\xf2", "Привет"},
		{"koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет"},
		{"shift_jis", "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd", "こんにちは"},
		{"gb2312", "\xc4\xe3\xba\xc3", "你好"},
		{"gbk", "\xc4\xe3\xba\xc3", "你好"},
		{"big5", "\xa7\x41\xa6\x6e", "你好"},
		{"iso-8859-2", "\xa3\xf3d\xbc", "Łódź"},
		{"windows-1252", "\x93quoted\x94", "\u201cquoted\u201d"},
		{"iso-2022-jp", "\x1b$B$3$s$K$A$O\x1b(B", "こんにちは"},
	}
	for _, tt := range tests {
		raw := "From: a@x.example\r\nContent-Type: text/plain; charset=" + tt.charset + "\r\n\r\n" + tt.body
		m := mustParse(t, raw)
		if m.Text != tt.want {
			t.Errorf("charset %s: Text = %q, want %q", tt.charset, m.Text, tt.want)
		}
	}
}

func TestParseSoftProblems(t *testing.T) {
	raw := "From a@x.example Mon Jan  5 10:00:00 2026\r\nFrom: a@x.example\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n\r\nplain words\r\n"
	m := mustParse(t, raw)
	if strings.TrimSpace(m.Text) != "plain words" {
		t.Errorf("Text = %q", m.Text)
	}
	if len(m.Problems) < 2 {
		t.Errorf("Problems = %q, want the dropped mbox line and the unknown charset", m.Problems)
	}
}

func TestParseMalformed(t *testing.T) {
	for _, raw := range []string{"", "\r\n\r\nbody only", "\x00\x01\x02 garbage without any header\n"} {
		_, err := Parse(strings.NewReader(raw))
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%q) error = %v, want ErrMalformed", raw, err)
		}
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<div>a<br>b</div><div>c</div>", "a\nb\nc"},
		{"<p>one</p><p>two &amp; three</p>", "one\ntwo & three"},
		{"<table><tr><td>From:</td><td>Jo &lt;jo@x.example&gt;</td></tr><tr><td>Date:</td><td>today</td></tr></table>", "From: Jo <jo@x.example>\nDate: today"},
		{"<html><head><style>p{color:red}</style><title>t</title></head><body><b>Hi</b>&nbsp;there<!-- note --></body></html>", "Hi there"},
		{"<pre>  keep\n  lines</pre>", "keep\n  lines"},
		{"a\n   b", "a b"},
		{"<script>if (a<b) {}</script>ok", "ok"},
		{"unclosed <b", "unclosed <b"},
	}
	for _, tt := range tests {
		if got := HTMLToText(tt.in); got != tt.want {
			t.Errorf("HTMLToText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseInlineImageContentID(t *testing.T) {
	raw := "From: alice@example.com\r\nTo: bob@client.example\r\nSubject: logo\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=rel\r\n\r\n" +
		"--rel\r\nContent-Type: text/html\r\n\r\n<img src=\"cid:logo@example.com\">\r\n" +
		"--rel\r\nContent-Type: image/png\r\nContent-ID: < logo@example.com >\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n" +
		"--rel\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\n%PDF\r\n" +
		"--rel--\r\n"
	m := mustParse(t, raw)
	if len(m.Attachments) != 2 {
		t.Fatalf("Attachments = %+v, want 2", m.Attachments)
	}
	if a := m.Attachments[0]; a.ContentID != "logo@example.com" || !a.Inline {
		t.Errorf("image: ContentID = %q, Inline = %v; want %q, true", a.ContentID, a.Inline, "logo@example.com")
	}
	if a := m.Attachments[1]; a.ContentID != "" || a.Inline {
		t.Errorf("pdf: ContentID = %q, Inline = %v; want \"\", false", a.ContentID, a.Inline)
	}
}
