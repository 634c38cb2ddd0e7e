package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
)

// Fetched is one message read from a mailbox.
type Fetched struct {
	UID uint32
	Raw []byte
	// Size is the whole message's size as the server reports it (0 when
	// unknown). Raw holds only the header section of a message fetched
	// with FetchHeaders.
	Size int64
}

// Mailbox is a logged-in connection to a selected IMAP mailbox, as a pass
// needs it.
type Mailbox interface {
	Name() string
	Mailbox() string
	UIDValidity() uint32
	// Unseen lists the UIDs of the messages without \Seen.
	Unseen(ctx context.Context) ([]uint32, error)
	// Sizes returns the messages' sizes (RFC822.SIZE).
	Sizes(ctx context.Context, uids []uint32) (map[uint32]int64, error)
	// Fetch reads messages without marking them.
	Fetch(ctx context.Context, uids []uint32) ([]Fetched, error)
	// FetchHeaders reads only the header sections, for messages too large
	// to hold: enough to decide, and to reject them as too_large.
	FetchHeaders(ctx context.Context, uids []uint32) ([]Fetched, error)
	// Acknowledge marks committed messages \Seen and files them.
	Acknowledge(ctx context.Context, processed, rejected []uint32) error
	Close() error
}

// Refiler is a Mailbox that can finish filing what an earlier pass marked
// \Seen but did not move to its folder.
type Refiler interface {
	Refile(ctx context.Context) (int, error)
}

// Dialer connects to a mailbox.
type Dialer func(ctx context.Context) (Mailbox, error)

// PassOptions tune a pass. Zero values take the defaults.
type PassOptions struct {
	Batching
	Workers int // parse and decide in parallel (GOMAXPROCS)
	// MaxAttempts is how many passes a message may fail the same way
	// before it is quarantined in the rejected folder (3).
	MaxAttempts int
	// Backoff is the first wait before reconnecting; it doubles up to
	// MaxBackoff (1 s, 30 s). MaxReconnects bounds the reconnections of
	// one pass (5).
	Backoff, MaxBackoff time.Duration
	MaxReconnects       int
	// AckTimeout bounds committing-side work that must finish even when
	// the pass is asked to stop (30 s).
	AckTimeout time.Duration
	Logger     *slog.Logger
	Now        func() time.Time
	// Notify, when set, queues a notice for each message that earns one.
	Notify *Notify
	// DryRun fetches and decides but records and acknowledges nothing:
	// no store writes (the store may be nil), nothing marked \Seen or
	// moved, no earlier pass's filing finished. Decided receives each
	// decision; the summary counts what would be logged or rejected.
	DryRun  bool
	Decided func(Item)
	// Lease, when set, makes the pass hold a lease on its mailbox: a pass
	// that finds another holder returns a *BusyError (logged once) without
	// connecting, and one that loses its lease stops with ErrLeaseLost
	// before acknowledging anything more.
	Lease *LeaseOptions
}

func (o PassOptions) withDefaults() PassOptions {
	o.Batching = o.Batching.WithDefaults()
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.MaxReconnects <= 0 {
		o.MaxReconnects = 5
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// PassSummary is what one pass over a mailbox did.
type PassSummary struct {
	Summary
	Mailbox     string
	Seen        int // unseen messages found
	Quarantined int
	Reconnects  int
	// Refiled counts messages an earlier pass had marked \Seen but not
	// moved, filed by this one.
	Refiled  int
	Duration time.Duration
}

// String is the pass's one-line summary.
func (p PassSummary) String() string {
	return fmt.Sprintf("pass %s: seen %d, %s, quarantined %d, reconnects %d, %s",
		p.Mailbox, p.Seen, p.Summary.String(), p.Quarantined, p.Reconnects, p.Duration.Round(time.Millisecond))
}

// UIDValidityChecker is the part of a store that remembers a mailbox's
// UIDVALIDITY.
type UIDValidityChecker interface {
	LastUIDValidity(ctx context.Context, mailbox string) (uint32, bool, error)
}

// Pass logs every unseen message of one mailbox: fetch a batch, decide,
// commit, and only then acknowledge it. A dropped connection reconnects with
// capped exponential backoff and carries on with what is still unseen;
// what was committed is recognised and only acknowledged. A command the
// server refuses (IsRefused) stops the pass with that error instead; so
// does a lost lease (PassOptions.Lease). When ctx is cancelled, the batch
// in hand is committed and acknowledged, then Pass returns ctx's error.
func Pass(ctx context.Context, dial Dialer, rules *crm.Rules, store Store, opts PassOptions) (PassSummary, error) {
	opts = opts.withDefaults()
	start := opts.Now()
	p := &pass{dial: dial, rules: rules, store: store, opts: opts, done: map[uint32]bool{}}
	defer p.close()
	if opts.Lease != nil {
		p.sum.Mailbox = opts.Lease.Mailbox
		lease, err := acquireLease(ctx, *opts.Lease, opts.Now, opts.Logger)
		if err != nil {
			var busy *BusyError
			if errors.As(err, &busy) {
				opts.Logger.Info(busy.Error() + ": skipping")
			}
			return p.sum, err
		}
		p.lease = lease
		defer func() {
			if err := lease.release(ctx); err != nil {
				opts.Logger.Warn("could not release the lease", "mailbox", opts.Lease.Mailbox, "error", err.Error())
			}
		}()
	}
	err := p.run(ctx)
	p.sum.Duration = opts.Now().Sub(start)
	return p.sum, err
}

type pass struct {
	dial  Dialer
	rules *crm.Rules
	store Store
	opts  PassOptions
	mb    Mailbox
	sum   PassSummary
	// done holds the UIDs this pass has settled (acknowledged, or failed
	// and left for a later pass).
	done map[uint32]bool
	// unfiled are committed messages whose acknowledgement was cut short
	// (they may be \Seen but not yet moved); retried after reconnecting.
	unfiled unfiled
	lease   *heldLease // nil without PassOptions.Lease
}

type unfiled struct {
	uidValidity         uint32
	processed, rejected []uint32
}

func (p *pass) close() {
	if p.mb != nil {
		p.mb.Close()
		p.mb = nil
	}
}

func (p *pass) connect(ctx context.Context) error {
	mb, err := p.dial(ctx)
	if err != nil {
		return err
	}
	p.mb = mb
	p.sum.Mailbox = mb.Name() + "/" + mb.Mailbox()
	if err := p.lease.check(); err != nil {
		return err
	}
	if rf, ok := mb.(Refiler); ok && !p.opts.DryRun {
		// Mail committed and marked by an earlier pass but never moved:
		// file it now. A folder that still refuses is retried next pass.
		n, err := rf.Refile(ctx)
		switch {
		case err != nil:
			p.opts.Logger.Warn("could not file messages left by an earlier pass", "mailbox", p.sum.Mailbox, "error", err.Error())
		case n > 0:
			p.opts.Logger.Info("filed messages an earlier pass had marked but not moved", "mailbox", p.sum.Mailbox, "count", n)
		}
		p.sum.Refiled += n
	}
	if checker, ok := p.store.(UIDValidityChecker); ok {
		last, known, err := checker.LastUIDValidity(ctx, p.sum.Mailbox)
		if err == nil && known && last != mb.UIDValidity() {
			p.opts.Logger.Warn("UIDVALIDITY changed: messages are matched by Message-ID, never logged twice",
				"mailbox", p.sum.Mailbox, "was", last, "now", mb.UIDValidity())
		}
	}
	return nil
}

// reconnect waits (capped exponential backoff) and connects again.
func (p *pass) reconnect(ctx context.Context, cause error) error {
	p.close()
	wait := p.opts.Backoff
	for attempt := 1; ; attempt++ {
		if p.sum.Reconnects >= p.opts.MaxReconnects {
			return fmt.Errorf("gave up after %d reconnections: %w", p.sum.Reconnects, cause)
		}
		p.sum.Reconnects++
		p.opts.Logger.Warn("connection lost, reconnecting", "mailbox", p.sum.Mailbox, "error", cause.Error(), "wait", wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		err := p.connect(ctx)
		if err == nil || stopsPass(err) {
			return err
		}
		cause = err
		wait = min(2*wait, p.opts.MaxBackoff)
	}
}

func (p *pass) run(ctx context.Context) error {
	if err := p.connect(ctx); err != nil {
		return err
	}
	counted := false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := p.fileUnfiled(ctx); err != nil {
			if stopsPass(err) {
				return err
			}
			if err := p.reconnect(ctx, err); err != nil {
				return err
			}
			continue
		}
		uids, err := p.mb.Unseen(ctx)
		if err != nil {
			if stopsPass(err) {
				return err
			}
			if err := p.reconnect(ctx, err); err != nil {
				return err
			}
			continue
		}
		var todo []uint32
		for _, u := range uids {
			if !p.done[u] {
				todo = append(todo, u)
			}
		}
		if !counted {
			p.sum.Seen, counted = len(todo), true
		}
		if len(todo) == 0 {
			return nil
		}
		lost := false
		for start := 0; start < len(todo) && !lost; start += p.opts.BatchSize {
			if err := ctx.Err(); err != nil {
				return err
			}
			batch := todo[start:min(start+p.opts.BatchSize, len(todo))]
			if err := p.batch(ctx, batch); err != nil {
				var ce connError
				if !errors.As(err, &ce) {
					return err
				}
				if err := p.reconnect(ctx, ce.err); err != nil {
					return err
				}
				lost = true // search again: what was committed is recognised
			}
		}
	}
}

// connError marks an error of the connection, which reconnecting may cure.
type connError struct{ err error }

func (c connError) Error() string { return c.err.Error() }

// asConnError marks err as the connection's, unless the server refused
// the command over a working connection.
func asConnError(err error) error {
	if IsRefused(err) {
		return err
	}
	return connError{err}
}

// stopsPass reports an error reconnecting cannot cure: a refusal, or
// the lease lost.
func stopsPass(err error) bool { return IsRefused(err) || errors.Is(err, ErrLeaseLost) }

// IsRefused reports whether err is a server refusing a command (a tagged
// NO or BAD) over a connection that still works: an error with a method
// Refused() bool returning true, such as imapsource.RefusedError.
// Reconnecting does not cure it; the pass stops with it instead.
func IsRefused(err error) bool {
	var r interface{ Refused() bool }
	return errors.As(err, &r) && r.Refused()
}

// batch fetches, decides, commits and acknowledges uids, holding at most
// BatchBytes of mail at once. A message over the size limit is never held:
// its header section is enough to decide on it (and reject it too_large).
func (p *pass) batch(ctx context.Context, uids []uint32) error {
	sizes, err := p.mb.Sizes(ctx, uids)
	if err != nil {
		return asConnError(err)
	}
	var large, part []uint32
	var partBytes int64
	for _, uid := range uids {
		size := sizes[uid]
		if size > p.rules.MaxMessageSize() {
			large = append(large, uid)
			continue
		}
		if len(part) > 0 && partBytes+size > p.opts.BatchBytes {
			if err := p.fetchAndSettle(ctx, part, p.mb.Fetch); err != nil {
				return err
			}
			part, partBytes = nil, 0
		}
		part, partBytes = append(part, uid), partBytes+size
	}
	if len(part) > 0 {
		if err := p.fetchAndSettle(ctx, part, p.mb.Fetch); err != nil {
			return err
		}
	}
	if len(large) > 0 {
		return p.fetchAndSettle(ctx, large, p.mb.FetchHeaders)
	}
	return nil
}

// fetchAndSettle fetches uids with fetch, then decides, commits and
// acknowledges them.
func (p *pass) fetchAndSettle(ctx context.Context, uids []uint32, fetch func(context.Context, []uint32) ([]Fetched, error)) error {
	fetched, err := fetch(ctx, uids)
	if err != nil {
		return asConnError(err)
	}
	// From here on the batch is in hand: finish it even when asked to stop.
	hold, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.opts.AckTimeout)
	defer cancel()
	raws := make([]rawMessage, len(fetched))
	for i, f := range fetched {
		raws[i] = rawMessage{Origin{Mailbox: p.sum.Mailbox, UIDValidity: p.mb.UIDValidity(), UID: f.UID}, f.Raw, f.Size}
	}
	items := processBatch(p.rules, raws, p.opts.Workers, p.opts.Notify)
	if p.opts.DryRun {
		p.decided(items)
		return nil
	}
	if err := p.lease.check(); err != nil {
		return err
	}
	results, err := p.store.Record(hold, items)
	if err != nil {
		return fmt.Errorf("record: %w", err) // nothing committed: all stay unseen
	}
	var processed, rejected []uint32
	for i, r := range results {
		uid := fetched[i].UID
		p.done[uid] = true
		logResult(p.opts.Logger, items[i], r)
		switch {
		case r.Outcome == OutcomeFailed && r.Attempts >= p.opts.MaxAttempts:
			p.opts.Logger.Error("message quarantined after repeated failures", "mailbox", p.sum.Mailbox, "uid", uid, "attempts", r.Attempts, "error", r.Err)
			p.sum.Quarantined++
			rejected = append(rejected, uid)
		case r.Outcome == OutcomeFailed:
			// Left unseen for the next pass.
		case r.Outcome == OutcomeRejected:
			rejected = append(rejected, uid)
		default:
			processed = append(processed, uid)
		}
		p.sum.Add(r)
	}
	if err := p.lease.check(); err != nil {
		return err // committed: the next holder finds them recorded
	}
	if err := p.mb.Acknowledge(hold, processed, rejected); err != nil {
		if IsRefused(err) {
			// Committed: what was marked but not moved is filed by a
			// later pass (Refiler).
			return fmt.Errorf("acknowledge: %w", err)
		}
		// Committed, perhaps marked \Seen but not moved: acknowledge them
		// again once reconnected.
		p.unfiled = unfiled{p.mb.UIDValidity(), append(p.unfiled.processed, processed...), append(p.unfiled.rejected, rejected...)}
		return connError{fmt.Errorf("acknowledge: %w", err)}
	}
	return nil
}

// fileUnfiled acknowledges again what a cut connection left unacknowledged
// (\Seen and moves are idempotent). After a UIDVALIDITY change the UIDs
// mean nothing: those messages are found unseen again and recognised by
// the store.
func (p *pass) fileUnfiled(ctx context.Context) error {
	u := p.unfiled
	if len(u.processed)+len(u.rejected) == 0 {
		return nil
	}
	if u.uidValidity != p.mb.UIDValidity() {
		for _, uid := range append(u.processed, u.rejected...) {
			delete(p.done, uid)
		}
		p.unfiled = unfiled{}
		return nil
	}
	if err := p.lease.check(); err != nil {
		return err
	}
	hold, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.opts.AckTimeout)
	defer cancel()
	if err := p.mb.Acknowledge(hold, u.processed, u.rejected); err != nil {
		return fmt.Errorf("acknowledge again: %w", err)
	}
	p.unfiled = unfiled{}
	return nil
}

// decided settles a dry run's batch: each decision goes to Decided (not
// to the log, whose lines say what was recorded) and is counted; nothing
// is recorded or acknowledged.
func (p *pass) decided(items []Item) {
	for _, it := range items {
		p.done[it.Origin.UID] = true
		r := Result{Outcome: OutcomeLogged}
		switch {
		case it.Failure != nil:
			r = Result{Outcome: OutcomeFailed, Err: it.Failure}
		case it.Decision.Rejected():
			r = Result{Outcome: OutcomeRejected, Reason: it.Decision.Reason}
		}
		if p.opts.Decided != nil {
			p.opts.Decided(it)
		}
		p.sum.Add(r)
	}
}
