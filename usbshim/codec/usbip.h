/* USB/IP wire codec for the libusb and hidapi shims: pure encode and decode
 * of the packets in the Linux kernel's Documentation/usb/usbip_protocol.rst
 * (all fields big-endian), plus the USB descriptor parsing libusb does for
 * its callers (USB 2.0 §9.6). No I/O here, so every function can be fuzzed. */
#ifndef FLASHSTATION_USBIP_H
#define FLASHSTATION_USBIP_H

#include <stddef.h>
#include <stdint.h>
#include <libusb.h>

#define USBIP_VERSION 0x0111
#define USBIP_OP_REQ_DEVLIST 0x8005
#define USBIP_OP_REP_DEVLIST 0x0005
#define USBIP_OP_REQ_IMPORT 0x8003
#define USBIP_OP_REP_IMPORT 0x0003
#define USBIP_CMD_SUBMIT 1
#define USBIP_CMD_UNLINK 2
#define USBIP_RET_SUBMIT 3
#define USBIP_RET_UNLINK 4

#define USBIP_OP_HDR_LEN 8     /* version, code, status */
#define USBIP_DEV_LEN 312      /* struct usbip_usb_device */
#define USBIP_INTF_LEN 4       /* class, subclass, protocol, padding */
#define USBIP_URB_HDR_LEN 48   /* every CMD_ and RET_ header */
#define USBIP_MAX_DEVICES 4096 /* refuse a devlist claiming more */
#define USBIP_MAX_XFER (16u << 20)

/* transfer_flags (include/linux/usb.h URB_*) */
#define USBIP_URB_SHORT_NOT_OK 0x0001
#define USBIP_URB_ZERO_PACKET 0x0040
#define USBIP_URB_DIR_IN 0x0200

/* Linux USB speeds (enum usb_device_speed) as the devlist carries them. */
enum { USBIP_SPEED_LOW = 1, USBIP_SPEED_FULL = 2, USBIP_SPEED_HIGH = 3, USBIP_SPEED_SUPER = 5 };

struct usbip_dev {
	char path[257];
	char busid[33];
	uint32_t busnum, devnum, speed;
	uint16_t vid, pid, bcd_device;
	uint8_t dev_class, dev_subclass, dev_protocol;
	uint8_t config_value, num_configs, num_interfaces;
	uint8_t intf_class[32]; /* first 32 interfaces of the devlist entry */
};

struct usbip_ret {
	uint32_t command; /* USBIP_RET_SUBMIT or USBIP_RET_UNLINK */
	uint32_t seqnum, devid, direction, ep;
	int32_t status;
	uint32_t actual_length, start_frame, number_of_packets, error_count;
};

/* Encoders return the bytes written into buf (which must be big enough:
 * USBIP_OP_HDR_LEN, +32 for an import, USBIP_URB_HDR_LEN for URBs). */
size_t usbip_enc_op(uint8_t *buf, uint16_t code);
size_t usbip_enc_import(uint8_t *buf, const char *busid);
size_t usbip_enc_submit(uint8_t *buf, uint32_t seq, uint32_t devid, int dir_in, uint8_t ep,
			uint32_t flags, uint32_t len, uint32_t interval, const uint8_t setup[8]);
size_t usbip_enc_unlink(uint8_t *buf, uint32_t seq, uint32_t devid, int dir_in, uint8_t ep,
			uint32_t victim);

/* Decoders return 0 on success and a negative number on a malformed packet,
 * with a one-line reason in *why (static storage). */
int usbip_dec_op(const uint8_t *buf, size_t len, uint16_t want_code, uint32_t *status,
		 const char **why);
int usbip_dec_count(const uint8_t *buf, size_t len, uint32_t *n, const char **why);
int usbip_dec_dev(const uint8_t *buf, size_t len, struct usbip_dev *d, const char **why);
int usbip_dec_ret(const uint8_t *buf, size_t len, struct usbip_ret *r, const char **why);
/* usbip_check_ret checks a decoded reply against the request it answers:
 * an IN reply may not carry more than was asked for, an OUT reply no more
 * than was sent. */
int usbip_check_ret(const struct usbip_ret *r, int dir_in, uint32_t asked, const char **why);

/* Bus ID "B-P1.P2…" -> bus number and port numbers; returns the number of
 * ports (at most max), or -1 when busid is not of that form. */
int usbip_parse_busid(const char *busid, int *bus, uint8_t *ports, int max);

/* Parses a whole configuration descriptor (wTotalLength bytes) into
 * libusb's structure, allocated as one block for libusb_free_config_descriptor
 * (usbip_free_config). Returns a LIBUSB_ERROR_* on a malformed one. */
int usbip_parse_config(const uint8_t *buf, size_t len, struct libusb_config_descriptor **out);
void usbip_free_config(struct libusb_config_descriptor *c);
int usbip_parse_device_desc(const uint8_t *buf, size_t len, struct libusb_device_descriptor *d);

/* Linux errno in a RET_SUBMIT status -> libusb transfer status. */
enum libusb_transfer_status usbip_status_to_libusb(int32_t status);

#endif
