// Package usb is the factory-floor transport: a link.Bus over libusb
// (github.com/google/gousb), the only package in flashstation that imports
// gousb.
//
// Devices lists attached USB devices that could be debug probes (known
// vendor IDs, or any device with an HID or vendor-specific interface, whose
// strings are then read so CMSIS-DAP probes are found by name). A device
// that cannot be opened — most often for lack of permission — is listed with
// OpenErr set rather than hidden. A device that has an open Link is never
// reopened by a rescan: its last-seen description is reported instead, so
// periodic hotplug scans never disturb a probe in use.
//
// Port paths read "usb:BUS-PORT.PORT…" as gousb's DeviceDesc.Path gives
// them, which tells identical probes apart when their serials are missing
// or duplicated.
//
// References: USB 2.0 §9.6 (descriptors), libusb API; OpenOCD
// stlink_usb_get_alternate_serial for old ST-Link binary serials.
package usb
