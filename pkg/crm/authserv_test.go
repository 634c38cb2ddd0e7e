package crm

import "testing"

func TestAuthservID(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"mx.example.com; spf=pass smtp.mailfrom=a.example", "mx.example.com"},
		{" MX.Example.COM 1; dkim=pass", "mx.example.com"},
		{"(comment) mx.google.com;\r\n dmarc=pass", "mx.google.com"},
		{"mx.example.com", "mx.example.com"},
		{"; spf=pass", ""},
		{"", ""},
	} {
		if got := AuthservID(tt.in); got != tt.want {
			t.Errorf("AuthservID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
