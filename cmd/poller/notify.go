package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/notice"
	"github.com/poller-crm/poller/pkg/outbox"
	"github.com/poller-crm/poller/pkg/smtpsend"
)

// notifyConfig is the notify: section: notices by mail to the salesperson
// whose message was not logged (or was logged without an attachment). Off
// when the section is absent.
type notifyConfig struct {
	// From is the notices' sender ("Poller <poller@example.com>").
	From string         `yaml:"from"`
	SMTP smtpConfigYAML `yaml:"smtp"`
	// Reasons that notify; absent = notice.DefaultReasons, [] = none.
	Reasons []string `yaml:"reasons"`
	// MaxPerHour bounds the notices one user gets in an hour.
	MaxPerHour int `yaml:"max_per_hour"`
	// Digest is "daily" (each user gets the previous day's digest) or ""
	// (none).
	Digest string `yaml:"digest"`
}

// smtpConfigYAML is notify.smtp: the submission server.
type smtpConfigYAML struct {
	Host         string   `yaml:"host"`
	Port         int      `yaml:"port"`
	TLS          string   `yaml:"tls"`
	Username     string   `yaml:"username"`
	Password     string   `yaml:"password"`
	PasswordFile string   `yaml:"password_file"`
	Timeout      duration `yaml:"timeout"`
}

// How long "once" and "ingest --notify" spend sending what is due, and how
// often "run" looks for due notices between passes.
const (
	onceNotifyTimeout = 2 * time.Minute
	notifyInterval    = time.Minute
)

// noticeConfig is the notices' configuration: notify:, web.base_url for
// the links, and the first log address for the advice.
func (c *config) noticeConfig() notice.Config {
	n := c.Notify
	logAddress := ""
	if len(c.CRM.LogAddresses) > 0 {
		logAddress = c.CRM.LogAddresses[0]
	}
	return notice.Config{
		From:       n.From,
		Reasons:    n.Reasons,
		BaseURL:    strings.TrimSuffix(c.Web.BaseURL, "/"),
		LogAddress: logAddress,
		MaxPerHour: n.MaxPerHour,
		Advice:     func(reason string) (string, string) { return crm.Advice(reason, logAddress) },
	}
}

// smtpConfig is notify.smtp without its secret.
func (s smtpConfigYAML) config() smtpsend.Config {
	return smtpsend.Config{Host: s.Host, Port: s.Port, TLS: s.TLS, Username: s.Username, Timeout: time.Duration(s.Timeout)}
}

// notifier sends the notices of one store: the passes queue them (Notify),
// Send sends what is due.
type notifier struct {
	notice notice.Config
	smtp   smtpsend.Config
	store  *crmstore.Store
	logger *slog.Logger
	// digest lists the users of the daily digest (nil: none), whose days
	// are those of loc.
	digest []crmstore.DigestUser
	loc    *time.Location
}

// notifier resolves notify: (its password from the environment or a file)
// for store; nil when notify: is absent.
func (c *config) notifier(getenv func(string) string, store *crmstore.Store, logger *slog.Logger) (*notifier, error) {
	n := c.Notify
	if n == nil {
		return nil, nil
	}
	cfg := n.SMTP.config()
	var err error
	if n.SMTP.PasswordFile != "" {
		cfg.Password, err = readSecret(c.path(n.SMTP.PasswordFile))
	} else {
		cfg.Password, err = expandEnv(n.SMTP.Password, getenv)
	}
	if err != nil {
		return nil, fmt.Errorf("notify.smtp.password: %w", err)
	}
	nt := &notifier{notice: c.noticeConfig(), smtp: cfg, store: store, logger: logger.With("component", "notify")}
	if n.Digest == "daily" {
		if nt.loc, err = c.location(); err != nil {
			return nil, err
		}
		for _, u := range c.Users {
			nt.digest = append(nt.digest, crmstore.DigestUser{Email: u.Email, Aliases: u.Aliases})
		}
	}
	return nt, nil
}

// ingest is what a pass needs to queue notices; nil when n is.
func (n *notifier) ingest() *ingest.Notify {
	if n == nil {
		return nil
	}
	return &ingest.Notify{Config: n.notice, MaxAttachmentSize: n.store.MaxAttachmentSize()}
}

// options are outbox.Send's: one SMTP transaction bounded by four of
// notify.smtp.timeout (the lease is twice that).
func (n *notifier) options() outbox.Options {
	timeout := n.smtp.Timeout
	if timeout <= 0 {
		timeout = smtpsend.DefaultTimeout
	}
	return outbox.Options{MaxPerHour: n.notice.MaxPerHour, SendTimeout: 4 * timeout, Logger: n.logger}
}

// send sends what is due, within timeout (0: no bound but ctx).
func (n *notifier) send(ctx context.Context, timeout time.Duration) (sent, failed int, err error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	if err := n.queueDigests(ctx, time.Now()); err != nil {
		n.logger.Error("cannot queue the daily digests", "error", err)
	}
	return outbox.Send(ctx, n.store, n.smtp, n.options())
}

// queueDigests queues, once per user, the digest of the day before now's
// (in the configured time zone): what was logged for the user and what of
// theirs was not. A user with nothing in either list gets none.
func (n *notifier) queueDigests(ctx context.Context, now time.Time) error {
	if len(n.digest) == 0 {
		return nil
	}
	local := now.In(n.loc)
	to := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, n.loc)
	from := to.AddDate(0, 0, -1)
	day := from.Format("2006-01-02")
	self, err := mail.ParseAddress(n.notice.From)
	if err != nil {
		return fmt.Errorf("notify.from: %w", err)
	}
	for _, u := range n.digest {
		due, err := n.store.DigestDue(ctx, u.Email, day)
		if err != nil {
			return err
		}
		if !due {
			continue
		}
		logged, notLogged, err := n.store.DigestItems(ctx, u, from, to)
		if err != nil {
			return err
		}
		if len(logged)+len(notLogged) == 0 {
			continue
		}
		msg, err := n.notice.ComposeDigest(u.Email, logged, notLogged, now)
		if err != nil {
			return fmt.Errorf("digest of %s: %w", u.Email, err)
		}
		queued, err := n.store.QueueDigest(ctx, u.Email, day, self.Address, msg, messageID(msg))
		if err != nil {
			return err
		}
		if queued {
			n.logger.Info("daily digest queued", "user", u.Email, "day", day, "logged", len(logged), "not_logged", len(notLogged))
		}
	}
	return nil
}

// messageID is the Message-ID (without brackets) of a composed message.
func messageID(msg []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		return ""
	}
	return strings.Trim(strings.TrimSpace(m.Header.Get("Message-ID")), "<>")
}

// sendAndReport is "once" and "ingest --notify": send what is due and say
// so in one line.
func (n *notifier) sendAndReport(ctx context.Context, stdout, stderr io.Writer) {
	if n == nil {
		return
	}
	sent, failed, err := n.send(ctx, onceNotifyTimeout)
	if err != nil {
		fmt.Fprintf(stderr, "poller: notices: %v\n", err)
	}
	line := fmt.Sprintf("notices: sent %d, failed %d", sent, failed)
	if counts, err := n.store.OutboxCounts(context.WithoutCancel(ctx)); err == nil && counts["queued"]+counts["sending"] > 0 {
		line += fmt.Sprintf(", waiting %d (sent on a later run)", counts["queued"]+counts["sending"])
	}
	fmt.Fprintln(stdout, line)
}

// loop is "run"'s sender: it sends what is due at start, after each pass
// (kick) and every notifyInterval, until ctx ends.
func (n *notifier) loop(ctx context.Context, kick <-chan struct{}) {
	t := time.NewTicker(notifyInterval)
	defer t.Stop()
	for {
		if _, _, err := n.send(ctx, 0); err != nil {
			n.logger.Error("cannot send notices", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-kick:
		}
	}
}

// checkSMTP is "poller check"'s notify step: connect, EHLO and log in,
// sending nothing.
func (c *config) checkSMTP(ctx context.Context, getenv func(string) string) (addr string, err error) {
	n, err := c.notifier(getenv, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		return c.Notify.SMTP.config().Addr(), err
	}
	ctx, cancel := context.WithTimeout(ctx, 4*max(n.smtp.Timeout, 5*time.Second))
	defer cancel()
	return n.smtp.Addr(), smtpsend.Check(ctx, n.smtp)
}
