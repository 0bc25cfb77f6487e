package main

import (
	"errors"
	"fmt"
	"strings"
)

const (
	exitOK     = 0
	exitFailed = 1 // the operation ran and failed (a board failed, a probe broke)
	exitUsage  = 2 // bad usage or bad input (flag, file, recipe)
	// exitInterrupted is 128 + SIGINT, as shells report a command stopped
	// by Ctrl-C.
	exitInterrupted = 130
)

// exitError carries the exit status a command wants with its message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErrorf reports bad usage or bad input: exit status 2.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// badInput marks err (a parse or validation error) as bad input: exit 2.
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: exitUsage, err: err}
}

// failed marks err as a failed operation: exit status 1.
func failed(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: exitFailed, err: err}
}

// interrupted marks err as the user stopping the command: exit 130.
func interrupted(err error) error { return &exitError{code: exitInterrupted, err: err} }

func exitCode(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	if isCobraUsageError(err) {
		return exitUsage
	}
	return exitFailed
}

// isCobraUsageError recognises cobra's own argument and flag errors, which
// it returns as plain errors.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag",
		"flag needs an argument", "invalid argument", "accepts ", "requires at least",
		"requires at most", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// oneLine folds a multi-line message so every error is one line on stderr.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}
