/* Blocking USB/IP client helpers shared by the libusb and hidapi shims:
 * reaching the server named by FLASHSTATION_USBIP=HOST:PORT, the device
 * list, importing a device, and one control transfer at a time on a
 * connection that has nothing else in flight (descriptor reads). */
#ifndef FLASHSTATION_USBIP_CLIENT_H
#define FLASHSTATION_USBIP_CLIENT_H

#include "../codec/usbip.h"

/* What the shims print on stderr, once per cause, prefixed with name. */
void usbip_warn(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int usbip_debug_on(void);

/* Connects to the server; returns a socket or a negative LIBUSB_ERROR_*. */
int usbip_dial(const char *name);
int usbip_read_full(int fd, void *buf, size_t n);
int usbip_write_full(int fd, const void *buf, size_t n);

/* Fetches the device list (malloc'd into *out, count into *n); 0 or a
 * negative LIBUSB_ERROR_*. */
int usbip_devlist(const char *name, struct usbip_dev **out, int *n);
/* Imports busid on a new connection; returns the socket or a negative
 * LIBUSB_ERROR_* (BUSY when another client holds it, NO_DEVICE when the
 * server has no such device). *d receives the server's device entry. */
int usbip_import(const char *name, const char *busid, struct usbip_dev *d);

/* One control transfer on fd with nothing else in flight; returns the bytes
 * moved or a negative LIBUSB_ERROR_*. */
int usbip_control(int fd, uint32_t devid, uint32_t *seq, uint8_t bmRequestType, uint8_t bRequest,
		  uint16_t wValue, uint16_t wIndex, uint8_t *data, uint16_t wLength);

/* Reads the device descriptor and every configuration descriptor of an
 * imported device (raw bytes, malloc'd). 0 or a LIBUSB_ERROR_*. */
struct usbip_descs {
	uint8_t dev[LIBUSB_DT_DEVICE_SIZE];
	int nconf;
	uint8_t *conf[8];
	size_t conf_len[8];
};
int usbip_read_descs(int fd, uint32_t devid, uint32_t *seq, struct usbip_descs *out);
void usbip_free_descs(struct usbip_descs *d);
/* A string descriptor in its first language as UTF-16 code units into
 * units (at most 126); returns the count or a LIBUSB_ERROR_*. */
int usbip_read_string(int fd, uint32_t devid, uint32_t *seq, uint8_t index, uint16_t *units);

static inline uint32_t usbip_devid(const struct usbip_dev *d) { return d->busnum << 16 | (d->devnum & 0xFFFF); }

#endif
