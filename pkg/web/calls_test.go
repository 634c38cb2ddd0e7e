package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/view"
	"github.com/poller-crm/poller/pkg/web"
	"github.com/poller-crm/poller/pkg/web/webtest"
)

// countingStore counts the store calls the app makes.
type countingStore struct {
	web.Store
	n atomic.Int64
}

func (c *countingStore) UserID(ctx context.Context, email string) (int64, error) {
	c.n.Add(1)
	return c.Store.UserID(ctx, email)
}
func (c *countingStore) PasswordHash(ctx context.Context, email string) (string, error) {
	c.n.Add(1)
	return c.Store.PasswordHash(ctx, email)
}
func (c *countingStore) CreateSession(ctx context.Context, h []byte, u string, now time.Time) error {
	c.n.Add(1)
	return c.Store.CreateSession(ctx, h, u, now)
}
func (c *countingStore) Session(ctx context.Context, h []byte) (view.Session, error) {
	c.n.Add(1)
	return c.Store.Session(ctx, h)
}
func (c *countingStore) TouchSession(ctx context.Context, h []byte, now time.Time) error {
	c.n.Add(1)
	return c.Store.TouchSession(ctx, h, now)
}
func (c *countingStore) DeleteSession(ctx context.Context, h []byte) error {
	c.n.Add(1)
	return c.Store.DeleteSession(ctx, h)
}
func (c *countingStore) DeleteSessionsBefore(ctx context.Context, idle, absolute time.Time) error {
	c.n.Add(1)
	return c.Store.DeleteSessionsBefore(ctx, idle, absolute)
}
func (c *countingStore) RecentEmails(ctx context.Context, v view.Viewer, p view.Page) ([]view.EmailSummary, error) {
	c.n.Add(1)
	return c.Store.RecentEmails(ctx, v, p)
}
func (c *countingStore) Contacts(ctx context.Context, v view.Viewer, q view.ContactQuery) (view.ContactList, error) {
	c.n.Add(1)
	return c.Store.Contacts(ctx, v, q)
}
func (c *countingStore) Contact(ctx context.Context, v view.Viewer, a string, p view.Page) (*view.Contact, error) {
	c.n.Add(1)
	return c.Store.Contact(ctx, v, a, p)
}
func (c *countingStore) Companies(ctx context.Context, v view.Viewer, q view.ListQuery) (view.CompanyList, error) {
	c.n.Add(1)
	return c.Store.Companies(ctx, v, q)
}
func (c *countingStore) Company(ctx context.Context, v view.Viewer, d string, p view.Page) (*view.Company, error) {
	c.n.Add(1)
	return c.Store.Company(ctx, v, d, p)
}
func (c *countingStore) Deals(ctx context.Context, v view.Viewer, q view.ListQuery) (view.DealList, error) {
	c.n.Add(1)
	return c.Store.Deals(ctx, v, q)
}
func (c *countingStore) Deal(ctx context.Context, v view.Viewer, id int64, p view.Page) (*view.DealPage, error) {
	c.n.Add(1)
	return c.Store.Deal(ctx, v, id, p)
}
func (c *countingStore) Email(ctx context.Context, v view.Viewer, id int64) (*view.Email, error) {
	c.n.Add(1)
	return c.Store.Email(ctx, v, id)
}
func (c *countingStore) Attachment(ctx context.Context, v view.Viewer, e, a int64, w io.Writer) (view.Attachment, error) {
	c.n.Add(1)
	return c.Store.Attachment(ctx, v, e, a, w)
}
func (c *countingStore) RawEmail(ctx context.Context, v view.Viewer, id int64, w io.Writer) error {
	c.n.Add(1)
	return c.Store.RawEmail(ctx, v, id, w)
}
func (c *countingStore) Search(ctx context.Context, v view.Viewer, q string, p view.Page) (view.SearchResult, error) {
	c.n.Add(1)
	return c.Store.Search(ctx, v, q, p)
}
func (c *countingStore) Intake(ctx context.Context, v view.Viewer, q view.IntakeQuery) (view.IntakeList, error) {
	c.n.Add(1)
	return c.Store.Intake(ctx, v, q)
}
func (c *countingStore) IntakeRow(ctx context.Context, v view.Viewer, id int64) (*view.Intake, error) {
	c.n.Add(1)
	return c.Store.IntakeRow(ctx, v, id)
}
func (c *countingStore) RawIntake(ctx context.Context, v view.Viewer, id int64, w io.Writer) error {
	c.n.Add(1)
	return c.Store.RawIntake(ctx, v, id, w)
}
func (c *countingStore) Passes(ctx context.Context, p view.Page) ([]view.Pass, error) {
	c.n.Add(1)
	return c.Store.Passes(ctx, p)
}

// TestStoreCallsPerPage checks that each page makes a fixed, small number
// of store calls whatever the data: lists come in pages and nothing is
// fetched row by row (the store bounds the queries of each call).
func TestStoreCallsPerPage(t *testing.T) {
	store, users := webtest.NewStore(t)
	cs := &countingStore{Store: store}
	app, err := web.New(cs, web.Config{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := store.DB().QueryRow(`SELECT id FROM emails WHERE subject = ?`, quoteSubject).Scan(&id); err != nil {
		t.Fatal(err)
	}
	var aid int64
	if err := store.DB().QueryRow(`SELECT id FROM attachments WHERE email_id = ?`, id).Scan(&aid); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app)
	defer srv.Close()
	client := webtest.SignIn(t, srv, webtest.Alice, webtest.AlicePassword)
	client.Get(srv.URL + "/") // the user's id is remembered from here on

	for _, tc := range []struct {
		path string
		max  int64 // besides reading the session
	}{
		{"/", 3},
		{"/contacts", 1},
		{"/contacts/rkim@tidewater-health.example", 1},
		{"/companies", 1},
		{"/companies/tidewater-health.example", 1},
		{"/deals", 1},
		{"/deals/1", 1},
		{fmt.Sprintf("/emails/%d", id), 1},
		{fmt.Sprintf("/emails/%d/html", id), 1},
		{fmt.Sprintf("/emails/%d/raw", id), 1},
		{fmt.Sprintf("/emails/%d/attachments/%d", id, aid), 2},
		{"/search?q=fridges", 1},
		{"/intake", 2},
		{"/intake/1", 1},
		{"/intake/1/raw", 1},
	} {
		cs.n.Store(0)
		resp, err := client.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", tc.path, resp.StatusCode)
		}
		if got := cs.n.Load() - 1; got > tc.max {
			t.Errorf("GET %s made %d store calls besides the session, want at most %d", tc.path, got, tc.max)
		}
	}
}
