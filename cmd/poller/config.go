package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/poller-crm/poller/pkg/crm"
)

// config is the YAML configuration file (config.example.yaml documents
// every key).
type config struct {
	CRM         crmConfig         `yaml:"crm"`
	Users       []userConfig      `yaml:"users"`
	TeamInboxes []teamInboxConfig `yaml:"team_inboxes"`
	Store       storeConfig       `yaml:"store"`
	// Schedule is a cron expression ("*/5 * * * *") or "@every 1m".
	Schedule  string          `yaml:"schedule"`
	Timezone  string          `yaml:"timezone"`
	Mailboxes []mailboxConfig `yaml:"mailboxes"`
	Log       logConfig       `yaml:"log"`
	HTTP      httpConfig      `yaml:"http"`
	Web       webConfig       `yaml:"web"`
	// Notify turns on notices by mail; nil (absent) = off.
	Notify *notifyConfig `yaml:"notify"`

	// dir is the folder of the config file: relative paths start there.
	dir string
}

type logConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text, json
}

type httpConfig struct {
	// Listen is the address of /healthz and /metrics in run mode; "" = off.
	Listen string `yaml:"listen"`
	// UnhealthyAfter is how many failed passes in a row make /healthz fail.
	UnhealthyAfter int `yaml:"unhealthy_after"`
}

type storeConfig struct {
	// Path is the SQLite database file.
	Path string `yaml:"path"`
	// URL (or the file URLFile names) is a PostgreSQL database instead:
	// postgres://user:password@host:5432/database.
	URL     string `yaml:"url"`
	URLFile string `yaml:"url_file"`
}

type crmConfig struct {
	LogAddresses    []string `yaml:"log_addresses"`
	InternalDomains []string `yaml:"internal_domains"`
	NeverLog        []string `yaml:"never_log"`
	MaxMessageSize  byteSize `yaml:"max_message_size"`
	// MaxAttachmentSize drops larger attachments from logged emails.
	MaxAttachmentSize byteSize `yaml:"max_attachment_size"`
	// NoCompanyDomains get no company, like free-mail providers.
	NoCompanyDomains []string `yaml:"no_company_domains"`
	// RoleAddresses never become contacts; nil = the built-in list.
	RoleAddresses []string   `yaml:"role_addresses"`
	Auth          authConfig `yaml:"auth"`
}

type authConfig struct {
	RequirePass       bool   `yaml:"require_pass"`
	TrustedAuthservID string `yaml:"trusted_authserv_id"`
}

type userConfig struct {
	Email   string   `yaml:"email"`
	Name    string   `yaml:"name"`
	Aliases []string `yaml:"aliases"`
	// Admin users see everything in the web app (every intake row, the
	// passes, every email whatever web.visibility says).
	Admin bool `yaml:"admin"`
}

type teamInboxConfig struct {
	Email       string `yaml:"email"`
	ConnectedBy string `yaml:"connected_by"`
}

// loadConfig reads and validates the config file at path, with ${ENV}
// from the process's environment (see loadConfigEnv).
func loadConfig(path string) (*config, *crm.Rules, error) {
	return loadConfigEnv(path, os.Getenv, false)
}

// parseConfig decodes YAML from r, rejecting unknown keys with their name
// and line.
func parseConfig(r io.Reader) (*config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var cfg config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty")
		}
		return nil, yamlProblems(data, err)
	}
	return &cfg, nil
}

func (c *config) crmUsers() []crm.User {
	users := make([]crm.User, len(c.Users))
	for i, u := range c.Users {
		users[i] = crm.User{Email: u.Email, Name: u.Name, Aliases: u.Aliases}
	}
	return users
}

// rules turns the crm, users and team_inboxes sections into crm.Rules.
func (c *config) rules() (*crm.Rules, error) {
	return c.rulesFor(c.CRM.LogAddresses)
}

// rulesFor is rules with the given log addresses (a mailbox may have its
// own).
func (c *config) rulesFor(logAddresses []string) (*crm.Rules, error) {
	rc := crm.Config{
		LogAddresses:    logAddresses,
		InternalDomains: c.CRM.InternalDomains,
		NeverLog:        c.CRM.NeverLog,
		MaxMessageSize:  int64(c.CRM.MaxMessageSize),
		RoleAddresses:   c.CRM.RoleAddresses,
		Auth: crm.AuthCheck{
			RequirePass:       c.CRM.Auth.RequirePass,
			TrustedAuthservID: c.CRM.Auth.TrustedAuthservID,
		},
	}
	rc.Users = c.crmUsers()
	for _, t := range c.TeamInboxes {
		rc.TeamInboxes = append(rc.TeamInboxes, crm.TeamInbox{Email: t.Email, ConnectedBy: t.ConnectedBy})
	}
	return crm.NewRules(rc)
}

// defaultStorePath is where the database goes when the config names none.
const defaultStorePath = "poller.db"

// storePath is the database file: store.path, relative to the config
// file's folder.
func (c *config) storePath() string {
	p := c.Store.Path
	if p == "" {
		p = defaultStorePath
	}
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.dir, p)
}

// byteSize is a size in bytes written as 1048576, "512KB", "50MB" or "1GB"
// (powers of 1024).
type byteSize int64

func (b *byteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return nodeError(n, "want a size such as 50MB")
	}
	v, err := parseByteSize(n.Value)
	if err != nil {
		return nodeError(n, err.Error())
	}
	*b = byteSize(v)
	return nil
}

func parseByteSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size (examples: 1048576, 512KB, 50MB)", s)
	}
	return n * mult, nil
}
