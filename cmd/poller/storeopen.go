package main

import (
	"context"
	"fmt"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/postgres"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// storeTarget is where the store lives: a SQLite file or a PostgreSQL
// database.
type storeTarget struct {
	path string // the SQLite file, when url is ""
	url  string // the PostgreSQL URL, password and all: never print it
}

// String names the store for people: the file, or the URL without its
// password.
func (t storeTarget) String() string {
	if t.url == "" {
		return t.path
	}
	where, err := postgres.CheckURL(t.url)
	if err != nil {
		return "the PostgreSQL database of store.url"
	}
	return where
}

// postgres reports whether the store is on a PostgreSQL server.
func (t storeTarget) postgres() bool { return t.url != "" }

// dbTarget is the store --db names: a postgres:// URL or a file.
func dbTarget(db string) storeTarget {
	if postgres.IsURL(db) {
		return storeTarget{url: db}
	}
	return storeTarget{path: db}
}

// storeTarget is the config's store: store.url or store.url_file for
// PostgreSQL, else store.path (relative to the config's folder) for
// SQLite. validate has checked that only one is set.
func (c *config) storeTarget() (storeTarget, error) {
	switch {
	case c.Store.URL != "":
		return storeTarget{url: c.Store.URL}, nil
	case c.Store.URLFile != "":
		u, err := readSecret(c.path(c.Store.URLFile))
		if err != nil {
			return storeTarget{}, fmt.Errorf("store.url_file: %w", err)
		}
		return storeTarget{url: u}, nil
	}
	return storeTarget{path: c.storePath()}, nil
}

// validateStore checks the store: section.
func (c *config) validateStore() ValidationErrors {
	var es ValidationErrors
	s := c.Store
	if s.URL != "" && s.URLFile != "" {
		es.add("store.url", "set url or url_file, not both")
	}
	if s.Path != "" && (s.URL != "" || s.URLFile != "") {
		es.add("store.path", "set path (SQLite) or url (PostgreSQL), not both")
	}
	u := s.URL
	if s.URLFile != "" {
		var err error
		if u, err = readSecret(c.path(s.URLFile)); err != nil {
			es.add("store.url_file", "%v", err)
			return es
		}
	}
	if u != "" {
		if _, err := postgres.CheckURL(u); err != nil {
			field := "store.url"
			if s.URLFile != "" {
				field = "store.url_file"
			}
			es.add(field, "%v", err)
		}
	}
	return es
}

// openStore opens (creating or upgrading) the store at t.
func openStore(ctx context.Context, t storeTarget, opts crmstore.Options) (*crmstore.Store, error) {
	if t.postgres() {
		return postgres.Open(ctx, t.url, opts)
	}
	return sqlite.Open(ctx, t.path, opts)
}

// openStoreReadOnly opens the store at t to read it only: nothing is
// created or migrated.
func openStoreReadOnly(ctx context.Context, t storeTarget, opts crmstore.Options) (*crmstore.Store, error) {
	if t.postgres() {
		return postgres.OpenReadOnly(ctx, t.url, opts)
	}
	return sqlite.OpenReadOnly(ctx, t.path, opts)
}
