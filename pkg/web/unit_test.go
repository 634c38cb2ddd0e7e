package web

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
)

func TestContentDisposition(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"report.pdf", `attachment; filename="report.pdf"`},
		{"Q-2026 Tidewater.pdf", `attachment; filename="Q-2026 Tidewater.pdf"`},
		{"../../etc/passwd", `attachment; filename="passwd"`},
		{`C:\Users\x\evil.exe`, `attachment; filename="evil.exe"`},
		{"a\"b\r\nSet-Cookie: x.txt", `attachment; filename="a_b__Set-Cookie_ x.txt"`},
		{"Übersicht März.pdf", `attachment; filename="_bersicht M_rz.pdf"; filename*=UTF-8''%C3%9Cbersicht%20M%C3%A4rz.pdf`},
		{"見積書.pdf", `attachment; filename="___.pdf"; filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.pdf`},
		{"", `attachment; filename="download"`},
		{"...", `attachment; filename="download"`},
		{"100%.txt", `attachment; filename="100_.txt"; filename*=UTF-8''100%25.txt`},
		{"rtl\u202egnp.exe", `attachment; filename="rtl_gnp.exe"`},
	} {
		if got := contentDisposition(tc.name); got != tc.want {
			t.Errorf("contentDisposition(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	long := strings.Repeat("é", 300) + ".pdf"
	got := contentDisposition(long)
	if !strings.HasSuffix(got, ".pdf") || len(got) > 1200 {
		t.Errorf("contentDisposition(long) = %q: want it cut, keeping .pdf", got)
	}
}

func TestDownloadType(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"application/pdf", "application/pdf"},
		{"IMAGE/PNG; name=x.png", "image/png"},
		{"text/plain; charset=UTF-8", "text/plain; charset=utf-8"},
		{"text/plain; charset=\"x\r\ny\"", "application/octet-stream"},
		{"text/plain; charset=\"x y\"", "text/plain"},
		{"text/html", "application/octet-stream"},
		{"text/html; charset=utf-8", "application/octet-stream"},
		{"image/svg+xml", "application/octet-stream"},
		{"application/xhtml+xml", "application/octet-stream"},
		{"text/xml", "application/octet-stream"},
		{"application/javascript", "application/octet-stream"},
		{"multipart/related", "application/octet-stream"},
		{"", "application/octet-stream"},
		{"garbage", "application/octet-stream"},
	} {
		if got := downloadType(tc.in); got != tc.want {
			t.Errorf("downloadType(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for _, tc := range []struct {
		next string
		want bool
	}{
		{"/", true},
		{"/contacts?q=acme&page=2", true},
		{"/contacts/a%40b.example", true},
		{"", false},
		{"contacts", false},
		{"//evil.example/", false},
		{"/\\evil.example", false},
		{"https://evil.example/", false},
		{"/%0d%0aSet-Cookie:x", true}, // still a path: the header is escaped
		{"/\r\nx", false},
		{"javascript:alert(1)", false},
		{"/x\\y", false},
	} {
		if got := safeNext(tc.next); got != tc.want {
			t.Errorf("safeNext(%q) = %v, want %v", tc.next, got, tc.want)
		}
	}
}

func TestHighlight(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a \x02match\x03 b", "a <mark>match</mark> b"},
		{"<script>\x02alert\x03(1)</script>", "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;"},
		{"\x02open", "<mark>open</mark>"},
		{"close\x03 \x02\x02x\x03\x03", "close <mark>x</mark>"},
		{"a\x01b & \"c\"", "ab &amp; &#34;c&#34;"},
	} {
		if got := string(highlight(tc.in)); got != tc.want {
			t.Errorf("highlight(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPager(t *testing.T) {
	q := url.Values{"q": {"acme"}, "page": {"5"}}
	p := newPager("/contacts", q, 5, 50, 1000)
	if p.Pages != 20 || p.Prev != "/contacts?page=4&q=acme" || p.Next != "/contacts?page=6&q=acme" {
		t.Errorf("newPager: pages %d prev %q next %q", p.Pages, p.Prev, p.Next)
	}
	var got []string
	for _, l := range p.Links {
		switch {
		case l.URL == "":
			got = append(got, "…")
		case l.Current:
			got = append(got, "["+itoa(l.N)+"]")
		default:
			got = append(got, itoa(l.N))
		}
	}
	if want := "1 … 3 4 [5] 6 7 … 20"; strings.Join(got, " ") != want {
		t.Errorf("newPager links = %q, want %q", strings.Join(got, " "), want)
	}
	if p.Links[0].URL != "/contacts?q=acme" {
		t.Errorf("page 1 link = %q, want no page parameter", p.Links[0].URL)
	}
	if p := newPager("/x", nil, 1, 50, 10); len(p.Links) != 0 || p.Next != "" {
		t.Errorf("one page: %+v, want no links", p)
	}
	if _, page := pageParam(url.Values{"page": {"-3"}}, 50); page.Offset != 0 {
		t.Errorf("pageParam(-3).Offset = %d", page.Offset)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestSignInLimits(t *testing.T) {
	l := newSignInLimits()
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	for i := 0; i < addressBurst; i++ {
		if !l.allow(now, "alice@example.com", "192.0.2.1") {
			t.Fatalf("attempt %d refused, want allowed", i+1)
		}
	}
	if l.allow(now, "alice@example.com", "192.0.2.2") {
		t.Errorf("attempt %d on one address allowed, want refused", addressBurst+1)
	}
	if !l.allow(now.Add(addressEvery), "alice@example.com", "192.0.2.3") {
		t.Errorf("attempt after %v refused, want allowed", addressEvery)
	}
}

func TestClientKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"192.0.2.1:1234", "192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.1]:80", "192.0.2.1"},
		{"unix", "unix"},
	} {
		if got := clientKey(tc.in); got != tc.want {
			t.Errorf("clientKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestConfigCheck(t *testing.T) {
	p := netip.MustParsePrefix
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"no header", Config{}, true},
		{"header, no proxies", Config{TrustedHeader: "X-Forwarded-Email"}, false},
		{"header, 0.0.0.0/0", Config{TrustedHeader: "X-Forwarded-Email", TrustedProxies: []netip.Prefix{p("10.0.0.0/8"), p("0.0.0.0/0")}}, false},
		{"header, ::/0", Config{TrustedHeader: "X-Forwarded-Email", TrustedProxies: []netip.Prefix{p("::/0")}}, false},
		{"header, invalid prefix", Config{TrustedHeader: "X-Forwarded-Email", TrustedProxies: []netip.Prefix{{}}}, false},
		{"header, loopback", Config{TrustedHeader: "X-Forwarded-Email", TrustedProxies: []netip.Prefix{p("127.0.0.1/32")}}, true},
		{"visibility own", Config{Visibility: VisibilityOwn}, true},
		{"visibility bogus", Config{Visibility: "mine"}, false},
	} {
		err := tc.cfg.check()
		if (err == nil) != tc.ok {
			t.Errorf("%s: check() = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

func TestReasonsCovered(t *testing.T) {
	for _, code := range append(reasonCodes, "failed", "duplicate") {
		if what, _ := crm.Advice(code, ""); what == "" {
			t.Errorf("no plain words for reason %q", code)
		}
		if fix := reasonFix(code, "log@crm.example.com"); strings.Contains(fix, "%s") || fix == "" {
			t.Errorf("reasonFix(%q) = %q", code, fix)
		}
	}
}
