package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/poller-crm/poller/pkg/imapmem"
)

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestRunServesHealthAndMetrics(t *testing.T) {
	srv, err := imapmem.Start(imapUser, imapPassword, imapmem.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, raw := range numbered(t, 5) {
		srv.Append("INBOX", raw)
	}
	addr := freePort(t)
	cfg := imapConfig(t, srv.Addr)
	appendToConfig(t, cfg, "http:\n  listen: "+addr+"\nlog:\n  format: json\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"run", "--config", cfg, "--db", filepath.Join(t.TempDir(), "p.db")}, testGetenv, io.Discard, &logs)
	}()
	var metrics string
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if metrics = string(body); strings.Contains(metrics, "poller_passes_total") {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pass in /metrics:\n%s\n%s", metrics, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(metrics))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	for _, name := range []string{"poller_messages_total", "poller_pass_duration_seconds", "poller_last_successful_pass_timestamp_seconds", "poller_store_size_bytes"} {
		if _, ok := families[name]; !ok {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	var out bytes.Buffer
	if err := runHealthcheck(ctx, []string{"--url", "http://" + addr + "/healthz"}, &out, io.Discard); err != nil || strings.TrimSpace(out.String()) != "ok" {
		t.Errorf("healthcheck = %v, %q", err, out.String())
	}
	if err := runHealthcheck(ctx, []string{"--config", cfg}, io.Discard, io.Discard); err != nil {
		t.Errorf("healthcheck from the config's http.listen: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(logs.String(), `"msg":"pass"`) || !strings.Contains(logs.String(), `"mailbox":"main/INBOX"`) {
		t.Errorf("log.format json not applied, or no pass line with the mailbox key:\n%s", logs.String())
	}
	if err := runHealthcheck(context.Background(), []string{"--url", "http://" + addr + "/healthz"}, io.Discard, io.Discard); err == nil {
		t.Error("healthcheck succeeded with the daemon stopped")
	}
}

func TestStatusAnswersWhyNotLogged(t *testing.T) {
	srv, err := imapmem.Start(imapUser, imapPassword, imapmem.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.Append("INBOX", []byte("From: Dana <dana@prospect.example>\r\nTo: log@crm.example.com\r\nSubject: Our pricing call\r\nMessage-ID: <why@prospect.example>\r\n\r\nhello\r\n"))
	cfg := imapConfig(t, srv.Addr)
	db := filepath.Join(t.TempDir(), "p.db")
	if err := run(context.Background(), []string{"once", "--config", cfg, "--db", db}, testGetenv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"status", "--db", db}, testGetenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"main/INBOX", "seen 1, logged 0, rejected 1", "Last 24 hours: logged 0, rejected 1 (sender_not_user 1)",
		`sender_not_user     from dana@prospect.example, "Our pricing call"`, "is not a user"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, out.String())
		}
	}
}

func TestLogConfigErrors(t *testing.T) {
	for _, c := range []config{{Log: logConfig{Level: "loud"}}, {Log: logConfig{Format: "xml"}}} {
		if _, err := c.logger(io.Discard, false); err == nil {
			t.Errorf("logger(%+v) succeeded, want an error", c.Log)
		}
	}
}

func TestHealthcheckWithoutHTTPListenSaysSo(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "poller.yaml")
	body := "crm: {log_addresses: [log@crm.example.com]}\nusers: [{email: alice@example.com}]\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	err := runHealthcheck(context.Background(), []string{"--config", cfg}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no health endpoint") {
		t.Errorf("healthcheck without http.listen = %v, want it to say the daemon serves no health endpoint", err)
	}
}
