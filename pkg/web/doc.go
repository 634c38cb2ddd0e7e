// Package web is the CRM's web app: the team signs in and sees, searches
// and opens what poller logged. Pages are server-rendered with
// html/template from embedded templates and work without JavaScript. It
// reads through the Store interface and never sees SQL.
package web
