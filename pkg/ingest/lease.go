package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Lease says which worker polls a mailbox.
type Lease struct {
	Mailbox string // "main/INBOX"
	// Holder names the pass: "host:pid:random" (see NewHolder).
	Holder  string
	Since   time.Time
	Expires time.Time
}

// Host and PID of the holder, from a holder made by NewHolder.
func (l Lease) hostPID() (host, pid string) {
	host, rest, _ := strings.Cut(l.Holder, ":")
	pid, _, _ = strings.Cut(rest, ":")
	return host, pid
}

// Leaser keeps one pass at a time on a mailbox: the store, which every
// worker polling a mailbox shares.
type Leaser interface {
	// Acquire takes the lease on mailbox for holder until ttl from now,
	// unless another holder's lease has not expired: then ok is false and
	// current is that lease.
	Acquire(ctx context.Context, mailbox, holder string, ttl time.Duration) (current Lease, ok bool, err error)
	// Renew extends holder's lease to ttl from now. It returns
	// ErrLeaseLost when the lease is no longer holder's.
	Renew(ctx context.Context, mailbox, holder string, ttl time.Duration) error
	// Release gives up holder's lease (nothing when it is not held).
	Release(ctx context.Context, mailbox, holder string) error
}

// ErrLeaseLost is a pass's lease renewed too late or taken by another
// worker: the pass stops before acknowledging anything more.
var ErrLeaseLost = errors.New("lease on the mailbox lost")

// BusyError is a pass that did not start: another worker holds the lease.
type BusyError struct{ Lease Lease }

func (e *BusyError) Error() string {
	host, pid := e.Lease.hostPID()
	return fmt.Sprintf("mailbox %s is being polled by %s pid %s since %s", e.Lease.Mailbox, host, pid,
		e.Lease.Since.Local().Format(time.RFC3339))
}

// LeaseOptions make a pass hold a lease on its mailbox.
type LeaseOptions struct {
	Leaser  Leaser
	Mailbox string // the lease's key: "main/INBOX"
	Holder  string // NewHolder()
	// TTL is how long a lease lasts unrenewed (2 min); the pass renews it
	// every third of it.
	TTL time.Duration
	// Wait, when the mailbox is busy, polls until it is free (or ctx
	// ends) instead of returning a *BusyError.
	Wait bool
	// PollInterval is how often Wait tries again (1 s).
	PollInterval time.Duration
}

// NewHolder names a pass of this process: "host:pid:random".
func NewHolder() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// deadHere reports a lease held by a process of this host that no longer
// runs (killed before it could release it).
func deadHere(l Lease) bool {
	host, pidText := l.hostPID()
	if me, err := os.Hostname(); err != nil || me != host {
		return false
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return false
	}
	return !processAlive(pid)
}

// heldLease is a lease a pass holds, renewed in the background.
type heldLease struct {
	opts LeaseOptions
	now  func() time.Time
	stop func()
	done chan struct{}

	mu         sync.Mutex
	lost       error
	validUntil time.Time
}

// acquireLease takes the lease (waiting if asked) and starts renewing it.
func acquireLease(ctx context.Context, o LeaseOptions, now func() time.Time, logger *slog.Logger) (*heldLease, error) {
	if o.TTL <= 0 {
		o.TTL = 2 * time.Minute
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	waiting := false
	for {
		start := now()
		cur, ok, err := o.Leaser.Acquire(ctx, o.Mailbox, o.Holder, o.TTL)
		if err != nil {
			return nil, fmt.Errorf("take the lease on %s: %w", o.Mailbox, err)
		}
		if ok {
			h := &heldLease{opts: o, now: now, validUntil: start.Add(o.TTL), done: make(chan struct{})}
			rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
			h.stop = cancel
			go h.renew(rctx)
			return h, nil
		}
		if deadHere(cur) {
			// Its process was killed on this host: the lease is free.
			logger.Warn("lease left by a process that is gone: taking it over", "mailbox", o.Mailbox, "holder", cur.Holder)
			if err := o.Leaser.Release(ctx, o.Mailbox, cur.Holder); err != nil {
				return nil, fmt.Errorf("take over the lease on %s: %w", o.Mailbox, err)
			}
			continue
		}
		busy := &BusyError{cur}
		if !o.Wait {
			return nil, busy
		}
		if !waiting {
			logger.Info(busy.Error() + ": waiting")
			waiting = true
		}
		select {
		case <-time.After(o.PollInterval):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// renew extends the lease every third of its TTL until stopped or lost.
func (h *heldLease) renew(ctx context.Context) {
	defer close(h.done)
	t := time.NewTicker(h.opts.TTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		start := h.now()
		err := h.opts.Leaser.Renew(ctx, h.opts.Mailbox, h.opts.Holder, h.opts.TTL)
		h.mu.Lock()
		switch {
		case errors.Is(err, ErrLeaseLost):
			h.lost = err
		case err == nil:
			h.validUntil = start.Add(h.opts.TTL)
		}
		// Another error (the store busy) is tried again next tick; the
		// lease stays valid until validUntil.
		h.mu.Unlock()
		if errors.Is(err, ErrLeaseLost) {
			return
		}
	}
}

// check returns ErrLeaseLost once the lease is lost or has run out.
func (h *heldLease) check() error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lost != nil {
		return fmt.Errorf("%s: %w", h.opts.Mailbox, h.lost)
	}
	if !h.now().Before(h.validUntil) {
		return fmt.Errorf("%s: not renewed in time: %w", h.opts.Mailbox, ErrLeaseLost)
	}
	return nil
}

// release stops renewing and gives the lease up.
func (h *heldLease) release(ctx context.Context) error {
	if h == nil {
		return nil
	}
	h.stop()
	<-h.done
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return h.opts.Leaser.Release(rctx, h.opts.Mailbox, h.opts.Holder)
}
