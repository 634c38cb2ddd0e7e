package forward

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    string // RFC 3339; "" = not parsed
		hasZone bool
	}{
		{"Tue, 5 Mar 2024 10:03:11 +0100", "2024-03-05T10:03:11+01:00", true},
		{"Tuesday, March 5, 2024 10:03 AM", "2024-03-05T10:03:00Z", false},
		{"Tuesday, March 5, 2024 12:30 AM", "2024-03-05T00:30:00Z", false},
		{"Tuesday, March 5, 2024 12:30 PM", "2024-03-05T12:30:00Z", false},
		{"5 March 2024 at 22:03:11 GMT+1", "2024-03-05T22:03:11+01:00", true},
		{"martes, 5 de marzo de 2024 22:03 (CET)", "2024-03-05T22:03:00+01:00", true},
		{"Di., 5. März 2024 um 10:03 Uhr", "2024-03-05T10:03:00Z", false},
		{"5. März 2024 um 10:03:11 MEZ", "2024-03-05T10:03:11+01:00", true},
		{"5.3.2024 10:03", "2024-03-05T10:03:00Z", false},
		{"03/05/2024 10:03 PM EST", "2024-03-05T22:03:00-05:00", true},
		{"05/03/2024 10:03", "2024-03-05T10:03:00Z", false},
		{"28/10/21, 12:46", "2021-10-28T12:46:00Z", false},
		{"2024-03-05 10:03 UTC+05:30", "2024-03-05T10:03:00+05:30", true},
		{"(UTC-03:00) 2024-03-05 10:03", "2024-03-05T10:03:00-03:00", true},
		{"2024年3月5日 星期二 下午3:20", "2024-03-05T15:20:00Z", false},
		{"2022年9月19日月曜日 17:55:44 -0400", "2022-09-19T17:55:44-04:00", true},
		{"2024년 3월 5일 (화) 오후 3:20", "2024-03-05T15:20:00Z", false},
		{"вторник, 5 марта 2024 г., 10:03:11 GMT+3", "2024-03-05T10:03:11+03:00", true},
		{"ср, 6 бер. 2024 о 09:31", "2024-03-06T09:31:00Z", false},
		{"wtorek, 5 marca 2024 12:01", "2024-03-05T12:01:00Z", false},
		{"5. března 2024 v 10:03 SEČ", "2024-03-05T10:03:00+01:00", true},
		{"ti 5. maalisk. 2024 klo 10.03", "2024-03-05T10:03:00Z", false},
		{"tirsdag den 5. marts 2024 kl. 10.03.44 CET", "2024-03-05T10:03:44+01:00", true},
		{"mar, 12 mar 2024, 09:00", "2024-03-12T09:00:00Z", false},
		{"2024. március 5., kedd 10:03 CET", "2024-03-05T10:03:00+01:00", true},
		{"5 Mart 2024 Salı 10:03", "2024-03-05T10:03:00Z", false},
		{"terça-feira, 5 de março de 2024 às 10:03", "2024-03-05T10:03:00Z", false},
		{"dinsdag 5 maart 2024 om 10:03", "2024-03-05T10:03:00Z", false},
		{"tisdag 5 mars 2024 10:03", "2024-03-05T10:03:00Z", false},
		{"marți, 5 martie 2024, 10:03:11 EET", "2024-03-05T10:03:11+02:00", true},
		{"On Tuesday, March 5th, 2024 at 10:03 AM", "2024-03-05T10:03:00Z", false},
		{"Wed, 28 Feb 2024 23:59:59 -0800 (PST)", "2024-02-28T23:59:59-08:00", true},
		// One case per recogniser path not covered above (see datePasses).
		{"5 mars 2024 14h05", "2024-03-05T14:05:00Z", false},
		{"Di., 5. März 2024 um 9 Uhr", "2024-03-05T09:00:00Z", false},
		{"03/05/2024 10:03", "2024-05-03T10:03:00Z", false},
		{"03/05/2024 10:03 PDT", "2024-03-05T10:03:00-07:00", true},
		{"2024年3月5日 15時20分", "2024-03-05T15:20:00Z", false},
		{"5.3.24 kl. 9.31", "2024-03-05T09:31:00Z", false},
		{"2024-03-05 10:03 GMT-8", "2024-03-05T10:03:00-08:00", true},
		{"March 5, 2024 at 9.31.08", "2024-03-05T09:31:08Z", false},
		{"5 Mar 2024 24:00", "", false},
		{"13/13/2024", "", false},
		{"yesterday", "", false},
		{"31/02/2024 10:00", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d := parseDate(tt.in, false)
			got := ""
			if d.ok {
				got = d.t.Format(time.RFC3339)
			}
			if got != tt.want || d.hasZone != tt.hasZone {
				t.Fatalf("parseDate(%q) = %s zone=%v, want %s zone=%v", tt.in, got, d.hasZone, tt.want, tt.hasZone)
			}
			if d.ok && !d.hasZone && d.t.Location() != time.UTC {
				t.Fatalf("wall clock date not in UTC: %v", d.t.Location())
			}
		})
	}
}

func TestParseDateCroatian(t *testing.T) {
	d := parseDate("26. listopada 2021. u 14:25:08", true)
	if got := d.t.Format(time.RFC3339); got != "2021-10-26T14:25:08Z" {
		t.Fatalf("Croatian listopad = %s, want October", got)
	}
	d = parseDate("26. listopada 2021 14:25:08", false)
	if got := d.t.Format(time.RFC3339); got != "2021-11-26T14:25:08Z" {
		t.Fatalf("Polish listopad = %s, want November", got)
	}
}
