package crm

import (
	"slices"
	"testing"
)

func TestRecentOpenDeals(t *testing.T) {
	deals := []OpenDeal{
		{ID: 1, Updated: "2026-01-01"}, {ID: 2, Updated: "2026-03-01"}, {ID: 3, Updated: "2026-02-01"},
		{ID: 4, Updated: "2026-03-01"}, {ID: 5, Updated: "2025-12-01"}, {ID: 6, Updated: "2026-01-15"},
	}
	if got, want := RecentOpenDeals(deals), []int64{4, 2, 3, 6, 1}; !slices.Equal(got, want) {
		t.Errorf("RecentOpenDeals = %v, want %v (most recently updated first, the higher id among equals, %d at most)", got, want, MaxOpenDeals)
	}
	if got := RecentOpenDeals(nil); len(got) != 0 {
		t.Errorf("RecentOpenDeals(nil) = %v, want none", got)
	}
}

func TestThreadTakesTheClosestLoggedReference(t *testing.T) {
	logged := map[string]int64{"<a@x>": 10, "<c@x>": 30}
	lookup := func(id string) (int64, bool, error) { th, ok := logged[id]; return th, ok, nil }
	if th, ok, _ := Thread([]string{"<a@x>", "<b@x>", "<c@x>", "<d@x>"}, lookup); !ok || th != 30 {
		t.Errorf("Thread = %d, %v; want 30, the closest logged reference", th, ok)
	}
	if _, ok, _ := Thread([]string{"<z@x>"}, lookup); ok {
		t.Error("Thread found a thread for references none of which is logged")
	}
}

func TestCompanyPolicy(t *testing.T) {
	p := NewCompanyPolicy([]string{" Agency.Example "})
	for addr, want := range map[string]string{
		"dana@eu.mail.acme.co.uk": "acme.co.uk",
		"bob@gmail.com":           "",
		"eve@agency.example":      "",
		"x@sub.agency.example":    "",
		"no-at-sign":              "",
	} {
		got, ok := p.Domain(addr)
		if got != want || ok != (want != "") {
			t.Errorf("Domain(%q) = %q, %v; want %q", addr, got, ok, want)
		}
	}
	if got := CompanyName("acme-robotics.example"); got != "Acme Robotics" {
		t.Errorf("CompanyName = %q", got)
	}
}
