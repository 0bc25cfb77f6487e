// Package link defines the seam between probe drivers and a USB transport:
// a Link is one USB conversation with one probe (send a packet, receive a
// packet, with deadlines), and a Bus lists the probes attached and opens Links.
//
// Two things implement it: drivers/usb (gousb, the factory floor) and
// drivers/sim (simulated probes, tests and demos). Everything above a Link is
// the same code in both places.
//
// The package also has a Recorder, which wraps any Link and captures every
// exchange, and a Playback, which replays a capture and fails on any
// unexpected byte or leftover exchange, so driver sequences can be kept as
// byte-exact regression tests.
package link
