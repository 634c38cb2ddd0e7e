package crm

import (
	"reflect"
	"testing"
)

func TestDecideReadsLogAddressTags(t *testing.T) {
	tests := []struct {
		to   string
		want Tags
	}{
		{"log@crm.example.com", Tags{}},
		{"log+deal-42@crm.example.com", Tags{Deal: "42"}},
		{"log+private@crm.example.com", Tags{Private: true}},
		{"LOG+Private+deal-ACME-7@crm.example.com", Tags{Private: true, Deal: "ACME-7"}},
		{"log+acme@crm.example.com", Tags{Unknown: []string{"acme"}}},
		{"log+deal-@crm.example.com", Tags{Unknown: []string{"deal-"}}},
	}
	for _, tt := range tests {
		d := testRules(t, nil).Decide(msg(t, []string{"From: alice@example.com", "To: dana@prospect.example", "Bcc: " + tt.to, "Subject: hi"}, "hello"))
		if d.Kind != KindBCC {
			t.Fatalf("Decide(Bcc %s) = %s/%s", tt.to, d.Kind, d.Reason)
		}
		if !reflect.DeepEqual(d.Tags, tt.want) {
			t.Errorf("Decide(Bcc %s).Tags = %+v, want %+v", tt.to, d.Tags, tt.want)
		}
	}
	d := testRules(t, nil).Decide(msg(t, []string{"From: alice@example.com", "To: log+private@crm.example.com", "Subject: hi"}, "hello"))
	if !d.Rejected() || !d.Tags.IsZero() {
		t.Errorf("a rejection carries tags %+v", d.Tags)
	}
}
