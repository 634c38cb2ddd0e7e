package storetest

import (
	"context"
	"testing"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crm/crmtest"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
)

// testStatusLeavesOutRejectionsLoggedSince: once a copy of a rejected
// message is logged (the same bytes, or the same Message-ID), status no
// longer lists the rejection; other rejections stay.
func testStatusLeavesOutRejectionsLoggedSince(t *testing.T, open Opener) {
	ctx := context.Background()
	s := openStore(t, open, crmstore.Options{})
	carol := func(extra ...string) string {
		return BCC("carol@example.com", "dana@prospect.example", "quote", "the quote", extra...)
	}
	same := carol("Message-ID: <same@example.com>")
	byID := carol("Message-ID: <byid@example.com>")
	other := carol("Message-ID: <other@example.com>")
	for _, r := range Record(t, s, same, byID, other) {
		if r.Outcome != ingest.OutcomeRejected {
			t.Fatalf("carol is not a user yet: outcome %s", r.Outcome)
		}
	}
	if st, err := s.Status(ctx, 5, 20); err != nil || len(st.Rejections) != 3 {
		t.Fatalf("before: %d rejections listed (%v), want 3", len(st.Rejections), err)
	}

	// carol becomes a user; the same bytes come back from another folder,
	// and another copy of the second message (a header more) is sent again.
	rules := crmtest.Rules(t, func(c *crm.Config) { c.Users = append(c.Users, crm.User{Email: "carol@example.com"}) })
	if err := s.SyncUsers(ctx, []crm.User{{Email: "alice@example.com"}, {Email: "bob@example.com"}, {Email: "carol@example.com"}}); err != nil {
		t.Fatal(err)
	}
	items := []ingest.Item{
		ingest.Process(rules, ingest.Origin{Path: "copy/same.eml"}, []byte(same)),
		ingest.Process(rules, ingest.Origin{Path: "copy/byid.eml"}, []byte("X-Resent: yes\r\n"+byID)),
	}
	res, err := s.Record(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Outcome != ingest.OutcomeLogged {
			t.Fatalf("copy %d: outcome %s, want logged", i, r.Outcome)
		}
	}
	st, err := s.Status(ctx, 5, 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Rejections) != 1 || st.Rejections[0].MessageID != "other@example.com" {
		var ids []string
		for _, r := range st.Rejections {
			ids = append(ids, r.MessageID)
		}
		t.Errorf("status lists the rejections %v, want only other@example.com (the others were logged since)", ids)
	}
}
