package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// errReported is returned when the problem was already written to stderr.
var errReported = errors.New("reported")

// usageError is a command line that does not fit a subcommand. usage is
// the command's part of the usage text, printed after the error.
type usageError struct{ msg, usage string }

func (u usageError) Error() string { return u.msg }

// newFlagSet is a subcommand's flag set: errors are returned, not fatal.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// usagef is a usage error: the command line does not fit the command.
func usagef(format string, args ...any) error {
	return usageError{msg: fmt.Sprintf(format, args...)}
}

// parseInterspersed parses flags that may come before, between or after the
// positional arguments, which it returns.
// Flag errors are usage errors naming the command; the flag package prints
// nothing itself, so the usage is shown once.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
