package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/poller-crm/poller/pkg/notice"
	"github.com/poller-crm/poller/pkg/smtpsend"
)

// Message is one queued notice as the store hands it out.
type Message struct {
	ID       int64
	IntakeID int64 // 0 when none
	EmailID  int64 // 0 when none
	Reason   string
	// UserKey is the rate limit's key (notice.Notice.Key).
	UserKey string
	// From and To are the SMTP envelope; Data the message, CRLF.
	From      string
	To        []string
	Data      []byte
	MessageID string
	// Attempts counts the attempts started, this one included.
	Attempts  int
	CreatedAt time.Time
	// Abandoned reports that a sender had claimed it and never finished:
	// it was killed, perhaps after the server had accepted the message.
	Abandoned bool
}

// Store is what Send needs from the store. Every method commits before it
// returns.
type Store interface {
	// ClaimNotice takes the next notice due at now (queued with its next
	// attempt at or before now, or claimed by a sender whose lease has
	// ended), marks it sending until until, and counts the attempt. ok is
	// false when nothing is due.
	ClaimNotice(ctx context.Context, now, until time.Time) (m Message, ok bool, err error)
	// NoticesSentTo lists when notices with userKey were sent (or claimed
	// by another sender) after since, leaving out notice except.
	NoticesSentTo(ctx context.Context, userKey string, since time.Time, except int64) ([]time.Time, error)
	// NoticeSent marks notice id sent at at.
	NoticeSent(ctx context.Context, id int64, at time.Time) error
	// NoticeRetry queues notice id again for next, recording why.
	NoticeRetry(ctx context.Context, id int64, next time.Time, lastErr string) error
	// NoticeHeld queues notice id again for next without counting the
	// attempt (the rate limit held it).
	NoticeHeld(ctx context.Context, id int64, next time.Time) error
	// NoticeFailed gives up on notice id, recording why.
	NoticeFailed(ctx context.Context, id int64, lastErr string) error
}

// Defaults of Options.
const (
	DefaultSendTimeout = 2 * time.Minute
	DefaultMaxAge      = 24 * time.Hour
	DefaultMaxAttempts = 30
	// FirstBackoff doubles after each temporary failure up to MaxBackoff.
	FirstBackoff = time.Minute
	MaxBackoff   = time.Hour
)

// Options tune Send. Zero values take the defaults.
type Options struct {
	// MaxPerHour is the per-user rate limit; 0 means
	// notice.DefaultMaxPerHour.
	MaxPerHour int
	// SendTimeout bounds one SMTP transaction (DefaultSendTimeout); the
	// claim's lease is twice as long.
	SendTimeout time.Duration
	// MaxAge and MaxAttempts end the retries of a notice the server keeps
	// refusing for the time being (DefaultMaxAge, DefaultMaxAttempts).
	MaxAge      time.Duration
	MaxAttempts int
	// Limit bounds the notices one Send tries; 0 means no bound.
	Limit  int
	Logger *slog.Logger
	Now    func() time.Time
}

func (o Options) withDefaults() Options {
	if o.SendTimeout <= 0 {
		o.SendTimeout = DefaultSendTimeout
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Backoff is the wait after the n-th failed attempt (n from 1): 1 min,
// 2 min, 4 min, ... at most MaxBackoff.
func Backoff(n int) time.Duration {
	d := FirstBackoff
	for i := 1; i < n && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

// Send sends the notices due now, one at a time, until none is due, ctx
// ends or Limit is reached. It returns how many were sent and how many
// were given up on. SMTP trouble is no error (the notices wait, and each
// is logged); err is a store failure, which stops Send. When the server
// cannot be reached at all, Send stops after the first notice: the others
// wait for the next Send.
//
// Stopping (ctx cancelled) finishes the transaction in hand, bounded by
// SendTimeout, so that a notice the server accepted is marked sent.
func Send(ctx context.Context, store Store, cfg smtpsend.Config, opts Options) (sent, failed int, err error) {
	opts = opts.withDefaults()
	log := opts.Logger
	for tried := 0; opts.Limit <= 0 || tried < opts.Limit; tried++ {
		if ctx.Err() != nil {
			return sent, failed, nil
		}
		now := opts.Now()
		m, ok, err := store.ClaimNotice(ctx, now, now.Add(2*opts.SendTimeout))
		if err != nil {
			return sent, failed, fmt.Errorf("claim a notice: %w", err)
		}
		if !ok {
			return sent, failed, nil
		}
		attrs := []any{"notice", m.ID, "intake_id", m.IntakeID, "reason", m.Reason, "to", m.To, "message_id", m.MessageID, "attempt", m.Attempts}
		if m.Abandoned {
			log.Warn("a notice was being sent when a poller stopped; sending it again (it arrives twice if the server had accepted it)", attrs...)
		}
		held, err := hold(ctx, store, m, now, opts.MaxPerHour)
		if err != nil {
			return sent, failed, err
		}
		if !held.IsZero() {
			if err := store.NoticeHeld(ctx, m.ID, held); err != nil {
				return sent, failed, fmt.Errorf("hold notice %d: %w", m.ID, err)
			}
			log.Info("notice held by the rate limit", append(attrs, "user", m.UserKey, "until", held.UTC().Format(time.RFC3339))...)
			continue
		}
		outcome, err := deliver(ctx, store, cfg, m, opts)
		if err != nil {
			return sent, failed, err
		}
		switch outcome {
		case outcomeSent:
			sent++
			log.Info("notice sent", attrs...)
		case outcomeFailed:
			failed++
		case outcomeUnreachable:
			return sent, failed, nil
		}
	}
	return sent, failed, nil
}

type outcome int

const (
	outcomeSent outcome = iota
	outcomeRetry
	outcomeFailed
	outcomeUnreachable // retry, and try no other notice now
)

// deliver sends m and records what came of it.
func deliver(ctx context.Context, store Store, cfg smtpsend.Config, m Message, opts Options) (outcome, error) {
	log := opts.Logger.With("notice", m.ID, "intake_id", m.IntakeID, "reason", m.Reason, "to", m.To, "message_id", m.MessageID, "attempt", m.Attempts)
	// The transaction in hand is finished even when ctx ends.
	keep := context.WithoutCancel(ctx)
	sendCtx, cancel := context.WithTimeout(keep, opts.SendTimeout)
	defer cancel()
	var markErr error
	marked := false
	mark := func() {
		// Right after the server's 250: the window is this commit.
		if markErr = store.NoticeSent(keep, m.ID, opts.Now()); markErr == nil {
			marked = true
		}
	}
	sendErr := smtpsend.SendConfirmed(sendCtx, cfg, m.From, m.To, m.Data, mark)
	if sendErr == nil {
		for try := 0; !marked && try < 3; try++ {
			if try > 0 {
				time.Sleep(time.Duration(try) * 200 * time.Millisecond)
			}
			mark()
		}
		if !marked {
			return outcomeSent, fmt.Errorf("notice %d was sent but cannot be marked sent (it will be sent again): %w", m.ID, markErr)
		}
		return outcomeSent, nil
	}
	now := opts.Now()
	reason := sendErr.Error() // smtpsend's errors never hold the password
	if !smtpsend.Temporary(sendErr) {
		log.Error("notice refused for good: not sending it again", "error", reason)
		if err := store.NoticeFailed(keep, m.ID, reason); err != nil {
			return outcomeFailed, fmt.Errorf("fail notice %d: %w", m.ID, err)
		}
		return outcomeFailed, nil
	}
	if m.Attempts >= opts.MaxAttempts || now.Sub(m.CreatedAt) >= opts.MaxAge {
		reason = fmt.Sprintf("gave up after %d attempts over %s: %s", m.Attempts, now.Sub(m.CreatedAt).Round(time.Minute), reason)
		log.Error("notice not sent: giving up", "error", reason)
		if err := store.NoticeFailed(keep, m.ID, reason); err != nil {
			return outcomeFailed, fmt.Errorf("fail notice %d: %w", m.ID, err)
		}
		return outcomeFailed, nil
	}
	next := now.Add(Backoff(m.Attempts))
	log.Warn("notice not sent yet: will retry", "error", reason, "retry_at", next.UTC().Format(time.RFC3339))
	if err := store.NoticeRetry(keep, m.ID, next, reason); err != nil {
		return outcomeRetry, fmt.Errorf("retry notice %d: %w", m.ID, err)
	}
	if unreachable(sendErr) {
		return outcomeUnreachable, nil
	}
	return outcomeRetry, nil
}

// unreachable reports whether err says the server could not be reached or
// would not let us in: no other notice can go now either.
func unreachable(err error) bool {
	var e *smtpsend.Error
	if !errors.As(err, &e) {
		return true
	}
	switch e.Op {
	case smtpsend.OpDial, smtpsend.OpTLS, smtpsend.OpHello, smtpsend.OpAuth:
		return true
	}
	return false
}

// hold returns when m may go out under the rate limit, or the zero time
// when it may go now.
func hold(ctx context.Context, store Store, m Message, now time.Time, maxPerHour int) (time.Time, error) {
	if maxPerHour <= 0 {
		maxPerHour = notice.DefaultMaxPerHour
	}
	times, err := store.NoticesSentTo(ctx, m.UserKey, now.Add(-time.Hour), m.ID)
	if err != nil {
		return time.Time{}, fmt.Errorf("rate limit of notice %d: %w", m.ID, err)
	}
	if (notice.Limiter{MaxPerHour: maxPerHour}).Allow(times, now) {
		return time.Time{}, nil
	}
	return AllowedAt(times, maxPerHour, now), nil
}

// AllowedAt is the first time after now at which one more notice fits in
// a limit of max an hour, given the times of those already sent.
func AllowedAt(sent []time.Time, max int, now time.Time) time.Time {
	var recent []time.Time
	for _, t := range sent {
		if t.After(now.Add(-time.Hour)) {
			recent = append(recent, t)
		}
	}
	if len(recent) < max {
		return now
	}
	sort.Slice(recent, func(i, j int) bool { return recent[i].Before(recent[j]) })
	// Once the oldest len-max+1 have left the window, len < max remain.
	at := recent[len(recent)-max].Add(time.Hour)
	if !at.After(now) {
		at = now.Add(time.Second)
	}
	return at
}
