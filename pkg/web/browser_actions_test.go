package web_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/web"
	"github.com/poller-crm/poller/pkg/web/webtest"
)

// TestBrowserUnresolvedItemActions: Bob opens his rejected forward, logs it
// on a new contact, undoes that, then dismisses it and it leaves his home
// page; each step through the page's own buttons.
func TestBrowserUnresolvedItemActions(t *testing.T) {
	needBrowser(t)
	const name = "reject-forward-unparseable.eml"
	raw, err := os.ReadFile(filepath.Join(webtest.FixturesDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(t, t.TempDir(), []message{{Name: name, Raw: raw}}, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.close)
	srv, err := web.New(a.Store, web.Config{Users: webtest.Users(), Location: time.UTC,
		LogAddress: webtest.LogAddress, Rules: webtest.Rules(t)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tb := newTab(t, ts.URL)
	tb.signIn(webtest.Bob, webtest.BobPassword)
	subject := subjectOf(raw)
	if !strings.Contains(tb.text(), subject) {
		t.Fatalf("Bob's home page does not list his rejected %q", subject)
	}
	var item string
	for _, href := range tb.attrs(`a[href^="/intake/"]`, "href") {
		if !strings.Contains(href, "/raw") {
			item = href
			break
		}
	}
	if item == "" {
		t.Fatal("the home page links to no rejected item")
	}

	tb.open(item)
	tb.setValue(`input[name="address"]`, "dana.new@prospect.example")
	tb.setValue(`input[name="name"]`, "Dana New")
	if status := tb.clickCSS(`form[action$="/log"] button`); status != 200 {
		t.Fatalf("log it on a contact: status %d", status)
	}
	if text := tb.text(); !strings.Contains(text, "Logged on dana.new@prospect.example") || !strings.Contains(text, "by Bob Marsh") {
		t.Errorf("after logging, the item page says:\n%s", text)
	}
	tb.open("/contacts/dana.new@prospect.example")
	if !strings.Contains(tb.text(), "Dana New") {
		t.Errorf("the new contact's page does not show it:\n%s", tb.text())
	}

	tb.open(item)
	if status := tb.clickCSS(`form[action$="/undo"] button`); status != 200 {
		t.Fatalf("undo: status %d", status)
	}
	if !strings.Contains(tb.text(), "undone by Bob Marsh") {
		t.Errorf("after undo, the item page says:\n%s", tb.text())
	}
	if status := tb.open("/contacts/dana.new@prospect.example"); status != 404 {
		t.Errorf("the contact the undone log created still answers %d, want 404", status)
	}

	tb.open(item)
	if status := tb.clickCSS(`form[action$="/dismiss"] button`); status != 200 {
		t.Fatalf("dismiss: status %d", status)
	}
	if !strings.Contains(tb.text(), "Dismissed by Bob Marsh") {
		t.Errorf("after dismissing, the item page says:\n%s", tb.text())
	}
	tb.open("/")
	if strings.Contains(tb.text(), subject) {
		t.Errorf("the dismissed message is still on Bob's home page")
	}
	if d := tb.Dialogs(); len(d) > 0 {
		t.Errorf("dialogs opened: %v", d)
	}
}
