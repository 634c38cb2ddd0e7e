package imapsource

import "testing"

func TestXOAUTH2InitialResponse(t *testing.T) {
	mech, ir, err := xoauth2Client{user: "log@crm.example.com", token: "ya29.token"}.Start()
	if err != nil || mech != "XOAUTH2" {
		t.Fatalf("Start = %q, %v", mech, err)
	}
	// https://developers.google.com/gmail/imap/xoauth2-protocol
	if want := "user=log@crm.example.com\x01auth=Bearer ya29.token\x01\x01"; string(ir) != want {
		t.Errorf("initial response = %q, want %q", ir, want)
	}
}
