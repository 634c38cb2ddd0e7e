// Package view holds the read models of the CRM that people look at: what
// each page of the web app needs from the store, as plain values with no
// I/O. Stores fill them (pkg/sqlite); pkg/web renders them.
package view

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// ErrNotFound is returned, wrapped, when a record does not exist or the
// viewer may not see it: the two are never told apart to the viewer.
var ErrNotFound = errors.New("not found")

// Viewer is who is looking, and so what they may see.
type Viewer struct {
	UserID int64  // the users table's id; 0 for none
	Email  string // primary address, lower-case
	// Addresses are the user's primary address and aliases, lower-case:
	// a rejection whose From is one of them is the user's own.
	Addresses []string
	Admin     bool
	// OwnOnly limits the viewer to emails attributed to them (config
	// web.visibility: own). Admins are never limited.
	OwnOnly bool
}

// Page asks for one page of a list.
type Page struct {
	Offset int
	Limit  int // at most MaxLimit; 0 means DefaultLimit
}

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Address is a mailbox: a display name and an address.
type Address struct {
	Name    string
	Address string
}

// EmailSummary is one email in a list or on a timeline.
type EmailSummary struct {
	ID       int64
	ThreadID int64  // COALESCE(thread_id, id)
	Kind     string // bcc or forward
	Subject  string
	From     Address
	// Date is the email's own date; when it had none, when it was logged.
	Date    time.Time
	Preview string // the first few hundred characters of the text body
	// Attachments counts the attachments kept.
	Attachments int
	User        string // attributed user's primary address; "" for none
	UserName    string
	// Contacts are the addresses the email is logged on (a company or deal
	// timeline names the contact on each row).
	Contacts []string
	// Private is set for an email logged through log+private@: only its
	// user and admins see it.
	Private bool
}

// Thread is a group of emails on a timeline: newest first.
type Thread struct {
	ID     int64
	Emails []EmailSummary // newest first; never empty
}

// Email is one logged email, whole.
type Email struct {
	EmailSummary
	MessageID         string
	OriginalMessageID string
	To, Cc            []Address
	Note              string // the forwarder's own text
	AttachmentNote    string // what was dropped, and why
	BodyText          string
	BodyHTML          string // unsanitised: the web app sanitises it
	RawSHA256         string // "" when the raw message is not kept
	RawSize           int64
	LoggedAt          time.Time
	Companies         []CompanyRef
	Deals             []DealRef
	AttachmentList    []Attachment
	// ThreadEmails are the other emails of its thread the viewer may see,
	// newest first.
	ThreadEmails []EmailSummary
}

// Attachment is the metadata of an attachment of a logged email.
type Attachment struct {
	ID          int64
	EmailID     int64
	Name        string // safe to show (sanitised at intake) and to use as a file name
	ContentType string
	Size        int64
	SHA256      string
	ContentID   string // without angle brackets; "" when none
	Inline      bool
}

// CompanyRef names a company.
type CompanyRef struct {
	Domain string
	Name   string
}

// DealRef names a deal.
type DealRef struct {
	ID     int64
	Name   string
	Stage  string
	Status string
}

// ContactSummary is one row of the contacts list.
type ContactSummary struct {
	Address   string
	Name      string
	Company   CompanyRef // zero when none
	Owner     string     // the owner's primary address
	OwnerName string
	Source    string
	CreatedAt time.Time
	Emails    int       // emails the viewer may see
	LastEmail time.Time // zero when none
	OpenDeals int
}

// ContactQuery filters, sorts and pages the contacts list.
type ContactQuery struct {
	// Filter matches address, name or company name (substring, any case).
	Filter string
	// Sort is one of "name", "address", "company", "last_email" (newest
	// first), "created" (newest first); "" means "last_email".
	Sort string
	Page Page
}

// ContactList is one page of contacts and how many match in all.
type ContactList struct {
	Contacts []ContactSummary
	Total    int
}

// Contact is a contact's page.
type Contact struct {
	ContactSummary
	OpenDeals []Deal // most recently updated first
	Threads   []Thread
	// ThreadsTotal is how many threads the timeline has in all (Threads is
	// one page of them).
	ThreadsTotal int
}

// CompanySummary is one row of the companies list.
type CompanySummary struct {
	CompanyRef
	Contacts  int
	OpenDeals int
	Emails    int
	LastEmail time.Time
}

// ListQuery filters and pages a list of companies or deals.
type ListQuery struct {
	Filter string // substring of the name or domain, any case
	// Status limits deals to open, won or lost; "" means all.
	Status string
	Page   Page
}

// CompanyList is one page of companies.
type CompanyList struct {
	Companies []CompanySummary
	Total     int
}

// Company is a company's page.
type Company struct {
	CompanySummary
	People []ContactSummary // its contacts (at most one page)
	Deals  []Deal
	// Emails is its contacts' timeline, merged, newest first.
	Emails      []EmailSummary
	EmailsTotal int
}

// Deal is a deal.
type Deal struct {
	DealRef
	ExternalID string
	Amount     *float64
	Company    CompanyRef
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Contacts   []ContactSummary // on a deal's own page; empty in lists
}

// PinTag is the ID a log+deal-ID@ address names the deal by: its external
// id when it has one that fits in an address, else its id.
func (d Deal) PinTag() string {
	if id := d.ExternalID; id != "" && len(id) <= 64 && strings.IndexFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) < 0 && !strings.HasPrefix(id, ".") && !strings.HasSuffix(id, ".") && !strings.Contains(id, "..") {
		return id
	}
	return strconv.FormatInt(d.ID, 10)
}

// DealList is one page of deals.
type DealList struct {
	Deals []Deal
	Total int
}

// DealPage is a deal's page: the deal, its contacts and its emails.
type DealPage struct {
	Deal
	Emails      []EmailSummary
	EmailsTotal int
}

// Intake is one row of the intake log.
type Intake struct {
	ID          int64
	Outcome     string // logged, rejected, duplicate or failed
	Reason      string // rejections: the reason code
	Detail      string
	From        string
	Subject     string
	MessageID   string
	EmailID     int64 // 0 when no email was logged
	Mailbox     string
	UID         uint32
	Path        string // ingest: the file it came from
	ReceivedAt  time.Time
	ProcessedAt time.Time
	RawSHA256   string
	RawSize     int64
	// Private is set when the row's email is private and not the viewer's:
	// the row shows, but EmailID and the raw message are withheld.
	Private bool
}

// IntakeQuery filters and pages the intake log. Zero fields do not filter.
type IntakeQuery struct {
	Outcome string
	Reason  string
	Mailbox string
	// User limits rows to those whose From is one of these addresses.
	From  []string
	Since time.Time
	Until time.Time
	Page  Page
}

// IntakeList is one page of intake rows.
type IntakeList struct {
	Rows  []Intake
	Total int
}

// Pass is one pass over a mailbox.
type Pass struct {
	ID                                        int64
	Mailbox                                   string
	StartedAt, FinishedAt                     time.Time
	Seen, Logged, Rejected, Duplicate, Failed int
	Quarantined, Reconnects                   int
	Error                                     string
}

// Hit kinds.
const (
	HitEmail   = "email"
	HitContact = "contact"
	HitCompany = "company"
)

// Hit is one search result.
type Hit struct {
	Kind    string // HitEmail, HitContact or HitCompany
	EmailID int64  // HitEmail
	Address string // HitContact
	Domain  string // HitCompany
	Title   string // subject, contact name or company name
	// Snippet is the matching text with the matches between SnippetStart
	// and SnippetEnd markers; everything else is untrusted text to escape.
	Snippet   string
	Date      time.Time
	EmailKind string // HitEmail: bcc or forward
}

// Snippet markers: control characters that cannot occur in stored text.
const (
	SnippetStart = "\x02"
	SnippetEnd   = "\x03"
)

// SearchResult is a page of hits, best first.
type SearchResult struct {
	Hits  []Hit
	Total int // emails matching in all (contacts and companies come first, few)
}

// Session is a signed-in browser.
type Session struct {
	UserEmail  string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// Size is the page size to use.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}
