package forward

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// want is the part of a Forward a test case checks; zero fields of From,
// To, Cc are checked too (nil To/Cc means "no mailboxes").
type want struct {
	note     string
	from     Mailbox
	to       []Mailbox
	cc       []Mailbox
	subject  string
	dateText string
	date     string // RFC 3339, "" = zero time
	hasZone  bool
	body     string
}

func mb(name, addr string) Mailbox { return Mailbox{Name: name, Address: addr} }

func checkForward(t *testing.T, got Forward, w want) {
	t.Helper()
	o := got.Original
	if got.Note != w.note {
		t.Errorf("Note = %q, want %q", got.Note, w.note)
	}
	if o.From != w.from {
		t.Errorf("From = %+v, want %+v", o.From, w.from)
	}
	if !reflect.DeepEqual(o.To, w.to) {
		t.Errorf("To = %+v, want %+v", o.To, w.to)
	}
	if !reflect.DeepEqual(o.Cc, w.cc) {
		t.Errorf("Cc = %+v, want %+v", o.Cc, w.cc)
	}
	if o.Subject != w.subject {
		t.Errorf("Subject = %q, want %q", o.Subject, w.subject)
	}
	if o.DateText != w.dateText {
		t.Errorf("DateText = %q, want %q", o.DateText, w.dateText)
	}
	gotDate := ""
	if !o.Date.IsZero() {
		gotDate = o.Date.Format(time.RFC3339)
	}
	if gotDate != w.date {
		t.Errorf("Date = %s, want %s", gotDate, w.date)
	}
	if o.DateHasZone != w.hasZone {
		t.Errorf("DateHasZone = %v, want %v", o.DateHasZone, w.hasZone)
	}
	if o.Body != w.body {
		t.Errorf("Body = %q, want %q", o.Body, w.body)
	}
}

func TestParseClients(t *testing.T) {
	tests := []struct {
		name    string
		subject string
		body    string
		want    want
	}{
		{
			name:    "gmail en with note and wrapped cc",
			subject: "Fwd: Renewal quote for 2025",
			body: "Hi team, can someone log this?\r\n\r\nThanks\r\n\r\n" +
				"---------- Forwarded message ---------\r\n" +
				"From: Priya Raman <priya.raman@northwind.example>\r\n" +
				"Date: Mon, Mar 4, 2024 at 2:15 PM\r\n" +
				"Subject: Renewal quote for 2025\r\n" +
				"To: <sales@contoso.example>\r\n" +
				"Cc: Tom Becker <tom.becker@northwind.example>, Ana Lima\r\n" +
				"<ana.lima@northwind.example>\r\n\r\n" +
				"Hello,\r\nCould you send the renewal quote?\r\n\r\nPriya\r\n",
			want: want{
				note:     "Hi team, can someone log this?\n\nThanks",
				from:     mb("Priya Raman", "priya.raman@northwind.example"),
				to:       []Mailbox{mb("", "sales@contoso.example")},
				cc:       []Mailbox{mb("Tom Becker", "tom.becker@northwind.example"), mb("Ana Lima", "ana.lima@northwind.example")},
				subject:  "Renewal quote for 2025",
				dateText: "Mon, Mar 4, 2024 at 2:15 PM",
				date:     "2024-03-04T14:15:00Z",
				body:     "Hello,\nCould you send the renewal quote?\n\nPriya",
			},
		},
		{
			name:    "outlook desktop original message with mailto forms",
			subject: "FW: Pricing question",
			body: "FYI\n\n-----Original Message-----\n" +
				"From: Smith, Jane [mailto:jane.smith@fabrikam.example]\n" +
				"Sent: Tuesday, March 5, 2024 10:03 AM\n" +
				"To: Sales Team <sales@contoso.example>; Lee, Kim <kim.lee@contoso.example>\n" +
				"Cc: bob@fabrikam.example <mailto:bob@fabrikam.example>\n" +
				"Subject: Pricing question\n\n" +
				"What is the price for 40 seats?\n",
			want: want{
				note:     "FYI",
				from:     mb("Smith, Jane", "jane.smith@fabrikam.example"),
				to:       []Mailbox{mb("Sales Team", "sales@contoso.example"), mb("Lee, Kim", "kim.lee@contoso.example")},
				cc:       []Mailbox{mb("", "bob@fabrikam.example")},
				subject:  "Pricing question",
				dateText: "Tuesday, March 5, 2024 10:03 AM",
				date:     "2024-03-05T10:03:00Z",
				body:     "What is the price for 40 seats?",
			},
		},
		{
			name:    "outlook de underscore rule, no subject prefix",
			subject: "",
			body: "________________________________\n" +
				"Von: Müller, Hans <hans.mueller@beispiel.example>\n" +
				"Gesendet: Dienstag, 5. März 2024 10:03\n" +
				"An: Vertrieb <vertrieb@firma.example>\n" +
				"Betreff: Angebot Wartungsvertrag\n\n" +
				"Guten Tag,\nbitte um ein Angebot.\n",
			want: want{
				from:     mb("Müller, Hans", "hans.mueller@beispiel.example"),
				to:       []Mailbox{mb("Vertrieb", "vertrieb@firma.example")},
				subject:  "Angebot Wartungsvertrag",
				dateText: "Dienstag, 5. März 2024 10:03",
				date:     "2024-03-05T10:03:00Z",
				body:     "Guten Tag,\nbitte um ein Angebot.",
			},
		},
		{
			name:    "new outlook fr without separator, confirmed by TR subject",
			subject: "TR : Devis",
			body: "Voir ci-dessous.\n\n" +
				"De : Claire Dubois <claire.dubois@exemple.example>\n" +
				"Date : mardi, 5 mars 2024 à 16:40\n" +
				"À : ventes@societe.example <ventes@societe.example>\n" +
				"Objet : Devis\n" +
				"Bonjour, pouvez-vous m'envoyer un devis ?\n",
			want: want{
				note:     "Voir ci-dessous.",
				from:     mb("Claire Dubois", "claire.dubois@exemple.example"),
				to:       []Mailbox{mb("", "ventes@societe.example")},
				subject:  "Devis",
				dateText: "mardi, 5 mars 2024 à 16:40",
				date:     "2024-03-05T16:40:00Z",
				body:     "Bonjour, pouvez-vous m'envoyer un devis ?",
			},
		},
		{
			name: "apple mail fr quoted",
			body: "> Début du message réexpédié :\n>\n" +
				"> De: Claire Dubois <claire.dubois@exemple.example>\n" +
				"> Objet: Rendez-vous\n" +
				"> Date: 5 mars 2024 à 10:03:11 UTC+1\n" +
				"> À: Marc <marc@societe.example>\n>\n" +
				"> Bonjour Marc,\n>\n> Jeudi me convient.\n",
			want: want{
				from:     mb("Claire Dubois", "claire.dubois@exemple.example"),
				to:       []Mailbox{mb("Marc", "marc@societe.example")},
				subject:  "Rendez-vous",
				dateText: "5 mars 2024 à 10:03:11 UTC+1",
				date:     "2024-03-05T10:03:11+01:00",
				hasZone:  true,
				body:     "Bonjour Marc,\n\nJeudi me convient.",
			},
		},
		{
			name: "ios mail quoted headers with PST",
			body: "Begin forwarded message:\n\n" +
				"> From: Dana Wu <dana@initech.example>\n" +
				"> Date: March 5, 2024 at 10:03:11 PM PST\n" +
				"> To: Lee Park <lee@contoso.example>\n" +
				"> Subject: Contract\n>\n> Signed copy attached.\n",
			want: want{
				from:     mb("Dana Wu", "dana@initech.example"),
				to:       []Mailbox{mb("Lee Park", "lee@contoso.example")},
				subject:  "Contract",
				dateText: "March 5, 2024 at 10:03:11 PM PST",
				date:     "2024-03-05T22:03:11-08:00",
				hasZone:  true,
				body:     "Signed copy attached.",
			},
		},
		{
			name: "thunderbird es tabs",
			body: "-------- Mensaje reenviado --------\n" +
				"Asunto: \tPedido 4411\n" +
				"Fecha: \tTue, 5 Mar 2024 09:12:44 -0300\n" +
				"De: \tLucía Gómez <lucia@ejemplo.example>\n" +
				"Para: \tventas@empresa.example\n\n\n\n" +
				"Necesitamos 12 unidades.\n",
			want: want{
				from:     mb("Lucía Gómez", "lucia@ejemplo.example"),
				to:       []Mailbox{mb("", "ventas@empresa.example")},
				subject:  "Pedido 4411",
				dateText: "Tue, 5 Mar 2024 09:12:44 -0300",
				date:     "2024-03-05T09:12:44-03:00",
				hasZone:  true,
				body:     "Necesitamos 12 unidades.",
			},
		},
		{
			name: "yahoo it one line",
			body: "  ----- Messaggio inoltrato ----- Da: Marco Rossi <marco.rossi@esempio.example>A: \"vendite@azienda.example\" <vendite@azienda.example>Cc: Giulia <giulia@esempio.example>Inviato: martedì 5 marzo 2024, 11:20:05 CETOggetto: Preventivo stampanti\n" +
				" Buongiorno, vorremmo un preventivo.\n",
			want: want{
				from:     mb("Marco Rossi", "marco.rossi@esempio.example"),
				to:       []Mailbox{mb("", "vendite@azienda.example")},
				cc:       []Mailbox{mb("Giulia", "giulia@esempio.example")},
				subject:  "Preventivo stampanti",
				dateText: "martedì 5 marzo 2024, 11:20:05 CET",
				date:     "2024-03-05T11:20:05+01:00",
				hasZone:  true,
				body:     "Buongiorno, vorremmo un preventivo.",
			},
		},
		{
			name: "japanese full-width colons",
			body: "---------- 転送されたメッセージ ----------\n" +
				"差出人：山田 太郎 <taro.yamada@example.jp>\n" +
				"日付：2024年3月5日(火) 10:03\n" +
				"件名：見積もりのお願い\n" +
				"宛先：営業部 <sales@example.co.jp>\n\n" +
				"よろしくお願いします。\n",
			want: want{
				from:     mb("山田 太郎", "taro.yamada@example.jp"),
				to:       []Mailbox{mb("営業部", "sales@example.co.jp")},
				subject:  "見積もりのお願い",
				dateText: "2024年3月5日(火) 10:03",
				date:     "2024-03-05T10:03:00Z",
				body:     "よろしくお願いします。",
			},
		},
		{
			name: "chinese with afternoon marker",
			body: "-------- 转发的邮件 --------\n" +
				"发件人: 张伟 <zhang.wei@example.cn>\n" +
				"发送时间: 2024年3月5日 星期二 下午3:20\n" +
				"收件人: 李娜 <li.na@example.cn>\n" +
				"主题: 合同草案\n\n" +
				"请查收。\n",
			want: want{
				from:     mb("张伟", "zhang.wei@example.cn"),
				to:       []Mailbox{mb("李娜", "li.na@example.cn")},
				subject:  "合同草案",
				dateText: "2024年3月5日 星期二 下午3:20",
				date:     "2024-03-05T15:20:00Z",
				body:     "请查收。",
			},
		},
		{
			name:    "russian outlook with subject prefix",
			subject: "Пересл: Счёт на оплату",
			body: "От: Иван Петров <ivan.petrov@example.ru>\n" +
				"Отправлено: вторник, 5 марта 2024 г. 10:03\n" +
				"Кому: Отдел продаж <sales@example.ru>\n" +
				"Тема: Счёт на оплату\n\n" +
				"Добрый день! Пришлите счёт.\n",
			want: want{
				from:     mb("Иван Петров", "ivan.petrov@example.ru"),
				to:       []Mailbox{mb("Отдел продаж", "sales@example.ru")},
				subject:  "Счёт на оплату",
				dateText: "вторник, 5 марта 2024 г. 10:03",
				date:     "2024-03-05T10:03:00Z",
				body:     "Добрый день! Пришлите счёт.",
			},
		},
		{
			name:    "polish outlook web with DW",
			subject: "PD: Oferta",
			body: "________________________________\n" +
				"Od: Katarzyna Nowak <k.nowak@przyklad.example>\n" +
				"Wysłane: wtorek, 5 marca 2024 12:01\n" +
				"Do: Biuro <biuro@firma.example>\n" +
				"DW: Jan Kowalski <jan.kowalski@przyklad.example>\n" +
				"Temat: Oferta\n\n" +
				"Dzień dobry, proszę o ofertę.\n",
			want: want{
				from:     mb("Katarzyna Nowak", "k.nowak@przyklad.example"),
				to:       []Mailbox{mb("Biuro", "biuro@firma.example")},
				cc:       []Mailbox{mb("Jan Kowalski", "jan.kowalski@przyklad.example")},
				subject:  "Oferta",
				dateText: "wtorek, 5 marca 2024 12:01",
				date:     "2024-03-05T12:01:00Z",
				body:     "Dzień dobry, proszę o ofertę.",
			},
		},
		{
			name:    "outlook 2019 attribution forward",
			subject: "FW: Delivery dates",
			body: "\uFEFFOn 05/03/2024 16:45, \"Omar Haddad\" <omar@globaltrade.example> wrote:\r\n\r\n" +
				"    Can you confirm the delivery dates?\r\n\r\n    Omar\r\n",
			want: want{
				from:     mb("Omar Haddad", "omar@globaltrade.example"),
				subject:  "Delivery dates",
				dateText: "05/03/2024 16:45",
				date:     "2024-03-05T16:45:00Z",
				body:     "Can you confirm the delivery dates?\n\nOmar",
			},
		},
		{
			name:    "name only, no addresses",
			subject: "FW: Site visit",
			body: "-----Original Message-----\n" +
				"From: Helen Carter\n" +
				"Sent: 5 March 2024 08:30\n" +
				"To: Ravi Patel\n" +
				"Subject: Site visit\n\nSee you at nine.\n",
			want: want{
				from:     mb("Helen Carter", ""),
				to:       []Mailbox{mb("Ravi Patel", "")},
				subject:  "Site visit",
				dateText: "5 March 2024 08:30",
				date:     "2024-03-05T08:30:00Z",
				body:     "See you at nine.",
			},
		},
		{
			name: "zoho closing separator, spaced labels",
			body: "============ Forwarded message ============\n" +
				"From : Lena Fischer <lena@beispiel.example>\n" +
				"To : \"Sales\" <sales@contoso.example>\n" +
				"Date : Tue, 05 Mar 2024 10:03:11 +0100\n" +
				"Subject : Demo request\n" +
				"============ Forwarded message ============\n\n" +
				"Could we book a demo?\n",
			want: want{
				from:     mb("Lena Fischer", "lena@beispiel.example"),
				to:       []Mailbox{mb("Sales", "sales@contoso.example")},
				subject:  "Demo request",
				dateText: "Tue, 05 Mar 2024 10:03:11 +0100",
				date:     "2024-03-05T10:03:11+01:00",
				hasZone:  true,
				body:     "Could we book a demo?",
			},
		},
		{
			name:    "outlook on behalf of and bold labels",
			subject: "FW: Support ticket",
			body: "*From:* Support Desk<mailto:desk@helpco.example> <desk@helpco.example<mailto:desk@helpco.example>> on behalf of noreply@helpco.example<mailto:noreply@helpco.example>\n" +
				"*Sent:* Tuesday, March 5, 2024 10:03 AM\n" +
				"*To:* Kim Lee <kim.lee@contoso.example<mailto:kim.lee@contoso.example>>\n" +
				"*Subject:* Support ticket\n\nTicket 88 is closed.\n",
			want: want{
				from:     mb("Support Desk", "desk@helpco.example"),
				to:       []Mailbox{mb("Kim Lee", "kim.lee@contoso.example")},
				subject:  "Support ticket",
				dateText: "Tuesday, March 5, 2024 10:03 AM",
				date:     "2024-03-05T10:03:00Z",
				body:     "Ticket 88 is closed.",
			},
		},
		{
			name: "proton ordinal day",
			body: "Please log.\n\n------- Forwarded Message -------\n" +
				"From: Sam Ortiz <sam@proton.example>\n" +
				"Date: On Tuesday, March 5th, 2024 at 10:03 AM\n" +
				"Subject: Intro\n" +
				"To: Alex <alex@contoso.example>\n\nNice to meet you.\n",
			want: want{
				note:     "Please log.",
				from:     mb("Sam Ortiz", "sam@proton.example"),
				to:       []Mailbox{mb("Alex", "alex@contoso.example")},
				subject:  "Intro",
				dateText: "On Tuesday, March 5th, 2024 at 10:03 AM",
				date:     "2024-03-05T10:03:00Z",
				body:     "Nice to meet you.",
			},
		},
		{
			name:    "lotus notes forwarded by line",
			subject: "Fw: Tender questions",
			body: "FYI, from the tender.\n\n----- Forwarded by Bob Marsh/Example on 05.03.2026 15:10 -----\n\n" +
				"From: Björn Åkesson <bjorn@nordvik.example>\nTo: Bob Marsh <bob@contoso.example>\n" +
				"Date: 05.03.2026 14:22\nSubject: Tender questions\n\nThree questions attached.\n",
			want: want{
				note:     "FYI, from the tender.",
				from:     mb("Björn Åkesson", "bjorn@nordvik.example"),
				to:       []Mailbox{mb("Bob Marsh", "bob@contoso.example")},
				subject:  "Tender questions",
				dateText: "05.03.2026 14:22",
				date:     "2026-03-05T14:22:00Z",
				body:     "Three questions attached.",
			},
		},
		{
			name:    "outlook zh-TW labels",
			subject: "轉寄: 詢價",
			body: "-----Original Message-----\n寄件者: 陳怡君 <yc@formosa.example>\n寄件日期: 2026年3月5日 星期四 下午 2:20\n" +
				"收件者: Chiara <chiara@contoso.example>\n副本: Li <li@formosa.example>\n主旨: 詢價\n\n您好，請報價。\n",
			want: want{
				from:     mb("陳怡君", "yc@formosa.example"),
				to:       []Mailbox{mb("Chiara", "chiara@contoso.example")},
				cc:       []Mailbox{mb("Li", "li@formosa.example")},
				subject:  "詢價",
				dateText: "2026年3月5日 星期四 下午 2:20",
				date:     "2026-03-05T14:20:00Z",
				body:     "您好，請報價。",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Parse(tt.subject, tt.body)
			if !ok {
				t.Fatalf("Parse() = false, want a forward")
			}
			checkForward(t, got, tt.want)
		})
	}
}

func TestParseNotForward(t *testing.T) {
	tests := []struct {
		name, subject, body string
	}{
		{"gmail reply", "Re: Quote", "Thanks, that works.\n\nOn Tue, Mar 5, 2024 at 10:03 AM Jane Smith <jane@fabrikam.example> wrote:\n> Here is the quote.\n"},
		{"reply wrapped attribution", "", "Sounds good.\n\nOn Tue, Mar 5, 2024 at 10:03 AM Jane Smith <jane@fabrikam.example>\nwrote:\n\n> Here is the quote.\n"},
		{"thunderbird reply", "Re: Quote", "Ok!\n\nOn 05/03/2024 10:03, Jane Smith wrote:\n> Here is the quote.\n"},
		{"german reply", "AW: Termin", "Passt.\n\nAm Di., 5. März 2024 um 10:03 Uhr schrieb Hans Müller <hans@beispiel.example>:\n> Wie wäre Donnerstag?\n"},
		{"outlook reply block", "RE: Quote", "Agreed.\n\n________________________________\nFrom: Jane Smith <jane@fabrikam.example>\nSent: Tuesday, March 5, 2024 10:03 AM\nTo: Kim Lee <kim@contoso.example>\nSubject: Quote\n\nHere is the quote.\n"},
		{"outlook reply original message", "RE: Quote", "Agreed.\n\n-----Original Message-----\nFrom: Jane Smith <jane@fabrikam.example>\nSent: Tuesday, March 5, 2024 10:03 AM\nTo: Kim Lee <kim@contoso.example>\nSubject: Quote\n\nHere is the quote.\n"},
		{"bare header block without forward subject", "Quote", "Agreed.\n\nFrom: Jane Smith <jane@fabrikam.example>\nSent: Tuesday, March 5, 2024 10:03 AM\nTo: Kim Lee <kim@contoso.example>\nSubject: Quote\nHere is the quote.\n"},
		{"underscore disclaimer", "FW: Newsletter", "Hello,\n\nsee our offers.\n\nBest,\nJane\n________________________________\nThis e-mail and any attachments are confidential.\n"},
		{"forward subject without block", "Fwd: Contract", "Here is the contract we discussed, see attachment.\n\nKim\n"},
		{"plain mail", "", "Hi,\n\nFrom: our side everything is ready.\nTo: do list attached.\n"},
		{"empty", "Fwd: x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if fw, ok := Parse(tt.subject, tt.body); ok {
				t.Fatalf("Parse() = true (%+v), want false", fw)
			}
		})
	}
}

func TestParseNested(t *testing.T) {
	body := "Latest in the thread.\n\n" +
		"---------- Forwarded message ---------\n" +
		"From: Kim Lee <kim@contoso.example>\n" +
		"Date: Wed, Mar 6, 2024 at 9:00 AM\n" +
		"Subject: Fwd: Offer\n" +
		"To: Sales <sales@contoso.example>\n\n" +
		"See below.\n\n" +
		"---------- Forwarded message ---------\n" +
		"From: Jane Smith <jane@fabrikam.example>\n" +
		"Date: Tue, Mar 5, 2024 at 10:03 AM\n" +
		"Subject: Offer\n" +
		"To: Kim Lee <kim@contoso.example>\n\n" +
		"Our offer is attached.\n"
	outer, ok := Parse("Fwd: Fwd: Offer", body)
	if !ok {
		t.Fatal("outer: not a forward")
	}
	if outer.Original.From.Address != "kim@contoso.example" || outer.Note != "Latest in the thread." {
		t.Fatalf("outer = %+v", outer)
	}
	if !strings.HasPrefix(outer.Original.Body, "See below.\n\n---------- Forwarded message ---------\nFrom: Jane Smith") {
		t.Fatalf("outer body lost the inner block: %q", outer.Original.Body)
	}
	inner, ok := Parse(outer.Original.Subject, outer.Original.Body)
	if !ok {
		t.Fatal("inner: not a forward")
	}
	if inner.Note != "See below." || inner.Original.From != mb("Jane Smith", "jane@fabrikam.example") ||
		inner.Original.Subject != "Offer" || inner.Original.Body != "Our offer is attached." {
		t.Fatalf("inner = %+v", inner)
	}
}

func TestParseReplyToForwardIsReply(t *testing.T) {
	// A reply ("RE: Fwd:") whose quoted history holds a forward: the reply
	// ends the search.
	body := "Thanks Kim.\n\n________________________________\nFrom: Kim Lee <kim@contoso.example>\nSent: Wednesday, March 6, 2024 9:00 AM\nTo: Jane Smith <jane@fabrikam.example>\nSubject: Fwd: Offer\n\n" +
		"---------- Forwarded message ---------\nFrom: Jane Smith <jane@fabrikam.example>\nDate: Tue, Mar 5, 2024 at 10:03 AM\nSubject: Offer\nTo: Kim Lee <kim@contoso.example>\n\nOur offer.\n"
	if _, ok := Parse("RE: Fwd: Offer", body); ok {
		t.Fatal("a reply to a forward was taken for a forward")
	}
	// Without the subject the same body is read as Outlook's forward block.
	if _, ok := Parse("", body); !ok {
		t.Fatal("body-only: want a forward")
	}
}

func TestParseSubjectFallback(t *testing.T) {
	body := "-----Original Message-----\nFrom: Jane Smith <jane@fabrikam.example>\nSent: 5 March 2024 08:30\nTo: Kim Lee <kim@contoso.example>\n\nHello.\n"
	fw, ok := Parse("Fwd: FW: Meeting notes", body)
	if !ok {
		t.Fatal("not a forward")
	}
	if fw.Original.Subject != "Meeting notes" {
		t.Fatalf("Subject = %q, want the outer subject without prefixes", fw.Original.Subject)
	}
}

func TestParseManyRecipients(t *testing.T) {
	var to []string
	var want []Mailbox
	for i := 0; i < 50; i++ {
		n := string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		to = append(to, "\""+n+", Person\" <"+n+"@example.org>")
		want = append(want, mb(n+", Person", n+"@example.org"))
	}
	body := "---------- Forwarded message ---------\nFrom: A <a@example.org>\nDate: Tue, Mar 5, 2024 at 10:03 AM\nSubject: s\nTo: " +
		strings.Join(to, ", ") + "\n\nbody\n"
	fw, ok := Parse("", body)
	if !ok {
		t.Fatal("not a forward")
	}
	if !reflect.DeepEqual(fw.Original.To, want) {
		t.Fatalf("To = %+v", fw.Original.To)
	}
}

func TestParseWrappedSubject(t *testing.T) {
	body := "---------- Forwarded message ---------\nFrom: Jane <jane@fabrikam.example>\nDate: Tue, Mar 5, 2024 at 10:03 AM\n" +
		"Subject: Request for a quotation covering the maintenance of the\nprinters of the second floor\nTo: Kim <kim@contoso.example>\n\nHello\n"
	fw, ok := Parse("", body)
	if !ok {
		t.Fatal("not a forward")
	}
	if want := "Request for a quotation covering the maintenance of the printers of the second floor"; fw.Original.Subject != want {
		t.Fatalf("Subject = %q, want %q", fw.Original.Subject, want)
	}
	if len(fw.Original.To) != 1 || fw.Original.Body != "Hello" {
		t.Fatalf("got %+v", fw.Original)
	}
}
