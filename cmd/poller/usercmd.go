package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/password"
)

// minPasswordLength is the shortest password "poller user password"
// accepts, in characters.
const minPasswordLength = 8

// maxPasswordLength bounds what is read (in bytes).
const maxPasswordLength = 1024

// runUser implements "poller user password EMAIL" and "poller user list".
func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	const use = "user: password EMAIL --config FILE [--db PATH], or list --config FILE [--db PATH]"
	if len(args) == 0 {
		return usagef("%s", use)
	}
	fs := newFlagSet("user "+args[0], stderr)
	var sf storeFlags
	sf.register(fs)
	rest, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return usagef("%s", use)
	}
	switch args[0] {
	case "password":
		if len(rest) != 1 {
			return usagef("user password: give one address (user password EMAIL --config FILE); the password is read from the terminal or stdin, never from the command line")
		}
		return runUserPassword(ctx, &sf, rest[0], stdin, stdout, stderr)
	case "list":
		if len(rest) != 0 {
			return usagef("user list: takes flags only (--config FILE [--db PATH])")
		}
		sf.existing = true
		return runUserList(ctx, &sf, stdout)
	}
	return usagef("user: unknown subcommand %q (%s)", args[0], use)
}

// runUserPassword sets the web app password of a config user.
func runUserPassword(ctx context.Context, sf *storeFlags, address string, stdin io.Reader, stdout, stderr io.Writer) error {
	// The config first: an address that is no user is refused before the
	// password is asked for.
	if sf.config = findConfig(sf.config, nil); sf.config == "" {
		return usagef("%v", errNoConfig)
	}
	cfg, _, err := loadConfig(sf.config)
	if err != nil {
		return err
	}
	user, err := cfg.findUser(address)
	if err != nil {
		return err
	}
	pw, err := readNewPassword(ctx, stdin, stderr, user.Email)
	if err != nil {
		return err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	e, err := sf.open(ctx, true)
	if err != nil {
		return err
	}
	defer e.Close()
	if err := e.store.SetPassword(ctx, strings.ToLower(user.Email), hash); err != nil {
		return fmt.Errorf("set the password of %s: %w", user.Email, err)
	}
	fmt.Fprintf(stdout, "password set for %s: they can sign in to the web app\n", user.Email)
	return nil
}

// findUser returns the config user whose primary address is address.
func (c *config) findUser(address string) (userConfig, error) {
	a := strings.TrimSpace(address)
	for _, u := range c.Users {
		if strings.EqualFold(u.Email, a) {
			return u, nil
		}
	}
	for _, u := range c.Users {
		for _, alias := range u.Aliases {
			if strings.EqualFold(alias, a) {
				return userConfig{}, fmt.Errorf("%s is an alias of %s: give the primary address", a, u.Email)
			}
		}
	}
	return userConfig{}, fmt.Errorf("%q is not a user of the config (users: %s): add it under users: first", a, strings.Join(c.userEmails(), ", "))
}

func (c *config) userEmails() []string {
	out := make([]string, len(c.Users))
	for i, u := range c.Users {
		out[i] = u.Email
	}
	return out
}

// readNewPassword reads the new password: on a terminal without echo,
// twice; otherwise one line of in.
func readNewPassword(ctx context.Context, in io.Reader, prompt io.Writer, email string) (string, error) {
	f, ok := in.(*os.File)
	if !ok || !isTerminal(int(f.Fd())) {
		pw, err := readLine(bufio.NewReader(io.LimitReader(in, maxPasswordLength+2)))
		if err != nil {
			return "", fmt.Errorf("read the password from stdin: %w", err)
		}
		return pw, checkPassword(pw)
	}
	r := bufio.NewReader(f)
	first, err := readSecretLine(ctx, f, r, prompt, "New password for "+email+": ")
	if err != nil {
		return "", err
	}
	if err := checkPassword(first); err != nil {
		return "", err
	}
	second, err := readSecretLine(ctx, f, r, prompt, "The same password again: ")
	if err != nil {
		return "", err
	}
	if first != second {
		return "", errors.New("the two passwords differ: nothing was changed")
	}
	return first, nil
}

// checkPassword refuses a password too short to be one. Its messages never
// quote the password.
func checkPassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case n == 0:
		return errors.New("no password given (an empty line): nothing was changed")
	case n < minPasswordLength:
		return fmt.Errorf("the password is too short (%d characters): use at least %d", n, minPasswordLength)
	case len(pw) > maxPasswordLength:
		return fmt.Errorf("the password is too long: use at most %d bytes", maxPasswordLength)
	}
	return nil
}

// readLine reads one line, without its line ending; the end of the input
// ends the line too.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if errors.Is(err, io.EOF) {
			return "", nil // an empty input: checkPassword says so
		}
		return "", err
	}
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	if len(line) > maxPasswordLength {
		return "", fmt.Errorf("the password is too long: use at most %d bytes", maxPasswordLength)
	}
	return line, nil
}

// readSecretLine shows question and reads a line from the terminal f with
// echo off, restoring the terminal even when ctx ends (Ctrl-C) while it
// waits.
func readSecretLine(ctx context.Context, f *os.File, r *bufio.Reader, prompt io.Writer, question string) (string, error) {
	restore, err := echoOff(int(f.Fd()))
	if err != nil {
		return "", fmt.Errorf("turn off the terminal's echo: %w", err)
	}
	defer restore()
	fmt.Fprint(prompt, question)
	defer fmt.Fprintln(prompt) // the Enter typed was not echoed either
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := readLine(r)
		done <- result{line, err}
	}()
	select {
	case res := <-done:
		return res.line, res.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// runUserList prints the config's users: admin or not, password set or
// not.
func runUserList(ctx context.Context, sf *storeFlags, stdout io.Writer) error {
	e, err := sf.open(ctx, true)
	if err != nil {
		return err
	}
	defer e.Close()
	infos, err := e.store.Users(ctx)
	if err != nil {
		return err
	}
	byEmail := map[string]crmstore.UserInfo{}
	for _, u := range infos {
		byEmail[strings.ToLower(u.Email)] = u
	}
	tw := newTable(stdout)
	fmt.Fprintln(tw, "EMAIL\tNAME\tADMIN\tPASSWORD")
	for _, u := range e.cfg.Users {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Email, dash(u.Name), yesNo(u.Admin), yesNo(byEmail[strings.ToLower(u.Email)].HasPassword))
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
