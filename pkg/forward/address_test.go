package forward

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseMailboxList(t *testing.T) {
	tests := []struct {
		in   string
		want []Mailbox
	}{
		{"Jane Smith <jane@x.example>", []Mailbox{mb("Jane Smith", "jane@x.example")}},
		{`"Smith, Jane" <jane@x.example>, kim@y.example`, []Mailbox{mb("Smith, Jane", "jane@x.example"), mb("", "kim@y.example")}},
		{"Smith, Jane <jane@x.example>; Lee, Kim <kim@y.example>", []Mailbox{mb("Smith, Jane", "jane@x.example"), mb("Lee, Kim", "kim@y.example")}},
		{"Smith, Jane <jane@x.example>, Lee, Kim<kim@y.example>", []Mailbox{mb("Smith, Jane", "jane@x.example"), mb("Lee, Kim", "kim@y.example")}},
		{"'O''Neil, Pat' <pat@x.example>", []Mailbox{mb("O''Neil, Pat", "pat@x.example")}},
		{"Jane Smith [mailto:jane@x.example], Kim [mailto:kim@y.example]", []Mailbox{mb("Jane Smith", "jane@x.example"), mb("Kim", "kim@y.example")}},
		{"jane@x.example <mailto:jane@x.example>", []Mailbox{mb("", "jane@x.example")}},
		{"Jane <jane@x.example<mailto:jane@x.example>>; kim@y.example<mailto:kim@y.example>", []Mailbox{mb("Jane", "jane@x.example"), mb("", "kim@y.example")}},
		{`"jane@x.example" <jane@x.example>`, []Mailbox{mb("", "jane@x.example")}},
		{"Jane Smith (jane@x.example)", []Mailbox{mb("Jane Smith", "jane@x.example")}},
		{"jane@x.example (Jane Smith)", []Mailbox{mb("Jane Smith", "jane@x.example")}},
		{"« Jane Smith » <jane@x.example>", []Mailbox{mb("Jane Smith", "jane@x.example")}},
		{"Jane Smith; Kim Lee", []Mailbox{mb("Jane Smith", ""), mb("Kim Lee", "")}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := parseMailboxList(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseMailboxList(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// An "on behalf of" phrase after bytes that strings.ToLower widens (invalid
// UTF-8) is found at its real position: the fuzzer once sliced past the end.
func TestParseMailboxBehalfAfterInvalidUTF8(t *testing.T) {
	in := strings.Repeat("\xff", 30) + " <x@a.example> ON BEHALF OF y@b.example"
	got, ok := parseMailbox(in)
	if !ok || got.Address != "x@a.example" {
		t.Fatalf("parseMailbox(%q) = %+v, %v; want the author x@a.example", in, got, ok)
	}
}
