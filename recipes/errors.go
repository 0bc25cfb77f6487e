package recipes

import "github.com/flashstation/flashstation/recipes/tomlpos"

// Problem is one thing wrong with a recipe; Problems is every one found,
// in file order (the same types station.toml validation reports).
type (
	Problem  = tomlpos.Problem
	Problems = tomlpos.Problems
)
