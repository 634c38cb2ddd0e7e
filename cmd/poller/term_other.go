//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package main

import "errors"

// isTerminal: without termios, stdin is read as a plain line.
func isTerminal(fd int) bool { return false }

func echoOff(fd int) (restore func(), err error) {
	return nil, errors.New("not supported on this system")
}
