package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/web"
	"github.com/poller-crm/poller/pkg/web/webtest"
)

func TestContactTimelineGroupsThreads(t *testing.T) {
	h := newHarness(t, nil)
	first := webtest.Bcc("alice@example.com", "Greta Holm <greta.holm@acme-robotics.example>",
		"Threaded proposal", "First message of the thread.", "Message-ID: <thread-1@example.com>")
	second := webtest.Bcc("alice@example.com", "Greta Holm <greta.holm@acme-robotics.example>",
		"Re: Threaded proposal", "Second message, a reply.", "Message-ID: <thread-2@example.com>",
		"In-Reply-To: <thread-1@example.com>", "References: <thread-1@example.com>",
		"Date: Wed, 4 Mar 2026 10:00:00 +0100")
	ids := h.record(first, second)
	code, body := h.page("/contacts/greta.holm@acme-robotics.example", h.alice())
	if code != http.StatusOK {
		t.Fatalf("contact page = %d", code)
	}
	// The reply is the thread's open entry; the first message is behind
	// <details>.
	re := regexp.MustCompile(`(?s)<article class="thread">(.*?)</article>`)
	var thread string
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		if strings.Contains(m[1], fmt.Sprintf(`/emails/%d"`, ids[1])) {
			thread = m[1]
		}
	}
	if thread == "" {
		t.Fatalf("no thread holds the reply /emails/%d:\n%s", ids[1], body)
	}
	open, older, ok := strings.Cut(thread, "<details")
	if !ok || !strings.Contains(open, fmt.Sprintf(`/emails/%d"`, ids[1])) || !strings.Contains(older, fmt.Sprintf(`/emails/%d"`, ids[0])) {
		t.Errorf("thread: want the reply open and the first message in <details>:\n%s", thread)
	}
	// Newest first across the timeline: the thread (4 Mar) after the
	// meeting notes (6 Mar).
	if i, j := strings.Index(body, "Acme Robotics - meeting notes"), strings.Index(body, "Re: Threaded proposal"); i < 0 || j < 0 || i > j {
		t.Errorf("timeline not newest first (meeting notes at %d, the thread at %d)", i, j)
	}
}

func TestDatesInConfiguredZone(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no tz database")
	}
	h := newHarness(t, func(c *web.Config) { c.Location = tokyo })
	id := h.record(webtest.Bcc("alice@example.com", "rkim@tidewater-health.example", "Zoned", "When is it?"))[0]
	// Tue, 3 Mar 2026 10:00:00 +0100 is 18:00 in Tokyo.
	_, body := h.page(fmt.Sprintf("/emails/%d", id), h.alice())
	if !strings.Contains(body, "Tue 3 Mar 2026 18:00:00 JST") {
		t.Errorf("the email page does not show the date in Asia/Tokyo (18:00 JST)")
	}
	_, body = h.page("/contacts/rkim@tidewater-health.example", h.alice())
	if !strings.Contains(body, "3 Mar 18:00") {
		t.Errorf("the timeline does not show the date in Asia/Tokyo")
	}
}

func TestContactsPagination(t *testing.T) {
	h := newHarness(t, nil)
	var total int
	h.store.DB().QueryRow(`SELECT COUNT(*) FROM contacts`).Scan(&total)
	// Enough contacts for three pages.
	var raws [][]byte
	for i := total; i < 120; i++ {
		raws = append(raws, webtest.Bcc("bob@example.com", fmt.Sprintf("Person %03d <p%03d@paging.example>", i, i), fmt.Sprintf("Hello %d", i), "Hi."))
	}
	h.record(raws...)
	c := h.bob()
	_, body := h.page("/contacts?q=paging&sort=address", c)
	for _, want := range []string{`href="/contacts?page=2&amp;q=paging&amp;sort=address"`, `aria-current="page">1<`, `rel="next"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/contacts?q=paging: no %s", want)
		}
	}
	_, body = h.page("/contacts?q=paging&sort=address&page=2", c)
	if !strings.Contains(body, `aria-current="page">2<`) || !strings.Contains(body, `rel="prev"`) {
		t.Errorf("page 2 is not marked current or has no previous link")
	}
	// Page 2 holds other contacts than page 1.
	_, p1 := h.page("/contacts?q=paging&sort=address", c)
	first := regexp.MustCompile(`p\d{3}@paging\.example`).FindString(body)
	if first == "" || strings.Contains(p1, first) {
		t.Errorf("page 2 starts with %q, which page 1 shows too", first)
	}
}
