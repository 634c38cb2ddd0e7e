package crmcsv

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
)

func TestReadCompanies(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []crm.Company
		wantErr []string // substrings of the error, in order
	}{
		{name: "plain", in: "domain,name\nacme.com,Acme\nglobex.example,\n",
			want: []crm.Company{{Domain: "acme.com", Name: "Acme"}, {Domain: "globex.example"}}},
		{name: "header case and spaces, any order", in: " Name , DOMAIN\nAcme, Acme.COM \n",
			want: []crm.Company{{Domain: "acme.com", Name: "Acme"}}},
		{name: "bom and crlf", in: "\uFEFFdomain,name\r\nacme.com,Acme\r\n",
			want: []crm.Company{{Domain: "acme.com", Name: "Acme"}}},
		{name: "quoted comma and quote", in: "domain,name\nacme.com,\"Acme, Inc. \"\"the best\"\"\"\n",
			want: []crm.Company{{Domain: "acme.com", Name: `Acme, Inc. "the best"`}}},
		{name: "quoted line break keeps line numbers", in: "domain,name\nacme.com,\"Acme\nInc\"\nbad,Bad\n",
			wantErr: []string{`x.csv line 4: domain "bad" is not a domain`}},
		{name: "blank rows skipped", in: "domain,name\n\n,\nacme.com,Acme\n",
			want: []crm.Company{{Domain: "acme.com", Name: "Acme"}}},
		{name: "header only", in: "domain,name\n", want: nil},
		{name: "empty file", in: "", wantErr: []string{"x.csv: the file is empty"}},
		{name: "only a bom", in: "\uFEFF", wantErr: []string{"x.csv: the file is empty"}},
		{name: "utf-16", in: "\xFF\xFEd\x00", wantErr: []string{"UTF-16"}},
		{name: "unknown column", in: "domain,nmae\nacme.com,Acme\n",
			wantErr: []string{`x.csv line 1: unknown column "nmae" (companies columns: domain, name)`}},
		{name: "missing required column", in: "name\nAcme\n",
			wantErr: []string{`x.csv line 1: required column "domain" is missing`}},
		{name: "duplicate column", in: "domain,name,Domain\na.com,A,b.com\n",
			wantErr: []string{`x.csv line 1: column "domain" appears twice (columns 1 and 3)`}},
		{name: "address instead of domain", in: "domain\nbob@acme.com\n",
			wantErr: []string{`x.csv line 2: domain "bob@acme.com" is not a domain (give the domain only, e.g. acme.com)`}},
		{name: "duplicate domain", in: "domain\nacme.com\nACME.com\n",
			wantErr: []string{`x.csv line 3: domain "acme.com" is already on line 2`}},
		{name: "empty required", in: "domain,name\n,Acme\n", wantErr: []string{"x.csv line 2: domain is empty"}},
		{name: "field count", in: "domain,name\nacme.com,Acme,Inc\n",
			wantErr: []string{"x.csv line 2: 3 fields, but the header has 2 columns"}},
		{name: "bare quote", in: "domain,name\nacme.com,Acme \"Inc\n",
			wantErr: []string{"x.csv line 2: "}},
		{name: "not utf-8", in: "domain,name\nacme.com,Caf\xe9\n", wantErr: []string{`x.csv line 2: the text is not UTF-8`}},
		{name: "unnamed column with values", in: "domain,name,\nacme.com,Acme,x\n",
			wantErr: []string{"x.csv line 2: column 3 has a value but no name in the header"}},
		{name: "unnamed empty column ignored", in: "domain,name,\nacme.com,Acme,\n",
			want: []crm.Company{{Domain: "acme.com", Name: "Acme"}}},
		{name: "every bad line", in: "domain\nacme.com\nbad1\nok.com\nbad2\n",
			wantErr: []string{`x.csv line 3: domain "bad1"`, `x.csv line 5: domain "bad2"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadCompanies(strings.NewReader(tt.in), "x.csv")
			checkResult(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestReadContacts(t *testing.T) {
	users := map[string]bool{"alice@example.com": true}
	checks := Checks{IsUser: func(a string) bool { return users[a] }}
	tests := []struct {
		name    string
		in      string
		want    []crm.Person
		wantErr []string
	}{
		{name: "all columns", in: "email,name,company,owner\nDana@Prospect.example,Dana Scully,prospect.example,Alice@Example.com\n",
			want: []crm.Person{{Address: "dana@prospect.example", Name: "Dana Scully", Company: "prospect.example", Owner: "alice@example.com", Source: "import"}}},
		{name: "address synonym", in: "Address,Name\nfox@x.example,Fox\n",
			want: []crm.Person{{Address: "fox@x.example", Name: "Fox", Source: "import"}}},
		{name: "email and address both", in: "email,address\na@x.example,a@x.example\n",
			wantErr: []string{`x.csv line 1: columns "email" and "address" are the same column; keep one`}},
		{name: "missing email column", in: "name,company\nDana,x.example\n",
			wantErr: []string{`x.csv line 1: required column "address" (or "email") is missing`}},
		{name: "bad address", in: "email\nok@x.example\nok2@x.example\nok3@x.example\nok4@x.example\nok5@x.example\nbob@\n",
			wantErr: []string{`x.csv line 7: email "bob@" is not an address`}},
		{name: "display name is not a bare address", in: "email\nBob <bob@x.example>\n",
			wantErr: []string{`x.csv line 2: email "Bob <bob@x.example>" is not an address`}},
		{name: "owner not a user", in: "email,owner\na@x.example,mallory@example.com\n",
			wantErr: []string{`x.csv line 2: owner "mallory@example.com" is not a user`}},
		{name: "bad company and owner on one line", in: "email,company,owner\na@x.example,nodot,nope\n",
			wantErr: []string{`x.csv line 2: company "nodot" is not a domain; owner "nope" is not an address`}},
		{name: "duplicate address", in: "address\na@x.example\nA@X.example\n",
			wantErr: []string{`x.csv line 3: address "a@x.example" is already on line 2`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadContacts(strings.NewReader(tt.in), "x.csv", checks)
			checkResult(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestReadDeals(t *testing.T) {
	contacts := map[string]bool{"dana@prospect.example": true, "fox@prospect.example": true}
	checks := Checks{IsContact: func(a string) bool { return contacts[a] }}
	amount := func(f float64) *float64 { return &f }
	day := func(y int, m time.Month, d, h, min, s int, loc *time.Location) time.Time {
		return time.Date(y, m, d, h, min, s, 0, loc)
	}
	plus1 := time.FixedZone("", 3600)
	tests := []struct {
		name    string
		in      string
		want    []crm.Deal
		wantErr []string
	}{
		{name: "all columns",
			in: "id,name,stage,status,amount,company,contacts,created_at,updated_at\n" +
				"D-1,Renewal,proposal,WON,1200.50,Prospect.example,dana@prospect.example; Fox@prospect.example,2026-01-02,2026-01-03 10:30\n" +
				"D-2,New,,,,,,2026-01-02T09:00:00+01:00,2026-01-02 09:00:05\n",
			want: []crm.Deal{
				{ExternalID: "D-1", Name: "Renewal", Stage: "proposal", Status: "won", Amount: amount(1200.5), Company: "prospect.example",
					Contacts:  []string{"dana@prospect.example", "fox@prospect.example"},
					CreatedAt: day(2026, 1, 2, 0, 0, 0, time.UTC), UpdatedAt: day(2026, 1, 3, 10, 30, 0, time.UTC)},
				{ExternalID: "D-2", Name: "New", Status: "open",
					CreatedAt: day(2026, 1, 2, 9, 0, 0, plus1), UpdatedAt: day(2026, 1, 2, 9, 0, 5, time.UTC)},
			}},
		{name: "only name", in: "name\nX\n", want: []crm.Deal{{Name: "X", Status: "open"}}},
		{name: "created defaults to updated", in: "name,updated_at\nX,2026-02-01\n",
			want: []crm.Deal{{Name: "X", Status: "open", CreatedAt: day(2026, 2, 1, 0, 0, 0, time.UTC), UpdatedAt: day(2026, 2, 1, 0, 0, 0, time.UTC)}}},
		{name: "missing name column", in: "id,stage\n1,won\n", wantErr: []string{`x.csv line 1: required column "name" is missing`}},
		{name: "empty name", in: "name,id\n,1\n", wantErr: []string{`x.csv line 2: name is empty`}},
		{name: "bad status", in: "name,status\nX,pending\n", wantErr: []string{`x.csv line 2: status "pending" is not open, won or lost`}},
		{name: "amount with thousands separator", in: "name,amount\nX,\"1,200.50\"\n",
			wantErr: []string{`x.csv line 2: amount "1,200.50" is not a number`}},
		{name: "amount with currency", in: "name,amount\nX,$12\n", wantErr: []string{`x.csv line 2: amount "$12" is not a number`}},
		{name: "negative amount", in: "name,amount\nX,-5\n", wantErr: []string{`x.csv line 2: amount "-5" is negative`}},
		{name: "bad date", in: "name,created_at\nX,2026-02-30\n", wantErr: []string{`x.csv line 2: created_at "2026-02-30" is not a date`}},
		{name: "american date", in: "name,updated_at\nX,03/01/2026\n", wantErr: []string{`x.csv line 2: updated_at "03/01/2026" is not a date`}},
		{name: "updated before created", in: "name,created_at,updated_at\nX,2026-02-02,2026-02-01\n",
			wantErr: []string{`x.csv line 2: updated_at 2026-02-01 is before created_at 2026-02-02`}},
		{name: "unknown contact", in: "name,contacts\nX,dana@prospect.example;nobody@prospect.example\n",
			wantErr: []string{`x.csv line 2: contacts: no contact nobody@prospect.example (import contacts first)`}},
		{name: "bad contact address", in: "name,contacts\nX,dana@\n", wantErr: []string{`x.csv line 2: contacts: "dana@" is not an address`}},
		{name: "duplicate id", in: "id,name\n7,A\n8,B\n7,C\n", wantErr: []string{`x.csv line 4: id "7" is already on line 2`}},
		{name: "unknown column named", in: "name,value\nX,1\n", wantErr: []string{`x.csv line 1: unknown column "value"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadDeals(strings.NewReader(tt.in), "x.csv", checks)
			checkResult(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestTooManyErrorsAreCounted(t *testing.T) {
	in := "domain\n" + strings.Repeat("bad\n", MaxErrors+5)
	_, err := ReadCompanies(strings.NewReader(in), "x.csv")
	if err == nil {
		t.Fatal("no error")
	}
	if n := strings.Count(err.Error(), "is not a domain"); n != MaxErrors {
		t.Errorf("listed %d bad lines, want %d", n, MaxErrors)
	}
	if !strings.Contains(err.Error(), "x.csv: 5 more bad lines not listed") {
		t.Errorf("error does not count the rest:\n%v", err)
	}
}

func TestLineErrorIsFound(t *testing.T) {
	_, err := ReadContacts(strings.NewReader("email\nok@x.example\nbob@\n"), "contacts.csv", Checks{})
	var le *LineError
	if !errors.As(err, &le) {
		t.Fatalf("error %v is not a *LineError", err)
	}
	if le.File != "contacts.csv" || le.Line != 3 {
		t.Errorf("LineError = %s line %d, want contacts.csv line 3", le.File, le.Line)
	}
	if got, want := err.Error(), `contacts.csv line 3: email "bob@" is not an address`; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

func checkResult[T any](t *testing.T, got []T, err error, want []T, wantErr []string) {
	t.Helper()
	if len(wantErr) > 0 {
		if err == nil {
			t.Fatalf("got %+v, want an error with %q", got, wantErr)
		}
		msg, at := err.Error(), 0
		for _, w := range wantErr {
			i := strings.Index(msg[at:], w)
			if i < 0 {
				t.Fatalf("error = %q\nwant it to contain (in order) %q", msg, wantErr)
			}
			at += i + len(w)
		}
		if got != nil {
			t.Errorf("got %+v along with the error, want nothing", got)
		}
		return
	}
	if err != nil {
		t.Fatalf("error: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}
