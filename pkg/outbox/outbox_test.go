package outbox_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crm/crmtest"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/notice"
	"github.com/poller-crm/poller/pkg/outbox"
	"github.com/poller-crm/poller/pkg/smtpsend"
	"github.com/poller-crm/poller/pkg/smtpsend/smtptest"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// clock is a settable time shared by the store and Send.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)} }
func smtpConfig(s *smtptest.Server) smtpsend.Config {
	return smtpsend.Config{Host: s.Host, Port: s.Port, TLS: smtpsend.TLSNone, Timeout: 5 * time.Second}
}

type fixture struct {
	store *crmstore.Store
	clock *clock
	rules *crm.Rules
	n     int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c := newClock()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "poller.db"), crmstore.Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &fixture{store: s, clock: c, rules: crmtest.Rules(t)}
}

// queue records k distinct unparseable forwards from bob, each earning a
// notice.
func (f *fixture) queue(t *testing.T, k int) {
	t.Helper()
	raw, err := os.ReadFile("../../fixtures/reject-forward-unparseable.eml")
	if err != nil {
		t.Fatal(err)
	}
	notify := &ingest.Notify{Config: notice.Config{From: "Poller <poller@example.com>"}}
	var items []ingest.Item
	for range k {
		f.n++
		one := append([]byte(fmt.Sprintf("X-Copy: %d\r\n", f.n)), raw...)
		it := ingest.Process(f.rules, ingest.Origin{Path: fmt.Sprintf("m%d.eml", f.n)}, one)
		notify.Apply(f.rules, &it)
		items = append(items, it)
	}
	res, err := f.store.Record(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if !r.Noticed {
			t.Fatalf("Record(%d) = %+v, want a notice queued", i, r)
		}
	}
}

func (f *fixture) send(t *testing.T, cfg smtpsend.Config, opts outbox.Options) (sent, failed int) {
	t.Helper()
	opts.Now = f.clock.now
	sent, failed, err := outbox.Send(context.Background(), f.store, cfg, opts)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	return sent, failed
}

// row is one outbox row's status, attempts and next attempt.
func (f *fixture) row(t *testing.T, id int) (status string, attempts int, next, lastErr string) {
	t.Helper()
	if err := f.store.DB().QueryRow(`SELECT status, attempts, next_attempt_at, last_error FROM outbox WHERE id = ?`, id).
		Scan(&status, &attempts, &next, &lastErr); err != nil {
		t.Fatal(err)
	}
	return status, attempts, next, lastErr
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func TestSendOnce(t *testing.T) {
	f := newFixture(t)
	srv := smtptest.Start(t)
	f.queue(t, 1)
	if sent, failed := f.send(t, smtpConfig(srv), outbox.Options{}); sent != 1 || failed != 0 {
		t.Fatalf("Send = %d sent, %d failed; want 1, 0", sent, failed)
	}
	if sent, _ := f.send(t, smtpConfig(srv), outbox.Options{}); sent != 0 {
		t.Errorf("second Send sent %d, want 0", sent)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.From != "poller@example.com" || strings.Join(m.To, ",") != "bob@example.com" ||
		!bytes.Contains(m.Data, []byte("Auto-Submitted: auto-replied")) || !bytes.Contains(m.Data, []byte("In-Reply-To: <CANOPdnRIk2nAW7CjFlWb9ZUBb3sPd88h5F9_OoifegTjuOA5ab9D@mail.gmail.com>")) {
		t.Errorf("server got %s -> %v:\n%s", m.From, m.To, m.Data)
	}
	var stored []byte
	f.store.DB().QueryRow(`SELECT message FROM outbox`).Scan(&stored)
	if !bytes.Equal(stored, m.Data) {
		t.Error("the server got other bytes than the store queued")
	}
	if status, attempts, _, _ := f.row(t, 1); status != "sent" || attempts != 1 {
		t.Errorf("row = %s after %d attempts, want sent after 1", status, attempts)
	}
}

func TestSendServerDownWaitsWithBackoff(t *testing.T) {
	f := newFixture(t)
	srv := smtptest.Start(t)
	f.queue(t, 2)
	srv.Stop()
	start := f.clock.now()
	if sent, failed := f.send(t, smtpConfig(srv), outbox.Options{}); sent != 0 || failed != 0 {
		t.Fatalf("Send to a stopped server = %d sent, %d failed; want 0, 0", sent, failed)
	}
	status, attempts, next, lastErr := f.row(t, 1)
	if status != "queued" || attempts != 1 || next != stamp(start.Add(time.Minute)) || !strings.Contains(lastErr, "dial") {
		t.Errorf("after the first failure: %s, %d attempts, next %s, %q; want queued, 1, %s, a dial error", status, attempts, next, lastErr, stamp(start.Add(time.Minute)))
	}
	// The server unreachable, the second notice was not tried at all.
	if _, attempts, _, _ := f.row(t, 2); attempts != 0 {
		t.Errorf("second notice: %d attempts, want 0 (the server was down)", attempts)
	}
	f.send(t, smtpConfig(srv), outbox.Options{}) // nothing due yet for the first
	f.clock.advance(time.Minute)
	f.send(t, smtpConfig(srv), outbox.Options{})
	_, attempts, next, _ = f.row(t, 1)
	if attempts != 2 || next != stamp(start.Add(3*time.Minute)) {
		t.Errorf("after the second failure: %d attempts, next %s; want 2, %s (2 min later)", attempts, next, stamp(start.Add(3*time.Minute)))
	}
	srv.Restart()
	f.clock.advance(2 * time.Minute)
	if sent, _ := f.send(t, smtpConfig(srv), outbox.Options{}); sent != 2 {
		t.Errorf("Send once the server is back = %d sent, want 2", sent)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("server got %d messages, want 2", n)
	}
}

func TestSendRefusedForGood(t *testing.T) {
	f := newFixture(t)
	srv := smtptest.Start(t)
	f.queue(t, 1)
	srv.Refuse(smtptest.StageRcpt, 550)
	if sent, failed := f.send(t, smtpConfig(srv), outbox.Options{}); sent != 0 || failed != 1 {
		t.Fatalf("Send refused 550 = %d sent, %d failed; want 0, 1", sent, failed)
	}
	srv.Refuse(smtptest.StageRcpt, 0)
	f.clock.advance(48 * time.Hour)
	f.send(t, smtpConfig(srv), outbox.Options{})
	if status, _, _, lastErr := f.row(t, 1); status != "failed" || !strings.Contains(lastErr, "550") {
		t.Errorf("row = %s, %q; want failed with the 550", status, lastErr)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server got %d messages, want 0", n)
	}
}

func TestSendTemporaryRefusalRetries(t *testing.T) {
	f := newFixture(t)
	srv := smtptest.Start(t)
	f.queue(t, 1)
	srv.Refuse(smtptest.StageData, 451)
	f.send(t, smtpConfig(srv), outbox.Options{})
	if status, attempts, _, lastErr := f.row(t, 1); status != "queued" || attempts != 1 || !strings.Contains(lastErr, "451") {
		t.Errorf("row = %s, %d, %q; want queued after 1 attempt with the 451", status, attempts, lastErr)
	}
	srv.Refuse(smtptest.StageData, 0)
	f.clock.advance(time.Minute)
	if sent, _ := f.send(t, smtpConfig(srv), outbox.Options{}); sent != 1 {
		t.Errorf("Send after the refusal ended = %d, want 1", sent)
	}
}

func TestSendGivesUpAfterMaxAge(t *testing.T) {
	f := newFixture(t)
	srv := smtptest.Start(t)
	f.queue(t, 1)
	srv.Stop()
	f.send(t, smtpConfig(srv), outbox.Options{})
	f.clock.advance(25 * time.Hour)
	if _, failed := f.send(t, smtpConfig(srv), outbox.Options{}); failed != 1 {
		t.Errorf("Send a day later, server still down: %d failed, want 1", failed)
	}
	if status, _, _, lastErr := f.row(t, 1); status != "failed" || !strings.Contains(lastErr, "gave up after 2 attempts") {
		t.Errorf("row = %s, %q; want failed, gave up", status, lastErr)
	}
}

func TestSendRateLimitWaits(t *testing.T) {
	f := newFixture(t)
	srv := smtptest.Start(t)
	f.queue(t, 3)
	start := f.clock.now()
	if sent, _ := f.send(t, smtpConfig(srv), outbox.Options{MaxPerHour: 2}); sent != 2 {
		t.Fatalf("Send with a limit of 2 an hour = %d sent, want 2", sent)
	}
	status, attempts, next, _ := f.row(t, 3)
	if status != "queued" || attempts != 0 || next != stamp(start.Add(time.Hour)) {
		t.Errorf("third notice: %s, %d attempts, next %s; want queued, 0, %s", status, attempts, next, stamp(start.Add(time.Hour)))
	}
	f.clock.advance(59 * time.Minute)
	if sent, _ := f.send(t, smtpConfig(srv), outbox.Options{MaxPerHour: 2}); sent != 0 {
		t.Errorf("Send within the hour = %d sent, want 0", sent)
	}
	f.clock.advance(time.Minute)
	if sent, _ := f.send(t, smtpConfig(srv), outbox.Options{MaxPerHour: 2}); sent != 1 {
		t.Errorf("Send an hour later = %d sent, want 1", sent)
	}
	if n := len(srv.Messages()); n != 3 {
		t.Errorf("server got %d messages, want 3: none dropped", n)
	}
}

// TestSendAfterAnAbandonedClaim: a sender that claimed a notice and died
// leaves it in flight; once the lease ends another sends it.
func TestSendAfterAnAbandonedClaim(t *testing.T) {
	f := newFixture(t)
	srv := smtptest.Start(t)
	f.queue(t, 1)
	now := f.clock.now()
	if _, ok, err := f.store.ClaimNotice(context.Background(), now, now.Add(4*time.Minute)); !ok || err != nil {
		t.Fatalf("ClaimNotice = %v, %v", ok, err)
	}
	if sent, _ := f.send(t, smtpConfig(srv), outbox.Options{}); sent != 0 {
		t.Errorf("Send during another sender's lease = %d, want 0", sent)
	}
	f.clock.advance(4 * time.Minute)
	if sent, _ := f.send(t, smtpConfig(srv), outbox.Options{}); sent != 1 {
		t.Errorf("Send after the lease = %d, want 1", sent)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if got := outbox.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestAllowedAt(t *testing.T) {
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	sent := []time.Time{now.Add(-10 * time.Minute), now.Add(-50 * time.Minute), now.Add(-2 * time.Hour), now.Add(-30 * time.Minute)}
	tests := []struct {
		max  int
		want time.Time
	}{
		{4, now},
		{3, now.Add(10 * time.Minute)}, // when the one of 50 min ago leaves
		{2, now.Add(30 * time.Minute)},
		{1, now.Add(50 * time.Minute)},
	}
	for _, tt := range tests {
		if got := outbox.AllowedAt(sent, tt.max, now); !got.Equal(tt.want) {
			t.Errorf("AllowedAt(max %d) = %v, want %v", tt.max, got, tt.want)
		}
	}
}
