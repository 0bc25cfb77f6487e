package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the process exit status:
// 0 success, 1 the operation failed, 2 bad usage or bad input.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "flashstation: "+oneLine(suggest(root, args, err).Error()))
	return exitCode(err)
}

// suggest rewrites cobra's unknown-command error, which spreads its "Did
// you mean this?" over several lines, as one line: the unknown word and
// the commands it is close to.
func suggest(root *cobra.Command, args []string, err error) error {
	msg := err.Error()
	if !strings.HasPrefix(msg, "unknown command ") {
		return err
	}
	// The word cobra could not find: the first argument after the known
	// command path.
	c, rest, _ := root.Find(args)
	if c == nil || len(rest) == 0 {
		return err
	}
	word := rest[0]
	for _, a := range rest {
		if !strings.HasPrefix(a, "-") {
			word = a
			break
		}
	}
	line := fmt.Sprintf("unknown command %q for %q", word, c.CommandPath())
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // what cobra uses for the root
	}
	if s := c.SuggestionsFor(word); len(s) > 0 {
		line += fmt.Sprintf("; did you mean %q?", strings.Join(s, `" or "`))
	} else {
		line += fmt.Sprintf("; see %q", c.CommandPath()+" --help")
	}
	return errors.New(line)
}
