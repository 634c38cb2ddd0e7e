package crmcsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/poller-crm/poller/pkg/crm"
)

// LineError is a problem with one line of a CSV file.
type LineError struct {
	File string // the file's name, as the user gave it
	Line int    // 1-based: the header is line 1
	Err  error
}

// Error reads "contacts.csv line 7: email "bob@" is not an address".
func (e *LineError) Error() string { return fmt.Sprintf("%s line %d: %v", e.File, e.Line, e.Err) }

// Unwrap returns what is wrong with the line.
func (e *LineError) Unwrap() error { return e.Err }

// MaxErrors is how many bad lines an error lists; the rest are counted.
const MaxErrors = 20

// ListSeparator separates the values of a list-valued cell (a deal's
// contacts on import; every list on export).
const ListSeparator = ";"

// Checks are look-ups that rows are validated against, so that a row
// naming something unknown is reported with its line before anything is
// imported. A nil func skips its check.
type Checks struct {
	// IsUser reports whether addr (lower-case) is a user's primary
	// address: the contacts' owner column.
	IsUser func(addr string) bool
	// IsContact reports whether a contact with the address addr
	// (lower-case) exists: the deals' contacts column.
	IsContact func(addr string) bool
}

// The schemas of the import files: the export's columns (columns.go), and
// the synonyms a file from elsewhere may use.
var (
	companyColumns = schema{kind: "companies", columns: CompanyColumns(), required: "domain"}
	contactColumns = schema{kind: "contacts", columns: ContactColumns(), required: "address",
		synonyms: map[string]string{"email": "address"}}
	dealColumns = schema{kind: "deals", columns: DealColumns(), required: "name"}
)

// ReadCompanies reads a companies file (columns domain, name). file names
// it in errors.
func ReadCompanies(r io.Reader, file string) ([]crm.Company, error) {
	var out []crm.Company
	seen := map[string]int{}
	err := readTable(r, file, companyColumns, func(row *row) {
		domain, ok := row.domain("domain")
		if ok {
			if prev, dup := seen[domain]; dup {
				row.problem("domain %q is already on line %d", domain, prev)
			}
			seen[domain] = row.line
		}
		if row.ok() {
			out = append(out, crm.Company{Domain: domain, Name: row.get("name")})
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReadContacts reads a contacts file (columns address, or its synonym
// email, name, company, owner, source, created_at). A contact without a
// source is an import; one without created_at is created now. file names
// it in errors.
func ReadContacts(r io.Reader, file string, checks Checks) ([]crm.Person, error) {
	var out []crm.Person
	seen := map[string]int{}
	err := readTable(r, file, contactColumns, func(row *row) {
		p := crm.Person{Name: row.get("name"), Source: "import"}
		switch src := strings.ToLower(row.get("source")); src {
		case "":
		case "bcc", "forward", "import":
			p.Source = src
		default:
			row.problem("source %q is not bcc, forward or import", row.get("source"))
		}
		p.CreatedAt = row.time("created_at")
		if addr, ok := row.address("address"); ok {
			if prev, dup := seen[addr]; dup {
				row.problem("%s %q is already on line %d", row.header("address"), addr, prev)
			}
			seen[addr] = row.line
			p.Address = addr
		}
		if row.get("company") != "" {
			p.Company, _ = row.domain("company")
		}
		if row.get("owner") != "" {
			if owner, ok := row.address("owner"); ok {
				if checks.IsUser != nil && !checks.IsUser(owner) {
					row.problem("owner %q is not a user (an owner must be a user's primary address in the config)", owner)
				}
				p.Owner = owner
			}
		}
		if row.ok() {
			out = append(out, p)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReadDeals reads a deals file (columns name, id, external_id, stage,
// status, amount, company, contacts, created_at, updated_at). A deal with
// updated_at but no created_at was created then. In a file with an
// external_id column (an export's), id is the exporting store's id and
// external_id the deal's own; in a file without one (another tool's), id
// is the deal's own id, kept as its external id. file names it in errors.
func ReadDeals(r io.Reader, file string, checks Checks) ([]crm.Deal, error) {
	var out []crm.Deal
	seen := map[string]int{}
	err := readTable(r, file, dealColumns, func(row *row) {
		d := crm.Deal{Name: row.get("name"), Stage: row.get("stage")}
		if d.Name == "" {
			row.problem("name is empty")
		}
		key, keyCol := row.get("id"), "id"
		if row.has("external_id") {
			d.ExternalID = row.get("external_id")
			if v := row.get("id"); v != "" {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n <= 0 {
					row.problem("id %q is not a store id (a whole number; with an external_id column, id is the id poller export wrote)", v)
				}
				d.ID = n
			}
			if d.ExternalID != "" {
				key, keyCol = d.ExternalID, "external_id"
			}
		} else {
			d.ExternalID = key
		}
		if key != "" {
			if prev, dup := seen[key]; dup {
				row.problem("%s %q is already on line %d", keyCol, key, prev)
			}
			seen[key] = row.line
		}
		switch st := strings.ToLower(row.get("status")); st {
		case "":
			d.Status = crm.DealOpen
		case crm.DealOpen, crm.DealWon, crm.DealLost:
			d.Status = st
		default:
			row.problem("status %q is not open, won or lost", row.get("status"))
		}
		d.Amount = row.amount("amount")
		if row.get("company") != "" {
			d.Company, _ = row.domain("company")
		}
		d.Contacts = row.contacts("contacts", checks.IsContact)
		d.CreatedAt = row.time("created_at")
		d.UpdatedAt = row.time("updated_at")
		if !d.CreatedAt.IsZero() && !d.UpdatedAt.IsZero() && d.UpdatedAt.Before(d.CreatedAt) {
			row.problem("updated_at %s is before created_at %s", row.get("updated_at"), row.get("created_at"))
		}
		if d.CreatedAt.IsZero() {
			d.CreatedAt = d.UpdatedAt // a deal is not created after its last update
		}
		if row.ok() {
			out = append(out, d)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// schema is what columns a kind of file has.
type schema struct {
	kind     string
	columns  []string          // canonical names
	required string            // the one required column
	synonyms map[string]string // other name → canonical name
}

// table is a file's header, mapped onto its schema.
type table struct {
	file    string
	index   map[string]int    // canonical name → field index
	written map[string]string // canonical name → as the header writes it
	unnamed map[int]bool      // header cells left blank
	width   int
}

// row is one data row being validated; problems collect what is wrong.
type row struct {
	t        *table
	line     int
	cells    []string
	problems []string
}

func (r *row) problem(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

func (r *row) ok() bool { return len(r.problems) == 0 }

// get is the trimmed value of a canonical column; "" when the file has no
// such column.
func (r *row) get(col string) string {
	i, ok := r.t.index[col]
	if !ok {
		return ""
	}
	return strings.TrimSpace(restore(strings.TrimSpace(r.cells[i])))
}

// has reports whether the file has the column.
func (r *row) has(col string) bool {
	_, ok := r.t.index[col]
	return ok
}

// header is the column's name as the file writes it, for messages.
func (r *row) header(col string) string {
	if h, ok := r.t.written[col]; ok {
		return h
	}
	return col
}

// address reads a required plain address, lower-cased.
func (r *row) address(col string) (string, bool) {
	v := r.get(col)
	if v == "" {
		r.problem("%s is empty", r.header(col))
		return "", false
	}
	a, err := plainAddress(v)
	if err != nil {
		r.problem("%s %q is not an address", r.header(col), v)
		return "", false
	}
	return a, true
}

// domain reads a required domain, lower-cased.
func (r *row) domain(col string) (string, bool) {
	v := r.get(col)
	if v == "" {
		r.problem("%s is empty", r.header(col))
		return "", false
	}
	d, ok := normaliseDomain(v)
	if !ok {
		hint := ""
		if strings.Contains(v, "@") {
			hint = " (give the domain only, e.g. " + v[strings.LastIndexByte(v, '@')+1:] + ")"
		}
		r.problem("%s %q is not a domain%s", r.header(col), v, hint)
		return "", false
	}
	return d, true
}

var amountSyntax = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// amount reads an optional amount: digits with an optional decimal point.
func (r *row) amount(col string) *float64 {
	v := r.get(col)
	if v == "" {
		return nil
	}
	if strings.HasPrefix(v, "-") && amountSyntax.MatchString(v[1:]) {
		r.problem("%s %q is negative", r.header(col), v)
		return nil
	}
	if !amountSyntax.MatchString(v) {
		r.problem("%s %q is not a number (write digits with an optional decimal point, e.g. 1200.50: no currency or thousands separators)", r.header(col), v)
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		r.problem("%s %q is not a number: %v", r.header(col), v, err)
		return nil
	}
	return &f
}

// dateLayouts are the accepted forms of a time; those without a zone are UTC.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02",
	"2006-01-02 15:04",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02T15:04:05",
}

// time reads an optional time.
func (r *row) time(col string) time.Time {
	v := r.get(col)
	if v == "" {
		return time.Time{}
	}
	t, ok := parseTime(v)
	if !ok {
		r.problem("%s %q is not a date (write 2026-03-01, 2026-03-01 14:30[:05] UTC, or RFC 3339 such as 2026-03-01T14:30:00+01:00)", r.header(col), v)
	}
	return t
}

func parseTime(v string) (time.Time, bool) {
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// contacts reads a list of addresses separated by ListSeparator.
func (r *row) contacts(col string, exists func(string) bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, part := range strings.Split(r.get(col), ListSeparator) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, err := plainAddress(part)
		if err != nil {
			r.problem("%s: %q is not an address", r.header(col), part)
			continue
		}
		if seen[a] {
			continue
		}
		seen[a] = true
		if exists != nil && !exists(a) {
			r.problem("%s: no contact %s (import contacts first)", r.header(col), a)
			continue
		}
		out = append(out, a)
	}
	return out
}

// plainAddress checks that v is one bare address and lower-cases it.
func plainAddress(v string) (string, error) {
	a, err := mail.ParseAddress(v)
	if err != nil {
		return "", err
	}
	if a.Name != "" || a.Address != v {
		return "", errors.New("not a bare address")
	}
	return strings.ToLower(v), nil
}

// normaliseDomain lower-cases a domain and checks its shape: dot-separated
// labels of letters, digits and hyphens (any script).
func normaliseDomain(v string) (string, bool) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(v)), ".")
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", false
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return "", false
		}
		for _, c := range l {
			if c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c > utf8.RuneSelf && c != utf8.RuneError {
				continue
			}
			return "", false
		}
	}
	return d, true
}

// readTable reads the header and then every row, calling check for each
// non-blank one. It returns every line's problems (up to MaxErrors).
func readTable(r io.Reader, file string, s schema, check func(*row)) error {
	br := bufio.NewReader(r)
	if err := skipBOM(br, file); err != nil {
		return err
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	var errs errorList
	errs.file = file

	header, err := cr.Read()
	if err == io.EOF {
		return fmt.Errorf("%s: the file is empty: its first line must be a header naming the columns (%s: %s)",
			file, s.kind, strings.Join(s.columns, ", "))
	}
	if err != nil {
		return csvError(file, err)
	}
	hline, _ := cr.FieldPos(0)
	t, err := newTable(file, s, header)
	if err != nil {
		return &LineError{File: file, Line: hline, Err: err}
	}
	for {
		cells, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs.add(csvError(file, err))
			break
		}
		line, _ := cr.FieldPos(0)
		if blank(cells) {
			continue
		}
		rw := &row{t: t, line: line, cells: cells}
		switch {
		case len(cells) != t.width:
			rw.problem("%d fields, but the header has %d columns (is a value with a comma not quoted?)", len(cells), t.width)
		case !validUTF8(cells):
			rw.problem("the text is not UTF-8 (save the file as \"CSV UTF-8\")")
		default:
			for i := range t.unnamed {
				if strings.TrimSpace(cells[i]) != "" {
					rw.problem("column %d has a value but no name in the header", i+1)
				}
			}
			if rw.ok() {
				check(rw)
			}
		}
		if !rw.ok() {
			errs.add(&LineError{File: file, Line: line, Err: errors.New(strings.Join(rw.problems, "; "))})
		}
	}
	return errs.err()
}

// newTable maps a header row onto s.
func newTable(file string, s schema, header []string) (*table, error) {
	t := &table{file: file, index: map[string]int{}, written: map[string]string{}, unnamed: map[int]bool{}, width: len(header)}
	known := map[string]bool{}
	for _, c := range s.columns {
		known[c] = true
	}
	var unknown []string
	if !validUTF8(header) {
		return nil, errors.New("the header is not UTF-8 text (save the file as \"CSV UTF-8\")")
	}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if name == "" {
			t.unnamed[i] = true
			continue
		}
		canon := name
		if syn, ok := s.synonyms[name]; ok {
			canon = syn
		}
		if !known[canon] {
			unknown = append(unknown, strconv.Quote(strings.TrimSpace(h)))
			continue
		}
		if j, dup := t.index[canon]; dup {
			if t.written[canon] == name {
				return nil, fmt.Errorf("column %q appears twice (columns %d and %d)", name, j+1, i+1)
			}
			return nil, fmt.Errorf("columns %q and %q are the same column; keep one", t.written[canon], name)
		}
		t.index[canon], t.written[canon] = i, name
	}
	if len(unknown) > 0 {
		word := "column"
		if len(unknown) > 1 {
			word = "columns"
		}
		return nil, fmt.Errorf("unknown %s %s (%s columns: %s)", word, strings.Join(unknown, ", "), s.kind, strings.Join(s.columns, ", "))
	}
	if _, ok := t.index[s.required]; !ok {
		name := strconv.Quote(s.required)
		for syn, canon := range s.synonyms {
			if canon == s.required {
				name += " (or " + strconv.Quote(syn) + ")"
			}
		}
		return nil, fmt.Errorf("required column %s is missing (%s columns: %s)", name, s.kind, strings.Join(s.columns, ", "))
	}
	return t, nil
}

// skipBOM drops a UTF-8 byte order mark and refuses UTF-16 text.
func skipBOM(br *bufio.Reader, file string) error {
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, err := br.Discard(3)
		return err
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return fmt.Errorf("%s: the file is UTF-16 text; save it as \"CSV UTF-8\"", file)
	}
	return nil
}

// csvError turns a CSV syntax error into a LineError.
func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &LineError{File: file, Line: pe.Line, Err: fmt.Errorf("%w (a quote inside a value must be doubled, and the value quoted)", pe.Err)}
	}
	return fmt.Errorf("%s: %w", file, err)
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func validUTF8(cells []string) bool {
	for _, c := range cells {
		if !utf8.ValidString(c) {
			return false
		}
	}
	return true
}

// errorList collects line errors, keeping the first MaxErrors.
type errorList struct {
	file  string
	errs  []error
	extra int
}

func (l *errorList) add(err error) {
	if len(l.errs) == MaxErrors {
		l.extra++
		return
	}
	l.errs = append(l.errs, err)
}

func (l *errorList) err() error {
	if l.extra > 0 {
		return errors.Join(append(l.errs, fmt.Errorf("%s: %d more bad lines not listed", l.file, l.extra))...)
	}
	return errors.Join(l.errs...)
}
