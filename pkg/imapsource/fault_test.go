package imapsource_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/imaptest/dovecot"
	"github.com/poller-crm/poller/pkg/imaptest/faultproxy"
	"github.com/poller-crm/poller/pkg/ingest"
)

// The fault tests run a pass against a real Dovecot through a
// faultproxy.Proxy that drops or stalls the connection at chosen points,
// and check afterwards, in the store and in the Maildir, that no message was
// lost or recorded twice and that nothing was marked \Seen without being
// recorded.

const (
	faultN       = 120 // messages in the mailbox
	faultBatch   = 25
	faultTimeout = 2 * time.Second // imapsource.Config.Timeout
)

// faultRaws returns n distinct messages made from the fixtures, spread so
// that every batch holds some rejections, with CRLF line ends (as FETCH
// returns them) and a first header "Message-ID: <fault-NNN@poller.test>"
// where NNN counts from 001: the UID Dovecot gives the message when they are
// delivered in order to an empty mailbox. The fixture's own Message-ID is
// renamed so that copies of one fixture are distinct messages.
func faultRaws(t testing.TB, n int) [][]byte {
	t.Helper()
	fx := fixtures(t)
	if len(fx) == 0 {
		t.Fatal("no fixtures")
	}
	step := 7
	for gcd(step, len(fx)) != 1 {
		step++
	}
	raws := make([][]byte, n)
	for i := range raws {
		raw := fx[(i*step)%len(fx)]
		raw = bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
		head, body, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
		head = messageIDField.ReplaceAll(head, []byte("X-Fixture-Message-ID:"))
		raws[i] = slices.Concat([]byte(fmt.Sprintf("Message-ID: <%s@poller.test>\r\n", faultTag(uint32(i+1)))), head, []byte("\r\n\r\n"), body)
	}
	return raws
}

var messageIDField = regexp.MustCompile(`(?im)^message-id:`)

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// faultTag is the tag in the Message-ID of the message with this UID.
func faultTag(uid uint32) string { return fmt.Sprintf("fault-%03d", uid) }

var tagRE = regexp.MustCompile(`^Message-ID: <(fault-\d{3})@poller\.test>`)

// tagOf returns the tag of a message made by faultRaws ("" if none).
func tagOf(raw []byte) string {
	if m := tagRE.FindSubmatch(raw); m != nil {
		return string(m[1])
	}
	return ""
}

// reference is what a pass without faults records for the same messages.
type reference struct {
	outcomes map[string]int // intake rows by outcome
	emails   int
	rejected map[string]bool // tags of the rejected messages
}

// referenceRecord records raws straight into a fresh store, in order, as a
// pass without faults would.
func referenceRecord(t testing.TB, raws [][]byte) reference {
	t.Helper()
	store := openStore(t)
	r := rules(t)
	items := make([]ingest.Item, len(raws))
	for i, raw := range raws {
		items[i] = ingest.Process(r, ingest.Origin{Path: fmt.Sprintf("reference#%d", i+1)}, raw)
	}
	results, err := store.Record(context.Background(), items)
	if err != nil {
		t.Fatalf("reference record: %v", err)
	}
	ref := reference{outcomes: outcomes(t, store), emails: count(t, store, `SELECT count(*) FROM emails`), rejected: map[string]bool{}}
	for i, res := range results {
		if res.Outcome == ingest.OutcomeRejected {
			ref.rejected[tagOf(raws[i])] = true
		}
	}
	return ref
}

func outcomes(t testing.TB, s *crmstore.Store) map[string]int {
	t.Helper()
	rows, err := s.DB().Query(`SELECT outcome, count(*) FROM intake GROUP BY outcome`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var o string
		var n int
		if err := rows.Scan(&o, &n); err != nil {
			t.Fatal(err)
		}
		m[o] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// hookStore is the real store with a hook run after each committed batch,
// and counts of the results and of those recognised as recorded before
// (Result.Seen).
type hookStore struct {
	*crmstore.Store
	mu      sync.Mutex
	batches int
	results int
	seen    int
	after   func(batch int) // called after the batch-th Record committed
}

func (h *hookStore) Record(ctx context.Context, items []ingest.Item) ([]ingest.Result, error) {
	results, err := h.Store.Record(ctx, items)
	if err != nil {
		return results, err
	}
	h.mu.Lock()
	h.batches++
	batch := h.batches
	h.results += len(results)
	for _, r := range results {
		if r.Seen {
			h.seen++
		}
	}
	after := h.after
	h.mu.Unlock()
	if after != nil {
		after(batch)
	}
	return results, nil
}

// faultRig is a Dovecot mailbox of faultN messages behind a fault proxy.
type faultRig struct {
	srv   *dovecot.Server
	proxy *faultproxy.Proxy
	raws  [][]byte
	ref   reference
	store *hookStore
	cfg   imapsource.Config
}

func newFaultRig(t *testing.T) *faultRig {
	t.Helper()
	srv := dovecot.Start(t, dovecot.User{Name: user, Password: password})
	raws := faultRaws(t, faultN)
	srv.Deliver(t, user, raws...)
	proxy := faultproxy.Start(t, srv.Addr)
	cfg := config(proxy.Addr)
	cfg.Timeout = faultTimeout
	return &faultRig{srv: srv, proxy: proxy, raws: raws, ref: referenceRecord(t, raws), store: &hookStore{Store: openStore(t)}, cfg: cfg}
}

// pass runs one pass through the proxy; maxReconnects 0 takes 5.
func (r *faultRig) pass(t *testing.T, maxReconnects int) (ingest.PassSummary, error, time.Duration) {
	t.Helper()
	opts := ingest.PassOptions{
		Batching: ingest.Batching{BatchSize: faultBatch}, Backoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		MaxReconnects: maxReconnects, AckTimeout: 10 * time.Second,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	sum, err := ingest.Pass(ctx, dialer(r.cfg), rules(t), r.store, opts)
	return sum, err, time.Since(start)
}

// testWriter sends the pass's warnings (reconnections) to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// boxMessage is where a message is in the Maildir and whether it is \Seen.
type boxMessage struct {
	folder string // "INBOX" or "Rejected"
	seen   bool
}

// mailbox reads the user's Maildir: every message by tag.
func (r *faultRig) mailbox(t *testing.T) map[string]boxMessage {
	t.Helper()
	box := map[string]boxMessage{}
	for folder, dir := range map[string]string{"INBOX": "", "Rejected": ".Rejected"} {
		for _, sub := range []string{"new", "cur"} {
			path := filepath.Join(r.srv.Maildir(user), dir, sub)
			entries, err := os.ReadDir(path)
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				raw, err := os.ReadFile(filepath.Join(path, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				tag := tagOf(raw)
				if tag == "" {
					t.Fatalf("%s/%s/%s is not one of the test messages", folder, sub, e.Name())
				}
				if prev, dup := box[tag]; dup {
					t.Fatalf("message %s is twice in the Maildir (%s and %s)", tag, prev.folder, folder)
				}
				_, flags, _ := strings.Cut(e.Name(), ":2,")
				box[tag] = boxMessage{folder: folder, seen: strings.Contains(flags, "S")}
			}
		}
	}
	return box
}

// ledger is the intake log: the outcomes of the final rows by tag, and
// how many final rows each UID has.
func (r *faultRig) ledger(t *testing.T) (byTag map[string]string, perUID map[uint32]int) {
	t.Helper()
	rows, err := r.store.DB().Query(`SELECT uid, outcome, mailbox, COALESCE(raw_sha256, '') FROM intake ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	byTag, perUID = map[string]string{}, map[uint32]int{}
	for rows.Next() {
		var uid uint32
		var outcome, mailbox, rawSum string
		if err := rows.Scan(&uid, &outcome, &mailbox, &rawSum); err != nil {
			t.Fatal(err)
		}
		var raw bytes.Buffer
		if rawSum != "" {
			if err := r.store.ReadBlob(context.Background(), rawSum, &raw); err != nil {
				t.Errorf("UID %d: %v", uid, err)
			}
		}
		head := raw.Bytes()[:min(raw.Len(), 64)]
		if outcome == string(ingest.OutcomeFailed) {
			t.Errorf("UID %d recorded as failed", uid)
			continue
		}
		if mailbox != "main/INBOX" {
			t.Errorf("UID %d recorded with mailbox %q, want main/INBOX", uid, mailbox)
		}
		if tag := tagOf(head); tag != faultTag(uid) {
			t.Errorf("intake row for UID %d holds message %q, want %s: the origin is wrong", uid, tag, faultTag(uid))
		}
		perUID[uid]++
		byTag[faultTag(uid)] = outcome
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for uid, n := range perUID {
		if n > 1 {
			t.Errorf("UID %d has %d intake rows: recorded twice", uid, n)
		}
	}
	return byTag, perUID
}

// checkComplete checks the end state of a pass that succeeded: every
// message recorded exactly once, as a pass without faults records it, all
// \Seen, rejections filed, and the database intact.
func (r *faultRig) checkComplete(t *testing.T) {
	t.Helper()
	byTag, perUID := r.ledger(t)
	if len(perUID) != faultN {
		var missing []uint32
		for uid := uint32(1); uid <= faultN; uid++ {
			if perUID[uid] == 0 {
				missing = append(missing, uid)
			}
		}
		t.Errorf("%d of %d UIDs recorded; missing %v", len(perUID), faultN, missing)
	}
	if n := count(t, r.store.Store, `SELECT count(DISTINCT uid) FROM intake`); n != faultN {
		t.Errorf("count(DISTINCT uid) FROM intake = %d, want %d", n, faultN)
	}
	if got := outcomes(t, r.store.Store); !maps.Equal(got, r.ref.outcomes) {
		t.Errorf("intake outcomes %v, want %v as without faults", got, r.ref.outcomes)
	}
	if n := count(t, r.store.Store, `SELECT count(*) FROM emails`); n != r.ref.emails {
		t.Errorf("%d emails logged, want %d as without faults", n, r.ref.emails)
	}
	if n := count(t, r.store.Store, `SELECT count(*) - count(DISTINCT dedup_key) FROM emails`); n != 0 {
		t.Errorf("%d emails logged twice", n)
	}
	r.checkIntegrity(t)

	box := r.mailbox(t)
	if len(box) != faultN {
		t.Errorf("%d messages in the Maildir, want %d", len(box), faultN)
	}
	var unseen, misfiled []string
	for tag, m := range box {
		if !m.seen {
			unseen = append(unseen, tag)
		}
		want := "INBOX"
		if byTag[tag] == string(ingest.OutcomeRejected) {
			want = "Rejected"
		}
		if m.folder != want {
			misfiled = append(misfiled, fmt.Sprintf("%s (%s) in %s", tag, byTag[tag], m.folder))
		}
	}
	slices.Sort(unseen)
	slices.Sort(misfiled)
	if len(unseen) > 0 {
		t.Errorf("%d messages left without \\Seen: %v", len(unseen), unseen)
	}
	if len(misfiled) > 0 {
		t.Errorf("%d messages in the wrong folder (want rejected ones in Rejected, the others in INBOX): %v", len(misfiled), misfiled)
	}
}

// checkSeenRecorded checks the end state of a pass that gave up: whatever
// is marked \Seen or filed is recorded, once. It returns how many messages
// are \Seen.
func (r *faultRig) checkSeenRecorded(t *testing.T) int {
	t.Helper()
	byTag, _ := r.ledger(t)
	r.checkIntegrity(t)
	box := r.mailbox(t)
	if len(box) != faultN {
		t.Errorf("%d messages in the Maildir, want %d", len(box), faultN)
	}
	seen := 0
	for tag, m := range box {
		if m.seen {
			seen++
		}
		if (m.seen || m.folder != "INBOX") && byTag[tag] == "" {
			t.Errorf("message %s is \\Seen (in %s) but not recorded", tag, m.folder)
		}
	}
	return seen
}

func (r *faultRig) checkIntegrity(t *testing.T) {
	t.Helper()
	var res string
	if err := r.store.DB().QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity_check = %q, %v", res, err)
	}
}

func mustFire(t *testing.T, name string, f *faultproxy.Fault) {
	t.Helper()
	if !f.HasFired() {
		t.Fatalf("the fault %s never fired: the test did not test anything", name)
	}
}

func TestPassSurvivesAConnectionCutMidFetch(t *testing.T) {
	t.Parallel()
	t.Run("cut inside two message literals", func(t *testing.T) {
		t.Parallel()
		r := newFaultRig(t)
		// Each Message-ID is the first line of its FETCH literal: the cut
		// leaves the client in the middle of the literal.
		f30 := r.proxy.CutWhen([]byte("<fault-030@"))
		f80 := r.proxy.CutWhen([]byte("<fault-080@"))
		sum, err, took := r.pass(t, 0)
		t.Logf("%s (%v)", sum, took)
		if err != nil {
			t.Fatalf("Pass = %v, want recovery from two dropped connections", err)
		}
		mustFire(t, "cut at message 30", f30)
		mustFire(t, "cut at message 80", f80)
		if sum.Reconnects < 2 || r.proxy.Connections() < 3 {
			t.Errorf("reconnects %d, connections %d; want at least 2 and 3", sum.Reconnects, r.proxy.Connections())
		}
		if sum.Seen != faultN || sum.Total() != faultN {
			t.Errorf("summary %s: want %d messages found and settled once each", sum, faultN)
		}
		r.checkComplete(t)
	})
	t.Run("cut after so many bytes", func(t *testing.T) {
		t.Parallel()
		r := newFaultRig(t)
		n := 0
		for _, raw := range r.raws[:40] {
			n += len(raw)
		}
		f := r.proxy.CutAfter(int64(n)) // in the second batch's FETCH
		sum, err, took := r.pass(t, 0)
		t.Logf("%s (%v)", sum, took)
		if err != nil {
			t.Fatalf("Pass = %v, want recovery from a dropped connection", err)
		}
		mustFire(t, "cut after bytes", f)
		if sum.Reconnects < 1 || r.proxy.Connections() < 2 {
			t.Errorf("reconnects %d, connections %d; want at least 1 and 2", sum.Reconnects, r.proxy.Connections())
		}
		r.checkComplete(t)
	})
}

func TestPassSurvivesACutDuringAcknowledgement(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// arm cuts the connection or arms faults right after the second
		// batch was committed, before it is acknowledged; it returns the
		// faults that must fire.
		arm   func(p *faultproxy.Proxy) []*faultproxy.Fault
		stall bool // the pass waits out a command timeout
	}{
		// The STORE never reaches the server: the batch is still unseen.
		{name: "before STORE reaches the server", arm: func(p *faultproxy.Proxy) []*faultproxy.Fault { p.CutNow(); return nil }},
		// The server set \Seen but the client does not know; the
		// rejections of the batch are not moved yet.
		{name: "after STORE, before MOVE", arm: func(p *faultproxy.Proxy) []*faultproxy.Fault {
			return []*faultproxy.Fault{p.CutWhen([]byte("OK Store completed"))}
		}},
		// The same, and the acknowledgement repeated after reconnecting is
		// cut the same way.
		{name: "after STORE, twice", arm: func(p *faultproxy.Proxy) []*faultproxy.Fault {
			return []*faultproxy.Fault{p.CutWhen([]byte("OK Store completed")), p.CutWhen([]byte("OK Store completed"))}
		}},
		// The server moved the rejections but the client does not know.
		{name: "during MOVE", arm: func(p *faultproxy.Proxy) []*faultproxy.Fault {
			return []*faultproxy.Fault{p.CutWhen([]byte("OK [COPYUID"))}
		}},
		// The server stops answering after STORE: the command times out.
		{name: "stall after STORE", stall: true, arm: func(p *faultproxy.Proxy) []*faultproxy.Fault {
			return []*faultproxy.Fault{p.StallWhen([]byte("OK Store completed"))}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newFaultRig(t)
			rejectedInBatch := 0
			for uid := uint32(faultBatch + 1); uid <= 2*faultBatch; uid++ {
				if r.ref.rejected[faultTag(uid)] {
					rejectedInBatch++
				}
			}
			if rejectedInBatch == 0 {
				t.Fatal("the second batch has no rejection to move: fix faultRaws")
			}
			var faults []*faultproxy.Fault
			armed := false
			r.store.after = func(batch int) {
				if batch == 2 {
					faults, armed = tc.arm(r.proxy), true
				}
			}
			sum, err, took := r.pass(t, 0)
			t.Logf("%s (%v); %d results recognised as recorded before", sum, took, r.store.seen)
			if err != nil {
				t.Fatalf("Pass = %v, want recovery from a cut during acknowledgement", err)
			}
			if !armed {
				t.Fatal("the second batch was never committed")
			}
			for i, f := range faults {
				mustFire(t, fmt.Sprintf("%s #%d", tc.name, i+1), f)
			}
			if limit := 3*faultTimeout + time.Second; tc.stall && took > limit {
				t.Errorf("pass took %v with a %v command timeout, want under %v", took, faultTimeout, limit)
			}
			if sum.Reconnects < 1 || r.proxy.Connections() < 2 {
				t.Errorf("reconnects %d, connections %d; want at least 1 and 2", sum.Reconnects, r.proxy.Connections())
			}
			// A committed message may be acknowledged again by UID or
			// fetched again; fetched again, the store must recognise it.
			if extra := r.store.results - faultN; extra != r.store.seen {
				t.Errorf("%d results for %d messages, but only %d recognised as recorded before (Result.Seen)", r.store.results, faultN, r.store.seen)
			}
			if n := count(t, r.store.Store, `SELECT count(*) FROM intake`); n != faultN {
				t.Errorf("%d intake rows, want %d: re-acknowledged messages must add none", n, faultN)
			}
			r.checkComplete(t)
		})
	}
}

func TestPassRecoversFromAStalledFetch(t *testing.T) {
	t.Parallel()
	r := newFaultRig(t)
	f := r.proxy.StallWhen([]byte("<fault-040@"))
	sum, err, took := r.pass(t, 0)
	t.Logf("%s (%v)", sum, took)
	if err != nil {
		t.Fatalf("Pass = %v, want recovery from a stalled FETCH", err)
	}
	mustFire(t, "stall at message 40", f)
	if limit := 3*faultTimeout + time.Second; took > limit {
		t.Errorf("pass took %v with a %v command timeout, want under %v", took, faultTimeout, limit)
	}
	if took < faultTimeout {
		t.Errorf("pass took %v: faster than the %v timeout, so the stall cannot have been waited out", took, faultTimeout)
	}
	if sum.Reconnects < 1 || r.proxy.Connections() < 2 {
		t.Errorf("reconnects %d, connections %d; want at least 1 and 2", sum.Reconnects, r.proxy.Connections())
	}
	r.checkComplete(t)
}

func TestPassGivesUpWhenTheServerIsGone(t *testing.T) {
	t.Parallel()
	r := newFaultRig(t)
	// Hold the third batch's FETCH while Dovecot goes away for good.
	f := r.proxy.StallWhen([]byte("<fault-060@"))
	passed, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-f.Fired():
			r.srv.Stop()
		case <-passed:
		}
	}()
	const maxReconnects = 3
	sum, err, took := r.pass(t, maxReconnects)
	close(passed)
	<-stopped
	t.Logf("%s (%v): %v", sum, took, err)
	mustFire(t, "stall at message 60", f)
	if err == nil {
		t.Fatal("Pass succeeded with the server gone")
	}
	if !strings.Contains(err.Error(), "gave up after "+strconv.Itoa(maxReconnects)) {
		t.Errorf("Pass = %v, want it to give up after %d reconnections", err, maxReconnects)
	}
	if sum.Reconnects != maxReconnects || r.proxy.Connections() != 1+maxReconnects {
		t.Errorf("reconnects %d, connections %d; want %d and %d", sum.Reconnects, r.proxy.Connections(), maxReconnects, 1+maxReconnects)
	}
	if limit := 3*faultTimeout + time.Second; took > limit {
		t.Errorf("pass took %v, want under %v", took, limit)
	}
	if seen := r.checkSeenRecorded(t); seen < 2*faultBatch {
		t.Errorf("%d messages \\Seen, want at least the first two batches (%d) acknowledged before the server went away", seen, 2*faultBatch)
	}
}
