package forward

import "testing"

func TestStripSubjectPrefix(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"Fwd: Hello", "Hello", true},
		{"FWD: Hello", "Hello", true},
		{"Fw: Hello", "Hello", true},
		{"Fwd:Hello", "Hello", true},
		{"WG: Angebot", "Angebot", true},
		{"TR: Devis", "Devis", true},
		{"TR : Devis", "Devis", true},
		{"RV: Pedido", "Pedido", true},
		{"Rv: Pedido", "Pedido", true},
		{"I: Preventivo", "Preventivo", true},
		{"Enc: Proposta", "Proposta", true},
		{"ENC: Proposta", "Proposta", true},
		{"Doorst: Offerte", "Offerte", true},
		{"VS: Tilbud", "Tilbud", true},
		{"VB: Offert", "Offert", true},
		{"VL: Tarjous", "Tarjous", true},
		{"PD: Oferta", "Oferta", true},
		{"İLT: Teklif", "Teklif", true},
		{"Redir.: Ofertă", "Ofertă", true},
		{"Videresend: Tilbud", "Tilbud", true},
		{"转发: 合同", "合同", true},
		{"转发：合同", "合同", true},
		{"転送: 見積もり", "見積もり", true},
		{"Fwd[2]: Hello", "Hello", true},
		{"Fwd (3): Hello", "Hello", true},
		{"Fwd: Fw: FWD: Hello", "Hello", true},
		{"Fwd: RE: Hello", "RE: Hello", true},
		{"[Fwd: Hello]", "Hello", true},
		{"  Fwd:   Hello  ", "Hello", true},
		// A reply to a forward is a reply: nothing is stripped.
		{"RE: Fwd: Hello", "RE: Fwd: Hello", false},
		{"Re: Hello", "Re: Hello", false},
		{"AW: WG: Termin", "AW: WG: Termin", false},
		{"Hello", "Hello", false},
		{"Meeting: Tuesday", "Meeting: Tuesday", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := StripSubjectPrefix(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("StripSubjectPrefix(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
