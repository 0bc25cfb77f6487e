// Package usbip encodes and decodes the Linux kernel's USB/IP protocol
// (Documentation/usb/usbip_protocol.rst, version 1.1.1; field sizes and the
// status codes from tools/usb/usbip/src/usbip_network.h and
// include/uapi/linux/usbip.h). Every field is big endian on the wire.
//
// It is pure: no sockets, no devices. The simulated USB/IP server
// (drivers/sim/usbipd) and tests of USB/IP clients (the libusb and hidapi
// shims) use it from both ends.
//
// Messages, one file each:
//
//   - op.go: the 8-byte OpHeader every connection starts with
//     (version 0x0111, code, status), ReadOpHeader, the Op* codes and St*
//     import statuses;
//   - devlist.go: OP_REQ_DEVLIST (EncodeReqDevList) and OP_REP_DEVLIST
//     (Device, Interface; EncodeRepDevList / DecodeRepDevList);
//   - import.go: OP_REQ_IMPORT (EncodeReqImport / DecodeReqImport after
//     the header) and OP_REP_IMPORT (EncodeRepImport / DecodeRepImport);
//   - submit.go: USBIP_CMD_SUBMIT (CmdSubmit) and USBIP_RET_SUBMIT
//     (RetSubmit), with the 8-byte Setup packet;
//   - unlink.go: USBIP_CMD_UNLINK (CmdUnlink) and USBIP_RET_UNLINK
//     (RetUnlink);
//   - urb.go: ReadCommand and ReadReturn, which read one URB-phase message
//     of either kind (a 48-byte header plus its payload) from a stream.
//
// A client session: connect, send EncodeReqDevList, read the header and
// DecodeRepDevList; or send EncodeReqImport, read the header, and on
// status StOK DecodeRepImport; then write CmdSubmit.Encode /
// CmdUnlink.Encode and read replies with ReadReturn. A server reads
// ReadOpHeader, then ReadCommand in a loop.
//
// Status values in RetSubmit and RetUnlink are negative Linux errnos
// (the Errno* constants: -EPIPE for a stall, -ECONNRESET for an unlinked
// URB, ...).
package usbip
