// Command gen regenerates the example recipes and their firmware in the
// current directory (run by go generate in recipes/examples).
package main
