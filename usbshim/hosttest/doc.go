// Package hosttest runs third-party USB hosts — OpenOCD 0.12, stlink-tools
// 1.7, pyOCD 0.13 over pyusb — unchanged against the simulated probes of
// an in-process USB/IP server (drivers/sim/usbipd), through the libusb and
// hidapi shims (usbshim). A test passes when the tool succeeds and the
// simulated chip then holds what it wrote. A missing tool fails the test
// under FLASHSTATION_REQUIRE_<TOOL>=1 (set in .ci/run) and skips loudly
// otherwise.
package hosttest
