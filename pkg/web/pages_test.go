package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/mailhtml"
	"github.com/poller-crm/poller/pkg/view"
	"github.com/poller-crm/poller/pkg/web"
	"github.com/poller-crm/poller/pkg/web/webtest"
)

const appCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t, nil)
	if web.AppCSP != appCSP {
		t.Errorf("AppCSP = %q, want %q", web.AppCSP, appCSP)
	}
	c := h.alice()
	for _, p := range []string{"/", "/login", "/contacts", "/emails/abc", "/search?q=x", "/intake"} {
		cookie := c
		if p == "/login" {
			cookie = nil
		}
		resp := h.get(p, cookie)
		for k, want := range map[string]string{
			"Content-Security-Policy": appCSP,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
			"X-Frame-Options":         "DENY",
		} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("GET %s: %s = %q, want %q", p, k, got, want)
			}
		}
	}
	// Pages have no inline script or style: the CSP would block them.
	_, body := h.page("/", c)
	for _, bad := range []string{"<script>", "style=", "<style", "onclick", "javascript:"} {
		if strings.Contains(body, bad) {
			t.Errorf("the home page contains %q, which the CSP blocks", bad)
		}
	}
	// Static assets: long cache.
	for _, asset := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(body, -1) {
		resp := h.get(strings.ReplaceAll(asset[1], "&amp;", "&"), nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=31536000") {
			t.Errorf("GET %s = %d, Cache-Control %q", asset[1], resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
}

// hostileHTML is an HTML body with script, a remote image and an inline
// image.
const hostileHTML = `<html><body><p>Hello <b>there</b></p><script>parent.pwned=1</script>` +
	`<img src="https://tracker.example/pixel.gif"><img src="cid:logo@example.com" alt="logo">` +
	`<a href="javascript:alert(1)">click</a></body></html>`

// htmlMail is a bcc from alice with an HTML body and an inline PNG.
func htmlMail(subject string) []byte {
	png := "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
	body := "--B\r\nContent-Type: multipart/alternative; boundary=A\r\n\r\n" +
		"--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello there, plain.\r\n" +
		"--A\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + hostileHTML + "\r\n--A--\r\n" +
		"--B\r\nContent-Type: image/png\r\nContent-ID: <logo@example.com>\r\nContent-Disposition: inline; filename=logo.png\r\nContent-Transfer-Encoding: base64\r\n\r\n" + png + "\r\n" +
		"--B--"
	return webtest.Bcc("Alice Rossi <alice@example.com>", "Rachel Kim <rkim@tidewater-health.example>", subject, body,
		"MIME-Version: 1.0", "Content-Type: multipart/related; boundary=B")
}

func TestEmailHTMLBody(t *testing.T) {
	h := newHarness(t, nil)
	id := h.record(htmlMail("HTML with pictures"))[0]
	c := h.alice()

	code, page := h.page(fmt.Sprintf("/emails/%d", id), c)
	if code != http.StatusOK {
		t.Fatalf("GET /emails/%d = %d", id, code)
	}
	iframe := regexp.MustCompile(`<iframe[^>]*>`).FindString(page)
	wantFrame := fmt.Sprintf(`sandbox="allow-popups allow-popups-to-escape-sandbox" src="/emails/%d/html"`, id)
	if !strings.Contains(iframe, wantFrame) || strings.Contains(iframe, "allow-scripts") || strings.Contains(iframe, "allow-same-origin") {
		t.Errorf("iframe %s, want %s and nothing more permissive", iframe, wantFrame)
	}
	if want := fmt.Sprintf(`1 remote image blocked: <a href="/emails/%d?remote=1">show them</a>`, id); !strings.Contains(page, want) {
		t.Errorf("the email page does not offer %q", want)
	}
	if !strings.Contains(page, "Hello there, plain.") {
		t.Errorf("the email page does not show the text body")
	}

	resp := h.get(fmt.Sprintf("/emails/%d/html", id), c)
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	for k, want := range map[string]string{
		"Content-Security-Policy": mailhtml.FrameCSP,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
		"X-Frame-Options":         "SAMEORIGIN",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("GET /emails/%d/html: %s = %q, want %q", id, k, got, want)
		}
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'self'") {
		t.Errorf("the HTML body may not be framed by the app")
	}
	if strings.Contains(body, "<script") || strings.Contains(body, "tracker.example") || strings.Contains(body, "javascript:") {
		t.Errorf("the sanitised body keeps script or remote content:\n%s", body)
	}
	if !strings.Contains(body, "data:image/png;base64,iVBORw0KGgo") {
		t.Errorf("the cid: image is not inlined as a data: URI:\n%s", body)
	}
	if !strings.Contains(body, "<b>there</b>") {
		t.Errorf("the sanitised body lost its markup:\n%s", body)
	}

	// Remote content on request.
	_, page = h.page(fmt.Sprintf("/emails/%d?remote=1", id), c)
	if !strings.Contains(page, fmt.Sprintf(`src="/emails/%d/html?remote=1"`, id)) {
		t.Errorf("?remote=1: the iframe does not ask for remote content")
	}
	resp = h.get(fmt.Sprintf("/emails/%d/html?remote=1", id), c)
	b, _ = io.ReadAll(resp.Body)
	if got := resp.Header.Get("Content-Security-Policy"); got != mailhtml.FrameCSPRemote {
		t.Errorf("html?remote=1: CSP %q, want FrameCSPRemote", got)
	}
	if !strings.Contains(string(b), "tracker.example") {
		t.Errorf("html?remote=1: the remote image is still blocked")
	}
}

func TestDownloads(t *testing.T) {
	h := newHarness(t, nil)
	c := h.bob()
	ctx := context.Background()
	id := h.emailOf(quoteSubject)
	e, err := h.store.Email(ctx, h.viewer(webtest.Bob, false), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.AttachmentList) != 1 {
		t.Fatalf("%s has %d attachments, want 1", quoteSubject, len(e.AttachmentList))
	}
	at := e.AttachmentList[0]

	_, page := h.page(fmt.Sprintf("/emails/%d", id), c)
	link := fmt.Sprintf(`/emails/%d/attachments/%d`, id, at.ID)
	for _, want := range []string{link, "Q-2026-0388 Tidewater Health.pdf", "application/pdf"} {
		if !strings.Contains(page, want) {
			t.Errorf("the email page does not show %q", want)
		}
	}

	resp := h.get(link, c)
	got, _ := io.ReadAll(resp.Body)
	var want bytes.Buffer
	if _, err := h.store.Attachment(ctx, h.viewer(webtest.Bob, false), id, at.ID, &want); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, want.Bytes()) || !bytes.HasPrefix(got, []byte("%PDF")) {
		t.Errorf("GET %s = %d, %d bytes; want the PDF's %d bytes", link, resp.StatusCode, len(got), want.Len())
	}
	checkDownload(t, resp, "application/pdf", `attachment; filename="Q-2026-0388 Tidewater Health.pdf"`)

	// The raw message, byte for byte.
	raw := webtest.Fixture(t, "bcc-with-pdf-attachment.eml")
	resp = h.get(fmt.Sprintf("/emails/%d/raw", id), c)
	got, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, raw) {
		t.Errorf("GET /emails/%d/raw = %d, %d bytes; want the fixture's %d bytes exactly", id, resp.StatusCode, len(got), len(raw))
	}
	checkDownload(t, resp, "message/rfc822", fmt.Sprintf(`attachment; filename="email-%d.eml"`, id))

	// An intake row's raw message.
	var intakeID int64
	if err := h.store.DB().QueryRow(`SELECT id FROM intake WHERE email_id = ?`, id).Scan(&intakeID); err != nil {
		t.Fatal(err)
	}
	resp = h.get(fmt.Sprintf("/intake/%d/raw", intakeID), c)
	got, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, raw) {
		t.Errorf("GET /intake/%d/raw = %d, %d bytes; want the fixture exactly", intakeID, resp.StatusCode, len(got))
	}
	checkDownload(t, resp, "message/rfc822", fmt.Sprintf(`attachment; filename="intake-%d.eml"`, intakeID))
}

func TestActiveAttachmentServedAsOctetStream(t *testing.T) {
	h := newHarness(t, nil)
	body := "--B\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n" +
		"--B\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=\"../../evil.html\"\r\n\r\n<script>alert(1)</script>\r\n" +
		"--B\r\nContent-Type: image/svg+xml\r\nContent-Disposition: attachment; filename=\"Übersicht.svg\"\r\n\r\n<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>\r\n" +
		"--B--"
	id := h.record(webtest.Bcc("alice@example.com", "rkim@tidewater-health.example", "Active attachments", body,
		"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=B"))[0]
	e, err := h.store.Email(context.Background(), h.viewer(webtest.Alice, true), id)
	if err != nil {
		t.Fatal(err)
	}
	c := h.alice()
	if len(e.AttachmentList) != 2 {
		t.Fatalf("%d attachments, want 2: %+v (%s)", len(e.AttachmentList), e.AttachmentList, e.AttachmentNote)
	}
	for _, at := range e.AttachmentList {
		resp := h.get(fmt.Sprintf("/emails/%d/attachments/%d", id, at.ID), c)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("attachment %q: %d", at.Name, resp.StatusCode)
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
			t.Errorf("attachment %q (%s) served as %q, want application/octet-stream", at.Name, at.ContentType, ct)
		}
		cd := resp.Header.Get("Content-Disposition")
		if !strings.HasPrefix(cd, "attachment;") || strings.ContainsAny(cd, "\r\n/\\") {
			t.Errorf("attachment %q: Content-Disposition %q", at.Name, cd)
		}
		if strings.Contains(at.Name, "Ü") && !strings.Contains(cd, "filename*=UTF-8''%C3%9Cbersicht.svg") {
			t.Errorf("attachment %q: Content-Disposition %q, want a UTF-8 filename*", at.Name, cd)
		}
	}
}

func checkDownload(t *testing.T, resp *http.Response, ctype, disposition string) {
	t.Helper()
	if got := resp.Header.Get("Content-Type"); got != ctype {
		t.Errorf("%s: Content-Type %q, want %q", resp.Request.URL.Path, got, ctype)
	}
	if got := resp.Header.Get("Content-Disposition"); got != disposition {
		t.Errorf("%s: Content-Disposition %q, want %q", resp.Request.URL.Path, got, disposition)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q, want nosniff", resp.Request.URL.Path, got)
	}
}

func TestVisibilityOwn(t *testing.T) {
	h := newHarness(t, func(c *web.Config) { c.Visibility = web.VisibilityOwn })
	// Alice's email with an attachment, and Bob's.
	aliceID := h.record(htmlMail("Alice's private quote"))[0]
	bobID := h.emailOf(quoteSubject)
	e, err := h.store.Email(context.Background(), h.viewer(webtest.Alice, true), aliceID)
	if err != nil || len(e.AttachmentList) == 0 {
		t.Fatalf("alice's email: %v, %d attachments", err, len(e.AttachmentList))
	}
	aid := e.AttachmentList[0].ID
	bob := h.bob()
	for _, p := range []string{
		fmt.Sprintf("/emails/%d", aliceID), fmt.Sprintf("/emails/%d/html", aliceID),
		fmt.Sprintf("/emails/%d/raw", aliceID), fmt.Sprintf("/emails/%d/attachments/%d", aliceID, aid),
	} {
		code, body := h.page(p, bob)
		if code != http.StatusNotFound {
			t.Errorf("bob, visibility own: GET %s = %d, want 404", p, code)
		}
		if strings.Contains(body, "private quote") || strings.Contains(body, "iVBOR") {
			t.Errorf("bob, visibility own: GET %s shows alice's email", p)
		}
	}
	// Search does not find it for Bob either.
	if _, body := h.page("/search?q="+url.QueryEscape("private quote"), bob); strings.Contains(body, fmt.Sprintf("/emails/%d", aliceID)) {
		t.Errorf("bob, visibility own: search finds alice's email")
	}
	// His own he sees.
	for _, p := range []string{fmt.Sprintf("/emails/%d", bobID), fmt.Sprintf("/emails/%d/raw", bobID)} {
		if code, _ := h.page(p, bob); code != http.StatusOK {
			t.Errorf("bob, visibility own: his own %s = %d, want 200", p, code)
		}
	}
	// Alice, an admin, sees both.
	alice := h.alice()
	for _, id := range []int64{aliceID, bobID} {
		if code, _ := h.page(fmt.Sprintf("/emails/%d", id), alice); code != http.StatusOK {
			t.Errorf("admin alice, visibility own: /emails/%d = %d, want 200", id, code)
		}
	}

	// Under the default (team) visibility Bob sees Alice's email.
	h2 := newHarness(t, nil)
	id2 := h2.record(htmlMail("Alice's team quote"))[0]
	if code, _ := h2.page(fmt.Sprintf("/emails/%d", id2), h2.bob()); code != http.StatusOK {
		t.Errorf("bob, visibility team: alice's email = %d, want 200", code)
	}
}

func TestNotFound(t *testing.T) {
	h := newHarness(t, nil)
	c := h.bob()
	id := h.emailOf(quoteSubject)
	for _, p := range []string{
		"/emails/abc", "/emails/999999", "/emails/0", "/emails/-1", "/emails/1.5", "/emails/01",
		"/emails/99999999999999999999999", "/emails/abc/html", "/emails/999999/raw", "/emails/999999/html",
		fmt.Sprintf("/emails/%d/attachments/abc", id), fmt.Sprintf("/emails/%d/attachments/999999", id),
		"/deals/x", "/deals/999999", "/contacts/nobody@nowhere.example", "/companies/nowhere.example",
		"/intake/abc", "/intake/999999", "/intake/999999/raw", "/no/such/page",
	} {
		code, body := h.page(p, c)
		if code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, code)
			continue
		}
		if !strings.Contains(body, "Not found") {
			t.Errorf("GET %s: 404 without the not-found page", p)
		}
	}
	// Admin pages are not found for others.
	if code, _ := h.page("/intake", c); code != http.StatusNotFound && code != http.StatusForbidden {
		t.Errorf("bob at /intake = %d, want 404 or 403", code)
	}
}

func TestSearchEscapesSnippets(t *testing.T) {
	h := newHarness(t, nil)
	id := h.record(webtest.Bcc("alice@example.com", "rkim@tidewater-health.example",
		"<script>alert(1)</script> zanzibar offer", "The zanzibar <img src=x onerror=alert(2)> terms & prices."))[0]
	c := h.alice()
	code, body := h.page("/search?q=zanzibar", c)
	if code != http.StatusOK {
		t.Fatalf("search = %d", code)
	}
	if !strings.Contains(body, fmt.Sprintf(`href="/emails/%d"`, id)) {
		t.Fatalf("search for zanzibar does not link /emails/%d:\n%s", id, body)
	}
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
		t.Errorf("search results hold unescaped markup:\n%s", body)
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the subject is not shown escaped")
	}
	if !regexp.MustCompile(`<mark>zanzibar</mark>`).MatchString(body) {
		t.Errorf("no highlighted match:\n%s", body)
	}
	// Queries that are FTS syntax are just words.
	for _, q := range []string{`"unbalanced`, "AND OR NOT", "fridge*", "a:b", "(((", strings.Repeat("x", 2000)} {
		if code, _ := h.page("/search?q="+url.QueryEscape(q), c); code != http.StatusOK {
			t.Errorf("search %q = %d, want 200", q, code)
		}
	}
	// The email page shows the subject escaped too.
	_, body = h.page(fmt.Sprintf("/emails/%d", id), c)
	if strings.Contains(body, "<script>alert") {
		t.Errorf("the email page holds the subject's markup unescaped")
	}
}

func TestHomeShowsRejectionsWithFix(t *testing.T) {
	h := newHarness(t, nil)
	c := h.alice()
	ctx := context.Background()
	v := h.viewer(webtest.Alice, false)
	v.Addresses = []string{webtest.Alice, "a.rossi@example.com", "alice.rossi.sales@gmail.com"}
	rows, err := h.store.Intake(ctx, v, view.IntakeQuery{Outcome: "rejected", From: v.Addresses})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows.Rows) == 0 {
		t.Fatal("alice has no rejected messages in the fixtures")
	}
	code, body := h.page("/", c)
	if code != http.StatusOK {
		t.Fatalf("GET / = %d", code)
	}
	for _, r := range rows.Rows {
		if !strings.Contains(body, fmt.Sprintf(`href="/intake/%d"`, r.ID)) {
			t.Errorf("home does not list alice's rejection %d (%s)", r.ID, r.Reason)
		}
	}
	if !strings.Contains(body, "How to fix it") || !strings.Contains(body, "Why:") {
		t.Errorf("home lists rejections without reason and fix")
	}
	// Her logged emails.
	if !strings.Contains(body, "/emails/") {
		t.Errorf("home lists no logged emails")
	}
	// One rejection's page: reason, fix and the raw message.
	r := rows.Rows[0]
	code, body = h.page(fmt.Sprintf("/intake/%d", r.ID), c)
	if code != http.StatusOK || !strings.Contains(body, "How to fix it") || !strings.Contains(body, fmt.Sprintf("/intake/%d/raw", r.ID)) {
		t.Errorf("GET /intake/%d = %d, want reason, fix and a raw download", r.ID, code)
	}
	// Bob does not see Alice's rejections.
	if code, _ := h.page(fmt.Sprintf("/intake/%d", r.ID), h.bob()); code != http.StatusNotFound {
		t.Errorf("bob at alice's rejection /intake/%d = %d, want 404", r.ID, code)
	}
}

func TestPagesRender(t *testing.T) {
	h := newHarness(t, nil)
	c := h.alice()
	id := h.emailOf(quoteSubject)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/", []string{"My latest logged emails", "not logged"}},
		{"/contacts", []string{"rkim@tidewater-health.example", "Contacts"}},
		{"/contacts?q=tidewater&sort=name", []string{"rkim@tidewater-health.example"}},
		{"/contacts?sort=bogus&page=999", []string{"Contacts"}},
		{"/contacts/rkim@tidewater-health.example", []string{quoteSubject, "Tidewater rollout", "Timeline"}},
		{"/contacts/RKim@Tidewater-Health.example", []string{quoteSubject}},
		{"/companies", []string{"tidewater-health.example"}},
		{"/companies/tidewater-health.example", []string{"rkim@tidewater-health.example", quoteSubject, "Tidewater rollout"}},
		{"/deals", []string{"Tidewater rollout", "48,000"}},
		{"/deals?status=won", []string{"No deals"}},
		{"/deals/1", []string{"Tidewater rollout", "rkim@tidewater-health.example", quoteSubject}},
		{fmt.Sprintf("/emails/%d", id), []string{quoteSubject, "Bob Marsh", "bcc", "Q-2026-0388 Tidewater Health.pdf", "fridges"}},
		{"/search?q=fridges", []string{quoteSubject, "<mark>"}},
		{"/search", []string{"Search"}},
		{"/intake", []string{"Messages", "sender_not_user"}},
		{"/intake?outcome=rejected&reason=spoofed", []string{"spoofed"}},
		{"/intake?user=alice@example.com&since=2020-01-01&until=2030-12-31&mailbox=main", []string{"Messages"}},
	} {
		code, body := h.page(tc.path, c)
		if code != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", tc.path, code)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s does not show %q", tc.path, w)
			}
		}
		if !strings.Contains(body, `action="/logout"`) || !strings.Contains(body, `href="/intake"`) {
			t.Errorf("GET %s: the nav lacks sign-out or Intake for an admin", tc.path)
		}
	}
	// The nav hides Intake from others.
	if _, body := h.page("/", h.bob()); strings.Contains(body, `href="/intake"`) {
		t.Errorf("bob's nav links /intake")
	}
}

func TestForwardPageShowsNote(t *testing.T) {
	h := newHarness(t, nil)
	id := h.emailOf("WMS integration question")
	code, body := h.page(fmt.Sprintf("/emails/%d", id), h.alice())
	if code != http.StatusOK {
		t.Fatalf("GET /emails/%d = %d", id, code)
	}
	for _, want := range []string{"forward", "Daniel wants a call on Thursday", "d.okafor@harborline.example", "The original message"} {
		if !strings.Contains(body, want) {
			t.Errorf("the forward's page does not show %q", want)
		}
	}
}

func TestIntakeFilters(t *testing.T) {
	h := newHarness(t, nil)
	c := h.alice()
	_, body := h.page("/intake", c)
	if !strings.Contains(body, "Recent passes") || !strings.Contains(body, "<td>main</td>") {
		t.Errorf("/intake does not list the pass over main")
	}
	codes := regexp.MustCompile(`<span class="reason-code">([a-z_]+)</span>`)
	_, body = h.page("/intake?outcome=rejected&reason=spoofed", c)
	found := codes.FindAllStringSubmatch(body, -1)
	if len(found) == 0 {
		t.Errorf("/intake?reason=spoofed lists nothing")
	}
	for _, m := range found {
		if m[1] != "spoofed" {
			t.Errorf("/intake?reason=spoofed lists a %s row", m[1])
		}
	}
	// By user: only rows from Bob's addresses.
	_, body = h.page("/intake?user=bob@example.com", c)
	from := regexp.MustCompile(`</td>\s*<td>([^<]*@[^<]*)</td>\s*<td><a href="/intake/`)
	rows := from.FindAllStringSubmatch(body, -1)
	if len(rows) == 0 {
		t.Errorf("/intake?user=bob lists nothing")
	}
	for _, m := range rows {
		if !strings.EqualFold(m[1], webtest.Bob) {
			t.Errorf("/intake?user=bob lists a row from %s", m[1])
		}
	}
	// A date range before everything: empty.
	if _, body = h.page("/intake?until=2000-01-01", c); !strings.Contains(body, "No messages match") {
		t.Errorf("/intake?until=2000-01-01 lists rows")
	}
}

func TestHead(t *testing.T) {
	h := newHarness(t, nil)
	c := h.bob()
	id := h.emailOf(quoteSubject)
	for _, p := range []string{"/", fmt.Sprintf("/emails/%d", id), fmt.Sprintf("/emails/%d/raw", id), fmt.Sprintf("/emails/%d/attachments/%d", id, h.attachmentOf(id))} {
		resp := h.do(http.MethodHead, p, nil, c, nil)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || len(b) != 0 {
			t.Errorf("HEAD %s = %d with %d body bytes, want 200 and none", p, resp.StatusCode, len(b))
		}
		if resp.Header.Get("Content-Type") == "" {
			t.Errorf("HEAD %s: no Content-Type", p)
		}
	}
	if resp := h.do(http.MethodHead, "/emails/999999/raw", nil, c, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("HEAD of a missing raw message = %d, want 404", resp.StatusCode)
	}
}
