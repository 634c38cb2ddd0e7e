package crmcsv

import (
	"strconv"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
)

// The columns of each entity's file, in the order an export writes them:
// one list per entity, which export writes and import reads (in any order,
// with the synonyms the readers document), so that an export imports back.
// The JSON export uses the same names as keys.

// CompanyColumns are the columns of companies.csv.
func CompanyColumns() []string { return []string{"domain", "name"} }

// ContactColumns are the columns of contacts.csv.
func ContactColumns() []string {
	return []string{"address", "name", "company", "owner", "source", "created_at"}
}

// DealColumns are the columns of deals.csv: id is the store's id,
// external_id the id an import gave the deal.
func DealColumns() []string {
	return []string{"id", "external_id", "name", "stage", "status", "amount", "company", "contacts", "created_at", "updated_at"}
}

// CompanyRow is c as the cells of CompanyColumns.
func CompanyRow(c crm.Company) []string { return []string{c.Domain, c.Name} }

// ContactRow is p as the cells of ContactColumns.
func ContactRow(p crm.Person) []string {
	return []string{p.Address, p.Name, p.Company, p.Owner, p.Source, FormatTime(p.CreatedAt)}
}

// DealRow is d as the cells of DealColumns.
func DealRow(d crm.Deal) []string {
	id, amount := "", ""
	if d.ID != 0 {
		id = strconv.FormatInt(d.ID, 10)
	}
	if d.Amount != nil {
		amount = strconv.FormatFloat(*d.Amount, 'f', -1, 64)
	}
	return []string{id, d.ExternalID, d.Name, d.Stage, d.Status, amount, d.Company, JoinList(d.Contacts),
		FormatTime(d.CreatedAt), FormatTime(d.UpdatedAt)}
}

// FormatTime writes a store time as export writes it: RFC 3339 in UTC,
// "" for the zero time. The readers take it back.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
