// Command gen regenerates the example recipes and their firmware in the
// current directory (run by go generate in recipes/examples).
package main

import (
	"fmt"
	"os"

	"github.com/flashstation/flashstation/recipes/examples"
)

func main() {
	if err := examples.Generate("."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
