package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/web"
	"github.com/poller-crm/poller/pkg/web/webtest"
)

// toLogOnly is a message from one of the users to the log address alone,
// with nothing forwarded in it: rejected forward_unparseable.
func toLogOnly(from, subject string) []byte {
	return []byte("From: " + from + "\r\nTo: " + webtest.LogAddress + "\r\nSubject: " + subject +
		"\r\nDate: Wed, 4 Mar 2026 11:00:00 +0100\r\nMessage-ID: <" + strings.ReplaceAll(subject, " ", "-") + "@example.com>\r\n\r\n" +
		"Rachel wants a demo next week.\r\n")
}

// actionHarness is the app with the rules, over the fixtures plus one
// rejected message of Bob's and one of Alice's; it returns their intake
// ids.
func actionHarness(t *testing.T) (h *harness, bobs, alices int64) {
	t.Helper()
	h = newHarness(t, func(c *web.Config) { c.Rules = webtest.Rules(t) })
	webtest.Record(t, h.store, toLogOnly("Bob Marsh <bob@example.com>", "Bob call notes"), toLogOnly("Alice Rossi <alice@example.com>", "Alice call notes"))
	return h, h.intakeOf("Bob call notes"), h.intakeOf("Alice call notes")
}

func (h *harness) intakeOf(subject string) int64 {
	h.t.Helper()
	var id int64
	if err := h.store.DB().QueryRow(`SELECT id FROM intake WHERE subject = ?`, subject).Scan(&id); err != nil {
		h.t.Fatalf("intake of %q: %v", subject, err)
	}
	return id
}

// rowState is an intake row's outcome, reason, email and dismissal, how
// many emails the store holds and how many changes the row has (last):
// what an action changes.
func (h *harness) rowState(id int64) string {
	h.t.Helper()
	var s string
	err := h.store.DB().QueryRow(`SELECT outcome || '|' || reason || '|' || COALESCE(email_id, 0) || '|' || dismissed_by || '|' ||
		(SELECT count(*) FROM emails) || '|' || (SELECT count(*) FROM intake_changes WHERE intake_id = intake.id)
		FROM intake WHERE id = ?`, id).Scan(&s)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// post submits an action's form and returns the status, Location and body.
func (h *harness) post(target string, form url.Values, cookie *http.Cookie, edit func(*http.Request)) (int, string, string) {
	h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	resp := h.do(http.MethodPost, target, form, cookie, edit)
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// undoChange is the change the item's page offers to undo.
func (h *harness) undoChange(id int64, viewerEmail string, admin bool) string {
	h.t.Helper()
	st, err := h.store.IntakeState(context.Background(), h.viewer(viewerEmail, admin), id)
	if err != nil || st.Undo == nil {
		h.t.Fatalf("IntakeState(%d) = %+v, %v; want a change to undo", id, st, err)
	}
	return fmt.Sprint(st.Undo.ID)
}

func TestIntakeActionsAsTheOwner(t *testing.T) {
	h, id, _ := actionHarness(t)
	bob := h.bob()
	item := fmt.Sprintf("/intake/%d", id)

	status, body := h.page(item, bob)
	for _, want := range []string{`action="` + item + `/log"`, `action="` + item + `/rerun"`, `action="` + item + `/dismiss"`,
		`list="recent-contacts"`, `<option value="rkim@tidewater-health.example">`} {
		if status != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s = %d, want 200 with %s", item, status, want)
		}
	}
	if _, body := h.page("/", bob); !strings.Contains(body, `action="`+item+`/dismiss"`) || !strings.Contains(body, item+`#log`) {
		t.Errorf("home page lacks the actions of Bob's rejected message")
	}

	// Log it on a new contact: 303 to the item, which says so.
	before := h.rowState(id)
	status, loc, _ := h.post(item+"/log", url.Values{"address": {"pat@prospect.example"}, "name": {"Pat Lee"}}, bob, nil)
	if status != http.StatusSeeOther || loc != item {
		t.Fatalf("POST log = %d to %q, want 303 to %s", status, loc, item)
	}
	logged := h.rowState(id)
	if !strings.HasPrefix(logged, "logged||") {
		t.Errorf("after logging, row = %s, want logged", logged)
	}
	if _, body := h.page(item, bob); !strings.Contains(body, "Logged on <a href=\"/contacts/pat@prospect.example\">pat@prospect.example</a>") ||
		!strings.Contains(body, "by Bob Marsh") || !strings.Contains(body, "Undo the log on pat@prospect.example") {
		t.Errorf("item page after logging lacks the confirmation and the undo:\n%s", body)
	}
	// The same form again changes nothing.
	if status, loc, _ := h.post(item+"/log", url.Values{"address": {"pat@prospect.example"}}, bob, nil); status != http.StatusSeeOther || loc != item {
		t.Errorf("second POST log = %d to %q, want 303 to %s", status, loc, item)
	}
	if got := h.rowState(id); got != logged {
		t.Errorf("after a double submit, row = %s, want %s", got, logged)
	}

	// Undo the log: back as it was.
	change := h.undoChange(id, webtest.Bob, false)
	if status, loc, _ := h.post(item+"/undo", url.Values{"change": {change}}, bob, nil); status != http.StatusSeeOther || loc != item {
		t.Fatalf("POST undo = %d to %q, want 303", status, loc)
	}
	if got, want := h.rowState(id), strings.TrimSuffix(before, "|0")+"|1"; got != want {
		t.Errorf("after undo, row = %s, want %s (as before, with the change recorded)", got, want)
	}
	if status, _, _ := h.post(item+"/undo", url.Values{"change": {change}}, bob, nil); status != http.StatusSeeOther {
		t.Errorf("second POST undo = %d, want 303 (nothing more to do)", status)
	}

	// Dismiss: off the home page's list, noted on the item; undo brings it back.
	if status, loc, _ := h.post(item+"/dismiss", nil, bob, nil); status != http.StatusSeeOther || loc != item {
		t.Fatalf("POST dismiss = %d to %q, want 303", status, loc)
	}
	if _, body := h.page("/", bob); strings.Contains(body, "Bob call notes") {
		t.Errorf("home page still lists the dismissed message")
	}
	if _, body := h.page(item, bob); !strings.Contains(body, "Dismissed by Bob Marsh") || strings.Contains(body, `action="`+item+`/log"`) {
		t.Errorf("item page of a dismissed message lacks the note, or still offers to log it")
	}
	if status, _, _ := h.post(item+"/undo", url.Values{"change": {h.undoChange(id, webtest.Bob, false)}}, bob, nil); status != http.StatusSeeOther {
		t.Fatalf("POST undo of the dismissal = %d, want 303", status)
	}
	if _, body := h.page("/", bob); !strings.Contains(body, "Bob call notes") {
		t.Errorf("home page does not list the message after the dismissal is undone")
	}

	// Re-run: the same rules change nothing, and the page says why.
	if status, _, _ := h.post(item+"/rerun", nil, bob, nil); status != http.StatusSeeOther {
		t.Fatalf("POST rerun = %d, want 303", status)
	}
	if _, body := h.page(item, bob); !strings.Contains(body, "No change: still not logged (forward_unparseable)") {
		t.Errorf("item page after a re-run does not say nothing changed")
	}

	// A refused contact: the item again, saying why.
	status, _, body = h.post(item+"/log", url.Values{"address": {"leo@example.com"}}, bob, nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "the team&#39;s own address") || !strings.Contains(body, `value="leo@example.com"`) {
		t.Errorf("POST log on an internal address = %d, want 422 saying why, the form kept:\n%s", status, body)
	}
}

func TestIntakeActionsOnAnotherUsersItem(t *testing.T) {
	h, bobs, alices := actionHarness(t)
	bob := h.bob()
	item := fmt.Sprintf("/intake/%d", alices)
	before := h.rowState(alices)
	for _, tc := range []struct {
		action string
		form   url.Values
	}{
		{"log", url.Values{"address": {"pat@prospect.example"}}},
		{"rerun", nil},
		{"dismiss", nil},
		{"undo", url.Values{"change": {"1"}}},
	} {
		if status, _, _ := h.post(item+"/"+tc.action, tc.form, bob, nil); status != http.StatusNotFound {
			t.Errorf("Bob POST %s on Alice's item = %d, want 404", tc.action, status)
		}
	}
	if got := h.rowState(alices); got != before {
		t.Errorf("Alice's row after Bob's attempts = %s, want %s", got, before)
	}
	// An admin acts on anyone's.
	if status, _, _ := h.post(fmt.Sprintf("/intake/%d/dismiss", bobs), nil, h.alice(), nil); status != http.StatusSeeOther {
		t.Errorf("admin POST dismiss on Bob's item = %d, want 303", status)
	}
	if got := h.rowState(bobs); !strings.Contains(got, "|alice@example.com|") {
		t.Errorf("Bob's row after the admin's dismissal = %s, want dismissed by alice", got)
	}
}

func TestIntakeActionsRefuseCrossSiteAndGET(t *testing.T) {
	h, id, _ := actionHarness(t)
	bob := h.bob()
	item := fmt.Sprintf("/intake/%d", id)
	before := h.rowState(id)
	forms := map[string]url.Values{
		"log": {"address": {"pat@prospect.example"}}, "rerun": nil, "dismiss": nil, "undo": {"change": {"1"}},
	}
	for action, form := range forms {
		for name, edit := range map[string]func(*http.Request){
			"Sec-Fetch-Site: cross-site": func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") },
			"Origin of another host":     func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") },
		} {
			if status, _, _ := h.post(item+"/"+action, form, bob, edit); status != http.StatusForbidden {
				t.Errorf("POST %s with %s = %d, want 403", action, name, status)
			}
		}
		target := item + "/" + action
		if form != nil {
			target += "?" + form.Encode()
		}
		if resp := h.get(target, bob); resp.StatusCode == http.StatusSeeOther || resp.StatusCode == http.StatusOK {
			t.Errorf("GET %s = %d, want an error status", target, resp.StatusCode)
		}
	}
	if got := h.rowState(id); got != before {
		t.Errorf("row after cross-site POSTs and GETs = %s, want %s (unchanged)", got, before)
	}
}

func TestIntakeActionsWithoutRules(t *testing.T) {
	h := newHarness(t, nil)
	webtest.Record(t, h.store, toLogOnly("Bob Marsh <bob@example.com>", "Bob call notes"))
	id := h.intakeOf("Bob call notes")
	bob := h.bob()
	item := fmt.Sprintf("/intake/%d", id)
	if _, body := h.page(item, bob); strings.Contains(body, `action="`+item+`/log"`) || !strings.Contains(body, `action="`+item+`/dismiss"`) {
		t.Errorf("item page without rules: want dismiss only")
	}
	if status, _, _ := h.post(item+"/log", url.Values{"address": {"pat@prospect.example"}}, bob, nil); status != http.StatusServiceUnavailable {
		t.Errorf("POST log without rules = %d, want 503", status)
	}
}
