// Package bitbang serves a simulated JTAG chain over OpenOCD's
// remote_bitbang protocol, so OpenOCD itself (and its own flash drivers)
// can be pointed at a simulated chip: an independent check of the chip
// models in drivers/sim/chip, which were written from the reference
// manuals without looking at OpenOCD.
//
// The wire protocol (OpenOCD 0.12.0 doc/manual/jtag/drivers/remote_bitbang.txt,
// src/jtag/drivers/remote_bitbang.c; facts/probes.md §4) is one ASCII byte
// per request and only 'R' is answered:
//
//	'0'..'7'  set TCK·4 + TMS·2 + TDI
//	'R'       sample TDO; reply '0' or '1'
//	'r'..'u'  set TRST·2 + SRST (1 = asserted)
//	'B', 'b'  LED on, off
//	'Q'       quit: the client closes the connection
//
// Anything else is ignored, as the spec's later additions (sleep, SWD) are
// meant to be by servers that do not know them.
//
// OpenOCD samples TDO with TCK low, before the rising edge, and batches up
// to 255 samples before it reads the replies. The server therefore reads
// everything the client has sent before it writes (one flush per batch)
// and charges the simulated clock for every TCK cycle through the chain.
package bitbang
