/* hidapi 0.13 shim over USB/IP, built as libhidapi-hidraw.so.0 and
 * libhidapi-libusb.so.0: it behaves as the hidraw backend over the kernel's
 * usbhid driver does. Opening a device keeps one interrupt IN URB queued at
 * all times, as usbhid does, and the reports it returns wait in a queue of
 * 64 (hidraw's buffer); hid_write sends an output report on the interrupt
 * OUT endpoint without its report ID byte 0 (usbhid_output_report), or as a
 * SET_REPORT control request when the interface has no OUT endpoint (HID 1.11
 * §7.2.2). Paths read "usbip:BUSID:INTERFACE". */
#define _GNU_SOURCE
#include <hidapi/hidapi.h>

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "../client/client.h"

#define NAME "hidapi-shim"
#define EXPORT __attribute__((visibility("default")))
#define QUEUE 64
#define WRITE_TIMEOUT_MS 5000 /* usbhid's USB_CTRL_SET_TIMEOUT */

struct report {
	int len;
	uint8_t data[1024];
};

struct hid_device_ {
	int fd;
	uint32_t devid, seq;
	uint8_t iface, ep_in, ep_out;
	uint16_t in_size;
	uint32_t in_seq; /* the queued IN URB, 0 when none */
	int blocking, gone;
	struct report q[QUEUE];
	int qhead, qlen;
	wchar_t *manufacturer, *product, *serial;
	struct hid_device_info *info;
	wchar_t err[160];
};

static wchar_t global_err[160];

static void set_err(hid_device *d, const char *msg)
{
	wchar_t *dst = d ? d->err : global_err;
	swprintf(dst, 160, L"%s", msg);
}

static wchar_t *wide(const uint16_t *u, int n)
{
	wchar_t *w = calloc((size_t)n + 1, sizeof *w);
	if (!w)
		return NULL;
	for (int i = 0; i < n; i++)
		w[i] = u[i];
	return w;
}

static wchar_t *read_wstring(int fd, uint32_t devid, uint32_t *seq, uint8_t index)
{
	uint16_t u[128];
	int n = index ? usbip_read_string(fd, devid, seq, index, u) : -1;
	return n < 0 ? wide(u, 0) : wide(u, n);
}

EXPORT int hid_init(void) { return 0; }
EXPORT int hid_exit(void) { return 0; }

EXPORT const struct hid_api_version *hid_version(void)
{
	static const struct hid_api_version v = {HID_API_VERSION_MAJOR, HID_API_VERSION_MINOR, HID_API_VERSION_PATCH};
	return &v;
}

EXPORT const char *hid_version_str(void) { return HID_API_VERSION_STR; }

/* The first Usage Page and Usage of a report descriptor (HID 1.11 §6.2.2.7). */
static void usage_of(const uint8_t *r, int n, unsigned short *page, unsigned short *usage)
{
	int got_page = 0, got_usage = 0;
	for (int i = 0; i < n && !(got_page && got_usage);) {
		uint8_t b = r[i];
		if (b == 0xFE) { /* long item */
			if (i + 1 >= n)
				break;
			i += 3 + r[i + 1];
			continue;
		}
		int size = (b & 3) == 3 ? 4 : (b & 3);
		if (i + 1 + size > n)
			break;
		unsigned v = 0;
		for (int k = 0; k < size; k++)
			v |= (unsigned)r[i + 1 + k] << (8 * k);
		if ((b & 0xFC) == 0x04 && !got_page)
			*page = (unsigned short)v, got_page = 1;
		else if ((b & 0xFC) == 0x08 && !got_usage)
			*usage = (unsigned short)v, got_usage = 1;
		i += 1 + size;
	}
}

struct hid_iface {
	uint8_t number, ep_in, ep_out;
	uint16_t in_size;
};

/* Lists the HID interfaces of a configuration descriptor. */
static int hid_ifaces(const uint8_t *c, size_t len, struct hid_iface *out, int max)
{
	struct libusb_config_descriptor *cfg;
	int n = 0;
	if (usbip_parse_config(c, len, &cfg))
		return 0;
	for (int i = 0; i < cfg->bNumInterfaces && n < max; i++) {
		if (!cfg->interface[i].num_altsetting)
			continue;
		const struct libusb_interface_descriptor *alt = &cfg->interface[i].altsetting[0];
		if (alt->bInterfaceClass != LIBUSB_CLASS_HID)
			continue;
		struct hid_iface h = {alt->bInterfaceNumber, 0, 0, 64};
		for (int e = 0; e < alt->bNumEndpoints; e++) {
			const struct libusb_endpoint_descriptor *ep = &alt->endpoint[e];
			if ((ep->bmAttributes & 3) != LIBUSB_TRANSFER_TYPE_INTERRUPT)
				continue;
			if (ep->bEndpointAddress & 0x80) {
				if (!h.ep_in) {
					h.ep_in = ep->bEndpointAddress;
					h.in_size = ep->wMaxPacketSize & 0x7FF;
				}
			} else if (!h.ep_out) {
				h.ep_out = ep->bEndpointAddress;
			}
		}
		out[n++] = h;
	}
	usbip_free_config(cfg);
	return n;
}

static struct hid_device_info *infos_of(const struct usbip_dev *ent, int fd, uint32_t devid, uint32_t *seq,
					 struct hid_device_info **tail)
{
	struct usbip_descs ds;
	struct libusb_device_descriptor dd;
	struct hid_iface ifs[8];
	struct hid_device_info *first = NULL;
	if (usbip_read_descs(fd, devid, seq, &ds) || usbip_parse_device_desc(ds.dev, sizeof ds.dev, &dd))
		return NULL;
	int n = ds.nconf ? hid_ifaces(ds.conf[0], ds.conf_len[0], ifs, 8) : 0;
	for (int i = 0; i < n; i++) {
		struct hid_device_info *hi = calloc(1, sizeof *hi);
		if (!hi)
			break;
		char path[64];
		snprintf(path, sizeof path, "usbip:%s:%u", ent->busid, ifs[i].number);
		hi->path = strdup(path);
		hi->vendor_id = dd.idVendor;
		hi->product_id = dd.idProduct;
		hi->release_number = dd.bcdDevice;
		hi->serial_number = read_wstring(fd, devid, seq, dd.iSerialNumber);
		hi->manufacturer_string = read_wstring(fd, devid, seq, dd.iManufacturer);
		hi->product_string = read_wstring(fd, devid, seq, dd.iProduct);
		hi->interface_number = ifs[i].number;
		hi->bus_type = HID_API_BUS_USB;
		uint8_t rd[1024];
		int rl = usbip_control(fd, devid, seq, 0x81, LIBUSB_REQUEST_GET_DESCRIPTOR, 0x2200, ifs[i].number, rd, sizeof rd);
		if (rl > 0)
			usage_of(rd, rl, &hi->usage_page, &hi->usage);
		*tail = hi;
		tail = &hi->next;
		if (!first)
			first = hi;
	}
	usbip_free_descs(&ds);
	return first;
}

EXPORT void hid_free_enumeration(struct hid_device_info *d)
{
	while (d) {
		struct hid_device_info *n = d->next;
		free(d->path);
		free(d->serial_number);
		free(d->manufacturer_string);
		free(d->product_string);
		free(d);
		d = n;
	}
}

EXPORT struct hid_device_info *hid_enumerate(unsigned short vid, unsigned short pid)
{
	struct usbip_dev *ents;
	struct hid_device_info *head = NULL, **tail = &head;
	int n;
	if (usbip_devlist(NAME, &ents, &n) < 0) {
		set_err(NULL, "no USB/IP server (FLASHSTATION_USBIP)");
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		int hid = 0;
		for (int k = 0; k < ents[i].num_interfaces && k < 32; k++)
			hid |= ents[i].intf_class[k] == LIBUSB_CLASS_HID;
		if (!hid || (vid && ents[i].vid != vid) || (pid && ents[i].pid != pid))
			continue;
		struct usbip_dev imp;
		uint32_t seq = 0;
		int fd = usbip_import(NAME, ents[i].busid, &imp);
		if (fd < 0)
			continue; /* held by another program: hidraw would not open it either */
		if (infos_of(&imp, fd, usbip_devid(&imp), &seq, tail))
			while (*tail)
				tail = &(*tail)->next;
		close(fd);
	}
	free(ents);
	return head;
}

static int submit_in(hid_device *d)
{
	uint8_t hdr[USBIP_URB_HDR_LEN];
	d->in_seq = ++d->seq;
	usbip_enc_submit(hdr, d->in_seq, d->devid, 1, d->ep_in, USBIP_URB_DIR_IN, d->in_size, 1, NULL);
	return usbip_write_full(d->fd, hdr, sizeof hdr);
}

/* Reads one reply: an IN report goes to the queue (and the IN URB is queued
 * again); returns its seqnum, or 0 on a broken connection. */
static uint32_t read_one(hid_device *d, int32_t *status)
{
	uint8_t hdr[USBIP_URB_HDR_LEN], junk[1024];
	struct usbip_ret r;
	const char *why;
	if (usbip_read_full(d->fd, hdr, sizeof hdr) < 0 || usbip_dec_ret(hdr, sizeof hdr, &r, &why) ||
	    r.command != USBIP_RET_SUBMIT) {
		d->gone = 1;
		return 0;
	}
	*status = r.status;
	if (r.seqnum == d->in_seq) {
		if (usbip_check_ret(&r, 1, d->in_size, &why)) {
			d->gone = 1;
			return 0;
		}
		struct report *rp = &d->q[(d->qhead + d->qlen) % QUEUE];
		if (usbip_read_full(d->fd, d->qlen < QUEUE ? rp->data : junk, r.actual_length) < 0) {
			d->gone = 1;
			return 0;
		}
		if (r.status == 0 && r.actual_length && d->qlen < QUEUE) {
			rp->len = (int)r.actual_length;
			d->qlen++;
		}
		if (r.status == -19 || r.status == -108 || submit_in(d) < 0) {
			d->gone = 1;
			return 0;
		}
	}
	return r.seqnum;
}

static int wait_readable(hid_device *d, int ms)
{
	struct pollfd p = {.fd = d->fd, .events = POLLIN};
	int n = poll(&p, 1, ms);
	return n > 0;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static hid_device *open_path(const char *path)
{
	char busid[33];
	unsigned iface;
	const char *colon = strrchr(path, ':');
	if (strncmp(path, "usbip:", 6) != 0 || !colon || colon - (path + 6) <= 0 || colon - (path + 6) > 32 ||
	    sscanf(colon + 1, "%u", &iface) != 1) {
		set_err(NULL, "not a USB/IP HID path (usbip:BUSID:INTERFACE)");
		return NULL;
	}
	memcpy(busid, path + 6, (size_t)(colon - (path + 6)));
	busid[colon - (path + 6)] = 0;
	struct usbip_dev imp;
	int fd = LIBUSB_ERROR_BUSY;
	/* The server may not yet have seen our own enumeration's connection
	 * close, or another program's scan holds it for a moment: retry BUSY
	 * for half a second, as the libusb shim does. */
	for (int try = 0; try < 25 && fd == LIBUSB_ERROR_BUSY; try++) {
		if (try)
			usleep(20000);
		fd = usbip_import(NAME, busid, &imp);
	}
	if (fd < 0) {
		set_err(NULL, fd == LIBUSB_ERROR_BUSY ? "device busy (another program has it)" : "cannot import the device");
		return NULL;
	}
	hid_device *d = calloc(1, sizeof *d);
	if (!d) {
		close(fd);
		return NULL;
	}
	d->fd = fd;
	d->devid = usbip_devid(&imp);
	d->blocking = 1;
	struct hid_device_info *head = NULL;
	infos_of(&imp, fd, d->devid, &d->seq, &head);
	struct usbip_descs ds;
	struct hid_iface ifs[8];
	int n = 0;
	if (usbip_read_descs(fd, d->devid, &d->seq, &ds) == 0) {
		n = ds.nconf ? hid_ifaces(ds.conf[0], ds.conf_len[0], ifs, 8) : 0;
		usbip_free_descs(&ds);
	}
	for (int i = 0; i < n; i++)
		if (ifs[i].number == iface) {
			d->iface = ifs[i].number;
			d->ep_in = ifs[i].ep_in;
			d->ep_out = ifs[i].ep_out;
			d->in_size = ifs[i].in_size;
		}
	for (struct hid_device_info *hi = head; hi; hi = hi->next)
		if (hi->interface_number == (int)iface && !d->info) {
			d->info = hi;
			d->manufacturer = hi->manufacturer_string;
			d->product = hi->product_string;
			d->serial = hi->serial_number;
		}
	if (!d->ep_in || !d->info) {
		hid_free_enumeration(head);
		close(fd);
		free(d);
		set_err(NULL, "no HID interface with an interrupt IN endpoint there");
		return NULL;
	}
	/* Keep only this interface's entry. */
	for (struct hid_device_info **pp = &head; *pp;) {
		if (*pp != d->info) {
			struct hid_device_info *x = *pp;
			*pp = x->next;
			x->next = NULL;
			hid_free_enumeration(x);
		} else {
			pp = &(*pp)->next;
		}
	}
	/* SET_CONFIGURATION as the kernel does on enumeration, then start polling. */
	usbip_control(fd, d->devid, &d->seq, 0x00, LIBUSB_REQUEST_SET_CONFIGURATION, imp.config_value ? imp.config_value : 1, 0, NULL, 0);
	if (submit_in(d) < 0) {
		hid_free_enumeration(d->info);
		close(fd);
		free(d);
		return NULL;
	}
	return d;
}

EXPORT hid_device *hid_open_path(const char *path) { return open_path(path); }

EXPORT hid_device *hid_open(unsigned short vid, unsigned short pid, const wchar_t *serial)
{
	struct hid_device_info *all = hid_enumerate(vid, pid), *hit = NULL;
	for (struct hid_device_info *hi = all; hi && !hit; hi = hi->next)
		if (!serial || (hi->serial_number && wcscmp(serial, hi->serial_number) == 0))
			hit = hi;
	hid_device *d = hit ? open_path(hit->path) : NULL;
	if (!hit)
		set_err(NULL, "no such HID device");
	hid_free_enumeration(all);
	return d;
}

EXPORT int hid_write(hid_device *d, const unsigned char *data, size_t length)
{
	uint8_t hdr[USBIP_URB_HDR_LEN];
	const uint8_t *p = data;
	size_t n = length;
	int32_t st = 0;
	if (length == 0 || d->gone) {
		set_err(d, d->gone ? "device disconnected" : "empty report");
		return -1;
	}
	uint8_t report_id = data[0];
	if (report_id == 0) { /* unnumbered reports go without the ID byte */
		p++;
		n--;
	}
	uint32_t seq = ++d->seq;
	if (d->ep_out) {
		usbip_enc_submit(hdr, seq, d->devid, 0, d->ep_out, 0, (uint32_t)n, 1, NULL);
	} else {
		uint8_t setup[8] = {0x21, 0x09 /* SET_REPORT */, report_id, 0x02 /* output */, d->iface, 0,
				    (uint8_t)n, (uint8_t)(n >> 8)};
		usbip_enc_submit(hdr, seq, d->devid, 0, 0, 0, (uint32_t)n, 0, setup);
	}
	if (usbip_write_full(d->fd, hdr, sizeof hdr) < 0 || (n && usbip_write_full(d->fd, p, n) < 0)) {
		d->gone = 1;
		set_err(d, "device disconnected");
		return -1;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long left = WRITE_TIMEOUT_MS - elapsed_ms(&t0);
		if (left <= 0 || !wait_readable(d, (int)left)) {
			set_err(d, "write timed out");
			return -1;
		}
		uint32_t got = read_one(d, &st);
		if (!got) {
			set_err(d, "device disconnected");
			return -1;
		}
		if (got == seq)
			break;
	}
	if (st != 0) {
		set_err(d, "the device refused the report");
		return -1;
	}
	return (int)length;
}

EXPORT int hid_read_timeout(hid_device *d, unsigned char *data, size_t length, int ms)
{
	struct timespec t0;
	int32_t st;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (d->qlen == 0) {
		if (d->gone) {
			set_err(d, "device disconnected");
			return -1;
		}
		long left = ms < 0 ? 60000 : ms - elapsed_ms(&t0);
		if (left < 0)
			left = 0;
		if (!wait_readable(d, (int)left)) {
			if (ms >= 0)
				return 0;
			continue;
		}
		if (!read_one(d, &st)) {
			set_err(d, "device disconnected");
			return -1;
		}
	}
	struct report *r = &d->q[d->qhead];
	size_t n = (size_t)r->len < length ? (size_t)r->len : length;
	memcpy(data, r->data, n);
	d->qhead = (d->qhead + 1) % QUEUE;
	d->qlen--;
	return (int)n;
}

EXPORT int hid_read(hid_device *d, unsigned char *data, size_t length)
{
	return hid_read_timeout(d, data, length, d->blocking ? -1 : 0);
}

EXPORT int hid_set_nonblocking(hid_device *d, int nonblock)
{
	d->blocking = !nonblock;
	return 0;
}

static int feature(hid_device *d, int get, unsigned char *data, size_t length)
{
	if (length == 0 || length > 0xFFFF)
		return -1;
	int rc = usbip_control(d->fd, d->devid, &d->seq, get ? 0xA1 : 0x21, get ? 0x01 : 0x09,
			       (uint16_t)(0x0300 | data[0]), d->iface, get ? data + 1 : data + 1, (uint16_t)(length - 1));
	if (rc < 0) {
		set_err(d, "feature report refused");
		return -1;
	}
	return rc + 1;
}

EXPORT int hid_send_feature_report(hid_device *d, const unsigned char *data, size_t length)
{
	return feature(d, 0, (unsigned char *)data, length);
}

EXPORT int hid_get_feature_report(hid_device *d, unsigned char *data, size_t length) { return feature(d, 1, data, length); }

EXPORT void hid_close(hid_device *d)
{
	if (!d)
		return;
	close(d->fd); /* the server drops the queued IN URB with the session */
	hid_free_enumeration(d->info);
	free(d);
}

static int copy_w(const wchar_t *src, wchar_t *dst, size_t max)
{
	if (!dst || max == 0)
		return -1;
	wcsncpy(dst, src ? src : L"", max);
	dst[max - 1] = 0;
	return 0;
}

EXPORT int hid_get_manufacturer_string(hid_device *d, wchar_t *s, size_t max) { return copy_w(d->manufacturer, s, max); }
EXPORT int hid_get_product_string(hid_device *d, wchar_t *s, size_t max) { return copy_w(d->product, s, max); }
EXPORT int hid_get_serial_number_string(hid_device *d, wchar_t *s, size_t max) { return copy_w(d->serial, s, max); }

EXPORT int hid_get_indexed_string(hid_device *d, int index, wchar_t *s, size_t max)
{
	uint16_t u[128];
	int n = usbip_read_string(d->fd, d->devid, &d->seq, (uint8_t)index, u);
	if (n < 0 || !s || max == 0)
		return -1;
	size_t k = 0;
	for (; k + 1 < max && (int)k < n; k++)
		s[k] = u[k];
	s[k] = 0;
	return 0;
}

EXPORT struct hid_device_info *hid_get_device_info(hid_device *d) { return d->info; }

EXPORT const wchar_t *hid_error(hid_device *d)
{
	const wchar_t *e = d ? d->err : global_err;
	return e[0] ? e : L"Success";
}
