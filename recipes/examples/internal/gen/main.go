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
