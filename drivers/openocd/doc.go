// Package openocd is a targets.Session that hands whole operations to an
// OpenOCD process: one process per probe, started with `adapter serial` for
// that probe and the target configuration of the recipe's family, driven
// over its Tcl RPC port (commands and replies end in 0x1A). It is how J-Link
// probes (and anything else OpenOCD speaks) run the same recipes as the
// native drivers.
//
// Every port OpenOCD opens is on 127.0.0.1; GDB and telnet are disabled and
// the Tcl port is picked free per process, so workers never collide.
// OpenOCD's log (stderr) is read line by line; the lines an operation
// produced become that recipe step's log lines (targets.Logf), and an
// OpenOCD error becomes a Go error carrying OpenOCD's message.
//
// Facts relied on (OpenOCD 0.12.0 sources, checked): the Tcl server returns
// the command's Tcl result then 0x1A (src/server/tcl_server.c); `echo`
// writes to the log (src/helper/command.c), which the driver uses as a
// fence between operations; `stm32f1x unlock` reports a failed option write
// in its result text with status OK (src/flash/nor/stm32f1x.c), so results
// are read, not only statuses; `verify_image` lists differences as
// "diff N address 0x… Was 0x.. instead of 0x.." and stops after 128.
package openocd
