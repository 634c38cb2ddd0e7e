package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/poller-crm/poller/pkg/crm"
)

// Source yields raw messages, then io.EOF. A message too large to hold may
// come as its header section only, with size its whole size; otherwise
// size is len(raw) (or 0).
type Source interface {
	Next(ctx context.Context) (origin Origin, raw []byte, size int64, err error)
}

// Options tune Run. Zero values take the defaults.
type Options struct {
	Batching
	// Workers parse and decide in parallel (GOMAXPROCS).
	Workers int
	// Progress, when set, is called after each committed batch.
	Progress func(Summary)
	// Logger receives one line per decision (debug) and failure (warn).
	Logger *slog.Logger
	// Notify, when set, queues notices (historical mail: only when asked).
	Notify *Notify
}

func (o Options) withDefaults() Options {
	o.Batching = o.Batching.WithDefaults()
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Summary counts what a run did.
type Summary struct {
	Logged, Rejected, Duplicate, Failed int
	// RecordedBefore counts messages recorded before from the same origin;
	// they are included in Duplicate.
	RecordedBefore int
	ByReason       map[crm.Reason]int
}

// Total is the number of messages counted.
func (s Summary) Total() int { return s.Logged + s.Rejected + s.Duplicate + s.Failed }

// Add counts one result.
func (s *Summary) Add(r Result) {
	if s.ByReason == nil {
		s.ByReason = map[crm.Reason]int{}
	}
	switch {
	case r.Seen:
		s.RecordedBefore++
		s.Duplicate++
	case r.Outcome == OutcomeLogged:
		s.Logged++
	case r.Outcome == OutcomeRejected:
		s.Rejected++
		s.ByReason[r.Reason]++
	case r.Outcome == OutcomeDuplicate:
		s.Duplicate++
	default:
		s.Failed++
	}
}

// String is the one-line summary: "logged N, rejected M (reason n, ...),
// duplicate D, failed F".
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "logged %d, rejected %d", s.Logged, s.Rejected)
	if len(s.ByReason) > 0 {
		reasons := make([]string, 0, len(s.ByReason))
		for r, n := range s.ByReason {
			reasons = append(reasons, fmt.Sprintf("%s %d", r, n))
		}
		sort.Strings(reasons)
		fmt.Fprintf(&b, " (%s)", strings.Join(reasons, ", "))
	}
	fmt.Fprintf(&b, ", duplicate %d, failed %d", s.Duplicate, s.Failed)
	if s.RecordedBefore > 0 {
		fmt.Fprintf(&b, " (%d recorded before, unchanged)", s.RecordedBefore)
	}
	return b.String()
}

type rawMessage struct {
	origin Origin
	raw    []byte
	size   int64 // the whole message's size when raw is only its header; 0 otherwise
}

// Run reads every message of src, decides on each with rules and records
// the outcomes in store, in batches. Parsing runs on Workers goroutines
// while the previous batch commits. It returns what was committed so far
// and the first error that stopped it.
func Run(ctx context.Context, src Source, rules *crm.Rules, store Store, opts Options) (Summary, error) {
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	batches := make(chan []Item, 1)
	var readErr error
	go func() {
		defer close(batches)
		for {
			raws, err := readBatch(ctx, src, opts)
			if len(raws) > 0 {
				select {
				case batches <- processBatch(rules, raws, opts.Workers, opts.Notify):
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					readErr = err
				}
				return
			}
		}
	}()

	var sum Summary
	for items := range batches {
		// A batch in hand is committed even when ctx is cancelled, so that a
		// shutdown loses nothing it already processed.
		results, err := store.Record(context.WithoutCancel(ctx), items)
		if err != nil {
			cancel()
			for range batches { // let the reader finish
			}
			return sum, err
		}
		for i, r := range results {
			sum.Add(r)
			logResult(opts.Logger, items[i], r)
		}
		if opts.Progress != nil {
			opts.Progress(sum)
		}
	}
	if readErr != nil {
		return sum, readErr
	}
	return sum, ctx.Err()
}

// readBatch reads up to BatchSize messages or BatchBytes bytes.
func readBatch(ctx context.Context, src Source, opts Options) ([]rawMessage, error) {
	var raws []rawMessage
	var held int64
	for len(raws) < opts.BatchSize && held < opts.BatchBytes {
		if err := ctx.Err(); err != nil {
			return raws, err
		}
		origin, raw, size, err := src.Next(ctx)
		if err != nil {
			return raws, err
		}
		raws = append(raws, rawMessage{origin: origin, raw: raw, size: size})
		held += int64(len(raw))
	}
	return raws, nil
}

// processBatch parses and decides raws on up to workers goroutines,
// keeping their order, and decides their notices when notify is set.
func processBatch(rules *crm.Rules, raws []rawMessage, workers int, notify *Notify) []Item {
	items := make([]Item, len(raws))
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, min(workers, len(raws))) {
		wg.Go(func() {
			for i := range next {
				items[i] = ProcessSized(rules, raws[i].origin, raws[i].raw, raws[i].size)
				notify.Apply(rules, &items[i])
			}
		})
	}
	for i := range raws {
		next <- i
	}
	close(next)
	wg.Wait()
	return items
}

// logResult writes one line per decision, with the stable keys mailbox,
// uid (or path), message_id, kind, reason and contact.
func logResult(log *slog.Logger, it Item, r Result) {
	attrs := []any{"outcome", string(r.Outcome)}
	if o := it.Origin; o.Mailbox != "" {
		attrs = append(attrs, "mailbox", o.Mailbox, "uidvalidity", o.UIDValidity, "uid", o.UID)
	} else {
		attrs = append(attrs, "path", o.Path)
	}
	if it.Message != nil && it.Message.MessageID != "" {
		attrs = append(attrs, "message_id", it.Message.MessageID)
	}
	if r.Noticed {
		attrs = append(attrs, "notice", it.Notice.Reason)
	}
	switch r.Outcome {
	case OutcomeFailed:
		log.Warn("message failed", append(attrs, "attempts", r.Attempts, "error", r.Err)...)
	case OutcomeRejected:
		log.Debug("message rejected", append(attrs, "reason", string(r.Reason), "detail", it.Decision.Detail)...)
	default:
		for _, c := range it.Decision.LogTo {
			attrs = append(attrs, "contact", c.Address)
		}
		log.Debug("message recorded", append(attrs, "kind", string(it.Decision.Kind))...)
	}
}
