package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/bench"
	"github.com/poller-crm/poller/pkg/imaptest/dovecot"
	"github.com/poller-crm/poller/pkg/ingest"
)

// benchUsage is the bench command's part of the usage text.
const benchUsage = `  bench   [--set small|large|both] [--n N] [--rounds 3] [--batch 200] [--seed 1] [--keep]
          throughput against a throwaway Dovecot (Debian package dovecot-imapd): N generated,
          distinct messages that the default rules log (small: 5000 of ~3.4 KB; large: 200 of
          ~1.5 MB with a PDF), read by a bare go-imap client (read; read+parse; read+parse+STORE)
          and by "poller once" (a child process), interleaved, --rounds times each; prints
          medians, ranges, ratios, poller's peak RSS and its store's size; --keep leaves the
          Dovecot folder, the configs and the last stores in place
`

// benchPollerContender is the name of the poller contender in the tables.
const benchPollerContender = "poller once"

// benchAvailable reports whether Dovecot is installed (a variable so that
// a test can pretend it is not).
var benchAvailable = dovecot.Available

// benchFlags are bench's flags.
type benchFlags struct {
	sets   []bench.Set
	n      int // 0 = each set's default
	rounds int
	batch  int
	seed   uint64
	keep   bool
}

func parseBenchFlags(args []string, stderr io.Writer) (benchFlags, error) {
	var f benchFlags
	fs := newFlagSet("bench", stderr)
	set := fs.String("set", "both", "small, large or both")
	fs.IntVar(&f.n, "n", 0, "messages in each chosen set (default: 5000 small, 200 large; large ones are 1.5 MB each, held in /dev/shm)")
	fs.IntVar(&f.rounds, "rounds", 3, "how many times each contender runs on each set")
	fs.IntVar(&f.batch, "batch", ingest.DefaultBatchSize, "messages fetched (and, by poller, committed) together")
	fs.Uint64Var(&f.seed, "seed", 1, "the generator's seed")
	fs.BoolVar(&f.keep, "keep", false, "keep the Dovecot folder, the configs and the last stores")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return f, err
	}
	switch {
	case len(rest) > 0:
		return f, usagef("bench: takes flags only (see the usage)")
	case f.n < 0 || f.rounds < 1 || f.batch < 1:
		return f, usagef("bench: --n must be 0 or more, --rounds and --batch 1 or more")
	}
	switch *set {
	case "both":
		f.sets = bench.Sets
	case string(bench.Small), string(bench.Large):
		f.sets = []bench.Set{bench.Set(*set)}
	default:
		return f, usagef("bench: --set %q: want small, large or both", *set)
	}
	return f, nil
}

// benchSet is one set's mailbox, poller config and measurements.
type benchSet struct {
	set      bench.Set
	n        int
	bytes    int64 // the raw bytes of the n messages
	attached int   // messages with attachments
	account  bench.Account
	dir      string // its config, and its store under store/
	config   string
	samples  map[string][]benchSample
}

// benchSample is one timed run of a contender.
type benchSample struct {
	elapsed time.Duration
	// poller only:
	rss    int64 // peak RSS
	cpu    time.Duration
	store  int64 // bytes of the store's files after the run
	logged int
}

// runBench implements "poller bench".
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if wantsHelp(args) {
		fmt.Fprint(stdout, usageLines(benchUsage))
		return nil
	}
	f, err := parseBenchFlags(args, stderr)
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			ue.usage = benchUsage
			return ue
		}
		return err
	}
	if !benchAvailable() {
		return errors.New("bench: Dovecot is not installed (the dovecot binary is in neither PATH nor /usr/sbin): apt-get install dovecot-imapd")
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: finding this program to run \"poller once\": %w", err)
	}
	work, err := os.MkdirTemp("", "poller-bench-")
	if err != nil {
		return err
	}
	var pw [12]byte
	_, _ = rand.Read(pw[:])
	password := hex.EncodeToString(pw[:])
	var users []dovecot.User
	for _, s := range f.sets {
		users = append(users, dovecot.User{Name: "bench-" + string(s), Password: password})
	}
	fmt.Fprintf(stderr, "bench: starting Dovecot\n")
	srv, err := dovecot.Launch(users...)
	if err != nil {
		os.RemoveAll(work)
		return fmt.Errorf("bench: %w", err)
	}
	defer func() {
		if f.keep {
			srv.Stop()
			fmt.Fprintf(stderr, "bench: kept Dovecot's folder %s (stopped) and the configs and stores in %s\n", srv.Dir, work)
			return
		}
		srv.Close()
		os.RemoveAll(work)
	}()

	var sets []*benchSet
	for _, s := range f.sets {
		bs, err := fillBenchSet(ctx, srv, s, f, work, password, stderr)
		if err != nil {
			return err
		}
		sets = append(sets, bs)
	}
	contenders := benchContenders()
	env := append(os.Environ(), "POLLER_BENCH_IMAP_PASSWORD="+password)
	for r := range f.rounds {
		for _, bs := range sets {
			for k := range contenders {
				// Each round starts with the next contender, so that none
				// always runs first (or right after the same one).
				c := contenders[(k+r)%len(contenders)]
				s, err := runContender(ctx, bs, c, f.batch, exe, env)
				if err != nil {
					return fmt.Errorf("bench: %s, round %d, %s: %w", bs.set, r+1, c, err)
				}
				bs.samples[c] = append(bs.samples[c], s)
				line := fmt.Sprintf("bench: round %d/%d %-5s %-22s %7.3f s  %8.0f msgs/s  %7.1f MB/s",
					r+1, f.rounds, bs.set, c, s.elapsed.Seconds(), bench.Rate(float64(bs.n), s.elapsed), bench.Rate(float64(bs.bytes)/1e6, s.elapsed))
				if c == benchPollerContender {
					line += fmt.Sprintf("  peak RSS %.1f MiB, store %.1f MB", float64(s.rss)/(1<<20), float64(s.store)/1e6)
				}
				fmt.Fprintln(stderr, line)
			}
		}
	}
	for i, bs := range sets {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := printBenchSet(stdout, bs, f); err != nil {
			return err
		}
	}
	return nil
}

// benchContenders are the contenders' names, in the tables' order.
func benchContenders() []string {
	var out []string
	for _, m := range bench.Modes {
		out = append(out, m.String())
	}
	return append(out, benchPollerContender)
}

// fillBenchSet delivers the set's messages to its own Dovecot user, writes
// poller's config for it and reads the mailbox once, untimed.
func fillBenchSet(ctx context.Context, srv *dovecot.Server, s bench.Set, f benchFlags, work, password string, stderr io.Writer) (*benchSet, error) {
	n := f.n
	if n == 0 {
		n = s.DefaultN()
	}
	user := "bench-" + string(s)
	bs := &benchSet{
		set: s, n: n, dir: filepath.Join(work, string(s)), samples: map[string][]benchSample{},
		account: bench.Account{Addr: srv.Addr, Username: user, Password: password},
	}
	began := time.Now()
	for i := range n {
		m := bench.Generate(s, f.seed, i)
		bs.bytes += int64(len(m.Raw))
		if m.Attachments > 0 {
			bs.attached++
		}
		if err := srv.DeliverRaw(user, m.Raw); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	got, size, err := bench.Warm(ctx, bs.account)
	if err != nil {
		return nil, fmt.Errorf("bench: reading the %s set back: %w", s, err)
	}
	if got != n || size != bs.bytes {
		return nil, fmt.Errorf("bench: the %s set: Dovecot returned %d messages of %d bytes, %d of %d were delivered", s, got, size, n, bs.bytes)
	}
	fmt.Fprintf(stderr, "bench: %s set: %d messages, %.2f MB, delivered and read back in %v\n", s, n, float64(bs.bytes)/1e6, time.Since(began).Round(time.Millisecond))
	if err := os.MkdirAll(bs.dir, 0o700); err != nil {
		return nil, err
	}
	host, port, _ := strings.Cut(srv.Addr, ":")
	bs.config = filepath.Join(bs.dir, "poller.yaml")
	if err := os.WriteFile(bs.config, []byte(benchConfig(user, host, port, f.batch)), 0o600); err != nil {
		return nil, err
	}
	return bs, nil
}

// benchConfig is the config of "poller once" for one set: the rules, users
// and team inbox of config.example.yaml, the store in store/ beside it,
// and the set's Dovecot mailbox with logged and rejected mail left in
// place (so that clearing \Seen puts everything back).
func benchConfig(user, host, port string, batch int) string {
	return fmt.Sprintf(`# Written by "poller bench" for one run: config.example.yaml's rules and users.
crm:
  log_addresses: [%s]
  internal_domains: [example.com, example-labs.com]
  never_log: [noreply@vendor.example, bank.example]
  max_message_size: 50MB
  max_attachment_size: 50MB
  no_company_domains: [contractors.example]
  auth:
    require_pass: false
    trusted_authserv_id: mx.example.com
users:
  - email: alice@example.com
    name: Alice Rossi
    aliases: [a.rossi@example.com, alice.rossi.sales@gmail.com]
    admin: true
  - email: bob@example.com
    name: Bob Marsh
  - email: chiara@example-labs.com
    name: Chiara Neri
team_inboxes:
  - email: sales@example.com
    connected_by: alice@example.com
store:
  path: store/poller.db
mailboxes:
  - name: %s
    host: %s
    port: %s
    tls: none
    username: %s
    password: ${POLLER_BENCH_IMAP_PASSWORD}
    mailbox: INBOX
    processed_folder: ""
    rejected_folder: ""
    batch_size: %d
    timeout: 120s
log:
  level: info
  format: text
`, bench.LogAddress, user, host, port, user, batch)
}

// runContender puts the set's messages back to unseen (and removes
// poller's store), runs one contender and checks that it did the whole
// job.
func runContender(ctx context.Context, bs *benchSet, contender string, batch int, exe string, env []string) (benchSample, error) {
	total, err := bench.Reset(ctx, bs.account)
	if err != nil {
		return benchSample{}, fmt.Errorf("resetting \\Seen: %w", err)
	}
	if _, unseen, err := bench.Count(ctx, bs.account); err != nil || total != bs.n || unseen != bs.n {
		return benchSample{}, fmt.Errorf("the mailbox holds %d messages, %d unseen, want %d unseen (%v)", total, unseen, bs.n, err)
	}
	storeDir := filepath.Join(bs.dir, "store")
	if err := os.RemoveAll(storeDir); err != nil {
		return benchSample{}, err
	}
	runtime.GC()
	var s benchSample
	marks := contender == benchPollerContender
	if contender == benchPollerContender {
		if s, err = runPollerOnce(ctx, bs, exe, env, storeDir); err != nil {
			return s, err
		}
	} else {
		var mode bench.Mode
		for _, m := range bench.Modes {
			if m.String() == contender {
				mode = m
			}
		}
		marks = mode == bench.ReadParseStore
		res, err := bench.Bare(ctx, bs.account, mode, batch)
		if err != nil {
			return s, err
		}
		if res.Messages != bs.n || res.Bytes != bs.bytes {
			return s, fmt.Errorf("read %d messages of %d bytes, want %d of %d", res.Messages, res.Bytes, bs.n, bs.bytes)
		}
		s.elapsed = res.Elapsed
	}
	if marks {
		if _, unseen, err := bench.Count(ctx, bs.account); err != nil || unseen != 0 {
			return s, fmt.Errorf("%d messages still unseen after the run, want 0 (%v)", unseen, err)
		}
	}
	return s, nil
}

// benchSummary matches the summary line of a pass.
var benchSummary = regexp.MustCompile(`(?m)^pass \S+: seen (\d+), logged (\d+), rejected (\d+).*duplicate (\d+), failed (\d+)`)

// runPollerOnce runs "poller once" in a child process, timed from its
// start to its exit, and checks that it logged the set.
func runPollerOnce(ctx context.Context, bs *benchSet, exe string, env []string, storeDir string) (benchSample, error) {
	var stdout bytes.Buffer
	stderr := &tailWriter{max: 16 << 10}
	cmd := exec.CommandContext(ctx, exe, "once", "--config", bs.config)
	cmd.Env, cmd.Stdout, cmd.Stderr, cmd.Dir = env, &stdout, stderr, bs.dir
	began := time.Now()
	err := cmd.Run()
	s := benchSample{elapsed: time.Since(began)}
	if err != nil {
		return s, fmt.Errorf("poller once: %v\n--- stdout ---\n%s--- stderr (end) ---\n%s", err, stdout.String(), stderr.String())
	}
	s.rss = bench.PeakRSS(cmd.ProcessState)
	s.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	m := benchSummary.FindStringSubmatch(stdout.String())
	if m == nil {
		return s, fmt.Errorf("poller once printed no pass summary:\n%s--- stderr (end) ---\n%s", stdout.String(), stderr.String())
	}
	seen, _ := strconv.Atoi(m[1])
	s.logged, _ = strconv.Atoi(m[2])
	// Every generated message is one the rules log: a run that logged far
	// fewer measured rejections, not logging.
	if seen != bs.n || s.logged < bs.n*98/100 {
		return s, fmt.Errorf("poller once logged %d of %d messages (%q): a bench over mail that is not logged measures nothing\n--- stderr (end) ---\n%s",
			s.logged, bs.n, strings.TrimSpace(m[0]), stderr.String())
	}
	entries, err := os.ReadDir(storeDir)
	if err != nil {
		return s, fmt.Errorf("the store: %w", err)
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
			s.store += fi.Size()
		}
	}
	return s, nil
}

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	max int
	buf []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	if len(w.buf) > w.max {
		w.buf = append(w.buf[:0], w.buf[len(w.buf)-w.max:]...)
	}
	return len(p), nil
}

func (w *tailWriter) String() string { return string(w.buf) }

// printBenchSet prints a set's table: each contender's median rate and
// range, the ratio of poller's median to it, then poller's memory and
// store, and the goals of issue 10 checked on this run.
func printBenchSet(w io.Writer, bs *benchSet, f benchFlags) error {
	mb := float64(bs.bytes) / 1e6
	fmt.Fprintf(w, "%s set: %d messages (%d with attachments), %.2f MB, %.1f KB each on average; batch %d, %d rounds, seed %d; MB = 10^6 bytes\n",
		bs.set, bs.n, bs.attached, mb, float64(bs.bytes)/float64(bs.n)/1e3, f.batch, f.rounds, f.seed)
	rates := func(c string) (msgs, mbs bench.Stats) {
		var m, b []float64
		for _, s := range bs.samples[c] {
			m = append(m, bench.Rate(float64(bs.n), s.elapsed))
			b = append(b, bench.Rate(mb, s.elapsed))
		}
		return bench.Summarise(m), bench.Summarise(b)
	}
	poller, pollerMB := rates(benchPollerContender)
	t := newTable(w)
	fmt.Fprint(t, "  contender\tmsgs/s\t(min-max)\tMB/s\t(min-max)\tpoller once ÷ this\n")
	for _, c := range benchContenders() {
		msgs, mbs := rates(c)
		ratio := "-"
		if msgs.Median > 0 {
			ratio = fmt.Sprintf("%.3f", poller.Median/msgs.Median)
		}
		fmt.Fprintf(t, "  %s\t%.0f\t(%.0f-%.0f)\t%.1f\t(%.1f-%.1f)\t%s\n", c, msgs.Median, msgs.Min, msgs.Max, mbs.Median, mbs.Min, mbs.Max, ratio)
	}
	if err := t.Flush(); err != nil {
		return err
	}
	var rss, store, cpu, wall []float64
	logged := bs.n
	for _, s := range bs.samples[benchPollerContender] {
		rss = append(rss, float64(s.rss)/(1<<20))
		store = append(store, float64(s.store)/1e6)
		cpu = append(cpu, s.cpu.Seconds())
		wall = append(wall, s.elapsed.Seconds())
		logged = min(logged, s.logged)
	}
	r, st, c, wl := bench.Summarise(rss), bench.Summarise(store), bench.Summarise(cpu), bench.Summarise(wall)
	fmt.Fprintf(w, "  poller once: logged %d of %d in every run; peak RSS %.1f MiB median (%.1f-%.1f); CPU %.2f s median for %.2f s wall\n",
		logged, bs.n, r.Median, r.Min, r.Max, c.Median, wl.Median)
	fmt.Fprintf(w, "  poller once: store (db, -wal, -shm) %.2f MB median (%.2f-%.2f) = %.2fx the %.2f MB of mail it holds\n",
		st.Median, st.Min, st.Max, st.Median/mb, mb)
	readParseStore, _ := rates(bench.ReadParseStore.String())
	_, parseMB := rates(bench.ReadParse.String())
	met := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	const mib = 1 << 20
	limit := float64(2*ingest.DefaultBatchBytes + 30*mib)
	switch bs.set {
	case bench.Small:
		x := poller.Median / readParseStore.Median
		fmt.Fprintf(w, "  goal: poller once >= 40%% of bare read+parse+STORE msgs/s: %.1f%%, %s\n", 100*x, met(x >= 0.40))
	case bench.Large:
		x := pollerMB.Median / parseMB.Median
		fmt.Fprintf(w, "  goal: poller once >= 50%% of bare read+parse MB/s: %.1f%%, %s\n", 100*x, met(x >= 0.50))
		fmt.Fprintf(w, "  goal: peak RSS <= 2 x the %d MiB batch byte cap + 30 MiB = %.0f MiB: %.1f MiB at most, %s\n",
			ingest.DefaultBatchBytes/mib, limit/mib, r.Max, met(r.Max*mib <= limit))
	}
	fmt.Fprintf(w, "  goal: store <= 1.15x the mail it holds: %.2fx, %s\n", st.Median/mb, met(st.Median/mb <= 1.15))
	return nil
}
