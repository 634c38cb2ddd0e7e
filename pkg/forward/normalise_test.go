package forward

import "testing"

func TestNormaliseSubject(t *testing.T) {
	for in, want := range map[string]string{
		"Offer":                     "offer",
		"RE: Fwd: AW:  Offer  Q3":   "offer q3",
		"Re[2]: Fw: WG: TR : Offer": "offer",
		"[Fwd: Offer]":              "offer",
		"ОТВ: Пересл: Предложение":    "предложение",
		"回复：转发：报价":                    "报价",
		"Meeting: agenda":             "meeting: agenda",
		"  Sv: Vs: Odp: Re: Réunion ": "réunion",
	} {
		if got := NormaliseSubject(in); got != want {
			t.Errorf("NormaliseSubject(%q) = %q, want %q", in, got, want)
		}
	}
}
