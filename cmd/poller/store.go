package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crmstore"
)

// storeFlags are the flags of every subcommand that uses the store.
type storeFlags struct {
	config string
	db     string
	// existing refuses to create a database: commands that only read one
	// (export, show) report a mistyped path instead of an empty store.
	existing bool
	// getenv expands ${ENV} in the config (nil: the process's
	// environment); poll validates the mailboxes' secrets too (once, run).
	getenv func(string) string
	poll   bool
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "config", "", "config file (YAML)")
	fs.StringVar(&f.db, "db", "", "database file, or postgres:// URL (default: the config's store)")
}

// env is what a store-using subcommand works with.
type env struct {
	cfg   *config
	rules *crm.Rules
	store *crmstore.Store
}

func (e *env) Close() error { return e.store.Close() }

// open loads the config (when given or found, see findConfig; needRules
// makes it required) and opens the store at --db, else at the config's
// store.path. The whole config is validated before anything is created.
// The users of the config are synced into the store.
func (f *storeFlags) open(ctx context.Context, needRules bool) (*env, error) {
	e := &env{}
	if f.config == "" && (needRules || f.db == "") {
		if f.config = findConfig("", f.getenv); f.config == "" {
			return nil, usagef("%v", errNoConfig)
		}
	}
	target := dbTarget(f.db)
	if f.config != "" {
		cfg, rules, err := loadConfigEnv(f.config, f.getenv, f.poll)
		if err != nil {
			return nil, err
		}
		e.cfg, e.rules = cfg, rules
		if f.db == "" {
			if target, err = cfg.storeTarget(); err != nil {
				return nil, err
			}
		}
	}
	if f.existing && !target.postgres() {
		if _, err := os.Stat(target.path); err != nil {
			return nil, fmt.Errorf("no database at %s (give --db, or --config whose store.path names it): %w", target.path, err)
		}
	}
	opts := crmstore.Options{}
	if e.cfg != nil {
		opts.MaxAttachmentSize = int64(e.cfg.CRM.MaxAttachmentSize)
		opts.NoCompanyDomains = e.cfg.CRM.NoCompanyDomains
	}
	store, err := openStore(ctx, target, opts)
	if err != nil {
		return nil, err
	}
	e.store = store
	if e.cfg != nil {
		if err := store.SyncUsers(ctx, e.cfg.crmUsers()); err != nil {
			store.Close()
			return nil, err
		}
	}
	return e, nil
}
