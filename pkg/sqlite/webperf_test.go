package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/sqlite"
	"github.com/poller-crm/poller/pkg/storegen"
	"github.com/poller-crm/poller/pkg/view"
)

// TestWebReadLatencyAtFullSize times the web app's reads on the store of
// issue 8 (100,000 emails, 20,000 contacts, 2,000 companies, 5,000 deals;
// built once and cached by storegen, which takes minutes). It runs only
// with POLLER_WEB_PERF=1 and reports each read's p50 and p95.
func TestWebReadLatencyAtFullSize(t *testing.T) {
	if os.Getenv("POLLER_WEB_PERF") == "" {
		t.Skip("set POLLER_WEB_PERF=1 to time the reads on a full-size store")
	}
	ctx := context.Background()
	path := os.Getenv("POLLER_WEB_PERF_DB") // a store to time instead (it is not written to)
	if path == "" {
		path = filepath.Join(t.TempDir(), "full.db")
		if _, err := storegen.Copy(ctx, storegen.Full, path); err != nil {
			t.Fatal(err)
		}
	}
	s, err := sqlite.Open(ctx, path, crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alice, err := s.UserID(ctx, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	team := view.Viewer{UserID: alice, Email: "alice@example.com", Addresses: []string{"alice@example.com"}}
	own := team
	own.OwnOnly = true
	admin := team
	admin.Admin = true
	recent, err := s.RecentEmails(ctx, team, view.Page{})
	if err != nil || len(recent) == 0 {
		t.Fatalf("RecentEmails = %d, %v", len(recent), err)
	}
	var deal int64
	if deals, err := s.Deals(ctx, team, view.ListQuery{Filter: ""}); err == nil && len(deals.Deals) > 0 {
		deal = deals.Deals[0].ID
	}
	var sum struct {
		BusiestContact, BusiestCompany string
		BusiestContactEmails, Emails   int
	}
	db := s.DB()
	if err := db.QueryRowContext(ctx, `SELECT address, email_count FROM contacts ORDER BY email_count DESC LIMIT 1`).
		Scan(&sum.BusiestContact, &sum.BusiestContactEmails); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT domain FROM companies ORDER BY email_count DESC LIMIT 1`).Scan(&sum.BusiestCompany); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM emails`).Scan(&sum.Emails); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d emails; busiest contact %s (%d emails), busiest company %s", sum.Emails, sum.BusiestContact, sum.BusiestContactEmails, sum.BusiestCompany)
	words := []string{"proposal", "invoice", "meeting", "pricing", "contract renewal", "munchen", "zzzznothing"}
	reads := []struct {
		name string
		fn   func(i int) error
	}{
		{"home", func(int) error {
			_, err := s.RecentEmails(ctx, team, view.Page{})
			if err == nil {
				_, err = s.Intake(ctx, team, view.IntakeQuery{Outcome: "rejected", Page: view.Page{Limit: 20}})
			}
			return err
		}},
		{"contact busiest team", func(int) error {
			_, err := s.Contact(ctx, team, sum.BusiestContact, view.Page{})
			return err
		}},
		{"contact busiest own", func(int) error {
			_, err := s.Contact(ctx, own, sum.BusiestContact, view.Page{})
			return err
		}},
		{"email", func(i int) error {
			_, err := s.Email(ctx, team, recent[i%len(recent)].ID)
			return err
		}},
		{"search team", func(i int) error {
			_, err := s.Search(ctx, team, words[i%len(words)], view.Page{})
			return err
		}},
		{"search own", func(i int) error {
			_, err := s.Search(ctx, own, words[i%len(words)], view.Page{})
			return err
		}},
		{"contacts list", func(int) error {
			_, err := s.Contacts(ctx, team, view.ContactQuery{})
			return err
		}},
		{"contacts list own", func(int) error {
			_, err := s.Contacts(ctx, own, view.ContactQuery{})
			return err
		}},
		{"contacts filtered", func(int) error {
			_, err := s.Contacts(ctx, team, view.ContactQuery{Filter: "son", Sort: "name"})
			return err
		}},
		{"company busiest", func(int) error {
			_, err := s.Company(ctx, team, sum.BusiestCompany, view.Page{})
			return err
		}},
		{"companies list", func(int) error {
			_, err := s.Companies(ctx, team, view.ListQuery{})
			return err
		}},
		{"deals list", func(int) error {
			_, err := s.Deals(ctx, team, view.ListQuery{Status: "open"})
			return err
		}},
		{"deal", func(int) error {
			_, err := s.Deal(ctx, team, deal, view.Page{})
			return err
		}},
		{"intake admin", func(int) error {
			_, err := s.Intake(ctx, admin, view.IntakeQuery{})
			return err
		}},
	}
	for _, r := range reads {
		var times []time.Duration
		for i := range 60 {
			start := time.Now()
			if err := r.fn(i); err != nil {
				t.Fatalf("%s: %v", r.name, err)
			}
			times = append(times, time.Since(start))
		}
		slices.Sort(times)
		t.Logf("%-22s min %7.2f ms  p50 %7.2f ms  p95 %7.2f ms", r.name, ms(times[0]), ms(times[len(times)/2]), ms(times[len(times)*95/100]))
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
