package postgres_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/postgres"
)

// The password in a store URL appears in no error and in no name of the
// store: not for a URL that does not parse, a server that is not there, a
// refused login, nor in Where of a store that opened.
func TestThePasswordNeverShows(t *testing.T) {
	const secret = "s3cret-Pa55"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	srv := pg.Server(t)
	for _, url := range []string{
		"postgres://poller:" + secret + "@db.example:notaport/crm",
		"postgres://poller:" + secret + "@" + closed + "/crm?sslmode=disable&connect_timeout=2",
		"postgres://nobody:" + secret + "@" + srv.Addr + "/nodb?sslmode=disable",
	} {
		_, err := postgres.Open(ctx, url, crmstore.Options{})
		if err == nil {
			t.Fatalf("Open(%s) succeeded", strings.ReplaceAll(url, secret, "***"))
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the password: %v", err)
		}
		if _, err := postgres.CheckURL(url); err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("CheckURL's error shows the password: %v", err)
		}
	}
	url := strings.Replace(srv.NewDatabase(t), "poller@", "poller:"+secret+"@", 1)
	s, err := postgres.Open(ctx, url, crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if strings.Contains(s.Where(), secret) || !strings.HasPrefix(s.Where(), "postgres://poller@127.0.0.1:") {
		t.Errorf("Where = %q, want the URL without its password", s.Where())
	}
}
