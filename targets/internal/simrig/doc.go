// Package simrig opens simulated probes and boards (drivers/sim) for the
// target families' tests and benchmarks, and holds the test bodies the
// STM32 families share (fault storms, the flash benchmark). It is for
// tests only: nothing outside _test.go files imports it.
package simrig
