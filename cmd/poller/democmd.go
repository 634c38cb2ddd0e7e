package main

import (
	"bytes"
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/poller-crm/poller/fixtures"
	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/imapmem"
	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/password"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// runDemo implements "poller demo": the main job end to end with nothing to
// set up. It starts go-imap's in-memory IMAP server on loopback, puts the
// project's fixtures in its INBOX, runs one pass into a fresh SQLite file
// and prints what happened.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("demo", flag.ContinueOnError)
	flags.SetOutput(stderr)
	configPath := flags.String("config", "", "config file whose rules the demo applies (default: config.example.yaml, built in, with max_message_size 100KB)")
	fixtureDir := flags.String("fixtures", "", "folder of .eml files to put in the INBOX (default: the project's fixtures/, built in)")
	dbPath := flags.String("db", "", "database to create (default: a new file in a temporary folder)")
	serve := flags.Bool("serve", false, "then serve the demo store in the web app until interrupted")
	listen := flags.String("listen", "", "with --serve: address of the web app (default: web.listen of the config, else "+defaultWebListen+")")
	if rest, err := parseInterspersed(flags, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("demo: takes flags only ([--config FILE] [--fixtures DIR] [--db PATH] [--serve [--listen ADDR]])")
	}
	if *dbPath == "" {
		dir, err := os.MkdirTemp("", "poller-demo-")
		if err != nil {
			return err
		}
		*dbPath = filepath.Join(dir, "poller.db")
	}
	builtIn := *configPath == ""
	if builtIn {
		// The built-in config, written beside the database so that the
		// printed serve command has a file to name.
		path, err := writeDemoConfig(filepath.Dir(*dbPath))
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		*configPath = path
	}
	cfg, rules, err := loadConfig(*configPath)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fixtureFS, fixtureName := fixtures.EML(), "the built-in fixtures"
	if *fixtureDir != "" {
		fixtureFS, fixtureName = os.DirFS(*fixtureDir), *fixtureDir+"/"
	}
	files, err := fs.Glob(fixtureFS, "*.eml")
	if err != nil || len(files) == 0 {
		return fmt.Errorf("demo: no .eml files in %s", *fixtureDir)
	}

	user, password := cfg.CRM.LogAddresses[0], "demo"
	srv, err := imapmem.Start(user, password, imapmem.Options{})
	if err != nil {
		return fmt.Errorf("demo: start the IMAP server: %w", err)
	}
	defer srv.Close()
	for _, f := range files {
		raw, err := fs.ReadFile(fixtureFS, f)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if err := srv.Append("INBOX", raw); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	store, err := sqlite.Open(ctx, *dbPath, crmstore.Options{
		MaxAttachmentSize: int64(cfg.CRM.MaxAttachmentSize), NoCompanyDomains: cfg.CRM.NoCompanyDomains})
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.SyncUsers(ctx, cfg.crmUsers()); err != nil {
		return err
	}
	if err := seedDemoDeals(ctx, store); err != nil {
		return fmt.Errorf("demo: seed deals: %w", err)
	}
	fmt.Fprintf(stdout, "poller demo: an in-memory IMAP server on %s holds the %d messages of %s in its INBOX.\n", srv.Addr, len(files), fixtureName)
	if builtIn {
		fmt.Fprintf(stdout, "The rules are config.example.yaml's, with crm.max_message_size lowered from 50MB to %s so that\nreject-too-large.eml (~200 KB) shows a too_large rejection (written to %s).\n", demoMaxMessageSize, *configPath)
	}
	fmt.Fprintf(stdout, "One pass logs them into %s (4 deals seeded first).\n\n", *dbPath)

	host, port, _ := strings.Cut(srv.Addr, ":")
	p, _ := strconv.Atoi(port)
	a := account{rules: rules, batching: ingest.Batching{}.WithDefaults(), cfg: imapsource.Config{
		Name: "demo", Host: host, Port: p, TLS: imapsource.TLSNone, Auth: imapsource.AuthLogin,
		Username: user, Password: password, RejectedFolder: defaultRejectedFolder, Timeout: 30 * time.Second,
	}}
	sum, err := pass(ctx, a, store, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), nil)
	if err != nil {
		return fmt.Errorf("demo: pass: %w", err)
	}
	if err := printDemo(ctx, stdout, store, files); err != nil {
		return err
	}
	total, unseen, _ := srv.Count("INBOX")
	rejected, _, _ := srv.Count(defaultRejectedFolder)
	fmt.Fprintf(stdout, "\n%s\n", sum)
	fmt.Fprintf(stdout, "The mailbox now: INBOX %d messages (%d unseen), %s %d.\n\n", total, unseen, defaultRejectedFolder, rejected)
	self := demoSelf()
	fmt.Fprintf(stdout, "Look around:\n  %s show contact m.bellini@ferrotech.example --db %s\n  %s export --db %s\n", self, *dbPath, self, *dbPath)

	if err := setDemoPasswords(ctx, store, cfg); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	signIn := demoSignIn(cfg)
	addr := *listen
	if addr == "" {
		addr = cfg.Web.listen()
	}
	if !*serve {
		scheme := "http"
		if cfg.Web.tls() {
			scheme = "https"
		}
		fmt.Fprintf(stdout, "\nOpen it in the web app:\n  %s serve --config %s --db %s\n", self, shellQuoteWord(*configPath), shellQuoteWord(*dbPath))
		fmt.Fprintf(stdout, "then browse to %s and %s (Ctrl-C stops it).\n", browseURL(scheme, addr), signIn)
		return nil
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	url, stop, err := serveWebApp(ctx, cfg, store, addr, logger)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(stdout, "\nThe web app serves this store: browse to %s and %s. Ctrl-C stops it.\n", url, signIn)
	<-ctx.Done()
	stop()
	return nil
}

// demoConfig is config.example.yaml, byte for byte (embed cannot reach
// the project's root from here; TestDemoConfigIsTheExample keeps the copy
// equal, and -update rewrites it).
//
//go:embed demo.yaml
var demoConfig []byte

// demoMaxMessageSize is the limit the built-in config of the demo sets, so
// that fixtures/reject-too-large.eml (~200 KB, judged with a 100KB limit:
// fixtures/README.md) is rejected too_large rather than logged.
const demoMaxMessageSize = "100KB"

// writeDemoConfig writes the demo's built-in config into dir: the example
// config with max_message_size lowered to demoMaxMessageSize.
func writeDemoConfig(dir string) (string, error) {
	const line = "  max_message_size: 50MB\n"
	if !bytes.Contains(demoConfig, []byte(line)) {
		return "", fmt.Errorf("the built-in config has no %q line", strings.TrimSpace(line))
	}
	data := bytes.Replace(demoConfig, []byte(line),
		[]byte("  max_message_size: "+demoMaxMessageSize+" # poller demo: 50MB in config.example.yaml; lowered so that reject-too-large.eml is too large\n"), 1)
	path := filepath.Join(dir, "poller-demo.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", err
	}
	return path, nil
}

// demoSelf is how to run poller from here in the commands the demo
// prints: "go run ./cmd/poller" in the project's folder, else "poller".
func demoSelf() string {
	if st, err := os.Stat(filepath.Join("cmd", "poller")); err == nil && st.IsDir() {
		return "go run ./cmd/poller"
	}
	return "poller"
}

// demoPassword is the password the demo gives every user of its config.
const demoPassword = "demo-password"

// setDemoPasswords gives every user of the config the demo password, so
// that a newcomer can sign in to the demo store.
func setDemoPasswords(ctx context.Context, store *crmstore.Store, cfg *config) error {
	hash, err := password.Hash(demoPassword)
	if err != nil {
		return err
	}
	for _, u := range cfg.Users {
		if err := store.SetPassword(ctx, strings.ToLower(u.Email), hash); err != nil {
			return fmt.Errorf("set the demo password of %s: %w", u.Email, err)
		}
	}
	return nil
}

// demoSignIn says whom to sign in as: the first admin and the first other
// user of the config, with the demo password.
func demoSignIn(cfg *config) string {
	var admin, other string
	for _, u := range cfg.Users {
		switch {
		case u.Admin && admin == "":
			admin = u.Email
		case !u.Admin && other == "":
			other = u.Email
		}
	}
	var who []string
	if admin != "" {
		who = append(who, admin+" (an admin: sees everything)")
	}
	if other != "" {
		who = append(who, other)
	}
	return fmt.Sprintf("sign in as %s, password %s", strings.Join(who, " or "), demoPassword)
}

// shellQuoteWord quotes s for a POSIX shell when it needs it.
func shellQuoteWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+=,-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// seedDemoDeals imports a few contacts and deals for prospects of the
// fixtures, so that the demo shows emails linked to deals.
func seedDemoDeals(ctx context.Context, store *crmstore.Store) error {
	people := []crm.Person{
		{Address: "m.bellini@ferrotech.example", Name: "Marco Bellini", Company: "ferrotech.example", Owner: "alice@example.com"},
		{Address: "hannah.weiss@quantaloop.example", Name: "Hannah Weiss", Company: "quantaloop.example", Owner: "bob@example.com"},
	}
	if err := store.ImportContacts(ctx, people); err != nil {
		return err
	}
	amount := func(v float64) *float64 { return &v }
	day := func(d int) time.Time { return time.Date(2026, 2, d, 9, 0, 0, 0, time.UTC) }
	return store.ImportDeals(ctx, []crm.Deal{
		{ExternalID: "demo-1", Name: "Ferrotech press-line pilot", Stage: "pilot", Status: crm.DealOpen, Amount: amount(4800), Company: "ferrotech.example", Contacts: []string{people[0].Address}, CreatedAt: day(2), UpdatedAt: day(20)},
		{ExternalID: "demo-2", Name: "Ferrotech plant rollout", Stage: "qualification", Status: crm.DealOpen, Amount: amount(56000), Company: "ferrotech.example", Contacts: []string{people[0].Address}, CreatedAt: day(3), UpdatedAt: day(10)},
		{ExternalID: "demo-3", Name: "Ferrotech spare sensors", Stage: "closed", Status: crm.DealWon, Amount: amount(900), Company: "ferrotech.example", Contacts: []string{people[0].Address}, CreatedAt: day(1), UpdatedAt: day(25)},
		{ExternalID: "demo-4", Name: "Quantaloop warehouse sensors", Stage: "proposal", Status: crm.DealOpen, Amount: amount(12400), Company: "quantaloop.example", Contacts: []string{people[1].Address}, CreatedAt: day(5), UpdatedAt: day(18)},
	})
}

// printDemo prints the decision on each message, then the contacts,
// companies and deal links the pass produced.
func printDemo(ctx context.Context, w io.Writer, store *crmstore.Store, files []string) error {
	x, err := store.Export(ctx)
	if err != nil {
		return err
	}
	emails := map[int64]crmstore.EmailRecord{}
	for _, e := range x.Emails {
		emails[e.ID] = e
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "UID\tMESSAGE\tOUTCOME\tLOGGED ON / WHY")
	for _, in := range x.Intake {
		name := fmt.Sprint(in.Origin.UID)
		if i := int(in.Origin.UID) - 1; i >= 0 && i < len(files) {
			name = filepath.Base(files[i])
		}
		what := in.Detail
		outcome := in.Outcome
		if e, ok := emails[in.EmailID]; ok && in.EmailID != 0 {
			outcome += " " + e.Kind
			what = strings.Join(e.Contacts, ", ")
		} else if in.Reason != "" {
			outcome += " " + in.Reason
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", in.Origin.UID, name, outcome, firstLine(what, 70))
	}
	tw.Flush()

	fmt.Fprintf(w, "\nContacts (%d):\n", len(x.Contacts))
	tw = newTable(w)
	fmt.Fprintln(tw, "  ADDRESS\tNAME\tCOMPANY\tOWNER\tSOURCE")
	for _, c := range x.Contacts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", c.Address, c.Name, dash(c.Company), dash(c.Owner), c.Source)
	}
	tw.Flush()

	fmt.Fprintf(w, "\nCompanies (%d): ", len(x.Companies))
	domains := make([]string, len(x.Companies))
	for i, c := range x.Companies {
		domains[i] = c.Domain
	}
	fmt.Fprintln(w, strings.Join(domains, ", "))

	deals := map[int64]crmstore.DealRecord{}
	for _, d := range x.Deals {
		deals[d.ID] = d
	}
	fmt.Fprintln(w, "\nDeal links (an email is linked to its contacts' five most recently updated open deals):")
	links := 0
	for _, e := range x.Emails {
		for _, id := range e.Deals {
			links++
			fmt.Fprintf(w, "  %q -> %s (%s)\n", e.Subject, deals[id].Name, deals[id].Stage)
		}
	}
	if links == 0 {
		fmt.Fprintln(w, "  none")
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
