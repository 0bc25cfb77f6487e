/* libusb-1.0 shim, transfer side: asynchronous transfers as USB/IP
 * CMD_SUBMIT / RET_SUBMIT, cancellation and timeouts as CMD_UNLINK /
 * RET_UNLINK, the event loop, and the synchronous calls built on them the
 * way libusb's sync.c builds them. A transfer completes when the server's
 * RET_SUBMIT says so (the device's short packet or a full buffer). */
#define _GNU_SOURCE
#include "shim.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An unlinked URB the server never answers is given up on after this. */
#define UNLINK_GRACE_MS 1000

static void now(struct timespec *t) { clock_gettime(CLOCK_MONOTONIC, t); }

static void add_ms(struct timespec *t, unsigned ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

int shim_timespec_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static long ms_until(const struct timespec *t, const struct timespec *from)
{
	long ms = (long)(t->tv_sec - from->tv_sec) * 1000 + (t->tv_nsec - from->tv_nsec) / 1000000L;
	return ms < 0 ? 0 : ms + 1;
}

SHIM_EXPORT struct libusb_transfer *libusb_alloc_transfer(int iso_packets)
{
	if (iso_packets < 0)
		return NULL;
	struct xfer *x = calloc(1, sizeof *x + (size_t)iso_packets * sizeof(struct libusb_iso_packet_descriptor));
	if (!x)
		return NULL;
	x->pub.num_iso_packets = iso_packets;
	return &x->pub;
}

SHIM_EXPORT void libusb_free_transfer(struct libusb_transfer *t)
{
	if (!t)
		return;
	if ((t->flags & LIBUSB_TRANSFER_FREE_BUFFER) && t->buffer)
		free(t->buffer);
	free(XFER(t));
}

/* Removes x from its handle's pending list (under ctx->mu). */
static void unpend(struct xfer *x)
{
	for (struct xfer **pp = &x->h->pending; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	x->next = NULL;
}

/* Ends x with status and queues it for its callback (under ctx->mu). */
static void finish(struct xfer *x, enum libusb_transfer_status status, struct xfer **done)
{
	unpend(x);
	x->state = XFER_IDLE;
	x->pub.status = status;
	x->next = *done;
	*done = x;
}

static void zombie(struct libusb_device_handle *h, uint32_t seq, int dir_in)
{
	h->zombie_seq[h->zombie_next] = seq;
	h->zombie_in[h->zombie_next] = (uint8_t)dir_in;
	h->zombie_next = (h->zombie_next + 1) % 16;
}

void shim_handle_gone(struct libusb_device_handle *h, struct xfer **done)
{
	h->gone = 1;
	while (h->pending)
		finish(h->pending, LIBUSB_TRANSFER_NO_DEVICE, done);
}

/* Runs the callbacks of finished transfers, oldest first, without the lock:
 * a callback may resubmit or free its transfer. */
static void run_callbacks(struct xfer *done)
{
	struct xfer *rev = NULL;
	while (done) {
		struct xfer *n = done->next;
		done->next = rev;
		rev = done;
		done = n;
	}
	while (rev) {
		struct xfer *n = rev->next;
		struct libusb_transfer *t = &rev->pub;
		rev->next = NULL;
		int free_it = t->flags & LIBUSB_TRANSFER_FREE_TRANSFER;
		if (t->callback)
			t->callback(t);
		if (free_it)
			libusb_free_transfer(t);
		rev = n;
	}
}

static int send_unlink(struct xfer *x)
{
	struct libusb_device_handle *h = x->h;
	uint8_t hdr[USBIP_URB_HDR_LEN];
	pthread_mutex_lock(&h->wmu);
	x->unlink_seq = ++h->seq;
	usbip_enc_unlink(hdr, x->unlink_seq, h->devid, x->dir_in, x->pub.endpoint, x->seq);
	int rc = usbip_write_full(h->fd, hdr, sizeof hdr);
	pthread_mutex_unlock(&h->wmu);
	x->state = XFER_CANCELLING;
	now(&x->unlink_deadline);
	add_ms(&x->unlink_deadline, UNLINK_GRACE_MS);
	return rc;
}

SHIM_EXPORT int libusb_submit_transfer(struct libusb_transfer *t)
{
	struct xfer *x = XFER(t);
	struct libusb_device_handle *h = t->dev_handle;
	struct libusb_context *c;
	uint8_t hdr[USBIP_URB_HDR_LEN];
	const uint8_t *setup = NULL, *out = t->buffer;
	uint32_t len, flags = 0;
	int dir_in;

	if (!h)
		return LIBUSB_ERROR_INVALID_PARAM;
	c = h->dev->ctx;
	if (t->length < 0)
		return LIBUSB_ERROR_INVALID_PARAM;
	switch (t->type) {
	case LIBUSB_TRANSFER_TYPE_CONTROL:
		if (t->length < (int)LIBUSB_CONTROL_SETUP_SIZE)
			return LIBUSB_ERROR_INVALID_PARAM;
		setup = t->buffer;
		len = (uint32_t)(setup[6] | setup[7] << 8);
		if (len > (uint32_t)t->length - LIBUSB_CONTROL_SETUP_SIZE)
			return LIBUSB_ERROR_INVALID_PARAM;
		dir_in = setup[0] & LIBUSB_ENDPOINT_IN;
		out = t->buffer + LIBUSB_CONTROL_SETUP_SIZE;
		break;
	case LIBUSB_TRANSFER_TYPE_BULK:
	case LIBUSB_TRANSFER_TYPE_INTERRUPT:
		len = (uint32_t)t->length;
		dir_in = t->endpoint & LIBUSB_ENDPOINT_IN;
		break;
	default:
		return LIBUSB_ERROR_NOT_SUPPORTED; /* isochronous and bulk streams */
	}
	if (len > USBIP_MAX_XFER)
		return LIBUSB_ERROR_INVALID_PARAM;
	if (dir_in)
		flags |= USBIP_URB_DIR_IN;
	if (t->flags & LIBUSB_TRANSFER_SHORT_NOT_OK)
		flags |= USBIP_URB_SHORT_NOT_OK;
	if (t->flags & LIBUSB_TRANSFER_ADD_ZERO_PACKET)
		flags |= USBIP_URB_ZERO_PACKET;

	pthread_mutex_lock(&c->mu);
	if (x->state != XFER_IDLE) {
		pthread_mutex_unlock(&c->mu);
		return LIBUSB_ERROR_BUSY;
	}
	if (h->gone) {
		pthread_mutex_unlock(&c->mu);
		return LIBUSB_ERROR_NO_DEVICE;
	}
	x->h = h;
	x->ctx = c;
	x->dir_in = dir_in ? 1 : 0;
	x->asked = len;
	x->timed_out = 0;
	x->has_deadline = t->timeout != 0;
	if (x->has_deadline) {
		now(&x->deadline);
		add_ms(&x->deadline, t->timeout);
	}
	t->actual_length = 0;
	t->status = LIBUSB_TRANSFER_COMPLETED;
	pthread_mutex_lock(&h->wmu);
	x->seq = ++h->seq;
	x->state = XFER_INFLIGHT;
	x->next = h->pending;
	h->pending = x;
	pthread_mutex_unlock(&c->mu);
	usbip_enc_submit(hdr, x->seq, h->devid, dir_in, t->endpoint, flags, len,
			 t->type == LIBUSB_TRANSFER_TYPE_INTERRUPT ? 1 : 0, setup);
	int rc = usbip_write_full(h->fd, hdr, sizeof hdr);
	if (rc == 0 && !dir_in && len)
		rc = usbip_write_full(h->fd, out, len);
	pthread_mutex_unlock(&h->wmu);
	if (rc < 0) {
		struct xfer *done = NULL;
		pthread_mutex_lock(&c->mu);
		if (x->state == XFER_INFLIGHT) {
			unpend(x);
			x->state = XFER_IDLE;
		}
		shim_handle_gone(h, &done);
		pthread_mutex_unlock(&c->mu);
		run_callbacks(done);
		return LIBUSB_ERROR_NO_DEVICE;
	}
	shim_wake(c); /* the handler's poll must learn the new deadline */
	return 0;
}

SHIM_EXPORT int libusb_cancel_transfer(struct libusb_transfer *t)
{
	struct xfer *x = XFER(t);
	/* The context, not the handle: the handle of a finished transfer may
	 * be closed and freed by now (libusb reaches the context through its
	 * own reference on the device for the same reason). */
	struct libusb_context *c = x->ctx;
	if (!c)
		return LIBUSB_ERROR_NOT_FOUND;
	pthread_mutex_lock(&c->mu);
	if (x->state != XFER_INFLIGHT) {
		pthread_mutex_unlock(&c->mu);
		return LIBUSB_ERROR_NOT_FOUND;
	}
	int rc = send_unlink(x);
	pthread_mutex_unlock(&c->mu);
	shim_wake(c);
	return rc < 0 ? LIBUSB_ERROR_NO_DEVICE : 0;
}

static struct xfer *find_seq(struct libusb_device_handle *h, uint32_t seq, int unlink)
{
	for (struct xfer *x = h->pending; x; x = x->next)
		if (unlink ? (x->state == XFER_CANCELLING && x->unlink_seq == seq) : x->seq == seq)
			return x;
	return NULL;
}

static int skip(int fd, uint32_t n)
{
	uint8_t junk[512];
	while (n) {
		uint32_t k = n > sizeof junk ? sizeof junk : n;
		int rc = usbip_read_full(fd, junk, k);
		if (rc < 0)
			return rc;
		n -= k;
	}
	return 0;
}

/* Reads one reply from h (the handler thread, lock not held) and settles
 * the transfer it answers (lock taken). Returns <0 when the connection is
 * unusable. */
static int read_reply(struct libusb_context *c, struct libusb_device_handle *h, struct xfer **done)
{
	uint8_t hdr[USBIP_URB_HDR_LEN];
	struct usbip_ret r;
	const char *why = NULL;
	int rc = usbip_read_full(h->fd, hdr, sizeof hdr);
	if (rc < 0)
		return rc;
	if (usbip_dec_ret(hdr, sizeof hdr, &r, &why)) {
		usbip_warn(SHIM_NAME, "%s: %s; dropping the connection", h->dev->info.busid, why);
		return LIBUSB_ERROR_IO;
	}
	pthread_mutex_lock(&c->mu);
	if (r.command == USBIP_RET_UNLINK) {
		struct xfer *x = find_seq(h, r.seqnum, 1);
		if (x) /* unlinked (-ECONNRESET), or 0: done, its RET_SUBMIT went before */
			finish(x, x->timed_out ? LIBUSB_TRANSFER_TIMED_OUT : LIBUSB_TRANSFER_CANCELLED, done);
		pthread_mutex_unlock(&c->mu);
		return 0;
	}
	struct xfer *x = find_seq(h, r.seqnum, 0);
	if (!x) {
		int in = -1;
		for (int i = 0; i < 16; i++)
			if (h->zombie_seq[i] == r.seqnum && r.seqnum)
				in = h->zombie_in[i];
		pthread_mutex_unlock(&c->mu);
		if (in < 0) {
			usbip_warn(SHIM_NAME, "%s: reply to unknown request %u; dropping the connection",
				   h->dev->info.busid, r.seqnum);
			return LIBUSB_ERROR_IO;
		}
		return in ? skip(h->fd, r.actual_length) : 0;
	}
	if (usbip_check_ret(&r, x->dir_in, x->asked, &why)) {
		pthread_mutex_unlock(&c->mu);
		usbip_warn(SHIM_NAME, "%s: %s; dropping the connection", h->dev->info.busid, why);
		return LIBUSB_ERROR_IO;
	}
	pthread_mutex_unlock(&c->mu);
	if (x->dir_in && r.actual_length) {
		uint8_t *dst = x->pub.buffer + (x->pub.type == LIBUSB_TRANSFER_TYPE_CONTROL ? LIBUSB_CONTROL_SETUP_SIZE : 0);
		if ((rc = usbip_read_full(h->fd, dst, r.actual_length)) < 0)
			return rc;
	}
	pthread_mutex_lock(&c->mu);
	x->pub.actual_length = (int)r.actual_length;
	enum libusb_transfer_status st = usbip_status_to_libusb(r.status);
	if (st == LIBUSB_TRANSFER_CANCELLED && x->timed_out)
		st = LIBUSB_TRANSFER_TIMED_OUT;
	finish(x, st, done);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

/* Deadlines (under ctx->mu): an expired transfer is unlinked; an unlink the
 * server ignores is given up on. Returns the ms until the next deadline, or
 * -1 when there is none. */
static long handle_timeouts(struct libusb_context *c, struct xfer **done)
{
	struct timespec t;
	long next = -1;
	now(&t);
	for (struct libusb_device_handle *h = c->handles; h; h = h->next) {
		for (struct xfer *x = h->pending, *n; x; x = n) {
			n = x->next;
			if (x->state == XFER_INFLIGHT && x->has_deadline) {
				if (!shim_timespec_before(&t, &x->deadline)) {
					x->timed_out = 1;
					if (send_unlink(x) < 0) {
						shim_handle_gone(h, done);
						break;
					}
				} else {
					long ms = ms_until(&x->deadline, &t);
					next = next < 0 || ms < next ? ms : next;
					continue;
				}
			}
			if (x->state == XFER_CANCELLING) {
				if (!shim_timespec_before(&t, &x->unlink_deadline)) {
					zombie(h, x->seq, x->dir_in);
					finish(x, x->timed_out ? LIBUSB_TRANSFER_TIMED_OUT : LIBUSB_TRANSFER_CANCELLED, done);
				} else {
					long ms = ms_until(&x->unlink_deadline, &t);
					next = next < 0 || ms < next ? ms : next;
				}
			}
		}
	}
	return next;
}

static void deadline_of(struct timespec *d, const struct timeval *tv)
{
	now(d);
	if (tv) {
		d->tv_sec += tv->tv_sec;
		d->tv_nsec += tv->tv_usec * 1000L;
		if (d->tv_nsec >= 1000000000L) {
			d->tv_sec++;
			d->tv_nsec -= 1000000000L;
		}
	} else {
		d->tv_sec += 60;
	}
}

SHIM_EXPORT int libusb_handle_events_timeout_completed(libusb_context *ctx, struct timeval *tv, int *completed)
{
	struct libusb_context *c = shim_ctx(ctx);
	struct xfer *done = NULL;
	struct timespec until, t;
	struct pollfd fds[257];
	struct libusb_device_handle *hs[257];
	int nfds = 0;

	deadline_of(&until, tv);
	pthread_mutex_lock(&c->mu);
	if (completed && *completed) {
		pthread_mutex_unlock(&c->mu);
		return 0;
	}
	if (c->handling) {
		/* Another thread reads the sockets: wait for its round to end
		 * (libusb_wait_for_event), then let the caller look again. */
		struct timespec real;
		clock_gettime(CLOCK_REALTIME, &real);
		now(&t);
		long ms = shim_timespec_before(&t, &until) ? ms_until(&until, &t) : 0;
		add_ms(&real, (unsigned)ms);
		pthread_cond_timedwait(&c->cv, &c->mu, &real);
		pthread_mutex_unlock(&c->mu);
		return 0;
	}
	c->handling = 1;
	c->handler = pthread_self();
	long next = handle_timeouts(c, &done);
	fds[nfds].fd = c->wake[0];
	fds[nfds].events = POLLIN;
	hs[nfds++] = NULL;
	for (struct libusb_device_handle *h = c->handles; h && nfds < 257; h = h->next) {
		if (h->gone)
			continue;
		fds[nfds].fd = h->fd;
		fds[nfds].events = POLLIN;
		hs[nfds++] = h;
	}
	pthread_mutex_unlock(&c->mu);

	now(&t);
	long wait = shim_timespec_before(&t, &until) ? ms_until(&until, &t) : 0;
	if (tv && tv->tv_sec == 0 && tv->tv_usec == 0)
		wait = 0;
	if (next >= 0 && next < wait)
		wait = next;
	if (done)
		wait = 0; /* callbacks are due: do not sleep first */
	int n = poll(fds, (nfds_t)nfds, (int)wait);
	int rc = 0;
	if (n < 0 && errno == EINTR)
		rc = LIBUSB_ERROR_INTERRUPTED;
	for (int i = 0; n > 0 && i < nfds; i++) {
		if (!fds[i].revents)
			continue;
		if (!hs[i]) {
			char junk[64];
			while (read(c->wake[0], junk, sizeof junk) > 0)
				;
			continue;
		}
		/* Everything already buffered on this socket, one reply at a time. */
		for (;;) {
			if (read_reply(c, hs[i], &done) < 0) {
				pthread_mutex_lock(&c->mu);
				if (!hs[i]->gone && usbip_debug_on())
					usbip_warn(SHIM_NAME, "%s: connection to the server ended", hs[i]->dev->info.busid);
				shim_handle_gone(hs[i], &done);
				pthread_mutex_unlock(&c->mu);
				break;
			}
			struct pollfd more = {.fd = hs[i]->fd, .events = POLLIN};
			if (poll(&more, 1, 0) <= 0)
				break;
		}
	}
	pthread_mutex_lock(&c->mu);
	handle_timeouts(c, &done);
	pthread_mutex_unlock(&c->mu);
	run_callbacks(done);
	pthread_mutex_lock(&c->mu);
	c->handling = 0;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

SHIM_EXPORT int libusb_handle_events_timeout(libusb_context *ctx, struct timeval *tv)
{
	return libusb_handle_events_timeout_completed(ctx, tv, NULL);
}

SHIM_EXPORT int libusb_handle_events_completed(libusb_context *ctx, int *completed)
{
	struct timeval tv = {60, 0};
	return libusb_handle_events_timeout_completed(ctx, &tv, completed);
}

SHIM_EXPORT int libusb_handle_events(libusb_context *ctx)
{
	struct timeval tv = {60, 0};
	return libusb_handle_events_timeout_completed(ctx, &tv, NULL);
}

SHIM_EXPORT void libusb_interrupt_event_handler(libusb_context *ctx) { shim_wake(shim_ctx(ctx)); }

SHIM_EXPORT int libusb_get_next_timeout(libusb_context *ctx, struct timeval *tv)
{
	(void)ctx;
	tv->tv_sec = 0;
	tv->tv_usec = 10000;
	return 1;
}

static void sync_cb(struct libusb_transfer *t) { *(int *)t->user_data = 1; }

/* libusb sync.c: submit, handle events until the callback ran, and on an
 * event-handling error cancel and wait for the cancellation. */
static int do_sync(libusb_device_handle *h, struct libusb_transfer *t, int *completed)
{
	struct libusb_context *c = h->dev->ctx;
	int rc = libusb_submit_transfer(t);
	if (rc < 0)
		return rc;
	while (!*completed) {
		rc = libusb_handle_events_completed(c, completed);
		if (rc < 0 && rc != LIBUSB_ERROR_INTERRUPTED) {
			libusb_cancel_transfer(t);
			while (!*completed)
				if (libusb_handle_events_completed(c, completed) < 0 && !*completed)
					break;
			return rc;
		}
	}
	return 0;
}

static int status_to_error(enum libusb_transfer_status s)
{
	switch (s) {
	case LIBUSB_TRANSFER_COMPLETED:
		return 0;
	case LIBUSB_TRANSFER_TIMED_OUT:
		return LIBUSB_ERROR_TIMEOUT;
	case LIBUSB_TRANSFER_STALL:
		return LIBUSB_ERROR_PIPE;
	case LIBUSB_TRANSFER_NO_DEVICE:
		return LIBUSB_ERROR_NO_DEVICE;
	case LIBUSB_TRANSFER_OVERFLOW:
		return LIBUSB_ERROR_OVERFLOW;
	default:
		return LIBUSB_ERROR_IO;
	}
}

SHIM_EXPORT int libusb_control_transfer(libusb_device_handle *h, uint8_t bmRequestType, uint8_t bRequest,
					uint16_t wValue, uint16_t wIndex, unsigned char *data, uint16_t wLength,
					unsigned int timeout)
{
	int completed = 0, rc;
	struct libusb_transfer *t = libusb_alloc_transfer(0);
	unsigned char *buf = malloc(LIBUSB_CONTROL_SETUP_SIZE + (size_t)wLength);
	if (!t || !buf) {
		free(buf);
		libusb_free_transfer(t);
		return LIBUSB_ERROR_NO_MEM;
	}
	buf[0] = bmRequestType;
	buf[1] = bRequest;
	buf[2] = wValue & 0xFF;
	buf[3] = wValue >> 8;
	buf[4] = wIndex & 0xFF;
	buf[5] = wIndex >> 8;
	buf[6] = wLength & 0xFF;
	buf[7] = wLength >> 8;
	if (!(bmRequestType & LIBUSB_ENDPOINT_IN) && wLength)
		memcpy(buf + LIBUSB_CONTROL_SETUP_SIZE, data, wLength);
	t->dev_handle = h;
	t->endpoint = 0;
	t->type = LIBUSB_TRANSFER_TYPE_CONTROL;
	t->timeout = timeout;
	t->buffer = buf;
	t->length = LIBUSB_CONTROL_SETUP_SIZE + wLength;
	t->callback = sync_cb;
	t->user_data = &completed;
	rc = do_sync(h, t, &completed);
	if (rc == 0) {
		rc = status_to_error(t->status);
		if (rc == 0) {
			if ((bmRequestType & LIBUSB_ENDPOINT_IN) && t->actual_length)
				memcpy(data, buf + LIBUSB_CONTROL_SETUP_SIZE, (size_t)t->actual_length);
			rc = t->actual_length;
		}
	}
	free(buf);
	libusb_free_transfer(t);
	return rc;
}

static int do_sync_bulk(libusb_device_handle *h, unsigned char endpoint, unsigned char *data, int length,
			int *transferred, unsigned int timeout, unsigned char type)
{
	int completed = 0, rc;
	struct libusb_transfer *t = libusb_alloc_transfer(0);
	if (!t)
		return LIBUSB_ERROR_NO_MEM;
	t->dev_handle = h;
	t->endpoint = endpoint;
	t->type = type;
	t->timeout = timeout;
	t->buffer = data;
	t->length = length;
	t->callback = sync_cb;
	t->user_data = &completed;
	rc = do_sync(h, t, &completed);
	if (transferred)
		*transferred = t->actual_length;
	if (rc == 0)
		rc = status_to_error(t->status);
	libusb_free_transfer(t);
	return rc;
}

SHIM_EXPORT int libusb_bulk_transfer(libusb_device_handle *h, unsigned char endpoint, unsigned char *data, int length,
				     int *transferred, unsigned int timeout)
{
	return do_sync_bulk(h, endpoint, data, length, transferred, timeout, LIBUSB_TRANSFER_TYPE_BULK);
}

SHIM_EXPORT int libusb_interrupt_transfer(libusb_device_handle *h, unsigned char endpoint, unsigned char *data,
					  int length, int *transferred, unsigned int timeout)
{
	return do_sync_bulk(h, endpoint, data, length, transferred, timeout, LIBUSB_TRANSFER_TYPE_INTERRUPT);
}
