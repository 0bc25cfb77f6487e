// Package codec exposes the C USB/IP codec that the libusb-1.0 and hidapi
// shims (usbshim/libusb, usbshim/hidapi) are built from, so that Go tests
// and go test -fuzz can drive the very parser the shims run: the RET_SUBMIT
// / RET_UNLINK header decoder, the devlist entry decoder, the bus ID parser
// and the configuration descriptor parser.
//
// References: Linux Documentation/usb/usbip_protocol.rst; USB 2.0 §9.6.
package codec
