/* Blocking USB/IP client helpers: see client.h. */
#include "client.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* A reply that does not arrive in this long means the server is stuck. */
#define REPLY_TIMEOUT_S 10

int usbip_debug_on(void)
{
	const char *v = getenv("FLASHSTATION_USBIP_DEBUG");
	return v && *v && strcmp(v, "0") != 0;
}

void usbip_warn(const char *name, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int usbip_dial(const char *name)
{
	static int warned;
	const char *addr = getenv("FLASHSTATION_USBIP");
	char host[256];
	const char *colon;
	struct addrinfo hints = {0}, *res = NULL, *ai;
	int fd = -1, one = 1, err;

	if (!addr || !*addr) {
		if (!warned++)
			usbip_warn(name, "FLASHSTATION_USBIP is not set (want HOST:PORT of a USB/IP server): no USB devices");
		return LIBUSB_ERROR_NO_DEVICE;
	}
	colon = strrchr(addr, ':');
	if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof host || !colon[1]) {
		if (!warned++)
			usbip_warn(name, "FLASHSTATION_USBIP=%s is not HOST:PORT", addr);
		return LIBUSB_ERROR_INVALID_PARAM;
	}
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = 0;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((err = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
		if (!warned++)
			usbip_warn(name, "FLASHSTATION_USBIP=%s: %s", addr, gai_strerror(err));
		return LIBUSB_ERROR_NO_DEVICE;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
		errno = err;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (!warned++)
			usbip_warn(name, "cannot reach the USB/IP server at %s: %s", addr, strerror(errno));
		return LIBUSB_ERROR_NO_DEVICE;
	}
	warned = 0;
	struct timeval tv = {.tv_sec = REPLY_TIMEOUT_S};
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

int usbip_read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n > 0) {
		ssize_t r = recv(fd, p, n, 0);
		if (r == 0)
			return LIBUSB_ERROR_NO_DEVICE; /* the server closed: device gone */
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? LIBUSB_ERROR_TIMEOUT : LIBUSB_ERROR_IO;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int usbip_write_full(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n > 0) {
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return LIBUSB_ERROR_NO_DEVICE;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int usbip_devlist(const char *name, struct usbip_dev **out, int *n)
{
	uint8_t buf[USBIP_DEV_LEN];
	uint32_t status, count;
	const char *why = NULL;
	struct usbip_dev *devs = NULL;
	int fd, rc;

	*out = NULL;
	*n = 0;
	if ((fd = usbip_dial(name)) < 0)
		return fd;
	usbip_enc_op(buf, USBIP_OP_REQ_DEVLIST);
	if ((rc = usbip_write_full(fd, buf, USBIP_OP_HDR_LEN)) < 0)
		goto out;
	if ((rc = usbip_read_full(fd, buf, USBIP_OP_HDR_LEN + 4)) < 0)
		goto bad;
	if (usbip_dec_op(buf, USBIP_OP_HDR_LEN, USBIP_OP_REP_DEVLIST, &status, &why) ||
	    usbip_dec_count(buf + USBIP_OP_HDR_LEN, 4, &count, &why))
		goto bad;
	if (status != 0) {
		why = "usbip: the server refused the device list";
		goto bad;
	}
	devs = calloc(count ? count : 1, sizeof *devs);
	if (!devs) {
		rc = LIBUSB_ERROR_NO_MEM;
		goto out;
	}
	for (uint32_t i = 0; i < count; i++) {
		if ((rc = usbip_read_full(fd, buf, USBIP_DEV_LEN)) < 0)
			goto bad;
		if (usbip_dec_dev(buf, USBIP_DEV_LEN, &devs[i], &why))
			goto bad;
		for (int k = 0; k < devs[i].num_interfaces; k++) {
			uint8_t in[USBIP_INTF_LEN];
			if ((rc = usbip_read_full(fd, in, sizeof in)) < 0)
				goto bad;
			if (k < 32)
				devs[i].intf_class[k] = in[0];
		}
	}
	*out = devs;
	*n = (int)count;
	close(fd);
	return 0;
bad:
	usbip_warn(name, "device list from %s: %s", getenv("FLASHSTATION_USBIP"),
		   why ? why : "connection closed or timed out mid-reply");
	rc = LIBUSB_ERROR_IO;
out:
	free(devs);
	close(fd);
	return rc;
}

int usbip_import(const char *name, const char *busid, struct usbip_dev *d)
{
	uint8_t buf[USBIP_OP_HDR_LEN + USBIP_DEV_LEN];
	uint32_t status;
	const char *why = NULL;
	int fd, rc;

	if ((fd = usbip_dial(name)) < 0)
		return fd;
	usbip_enc_import(buf, busid);
	if ((rc = usbip_write_full(fd, buf, USBIP_OP_HDR_LEN + 32)) < 0)
		goto fail;
	if ((rc = usbip_read_full(fd, buf, USBIP_OP_HDR_LEN)) < 0)
		goto bad;
	if (usbip_dec_op(buf, USBIP_OP_HDR_LEN, USBIP_OP_REP_IMPORT, &status, &why))
		goto bad;
	if (status != 0) {
		/* usbip_common.h: ST_DEV_BUSY 2, ST_NODEV 4; others are errors. */
		rc = status == 2 ? LIBUSB_ERROR_BUSY : status == 4 ? LIBUSB_ERROR_NO_DEVICE : LIBUSB_ERROR_ACCESS;
		if (usbip_debug_on())
			usbip_warn(name, "import %s refused with status %u", busid, status);
		goto fail;
	}
	if ((rc = usbip_read_full(fd, buf, USBIP_DEV_LEN)) < 0)
		goto bad;
	if (usbip_dec_dev(buf, USBIP_DEV_LEN, d, &why))
		goto bad;
	return fd;
bad:
	usbip_warn(name, "import %s: %s", busid, why ? why : "connection closed or timed out mid-reply");
	rc = LIBUSB_ERROR_IO;
fail:
	close(fd);
	return rc;
}

int usbip_control(int fd, uint32_t devid, uint32_t *seq, uint8_t bmRequestType, uint8_t bRequest,
		  uint16_t wValue, uint16_t wIndex, uint8_t *data, uint16_t wLength)
{
	uint8_t hdr[USBIP_URB_HDR_LEN];
	uint8_t setup[8] = {bmRequestType, bRequest, wValue & 0xFF, wValue >> 8,
			    wIndex & 0xFF, wIndex >> 8, wLength & 0xFF, wLength >> 8};
	int in = bmRequestType & 0x80, rc;
	struct usbip_ret r;
	const char *why;
	uint32_t s = ++*seq;

	usbip_enc_submit(hdr, s, devid, in, 0, in ? USBIP_URB_DIR_IN : 0, wLength, 0, setup);
	if ((rc = usbip_write_full(fd, hdr, sizeof hdr)) < 0)
		return rc;
	if (!in && wLength && (rc = usbip_write_full(fd, data, wLength)) < 0)
		return rc;
	if ((rc = usbip_read_full(fd, hdr, sizeof hdr)) < 0)
		return rc;
	if (usbip_dec_ret(hdr, sizeof hdr, &r, &why) || r.command != USBIP_RET_SUBMIT || r.seqnum != s ||
	    usbip_check_ret(&r, in, wLength, &why))
		return LIBUSB_ERROR_IO;
	if (in && r.actual_length && (rc = usbip_read_full(fd, data, r.actual_length)) < 0)
		return rc;
	switch (usbip_status_to_libusb(r.status)) {
	case LIBUSB_TRANSFER_COMPLETED:
		return (int)r.actual_length;
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

void usbip_free_descs(struct usbip_descs *d)
{
	for (int i = 0; i < d->nconf; i++)
		free(d->conf[i]);
	d->nconf = 0;
}

int usbip_read_descs(int fd, uint32_t devid, uint32_t *seq, struct usbip_descs *out)
{
	int rc;
	memset(out, 0, sizeof *out);
	rc = usbip_control(fd, devid, seq, 0x80, LIBUSB_REQUEST_GET_DESCRIPTOR, LIBUSB_DT_DEVICE << 8, 0,
			   out->dev, LIBUSB_DT_DEVICE_SIZE);
	if (rc < 0)
		return rc;
	if (rc < LIBUSB_DT_DEVICE_SIZE || out->dev[1] != LIBUSB_DT_DEVICE)
		return LIBUSB_ERROR_IO;
	int n = out->dev[17] > 8 ? 8 : out->dev[17];
	for (int i = 0; i < n; i++) {
		uint8_t head[LIBUSB_DT_CONFIG_SIZE];
		rc = usbip_control(fd, devid, seq, 0x80, LIBUSB_REQUEST_GET_DESCRIPTOR,
				   (uint16_t)(LIBUSB_DT_CONFIG << 8 | i), 0, head, sizeof head);
		if (rc < 0)
			goto fail;
		if (rc < LIBUSB_DT_CONFIG_SIZE) {
			rc = LIBUSB_ERROR_IO;
			goto fail;
		}
		uint16_t total = (uint16_t)(head[2] | head[3] << 8);
		if (total < LIBUSB_DT_CONFIG_SIZE) {
			rc = LIBUSB_ERROR_IO;
			goto fail;
		}
		uint8_t *c = malloc(total);
		if (!c) {
			rc = LIBUSB_ERROR_NO_MEM;
			goto fail;
		}
		rc = usbip_control(fd, devid, seq, 0x80, LIBUSB_REQUEST_GET_DESCRIPTOR,
				   (uint16_t)(LIBUSB_DT_CONFIG << 8 | i), 0, c, total);
		if (rc < 0) {
			free(c);
			goto fail;
		}
		out->conf[out->nconf] = c;
		out->conf_len[out->nconf++] = (size_t)rc;
	}
	return 0;
fail:
	usbip_free_descs(out);
	return rc;
}

int usbip_read_string(int fd, uint32_t devid, uint32_t *seq, uint8_t index, uint16_t *units)
{
	uint8_t buf[255];
	int rc;
	if (index == 0)
		return LIBUSB_ERROR_INVALID_PARAM;
	rc = usbip_control(fd, devid, seq, 0x80, LIBUSB_REQUEST_GET_DESCRIPTOR, LIBUSB_DT_STRING << 8, 0, buf, sizeof buf);
	if (rc < 0)
		return rc;
	if (rc < 4 || buf[1] != LIBUSB_DT_STRING)
		return LIBUSB_ERROR_IO;
	uint16_t lang = (uint16_t)(buf[2] | buf[3] << 8);
	rc = usbip_control(fd, devid, seq, 0x80, LIBUSB_REQUEST_GET_DESCRIPTOR, (uint16_t)(LIBUSB_DT_STRING << 8 | index),
			   lang, buf, sizeof buf);
	if (rc < 0)
		return rc;
	if (rc < 2 || buf[1] != LIBUSB_DT_STRING || buf[0] > rc)
		return LIBUSB_ERROR_IO;
	int n = (buf[0] - 2) / 2;
	for (int i = 0; i < n; i++)
		units[i] = (uint16_t)(buf[2 + 2 * i] | buf[3 + 2 * i] << 8);
	return n;
}
