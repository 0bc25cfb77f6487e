// Package usbipclient is a link.Bus over USB/IP: it lists and opens the
// devices a USB/IP server exports (drivers/sim/usbipd, or the kernel's
// usbipd), so the project's own probe drivers run over a real USB
// protocol — descriptors read on ep0, transfers as URBs, timeouts as
// CMD_UNLINK — without a USB bus or a kernel module.
//
// Devices imports each device briefly to read its descriptors (USB/IP's
// device list has no strings); a device another client holds is listed
// with OpenErr set, as libusb lists a device it may not open. Open imports
// the device for good; closing the Link closes the connection (the server
// then frees the device).
package usbipclient
