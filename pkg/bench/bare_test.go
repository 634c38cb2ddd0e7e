package bench

import (
	"context"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/imaptest/dovecot"
)

func TestParseWalksEveryPart(t *testing.T) {
	seen := map[int]bool{}
	for i := range 300 {
		m := Generate(Small, 1, i)
		parts, err := Parse(m.Raw)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		// text, or text and HTML; plus the attachments.
		if parts < 1+m.Attachments || parts > 2+m.Attachments {
			t.Errorf("message %d: %d parts, %d attachments", i, parts, m.Attachments)
		}
		seen[parts] = true
	}
	if !seen[1] || !seen[2] || !seen[3] {
		t.Errorf("parts per message seen: %v, want 1, 2 and 3", seen)
	}
	if parts, err := Parse(Generate(Large, 1, 0).Raw); err != nil || parts < 2 {
		t.Errorf("large message: %d parts, %v", parts, err)
	}
}

func TestBareContenders(t *testing.T) {
	srv := dovecot.Start(t, dovecot.User{Name: "bench", Password: "secret"})
	const n = 23
	var size int64
	for i := range n {
		m := Generate(Small, 1, i)
		size += int64(len(m.Raw))
		srv.Deliver(t, "bench", m.Raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a := Account{Addr: srv.Addr, Username: "bench", Password: "secret"}
	if got, bytes, err := Warm(ctx, a); err != nil || got != n || bytes != size {
		t.Fatalf("Warm: %d messages, %d bytes, %v; want %d, %d", got, bytes, err, n, size)
	}
	for _, mode := range Modes {
		res, err := Bare(ctx, a, mode, 5)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if res.Messages != n || res.Bytes != size || res.Elapsed <= 0 {
			t.Errorf("%s: %+v, want %d messages of %d bytes", mode, res, n, size)
		}
		if (mode == Read) != (res.Parts == 0) {
			t.Errorf("%s: %d parts parsed", mode, res.Parts)
		}
		total, unseen, err := Count(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		wantUnseen := n
		if mode == ReadParseStore {
			wantUnseen = 0
		}
		if total != n || unseen != wantUnseen {
			t.Errorf("after %s: %d messages, %d unseen; want %d, %d", mode, total, unseen, n, wantUnseen)
		}
	}
	if total, err := Reset(ctx, a); err != nil || total != n {
		t.Fatalf("Reset: %d, %v", total, err)
	}
	if _, unseen, err := Count(ctx, a); err != nil || unseen != n {
		t.Errorf("after Reset: %d unseen, %v; want %d", unseen, err, n)
	}
	// Nothing unseen: a run reads nothing.
	if res, err := Bare(ctx, a, ReadParseStore, 5); err != nil || res.Messages != n {
		t.Fatalf("%+v, %v", res, err)
	}
	if res, err := Bare(ctx, a, Read, 5); err != nil || res.Messages != 0 {
		t.Errorf("with nothing unseen: %+v, %v", res, err)
	}
}

func TestSummarise(t *testing.T) {
	if s := Summarise([]float64{3, 1, 2}); s != (Stats{Median: 2, Min: 1, Max: 3, N: 3}) {
		t.Errorf("odd: %+v", s)
	}
	if s := Summarise([]float64{4, 1, 2, 3}); s.Median != 2.5 || s.Min != 1 || s.Max != 4 {
		t.Errorf("even: %+v", s)
	}
	if s := Summarise(nil); s != (Stats{}) {
		t.Errorf("none: %+v", s)
	}
	if r := Rate(100, 2*time.Second); r != 50 {
		t.Errorf("Rate = %v", r)
	}
}
