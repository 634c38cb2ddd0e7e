package crm

import (
	"fmt"
	"net/mail"
	"strings"

	"github.com/poller-crm/poller/pkg/email"
)

// CheckContact reports why addr may not be a contact (an error in plain
// words for the person who typed it), or nil: it must be one address, and
// neither the team's own, nor on the never-log list, nor a machine address.
func (r *Rules) CheckContact(addr string) error {
	addr = strings.TrimSpace(addr)
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Name != "" || a.Address != addr || !strings.Contains(addr, "@") {
		return fmt.Errorf("%q is not an email address (like name@company.com)", addr)
	}
	key := strings.ToLower(addr)
	switch {
	case r.IsInternal(key):
		return fmt.Errorf("%s is the team's own address (a user, a team inbox, the log address or an internal domain), never a contact", key)
	case r.IsNeverLog(key):
		return fmt.Errorf("%s is on the never-log list", key)
	case r.IsRoleAddress(key) || isAutoSender(key):
		return fmt.Errorf("%s is a machine or role address, never a contact", key)
	}
	return nil
}

// DecideOn is the decision to log m on contact c, credited to user u, by
// hand (the web app's "log it on a contact" for a rejected message): what
// Decide would log, with the contact and the user forced. The email is the
// forwarded original when m forwards a message Decide would log (a forward
// from an external sender, or the user's own sent mail), else m itself as
// the user's outgoing mail (bcc). Tags of the log address apply. c must
// pass CheckContact.
func (r *Rules) DecideOn(m *email.Message, u *User, c Contact) (Decision, error) {
	if u == nil {
		return Decision{}, fmt.Errorf("no user to credit")
	}
	if err := r.CheckContact(c.Address); err != nil {
		return Decision{}, err
	}
	c.Address = strings.ToLower(strings.TrimSpace(c.Address))
	c.Name = strings.TrimSpace(c.Name)
	d, ok := r.decideForward(m, u)
	if !ok || d.Rejected() {
		d = Decision{Kind: KindBCC, Subject: m.Subject, Body: strings.TrimSpace(m.TextBody())}
	}
	d.More = nil // one email, on the one contact asked for
	d.User = u
	d.LogTo = []Contact{c}
	d.Detail = fmt.Sprintf("logged by hand on %s by %s (%s)", c.Address, u.Email, d.Kind)
	d.Tags = r.logTags(m)
	return d, nil
}
