// Package storegen builds a realistic CRM store for benchmarks and load
// tests: companies, contacts and deals imported as a CSV import would, then
// emails recorded through the store's normal write path (Store.Record), so
// that associations, threads, attachments and the full-text index are the
// real ones. The same Sizes always give the same store.
package storegen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/email"
	"github.com/poller-crm/poller/pkg/ingest"
)

// Sizes says how big a store to build. Emails counts logged emails; about
// one message in twenty more is recorded as rejected on top of them.
type Sizes struct {
	Emails    int
	Contacts  int
	Companies int
	Deals     int
	Users     int   // 0 means 10
	Seed      int64 // 0 means 1
}

// Full is the size of issue 8's benchmark: a real sales team's store.
var Full = Sizes{Emails: 100_000, Contacts: 20_000, Companies: 2_000, Deals: 5_000, Users: 10, Seed: 1}

// Small is a store for quick tests (-short).
var Small = Sizes{Emails: 1_000, Contacts: 200, Companies: 20, Deals: 50, Users: 4, Seed: 1}

func (s Sizes) withDefaults() Sizes {
	if s.Users <= 0 {
		s.Users = 10
	}
	if s.Seed == 0 {
		s.Seed = 1
	}
	return s
}

func (s Sizes) validate() error {
	switch {
	case s.Emails < 0 || s.Contacts < 0 || s.Companies < 0 || s.Deals < 0:
		return errors.New("storegen: negative size")
	case s.Emails > 0 && s.Contacts == 0:
		return errors.New("storegen: emails need contacts")
	case s.Deals > 0 && (s.Companies == 0 || s.Contacts == 0):
		return errors.New("storegen: deals need companies and contacts")
	}
	return nil
}

// String is a short name of the sizes, used in cache file names.
func (s Sizes) String() string {
	s = s.withDefaults()
	return fmt.Sprintf("e%d-c%d-co%d-d%d-u%d-s%d", s.Emails, s.Contacts, s.Companies, s.Deals, s.Users, s.Seed)
}

// Store is what the generator writes through: pkg/sqlite's Store.
type Store interface {
	SyncUsers(ctx context.Context, users []crm.User) error
	ImportCompanies(ctx context.Context, companies []crm.Company) error
	ImportContacts(ctx context.Context, people []crm.Person) error
	ImportDeals(ctx context.Context, deals []crm.Deal) error
	Record(ctx context.Context, items []ingest.Item) ([]ingest.Result, error)
}

// LogAddress is the log address the generated mail is sent to.
const LogAddress = "log@crm.example.com"

// Mailbox is the IMAP mailbox the generated messages come from.
const Mailbox = "crm-log"

// BatchSize is how many messages go into one Record call.
const BatchSize = 500

// Start and End bound the dates of the generated emails.
var (
	Start = time.Date(2024, 12, 1, 8, 0, 0, 0, time.UTC)
	End   = time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)
)

// Summary describes a generated store: what benchmarks need to pick pages.
type Summary struct {
	Sizes    Sizes
	Users    []crm.User
	Logged   int // emails logged (new)
	Rejected int // messages rejected
	Other    int // duplicates and failures (should be 0)
	// BusiestContact is the contact with the most emails, and how many.
	BusiestContact       string
	BusiestContactEmails int
	// BusiestCompany is the domain of the company with the most contacts.
	BusiestCompany string
	// BusiestDeal is the ExternalID of a deal whose contacts have many
	// emails (its store id in a fresh store is its import position).
	BusiestDeal string
	// Elapsed is how long generating and recording took.
	Elapsed time.Duration
}

// Users returns the n users of a generated store: alice@example.com,
// bob@example.com, chiara@example.com, ... Alice is the first (and an admin
// in the benchmarks).
func Users(n int) []crm.User {
	out := make([]crm.User, n)
	for i := range out {
		var first, last string
		if i < len(userNames) {
			first, last = userNames[i].first, userNames[i].last
		} else {
			first, last = fmt.Sprintf("User%d", i), "Example"
		}
		addr := strings.ToLower(fold(first))
		if i >= len(userNames) {
			addr = fmt.Sprintf("user%d", i)
		}
		u := crm.User{Email: addr + "@example.com", Name: first + " " + last}
		u.Aliases = []string{slug(first) + "." + slug(last) + "@example.com"}
		out[i] = u
	}
	return out
}

type contact struct {
	addr, name, first string
	company           int // index; -1 for none
	owner             int // user index
	// the last message of the contact's current thread, for replies
	lastID      string
	lastRefs    []string
	lastSubject string
	threadLen   int
}

type gen struct {
	sizes     Sizes
	r         *rand.Rand
	users     []crm.User
	companies []crm.Company
	contacts  []contact
	byCompany [][]int // company index -> contact indexes
	deals     []crm.Deal
	pick      func() int // a contact index, skewed
	shared    []byte     // an attachment many emails carry (deduplicated)
	seq       int        // messages made so far (UIDs, references)
}

func newGen(sizes Sizes) *gen {
	g := &gen{sizes: sizes, r: rand.New(rand.NewPCG(uint64(sizes.Seed), 0x9e3779b97f4a7c15))}
	g.users = Users(sizes.Users)
	g.makeCompanies()
	g.makeContacts()
	g.makeDeals()
	g.makePicker()
	g.shared = g.bytes(18_000, "%PDF-1.7\n")
	return g
}

func (g *gen) one(list []string) string { return list[g.r.IntN(len(list))] }

func (g *gen) makeCompanies() {
	seen := map[string]bool{}
	for i := range g.sizes.Companies {
		first, second := g.one(companyFirst), g.one(companySecond)
		base := slug(first) + "-" + slug(second)
		domain := base + ".example"
		for n := 2; seen[domain]; n++ {
			domain = fmt.Sprintf("%s%d.example", base, n)
		}
		seen[domain] = true
		name := first + " " + second + g.one(companySuffix)
		if i%7 == 3 {
			name = "" // let the store name it from the domain
		}
		g.companies = append(g.companies, crm.Company{Domain: domain, Name: name})
	}
}

func (g *gen) makeContacts() {
	seen := map[string]bool{}
	g.byCompany = make([][]int, len(g.companies))
	for i := range g.sizes.Contacts {
		first, last := g.one(firstNames), g.one(lastNames)
		c := contact{first: first, name: first + " " + last, company: -1, owner: g.r.IntN(len(g.users))}
		local := slug(first) + "." + strings.ReplaceAll(slug(last), "-", "")
		var domain string
		if len(g.companies) > 0 && g.r.IntN(100) < 85 {
			// Bigger companies first: the square skews towards low indexes.
			u := g.r.Float64()
			c.company = int(u * u * float64(len(g.companies)))
			domain = g.companies[c.company].Domain
			if g.r.IntN(12) == 0 {
				domain = g.one([]string{"eu.", "mail.", "sales."}) + domain
			}
		} else {
			domain = g.one(freeMailDomains)
			local += fmt.Sprint(g.r.IntN(100))
		}
		addr := local + "@" + domain
		for n := 2; seen[addr]; n++ {
			addr = fmt.Sprintf("%s%d@%s", local, n, domain)
		}
		seen[addr] = true
		c.addr = addr
		if i%23 == 5 {
			c.name = "" // some contacts have no name
		}
		g.contacts = append(g.contacts, c)
		if c.company >= 0 {
			g.byCompany[c.company] = append(g.byCompany[c.company], i)
		}
	}
}

func (g *gen) makeDeals() {
	if g.sizes.Deals == 0 {
		return
	}
	var withContacts []int
	for i, cs := range g.byCompany {
		if len(cs) > 0 {
			withContacts = append(withContacts, i)
		}
	}
	if len(withContacts) == 0 {
		return
	}
	span := End.Sub(Start)
	for i := range g.sizes.Deals {
		u := g.r.Float64()
		co := withContacts[int(u*u*float64(len(withContacts)))]
		cs := g.byCompany[co]
		n := 1 + g.r.IntN(min(3, len(cs)))
		var addrs []string
		for _, k := range g.r.Perm(len(cs))[:n] {
			addrs = append(addrs, g.contacts[cs[k]].addr)
		}
		status := crm.DealOpen
		switch x := g.r.IntN(100); {
		case x < 25:
			status = crm.DealWon
		case x < 40:
			status = crm.DealLost
		}
		stage := g.one(dealStages)
		if status != crm.DealOpen {
			stage = "Closed"
		}
		amount := math.Round(1000 + g.r.Float64()*g.r.Float64()*250_000)
		created := Start.Add(time.Duration(g.r.Int64N(int64(span))))
		updated := created.Add(time.Duration(g.r.Int64N(int64(90 * 24 * time.Hour))))
		coName := g.companies[co].Name
		if coName == "" {
			coName = g.companies[co].Domain
		}
		g.deals = append(g.deals, crm.Deal{
			ExternalID: fmt.Sprintf("D-%05d", i+1),
			Name:       coName + " – " + g.one(dealProducts),
			Stage:      stage, Status: status, Amount: &amount,
			Company: g.companies[co].Domain, Contacts: addrs,
			CreatedAt: created, UpdatedAt: updated,
		})
	}
}

// makePicker sets how emails spread over contacts: a third go to a few
// busy contacts (Zipf), the rest evenly.
func (g *gen) makePicker() {
	n := len(g.contacts)
	if n == 0 {
		return
	}
	perm := g.r.Perm(n)
	z := rand.NewZipf(g.r, 1.15, 8, uint64(n-1))
	g.pick = func() int {
		if g.r.IntN(3) == 0 {
			return perm[z.Uint64()]
		}
		return g.r.IntN(n)
	}
}

// bytes returns n pseudo-random bytes after a magic prefix.
func (g *gen) bytes(n int, magic string) []byte {
	b := make([]byte, n)
	copy(b, magic)
	for i := len(magic); i < n; i += 8 {
		v := g.r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// Generate fills st: users, companies, contacts and deals, then the emails
// in batches of BatchSize. setNow, when not nil, is told the date of each
// batch before it is recorded (a store clock can follow it, so that emails
// look logged when they were sent).
func Generate(ctx context.Context, st Store, sizes Sizes, setNow func(time.Time)) (*Summary, error) {
	sizes = sizes.withDefaults()
	if err := sizes.validate(); err != nil {
		return nil, err
	}
	began := time.Now()
	g := newGen(sizes)
	sum := &Summary{Sizes: sizes, Users: g.users}
	if setNow != nil {
		setNow(Start.Add(-24 * time.Hour))
	}
	if err := st.SyncUsers(ctx, g.users); err != nil {
		return nil, err
	}
	if err := st.ImportCompanies(ctx, g.companies); err != nil {
		return nil, err
	}
	people := make([]crm.Person, len(g.contacts))
	for i, c := range g.contacts {
		p := crm.Person{Address: c.addr, Name: c.name, Owner: g.users[c.owner].Email}
		if c.company >= 0 {
			p.Company = g.companies[c.company].Domain
		}
		people[i] = p
	}
	if err := st.ImportContacts(ctx, people); err != nil {
		return nil, err
	}
	if err := st.ImportDeals(ctx, g.deals); err != nil {
		return nil, err
	}

	// Items are made in a goroutine while the previous batch is recorded.
	type batch struct {
		items []ingest.Item
		last  time.Time
	}
	batches := make(chan batch, 2)
	stop := make(chan struct{})
	defer close(stop)
	perContact := make([]int, len(g.contacts))
	go func() {
		defer close(batches)
		b := batch{items: make([]ingest.Item, 0, BatchSize)}
		span := End.Sub(Start)
		for i := range sizes.Emails {
			date := Start.Add(time.Duration(float64(span) * (float64(i) + g.r.Float64()) / float64(sizes.Emails)))
			it, cs := g.email(i, date)
			for _, c := range cs {
				perContact[c]++
			}
			b.items = append(b.items, it)
			b.last = date
			if g.r.IntN(19) == 0 {
				b.items = append(b.items, g.rejection(date.Add(time.Minute)))
			}
			if len(b.items) >= BatchSize || i == sizes.Emails-1 {
				select {
				case batches <- b:
				case <-stop:
					return
				}
				b = batch{items: make([]ingest.Item, 0, BatchSize)}
			}
		}
	}()
	for b := range batches {
		if setNow != nil {
			setNow(b.last.Add(2 * time.Minute))
		}
		res, err := st.Record(ctx, b.items)
		if err != nil {
			return nil, err
		}
		for i, r := range res {
			switch r.Outcome {
			case ingest.OutcomeLogged:
				sum.Logged++
			case ingest.OutcomeRejected:
				sum.Rejected++
			default:
				sum.Other++
				if sum.Other <= 3 && r.Err != nil {
					return nil, fmt.Errorf("storegen: message %s failed: %w", b.items[i].Origin, r.Err)
				}
			}
		}
	}
	sum.Elapsed = time.Since(began)
	g.summarise(sum, perContact)
	return sum, nil
}

func (g *gen) summarise(sum *Summary, perContact []int) {
	if len(perContact) > 0 {
		best := 0
		for i, n := range perContact {
			if n > perContact[best] {
				best = i
			}
		}
		sum.BusiestContact, sum.BusiestContactEmails = g.contacts[best].addr, perContact[best]
	}
	if len(g.byCompany) > 0 {
		best := 0
		for i, cs := range g.byCompany {
			if len(cs) > len(g.byCompany[best]) {
				best = i
			}
		}
		sum.BusiestCompany = g.companies[best].Domain
	}
	idx := map[string]int{}
	for i, c := range g.contacts {
		idx[c.addr] = i
	}
	bestDeal, bestN := -1, -1
	for i, d := range g.deals {
		n := 0
		for _, a := range d.Contacts {
			n += perContact[idx[a]]
		}
		if d.Status == crm.DealOpen && n > bestN {
			bestDeal, bestN = i, n
		}
	}
	if bestDeal >= 0 {
		sum.BusiestDeal = g.deals[bestDeal].ExternalID
	}
}

// zones are the offsets the senders write their Date in.
var zones = []*time.Location{
	time.FixedZone("", 0), time.FixedZone("", 3600), time.FixedZone("", 7200),
	time.FixedZone("", -5*3600), time.FixedZone("", 3*3600),
}

func (g *gen) origin() ingest.Origin {
	g.seq++
	return ingest.Origin{Mailbox: Mailbox, UIDValidity: 1, UID: uint32(g.seq)}
}

func (g *gen) msgID(domain string) string {
	return fmt.Sprintf("%08x.%d@%s", g.r.Uint32(), g.seq, domain)
}

func (g *gen) userAddr(u int) email.Address {
	return email.Address{Name: g.users[u].Name, Address: g.users[u].Email}
}

func (g *gen) contactAddr(c int) email.Address {
	return email.Address{Name: g.contacts[c].name, Address: g.contacts[c].addr}
}

func (g *gen) subject() string {
	form := g.one(subjectForms)
	t := g.one(topics)
	if strings.Count(form, "%s") == 2 {
		return fmt.Sprintf(form, t, g.one(dealProducts))
	}
	return fmt.Sprintf(form, t)
}

// body writes a letter: greeting, a few paragraphs, a reference number
// that makes it unique, a closing and a signature.
func (g *gen) body(i int, to, from string) string {
	var b strings.Builder
	if to == "" {
		to = "there"
	}
	fmt.Fprintf(&b, g.one(greetings)+"\n\n", to)
	paras := 1 + g.r.IntN(3)
	for p := range paras {
		n := 1 + g.r.IntN(4)
		for s := range n {
			if s > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(g.one(sentences))
		}
		if p == 0 {
			b.WriteByte(' ')
			fmt.Fprintf(&b, g.one(refForms), i+1)
		}
		b.WriteString("\n\n")
	}
	b.WriteString(g.one(closings) + "\n" + from + "\n")
	return b.String()
}

func htmlOf(text string) string {
	var b strings.Builder
	b.WriteString(`<html><head><style>p{font-family:Arial,sans-serif}</style></head><body>`)
	for _, p := range strings.Split(strings.TrimSpace(text), "\n\n") {
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(htmlEscape(p), "\n", "<br>"))
		b.WriteString("</p>\n")
	}
	b.WriteString(`<p><img src="https://cdn.example.net/signature-logo.png" alt="logo" width="120"></p></body></html>`)
	return b.String()
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// email makes the i-th logged email on a skewed pick of contacts; it
// returns the item and the contacts it is logged on.
func (g *gen) email(i int, date time.Time) (ingest.Item, []int) {
	c := g.pick()
	co := g.contacts[c]
	u := co.owner
	if g.r.IntN(10) < 3 {
		u = g.r.IntN(len(g.users))
	}
	date = date.In(zones[g.r.IntN(len(zones))])
	if g.r.IntN(100) < 28 {
		return g.forward(i, c, u, date), []int{c}
	}
	return g.bcc(i, c, u, date)
}

func (g *gen) bcc(i, c, u int, date time.Time) (ingest.Item, []int) {
	origin := g.origin()
	co := &g.contacts[c]
	logOn := []int{c}
	m := &email.Message{
		MessageID: g.msgID("mail.example.com"),
		Date:      date,
		From:      []email.Address{g.userAddr(u)},
		To:        []email.Address{g.contactAddr(c)},
		Bcc:       []email.Address{{Address: LogAddress}},
	}
	// A colleague at the same company in Cc, sometimes; a co-worker too.
	if co.company >= 0 && g.r.IntN(100) < 15 {
		mates := g.byCompany[co.company]
		if o := mates[g.r.IntN(len(mates))]; o != c {
			m.Cc = append(m.Cc, g.contactAddr(o))
			logOn = append(logOn, o)
		}
	}
	if g.r.IntN(100) < 8 {
		m.Cc = append(m.Cc, g.userAddr(g.r.IntN(len(g.users))))
	}
	// A reply in the contact's thread, or a new thread.
	if co.lastID != "" && co.threadLen < 12 && g.r.IntN(100) < 45 {
		m.Subject = "Re: " + co.lastSubject
		m.InReplyTo = []string{co.lastID}
		m.References = append(slices.Clone(co.lastRefs), co.lastID)
		if len(m.References) > 10 {
			m.References = m.References[len(m.References)-10:]
		}
		co.threadLen++
	} else {
		m.Subject = g.subject()
		co.lastSubject = m.Subject
		co.lastRefs = nil
		co.threadLen = 1
	}
	co.lastID, co.lastRefs = m.MessageID, m.References
	m.Text = g.body(i, co.first, g.users[u].Name)
	if g.r.IntN(100) < 35 {
		m.HTML = htmlOf(m.Text)
	}
	var files []file
	if g.r.IntN(100) < 7 {
		for range 1 + g.r.IntN(2) {
			k := attachmentKinds[g.r.IntN(len(attachmentKinds))]
			f := file{name: fmt.Sprintf(k.name, i+1), ctype: k.ctype}
			if g.r.IntN(5) == 0 {
				f.name, f.ctype, f.data = "Company brochure 2026.pdf", "application/pdf", g.shared
			} else {
				f.data = g.bytes(2_000+g.r.IntN(30_000), "")
			}
			files = append(files, f)
			h := sha256.Sum256(f.data)
			m.Attachments = append(m.Attachments, email.Attachment{
				Filename: f.name, RawFilename: f.name, ContentType: f.ctype,
				Size: int64(len(f.data)), SHA256: hex.EncodeToString(h[:]),
			})
		}
	}
	raw := rawMessage(m, files, nil)
	m.Size = int64(len(raw))
	m.ContentType = topType(m, files, nil)
	slices.Sort(logOn)
	logOn = slices.Compact(logOn)
	d := crm.Decision{
		Kind:    crm.KindBCC,
		Detail:  fmt.Sprintf("sent by %s to %d external recipient(s)", g.users[u].Email, len(logOn)),
		User:    &g.users[u],
		Subject: m.Subject,
		Body:    m.Text,
	}
	for _, k := range logOn {
		d.LogTo = append(d.LogTo, crm.Contact{Address: g.contacts[k].addr, Name: g.contacts[k].name})
	}
	slices.SortFunc(d.LogTo, func(a, b crm.Contact) int { return strings.Compare(a.Address, b.Address) })
	return ingest.Item{Origin: origin, Raw: raw, Message: m, Decision: d}, logOn
}

// forward is a contact's message forwarded by the user to the log
// address: inline (no Message-ID known) or, one in three, attached.
func (g *gen) forward(i, c, u int, date time.Time) ingest.Item {
	origin := g.origin()
	co := &g.contacts[c]
	sent := date.Add(-time.Duration(10+g.r.IntN(600)) * time.Minute)
	o := &crm.Original{
		From:    g.contactAddr(c),
		To:      []email.Address{g.userAddr(u)},
		Date:    sent,
		Subject: g.subject(),
		Body:    g.body(i, strings.Fields(g.users[u].Name)[0], co.name),
	}
	if co.lastID != "" && g.r.IntN(100) < 40 {
		o.Subject = "Re: " + co.lastSubject
	}
	note := g.one(forwardNotes)
	m := &email.Message{
		MessageID: g.msgID("mail.example.com"),
		Date:      date,
		From:      []email.Address{g.userAddr(u)},
		To:        []email.Address{{Address: LogAddress}},
		Subject:   "Fwd: " + o.Subject,
	}
	var attached *email.Message
	if g.r.IntN(3) == 0 {
		o.MessageID = g.msgID(domainOf(co.addr))
		attached = &email.Message{
			MessageID: o.MessageID, Date: o.Date, From: []email.Address{o.From}, To: o.To,
			Subject: o.Subject, Text: o.Body, ContentType: "text/plain",
		}
		m.Attached = []*email.Message{attached}
		m.Text = note + "\n"
		// The user's reply to it will thread on it.
		co.lastID, co.lastRefs, co.lastSubject, co.threadLen = o.MessageID, nil, strings.TrimPrefix(o.Subject, "Re: "), 1
	} else {
		m.Text = fmt.Sprintf("%s\n\n---------- Forwarded message ---------\nFrom: %s <%s>\nDate: %s\nSubject: %s\nTo: %s <%s>\n\n%s",
			note, o.From.Name, o.From.Address, sent.Format("Mon, Jan 2, 2006 at 3:04 PM"), o.Subject,
			o.To[0].Name, o.To[0].Address, o.Body)
	}
	raw := rawMessage(m, nil, attached)
	m.Size = int64(len(raw))
	m.ContentType = topType(m, nil, attached)
	d := crm.Decision{
		Kind:     crm.KindForward,
		Detail:   fmt.Sprintf("%s forwarded a message from %s", g.users[u].Email, co.addr),
		User:     &g.users[u],
		LogTo:    []crm.Contact{{Address: co.addr, Name: co.name}},
		Original: o,
		Note:     note,
		Subject:  o.Subject,
		Body:     o.Body,
	}
	return ingest.Item{Origin: origin, Raw: raw, Message: m, Decision: d}
}

// rejection is a message that is not logged, most of them a user's.
func (g *gen) rejection(date time.Time) ingest.Item {
	origin := g.origin()
	u := g.r.IntN(len(g.users))
	m := &email.Message{
		MessageID: g.msgID("mail.example.com"),
		Date:      date,
		From:      []email.Address{g.userAddr(u)},
		Bcc:       []email.Address{{Address: LogAddress}},
		Subject:   g.subject(),
		Text:      "Hi,\n\n" + g.one(sentences) + "\n\nThanks\n",
	}
	var reason crm.Reason
	var detail string
	switch x := g.r.IntN(100); {
	case x < 35:
		reason, detail = crm.ReasonNoRecipients, "no external recipient and no forwarded message"
		m.To = []email.Address{g.userAddr(g.r.IntN(len(g.users)))}
	case x < 55:
		reason = crm.ReasonSenderNotUser
		c := g.contacts[g.r.IntN(len(g.contacts))]
		m.From = []email.Address{{Name: c.name, Address: c.addr}}
		m.To = []email.Address{{Address: LogAddress}}
		detail = fmt.Sprintf("From %s is not a user, an alias or a team inbox", c.addr)
	case x < 70:
		reason, detail = crm.ReasonForwardUnparseable, "the subject says forward but no forwarded message was found in the body"
		m.Subject = "Fwd: " + m.Subject
		m.To = []email.Address{{Address: LogAddress}}
	case x < 82:
		reason, detail = crm.ReasonNeverLog, "every external recipient is on the never-log list"
		m.To = []email.Address{{Address: "accounts@bank.example"}}
	case x < 92:
		reason, detail = crm.ReasonAutoGenerated, "automatic mail: Auto-Submitted: auto-replied"
		m.Subject = "Out of office: " + m.Subject
		m.To = []email.Address{g.contactAddr(g.r.IntN(len(g.contacts)))}
	default:
		reason = crm.ReasonTooLarge
		m.To = []email.Address{g.contactAddr(g.r.IntN(len(g.contacts)))}
		m.Size = 60<<20 + int64(g.r.IntN(1<<20))
		detail = fmt.Sprintf("the message is %d bytes, over the %d-byte limit", m.Size, 50<<20)
	}
	raw := rawMessage(m, nil, nil)
	m.Size = max(m.Size, int64(len(raw)))
	m.ContentType = "text/plain"
	d := crm.Decision{Kind: crm.KindRejected, Reason: reason, Detail: detail}
	return ingest.Item{Origin: origin, Raw: raw, Message: m, Decision: d}
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return d
}

// slug is a name folded to lower-case ASCII letters, digits and hyphens.
func slug(s string) string {
	s = strings.ToLower(fold(s))
	var b strings.Builder
	dash := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

var folds = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ä", "ae", "ã", "a", "å", "aa", "ą", "a", "Á", "A", "Å", "Aa", "Ä", "Ae",
	"é", "e", "è", "e", "ê", "e", "ë", "e", "ę", "e", "ě", "e", "É", "E",
	"í", "i", "ì", "i", "î", "i", "ï", "i", "ı", "i", "İ", "I",
	"ó", "o", "ò", "o", "ô", "o", "ö", "oe", "õ", "o", "ø", "oe", "Ø", "Oe", "Ö", "Oe", "Ó", "O",
	"ú", "u", "ù", "u", "û", "u", "ü", "ue", "ů", "u", "Ü", "Ue",
	"ç", "c", "č", "c", "ć", "c", "Ç", "C", "Č", "C", "ğ", "g", "ł", "l", "Ł", "L", "ñ", "n", "ń", "n",
	"ř", "r", "š", "s", "ś", "s", "ş", "s", "Š", "S", "Ş", "S", "ß", "ss", "ž", "z", "ź", "z", "ż", "z", "Ž", "Z",
	"ý", "y", "ď", "d", "ť", "t", "ň", "n", "'", "",
)

func fold(s string) string { return folds.Replace(s) }
