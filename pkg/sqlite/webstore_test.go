package sqlite_test

import (
	"github.com/poller-crm/poller/pkg/sqlite"
	"github.com/poller-crm/poller/pkg/web"
)

var _ web.Store = (*sqlite.Store)(nil)
