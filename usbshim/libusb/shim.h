/* Internal state of the libusb-1.0 shim: libusb's opaque types made
 * concrete. The public structs (descriptors, libusb_transfer) come from
 * libusb.h itself, so callers compiled against real libusb see the same
 * ABI. */
#ifndef FLASHSTATION_LIBUSB_SHIM_H
#define FLASHSTATION_LIBUSB_SHIM_H

#include <pthread.h>
#include <time.h>

#include "../client/client.h"

#define SHIM_NAME "libusb-shim"
#define SHIM_EXPORT __attribute__((visibility("default")))

struct libusb_context {
	pthread_mutex_t mu;
	pthread_cond_t cv;   /* broadcast after each round of event handling */
	int handling;        /* one thread reads the sockets at a time */
	pthread_t handler;
	int wake[2];         /* pipe: wakes the handler's poll */
	struct libusb_device *devs;          /* known devices (one ref each) */
	struct libusb_device_handle *handles; /* open devices */
	int refs;            /* libusb_init calls on the default context */
};

struct libusb_device {
	struct libusb_context *ctx;
	struct libusb_device *next; /* in ctx->devs */
	int refcnt;                 /* under ctx->mu */
	struct usbip_dev info;
	int bus, nports;
	uint8_t ports[8];
	struct usbip_descs raw;
	struct libusb_device_descriptor desc;
};

struct xfer; /* a transfer's private part */

struct libusb_device_handle {
	struct libusb_device *dev;
	struct libusb_device_handle *next; /* in ctx->handles */
	int fd;
	int gone;          /* the connection ended: NO_DEVICE from now on */
	uint32_t devid;
	uint32_t seq;      /* last seqnum sent (under wmu) */
	pthread_mutex_t wmu; /* one writer at a time on fd */
	int config;        /* current bConfigurationValue */
	uint32_t claimed;  /* interface bitmap */
	struct xfer *pending; /* in flight, under ctx->mu */
	uint32_t zombie_seq[16]; /* given up on locally: replies are skipped */
	uint8_t zombie_in[16];
	int zombie_next;
};

/* XFER_ORPHAN: its handle was closed while it was in flight. libusb's
 * do_close drops such a transfer from its lists without a callback and
 * NULLs its dev_handle; it stays unusable (core.c libusb_close). */
enum xfer_state { XFER_IDLE, XFER_INFLIGHT, XFER_CANCELLING, XFER_ORPHAN };

struct xfer {
	struct xfer *next;
	struct libusb_device_handle *h; /* since the last submit; NULL once that handle closed */
	struct libusb_context *ctx;     /* outlives the handle, as libusb's ref on the device does */
	enum xfer_state state;
	uint32_t seq, unlink_seq;
	int dir_in, timed_out;
	uint32_t asked; /* bytes asked for (IN) or sent (OUT) */
	struct timespec deadline, unlink_deadline;
	int has_deadline;
	struct libusb_transfer pub; /* last: iso_packet_desc[] follows */
};

#define XFER(t) ((struct xfer *)((char *)(t) - offsetof(struct xfer, pub)))

struct libusb_context *shim_ctx(struct libusb_context *ctx);
void shim_wake(struct libusb_context *ctx);
void shim_handle_gone(struct libusb_device_handle *h, struct xfer **done);
int shim_log_level(void);
int shim_timespec_before(const struct timespec *a, const struct timespec *b);

#endif
