package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/password"
	"github.com/poller-crm/poller/pkg/web"
	"github.com/poller-crm/poller/pkg/web/webtest"
)

// chiaraPassword is given to Chiara (who has none in the fixture store) so
// that two users who are not admins can sign in.
const chiaraPassword = "chiara-tidal-lantern"

// privateHarness is the fixture store plus a private email of Chiara's,
// with an attachment, to Rachel Kim of the Tidewater rollout deal.
func privateHarness(t *testing.T, edit func(*web.Config)) (h *harness, id, attachment int64) {
	t.Helper()
	h = newHarness(t, edit)
	hash, err := password.Hash(chiaraPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.SetPassword(context.Background(), webtest.Chiara, hash); err != nil {
		t.Fatal(err)
	}
	raw := strings.ReplaceAll(string(webtest.Bcc(webtest.Chiara, "Rachel Kim <rkim@tidewater-health.example>", "Quixotic pricing plan", "",
		"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b")), "Bcc: "+webtest.LogAddress, "Bcc: log+private@crm.example.com")
	raw = strings.TrimSuffix(raw, "\r\n\r\n\r\n") + "\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>the quixotic discount, between us</p>\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=terms.pdf\r\n\r\n%PDF-1.4 terms\r\n--b--\r\n"
	id = h.record([]byte(raw))[0]
	return h, id, h.attachmentOf(id)
}

func TestPrivateEmailIsNotFoundForAnotherUser(t *testing.T) {
	h, id, att := privateHarness(t, nil)
	paths := []string{
		fmt.Sprintf("/emails/%d", id),
		fmt.Sprintf("/emails/%d/html", id),
		fmt.Sprintf("/emails/%d/raw", id),
		fmt.Sprintf("/emails/%d/attachments/%d", id, att),
	}
	bob := h.bob()
	for _, p := range paths {
		if code, body := h.page(p, bob); code != http.StatusNotFound || strings.Contains(body, "Quixotic") || strings.Contains(body, "quixotic") {
			t.Errorf("GET %s as bob = %d, want 404 telling nothing", p, code)
		}
	}
	chiara := h.signIn(webtest.Chiara, chiaraPassword)
	for _, c := range []struct {
		who    string
		cookie *http.Cookie
	}{{"chiara (its user)", chiara}, {"alice (an admin)", h.alice()}} {
		for _, p := range paths {
			if code, _ := h.page(p, c.cookie); code != http.StatusOK {
				t.Errorf("GET %s as %s = %d, want 200", p, c.who, code)
			}
		}
		if _, body := h.page(paths[0], c.cookie); !strings.Contains(body, `class="badge private"`) {
			t.Errorf("the email's page as %s does not say it is private", c.who)
		}
	}

	// Not found by search, nor on the pages that list emails.
	link := fmt.Sprintf(`href="/emails/%d"`, id)
	search := "/search?" + url.Values{"q": {"quixotic"}}.Encode()
	lists := []string{search, "/contacts/rkim@tidewater-health.example", "/companies/tidewater-health.example", "/deals/1"}
	for _, p := range lists {
		code, body := h.page(p, bob)
		if code != http.StatusOK || strings.Contains(body, link) || strings.Contains(body, "Quixotic") {
			t.Errorf("GET %s as bob = %d, lists the private email", p, code)
		}
		if code, body := h.page(p, chiara); code != http.StatusOK || !strings.Contains(body, link) {
			t.Errorf("GET %s as chiara = %d, does not list her private email", p, code)
		}
	}
}

func TestDealPageShowsItsLogAddress(t *testing.T) {
	h := newHarness(t, nil)
	alice := h.alice()
	// Deal 1 was imported as D-1: its address names the external id.
	code, body := h.page("/deals/1", alice)
	body = html.UnescapeString(body) // the template writes + as &#43;
	if code != http.StatusOK || !strings.Contains(body, "<code>log+deal-D-1@crm.example.com</code>") {
		t.Fatalf("GET /deals/1 = %d, want the address log+deal-D-1@crm.example.com in\n%s", code, body)
	}
	if !strings.Contains(body, "this deal only") {
		t.Errorf("the deal page has no hint next to its address")
	}

	// The address works: an email to it is logged on that deal alone.
	raw := strings.ReplaceAll(string(webtest.Bcc(webtest.Bob, "someone@elsewhere.example", "Pinned by address", "see the deal")),
		"Bcc: "+webtest.LogAddress, "Bcc: log+deal-D-1@crm.example.com")
	id := h.record([]byte(raw))[0]
	_, body = h.page("/deals/1", alice)
	if !strings.Contains(body, fmt.Sprintf(`href="/emails/%d"`, id)) {
		t.Errorf("the email sent to the deal's address is not on the deal's page")
	}

	// Without a log address, no address is shown.
	h = newHarness(t, func(c *web.Config) { c.LogAddress = "" })
	if _, body := h.page("/deals/1", h.alice()); strings.Contains(body, "log+deal-") {
		t.Errorf("without a log address the deal page still shows one")
	}
}

func TestPrivateIntakeRowDoesNotLinkItsEmail(t *testing.T) {
	h, id, _ := privateHarness(t, nil)
	var row int64
	if err := h.store.DB().QueryRow(`SELECT id FROM intake WHERE email_id = ?`, id).Scan(&row); err != nil {
		t.Fatal(err)
	}
	link := fmt.Sprintf(`href="/emails/%d"`, id)
	chiara := h.signIn(webtest.Chiara, chiaraPassword)
	code, body := h.page(fmt.Sprintf("/intake/%d", row), chiara)
	body = html.UnescapeString(body)
	if code != http.StatusOK || !strings.Contains(body, link) || !strings.Contains(body, "log+private") {
		t.Errorf("GET /intake/%d as chiara = %d, want it linked to her email and saying it is private", row, code)
	}
	// Bob may not see Chiara's intake rows at all.
	if code, _ := h.page(fmt.Sprintf("/intake/%d", row), h.bob()); code != http.StatusNotFound {
		t.Errorf("GET /intake/%d as bob = %d, want 404", row, code)
	}
}
