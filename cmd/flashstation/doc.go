// Command flashstation flashes microcontroller boards through many debug
// probes at once, records every attempt per unit, and serves an operator page.
package main
