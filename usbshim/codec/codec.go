package codec

/*
#cgo pkg-config: libusb-1.0
#include <stdlib.h>
#include "usbip.h"

// walk_config parses a configuration descriptor and counts what libusb's
// structure holds, so Go can compare it with its own reading.
static int walk_config(const uint8_t *buf, size_t len, int *ifs, int *alts, int *eps, int *extra) {
	struct libusb_config_descriptor *c;
	int rc = usbip_parse_config(buf, len, &c);
	if (rc)
		return rc;
	*ifs = c->bNumInterfaces;
	*alts = *eps = 0;
	*extra = c->extra_length;
	for (int i = 0; i < c->bNumInterfaces; i++) {
		*alts += c->interface[i].num_altsetting;
		for (int a = 0; a < c->interface[i].num_altsetting; a++) {
			const struct libusb_interface_descriptor *d = &c->interface[i].altsetting[a];
			*eps += d->bNumEndpoints;
			*extra += d->extra_length;
			for (int e = 0; e < d->bNumEndpoints; e++)
				*extra += d->endpoint[e].extra_length;
		}
	}
	usbip_free_config(c);
	return 0;
}

static int dec_ret(const uint8_t *buf, size_t len, struct usbip_ret *r, const char **why) {
	return usbip_dec_ret(buf, len, r, why);
}
*/
import "C"

import (
	"errors"
	"unsafe"
)

// Ret is a decoded RET_SUBMIT or RET_UNLINK header.
type Ret struct {
	Command, Seqnum, Devid, Direction, EP uint32
	Status                                int32
	ActualLength, NumberOfPackets         uint32
}

func cbytes(b []byte) (*C.uint8_t, func()) {
	if len(b) == 0 {
		return nil, func() {}
	}
	p := C.CBytes(b)
	return (*C.uint8_t)(p), func() { C.free(p) }
}

// DecodeRet runs the shim's reply header decoder on b.
func DecodeRet(b []byte) (Ret, error) {
	p, free := cbytes(b)
	defer free()
	var r C.struct_usbip_ret
	var why *C.char
	if C.dec_ret(p, C.size_t(len(b)), &r, &why) != 0 {
		return Ret{}, errors.New(C.GoString(why))
	}
	return Ret{uint32(r.command), uint32(r.seqnum), uint32(r.devid), uint32(r.direction), uint32(r.ep),
		int32(r.status), uint32(r.actual_length), uint32(r.number_of_packets)}, nil
}

// CheckRet runs the shim's check of a reply against the request's length.
func CheckRet(r Ret, asked uint32) error {
	cr := C.struct_usbip_ret{command: C.uint32_t(r.Command), actual_length: C.uint32_t(r.ActualLength)}
	var why *C.char
	if C.usbip_check_ret(&cr, 1, C.uint32_t(asked), &why) != 0 {
		return errors.New(C.GoString(why))
	}
	return nil
}

// Dev is a decoded devlist entry.
type Dev struct {
	BusID                  string
	Busnum, Devnum, Speed  uint32
	VID, PID, BCD          uint16
	ConfigValue, NumIfaces uint8
}

// DecodeDev runs the shim's devlist entry decoder on b.
func DecodeDev(b []byte) (Dev, error) {
	p, free := cbytes(b)
	defer free()
	var d C.struct_usbip_dev
	var why *C.char
	if C.usbip_dec_dev(p, C.size_t(len(b)), &d, &why) != 0 {
		return Dev{}, errors.New(C.GoString(why))
	}
	return Dev{C.GoString(&d.busid[0]), uint32(d.busnum), uint32(d.devnum), uint32(d.speed),
		uint16(d.vid), uint16(d.pid), uint16(d.bcd_device), uint8(d.config_value), uint8(d.num_interfaces)}, nil
}

// ParseBusID runs the shim's bus ID parser ("1-2.3" -> 1, [2 3]).
func ParseBusID(s string) (bus int, ports []int, ok bool) {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	var b C.int
	var pp [7]C.uint8_t
	n := C.usbip_parse_busid(cs, &b, &pp[0], 7)
	if n < 0 {
		return 0, nil, false
	}
	for i := 0; i < int(n); i++ {
		ports = append(ports, int(pp[i]))
	}
	return int(b), ports, true
}

// ConfigCounts is what a parsed configuration descriptor holds.
type ConfigCounts struct{ Interfaces, AltSettings, Endpoints, ExtraBytes int }

// ParseConfig runs the shim's configuration descriptor parser on b; the
// error is the LIBUSB_ERROR_* it returned.
func ParseConfig(b []byte) (ConfigCounts, error) {
	p, free := cbytes(b)
	defer free()
	var ifs, alts, eps, extra C.int
	if rc := C.walk_config(p, C.size_t(len(b)), &ifs, &alts, &eps, &extra); rc != 0 {
		return ConfigCounts{}, errors.New(C.GoString(C.libusb_error_name(rc)))
	}
	return ConfigCounts{int(ifs), int(alts), int(eps), int(extra)}, nil
}
