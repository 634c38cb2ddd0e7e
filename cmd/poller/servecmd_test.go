package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/imapmem"
)

// webConfigFile writes the example config with its web: section replaced
// by webYAML (lines indented under web:) and returns its path.
func webConfigFile(t *testing.T, webYAML string) string {
	t.Helper()
	data, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base := string(data)
	i := strings.Index(base, "\nweb:\n")
	if i < 0 {
		t.Fatal("config.example.yaml has no web: section")
	}
	cfg := base[:i+1] + "web:\n"
	for _, line := range strings.Split(strings.TrimSpace(webYAML), "\n") {
		if line != "" {
			cfg += "  " + line + "\n"
		}
	}
	if strings.TrimSpace(webYAML) == "" {
		cfg = base[:i+1]
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var servingLine = regexp.MustCompile(`serving the web app on (https?://[^\s"]+)`)

// waitForServing waits until logs show the web app's "serving the web app
// on URL" line and returns the URL.
func waitForServing(t *testing.T, logs *syncBuffer, done <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if m := servingLine.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("the command ended before serving: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no \"serving the web app on\" line:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startServe runs "poller serve args..." until the test ends and returns
// the app's base URL (no trailing slash).
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve"}, args...), os.Getenv, io.Discard, &logs) }()
	u := waitForServing(t, &logs, done)
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v\n%s", err, logs.String())
			}
		case <-time.After(15 * time.Second):
			t.Errorf("serve did not stop on cancel:\n%s", logs.String())
		}
	})
	return u
}

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// signIn posts the sign-in form and returns the response (not followed).
func signIn(t *testing.T, base, email, pw string) *http.Response {
	t.Helper()
	resp, err := noRedirects.PostForm(base+"/login", url.Values{"email": {email}, "password": {pw}})
	if err != nil {
		t.Fatalf("POST /login: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// setPassword runs "poller user password" with pw on stdin.
func setPassword(t *testing.T, config, db, email, pw string) {
	t.Helper()
	var out, errOut strings.Builder
	if err := runUser(context.Background(), []string{"password", email, "--config", config, "--db", db}, strings.NewReader(pw+"\n"), &out, &errOut); err != nil {
		t.Fatalf("user password %s: %v\n%s", email, err, errOut.String())
	}
}

func TestServeAnswersLoginAndRedirectsHome(t *testing.T) {
	config := webConfigFile(t, "listen: 127.0.0.1:0")
	db := filepath.Join(t.TempDir(), "p.db")
	setPassword(t, config, db, "bob@example.com", "bob-secret-pw")
	base := startServe(t, "--config", config, "--db", db)
	if !strings.HasPrefix(base, "http://127.0.0.1:") || strings.HasSuffix(base, ":0") {
		t.Errorf("serving line names %s, want the bound loopback address", base)
	}
	resp, body := get(t, noRedirects, base+"/login")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="email"`) || !strings.Contains(body, `name="password"`) {
		t.Errorf("GET /login = %s, want 200 with the email and password fields:\n%.400s", resp.Status, body)
	}
	resp, _ = get(t, noRedirects, base+"/")
	loc, err := resp.Location()
	if resp.StatusCode/100 != 3 || err != nil || loc.Path != "/login" || loc.Host != strings.TrimPrefix(base, "http://") {
		t.Errorf("GET / without a session = %s, Location %q; want a redirect to /login", resp.Status, resp.Header.Get("Location"))
	}
	resp = signIn(t, base, "bob@example.com", "bob-secret-pw")
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
		t.Errorf("POST /login with the password set by user password = %s, cookies %v; want 303 with a session cookie", resp.Status, resp.Cookies())
	}
	resp = signIn(t, base, "bob@example.com", "not-the-password")
	for _, c := range resp.Cookies() {
		if c.Value != "" && c.MaxAge >= 0 {
			t.Errorf("a wrong password got a cookie: %v", c)
		}
	}
}

func TestServeRefusesAMissingDatabase(t *testing.T) {
	config := webConfigFile(t, "listen: 127.0.0.1:0")
	_, _, err := runCmd(t, "serve", "--config", config, "--db", filepath.Join(t.TempDir(), "typo.db"))
	if err == nil || !strings.Contains(err.Error(), "no database at") {
		t.Errorf("serve on a missing database: %v, want \"no database at\"", err)
	}
	if _, _, err := runCmd(t, "serve", "--db", "x.db"); err == nil || !strings.Contains(err.Error(), "--config") {
		t.Errorf("serve without --config: %v", err)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir)
	config := webConfigFile(t, "listen: 127.0.0.1:0\ntls_cert: "+certFile+"\ntls_key: "+keyFile)
	db := filepath.Join(dir, "p.db")
	setPassword(t, config, db, "bob@example.com", "bob-secret-pw")
	base := startServe(t, "--config", config, "--db", db)
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("serving line names %s, want https://", base)
	}
	pool := x509.NewCertPool()
	pemData, _ := os.ReadFile(certFile)
	pool.AppendCertsFromPEM(pemData)
	client := &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, _ := get(t, client, base+"/login")
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Errorf("GET /login over TLS = %s", resp.Status)
	}
	resp, err := client.PostForm(base+"/login", url.Values{"email": {"bob@example.com"}, "password": {"bob-secret-pw"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
		t.Fatalf("POST /login over TLS = %s, cookies %v", resp.Status, resp.Cookies())
	}
	for _, c := range resp.Cookies() {
		if !c.Secure || !c.HttpOnly {
			t.Errorf("cookie %s under TLS: Secure %v, HttpOnly %v; want both", c.Name, c.Secure, c.HttpOnly)
		}
	}
	// Plain HTTP on the TLS port gets no page.
	if resp, err := noRedirects.Get("http://" + strings.TrimPrefix(base, "https://") + "/login"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP on the TLS listener got 200")
		}
	}
}

func TestWebConfigErrors(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir)
	tests := []struct{ web, want string }{
		{"base_url: crm.example.com", `web.base_url: "crm.example.com": want an absolute http:// or https:// URL`},
		{"base_url: ftp://crm.example.com", `web.base_url: "ftp://crm.example.com"`},
		{"base_url: https://", `web.base_url: "https://"`},
		{"tls_cert: " + certFile, "web.tls_cert: goes with web.tls_key"},
		{"tls_key: " + keyFile, "web.tls_cert: goes with web.tls_key"},
		{"tls_cert: " + filepath.Join(dir, "missing.pem") + "\ntls_key: " + keyFile, "web.tls_cert: "},
		{"tls_cert: " + certFile + "\ntls_key: " + filepath.Join(dir, "missing.pem"), "web.tls_key: "},
		{"trusted_header: X-Forwarded-Email", "web.trusted_header: X-Forwarded-Email needs web.trusted_proxies"},
		{"trusted_header: X-Forwarded-Email\ntrusted_proxies: []", "needs web.trusted_proxies"},
		{"trusted_header: X-Forwarded-Email\ntrusted_proxies: [0.0.0.0/0]", `web.trusted_proxies[0]: "0.0.0.0/0" trusts every address`},
		{"trusted_header: X-Forwarded-Email\ntrusted_proxies: [127.0.0.1, \"::/0\"]", `web.trusted_proxies[1]: "::/0" trusts every address`},
		{"trusted_proxies: [0.0.0.0/0]", "trusts every address"},
		{"trusted_header: X-Forwarded-Email\ntrusted_proxies: [proxy.local]", `web.trusted_proxies[0]: "proxy.local": want a CIDR`},
		{"trusted_header: X-Forwarded-Email\ntrusted_proxies: [10.0.0.0/33]", `web.trusted_proxies[0]: "10.0.0.0/33"`},
		{"trusted_header: \"X Forwarded Email\"\ntrusted_proxies: [127.0.0.1]", `web.trusted_header: "X Forwarded Email" is not a header name`},
		{"visibility: everyone", `web.visibility: "everyone": want team`},
		{"visibility: Own", `web.visibility: "Own"`},
		{"listen: 8080", `web.listen: "8080": want host:port`},
		{"lisen: 127.0.0.1:8080", `unknown key "lisen"`},
	}
	same := webConfigFile(t, "listen: 127.0.0.1:9090")
	data, _ := os.ReadFile(same)
	os.WriteFile(same, regexp.MustCompile(`(?m)^  listen: ""`).ReplaceAll(data, []byte("  listen: 127.0.0.1:9090")), 0o600)
	if _, _, err := loadConfig(same); err == nil || !strings.Contains(err.Error(), "web.listen: 127.0.0.1:9090 is http.listen's address too") {
		t.Errorf("web.listen = http.listen: %v", err)
	}
	for _, tt := range tests {
		_, _, err := loadConfig(webConfigFile(t, tt.web))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("web: %q: error = %v, want it to contain %q", tt.web, err, tt.want)
		}
	}
	cfg, _, err := loadConfig(webConfigFile(t, "listen: \":8080\"\nbase_url: https://crm.example.com/\ntrusted_header: X-Forwarded-Email\n"+
		"trusted_proxies: [127.0.0.1, \"10.1.2.3/8\", \"::1\", \"::ffff:192.0.2.1\"]\nvisibility: own\ntls_cert: "+certFile+"\ntls_key: "+keyFile))
	if err != nil {
		t.Fatalf("a valid web section: %v", err)
	}
	wc, err := cfg.webAppConfig()
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("192.0.2.1/32")}
	if len(wc.TrustedProxies) != len(want) {
		t.Fatalf("TrustedProxies = %v, want %v", wc.TrustedProxies, want)
	}
	for i := range want {
		if wc.TrustedProxies[i] != want[i] {
			t.Errorf("TrustedProxies[%d] = %v, want %v", i, wc.TrustedProxies[i], want[i])
		}
	}
	if wc.Visibility != "own" || wc.TrustedHeader != "X-Forwarded-Email" || !wc.SecureCookies || wc.BaseURL != "https://crm.example.com" {
		t.Errorf("web.Config = %+v", wc)
	}
	if wc.Location == nil || wc.Location.String() != "Europe/Rome" {
		t.Errorf("Location = %v, want the config's timezone Europe/Rome", wc.Location)
	}
	admins := 0
	for _, u := range wc.Users {
		if u.Admin {
			admins++
			if u.Email != "alice@example.com" {
				t.Errorf("admin %s, want alice@example.com only", u.Email)
			}
		}
	}
	if admins != 1 || len(wc.Users) != 3 {
		t.Errorf("users %+v: want 3 with alice the one admin", wc.Users)
	}

	// Defaults: team visibility, plain cookies, 127.0.0.1:8080 for serve.
	cfg, _, err = loadConfig(webConfigFile(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	if wc, _ := cfg.webAppConfig(); wc.Visibility != "team" || wc.SecureCookies || cfg.Web.listen() != "127.0.0.1:8080" {
		t.Errorf("defaults: visibility %q, secure %v, listen %q", wc.Visibility, wc.SecureCookies, cfg.Web.listen())
	}
	cfg, _, err = loadConfig(webConfigFile(t, "base_url: http://crm.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if wc, _ := cfg.webAppConfig(); wc.SecureCookies {
		t.Error("an http:// base_url without TLS made cookies Secure")
	}
}

// TestRunServesTheWebAppApartFromMetrics: with web.listen set, "poller
// run" serves the app there and /healthz, /metrics on http.listen; neither
// listener serves the other's pages, and both stop with the daemon.
func TestRunServesTheWebAppApartFromMetrics(t *testing.T) {
	srv, err := imapmem.Start(imapUser, imapPassword, imapmem.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, raw := range numbered(t, 3) {
		srv.Append("INBOX", raw)
	}
	metricsAddr := freePort(t)
	cfg := imapConfig(t, srv.Addr)
	appendToConfig(t, cfg, "http:\n  listen: "+metricsAddr+"\nweb:\n  listen: 127.0.0.1:0\n")
	db := filepath.Join(t.TempDir(), "p.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"run", "--config", cfg, "--db", db}, testGetenv, io.Discard, &logs) }()
	app := waitForServing(t, &logs, done)

	resp, body := get(t, noRedirects, app+"/login")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="password"`) {
		t.Errorf("web.listen GET /login = %s", resp.Status)
	}
	if resp, _ := get(t, noRedirects, app+"/metrics"); resp.StatusCode == http.StatusOK {
		t.Error("the web app's listener serves /metrics")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.Contains(string(b), "poller_passes_total") {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("http.listen serves no /metrics with a pass:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if resp, _ := get(t, noRedirects, "http://"+metricsAddr+"/login"); resp.StatusCode == http.StatusOK {
		t.Error("the metrics listener serves the web app's /login")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not stop")
	}
	if resp, err := noRedirects.Get(app + "/login"); err == nil {
		resp.Body.Close()
		t.Error("the web app still answers after run stopped")
	}
}

func TestBrowseURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/",
		":8080":          "http://127.0.0.1:8080/",
		"0.0.0.0:8080":   "http://127.0.0.1:8080/",
		"[::]:8080":      "http://127.0.0.1:8080/",
		"[::1]:8080":     "http://[::1]:8080/",
	} {
		if got := browseURL("http", addr); got != want {
			t.Errorf("browseURL(%q) = %q, want %q", addr, got, want)
		}
	}
}

// TestCertReloader: a renewed certificate is served without a restart, and
// a half-written one keeps the loaded one in service.
func TestCertReloader(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir)
	r := &certReloader{certFile: certFile, keyFile: keyFile, logger: slog.New(slog.DiscardHandler), every: time.Nanosecond}
	first, err := r.GetCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	selfSigned(t, dir) // a new key and certificate at the same paths
	later := time.Now().Add(time.Minute)
	os.Chtimes(certFile, later, later)
	second, err := r.GetCertificate(nil)
	if err != nil || bytes.Equal(first.Certificate[0], second.Certificate[0]) {
		t.Fatalf("after renewal: same certificate served (err %v)", err)
	}
	os.WriteFile(certFile, []byte("-----BEGIN CERTIFICATE-----\ntruncated"), 0o600)
	third, err := r.GetCertificate(nil)
	if err != nil || !bytes.Equal(third.Certificate[0], second.Certificate[0]) {
		t.Errorf("a broken certificate file: %v; want the loaded certificate kept", err)
	}
	bad := &certReloader{certFile: certFile, keyFile: keyFile, logger: slog.New(slog.DiscardHandler)}
	if _, err := bad.GetCertificate(nil); err == nil || !strings.Contains(err.Error(), "web.tls_cert") {
		t.Errorf("first load of a broken certificate: %v, want an error naming web.tls_cert", err)
	}
}

// TestServeStopsOnSIGTERM: the process stops gracefully and exits 0.
func TestServeStopsOnSIGTERM(t *testing.T) {
	config := webConfigFile(t, "")
	db := filepath.Join(t.TempDir(), "p.db")
	setPassword(t, config, db, "bob@example.com", "bob-secret-pw")
	cmd := pollerCommand(t, "serve", "--config", config, "--db", db, "--listen", "127.0.0.1:0")
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	base := waitForServing(t, &logs, done)
	if resp, _ := get(t, noRedirects, base+"/login"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /login = %s", resp.Status)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("serve did not stop on SIGTERM:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "stopping the web app") {
		t.Errorf("no stop line:\n%s", logs.String())
	}
}
