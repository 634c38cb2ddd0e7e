package crmstore_test

import (
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/web"
)

var _ web.Store = (*crmstore.Store)(nil)
