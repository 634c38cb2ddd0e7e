package crm

import "time"

// Company is a CRM company, keyed by domain.
type Company struct {
	Domain string
	Name   string
}

// Person is a CRM contact as imported or exported.
type Person struct {
	Address string
	Name    string
	Company string // domain; "" for none
	Owner   string // user's primary address; "" for none
	Source  string // bcc, forward or import
	// CreatedAt is when the contact was created; zero for "now" on import.
	CreatedAt time.Time
}

// Deal statuses.
const (
	DealOpen = "open"
	DealWon  = "won"
	DealLost = "lost"
)

// Deal is a CRM deal.
type Deal struct {
	ID         int64  // the store's id; 0 before it is stored
	ExternalID string // the id a CSV import gave it, for re-imports
	Name       string
	Stage      string
	Status     string // open, won or lost
	Amount     *float64
	Company    string   // domain
	Contacts   []string // addresses
	CreatedAt  time.Time
	UpdatedAt  time.Time
}
