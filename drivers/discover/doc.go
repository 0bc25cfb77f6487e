// Package discover turns what a link.Bus lists into debug probes: it
// classifies devices by VID:PID and by "CMSIS-DAP" in the product or
// interface string, normalises serials (old ST-Link V2 binary serials become
// 24 uppercase hex digits, as st-info and OpenOCD show them), flags serials
// that are missing or shared so those probes are addressed by port path, and
// parses the selectors users write: SERIAL, VID:PID:SERIAL, usb:BUS-PORT.PORT.
//
// Sources: OpenOCD interface/stlink.cfg and stlink_usb.c (PIDs, alternate
// serial), cmsis_dap_usb_bulk.c / cmsis_dap_usb_hid.c (CMSIS-DAP detection),
// probe-rs probe/cmsisdap/tools.rs and probe/jlink (PID rules), libjaylink.
package discover
