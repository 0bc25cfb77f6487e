#define _GNU_SOURCE
/* libusb-1.0 shim, device side: contexts, the device list (from the USB/IP
 * server's OP_REP_DEVLIST, descriptors read once per device through a short
 * import), open/close, configurations, interfaces, strings, and the
 * bookkeeping calls. Semantics follow the libusb 1.0.26 API reference;
 * kernel-driver calls succeed as no-ops (no kernel driver is bound to a
 * USB/IP device this library imports itself), and hotplug answers
 * "not supported", as libusb does on a platform without it. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct libusb_context default_ctx = {
	.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .wake = {-1, -1}};

struct libusb_context *shim_ctx(struct libusb_context *ctx) { return ctx ? ctx : &default_ctx; }

void shim_wake(struct libusb_context *ctx)
{
	char b = 1;
	if (ctx->wake[1] >= 0 && write(ctx->wake[1], &b, 1) < 0) {
		/* a full pipe already wakes the handler */
	}
}

static int ctx_setup(struct libusb_context *c)
{
	if (c->wake[0] >= 0)
		return 0;
	if (pipe2(c->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		return LIBUSB_ERROR_NO_MEM;
	return 0;
}

SHIM_EXPORT int libusb_init(libusb_context **out)
{
	if (!out) {
		pthread_mutex_lock(&default_ctx.mu);
		int rc = ctx_setup(&default_ctx);
		if (!rc)
			default_ctx.refs++;
		pthread_mutex_unlock(&default_ctx.mu);
		return rc;
	}
	struct libusb_context *c = calloc(1, sizeof *c);
	if (!c)
		return LIBUSB_ERROR_NO_MEM;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->wake[0] = c->wake[1] = -1;
	if (ctx_setup(c)) {
		free(c);
		return LIBUSB_ERROR_NO_MEM;
	}
	*out = c;
	return 0;
}

SHIM_EXPORT int libusb_init_context(libusb_context **out, const void *opts, int n)
{
	(void)opts;
	(void)n;
	return libusb_init(out);
}

static void dev_free(struct libusb_device *d)
{
	usbip_free_descs(&d->raw);
	free(d);
}

SHIM_EXPORT void libusb_exit(libusb_context *ctx)
{
	struct libusb_context *c = shim_ctx(ctx);
	pthread_mutex_lock(&c->mu);
	if (c == &default_ctx && --c->refs > 0) {
		pthread_mutex_unlock(&c->mu);
		return;
	}
	struct libusb_device *d = c->devs, *next;
	c->devs = NULL;
	for (; d; d = next) {
		next = d->next;
		if (--d->refcnt == 0)
			dev_free(d);
	}
	pthread_mutex_unlock(&c->mu);
	if (c != &default_ctx) {
		close(c->wake[0]);
		close(c->wake[1]);
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
		free(c);
	}
}

/* libusb's LIBUSB_DEBUG: 0 none, 1 error, 2 warning, 3 info, 4 debug. */
int shim_log_level(void)
{
	const char *v = getenv("LIBUSB_DEBUG");
	return v ? atoi(v) : 0;
}

SHIM_EXPORT void libusb_set_debug(libusb_context *ctx, int level) { (void)ctx, (void)level; }
SHIM_EXPORT int libusb_set_option(libusb_context *ctx, enum libusb_option option, ...)
{
	(void)ctx;
	if (option == LIBUSB_OPTION_LOG_LEVEL || option == LIBUSB_OPTION_NO_DEVICE_DISCOVERY)
		return 0;
	return LIBUSB_ERROR_NOT_SUPPORTED;
}

SHIM_EXPORT const struct libusb_version *libusb_get_version(void)
{
	static const struct libusb_version v = {1, 0, 26, 0, "", "flashstation USB/IP shim"};
	return &v;
}

SHIM_EXPORT int libusb_has_capability(uint32_t cap)
{
	return cap == LIBUSB_CAP_HAS_CAPABILITY || cap == LIBUSB_CAP_SUPPORTS_DETACH_KERNEL_DRIVER;
}

SHIM_EXPORT int libusb_setlocale(const char *locale) { (void)locale; return 0; }

/* Fills d's descriptors through a short import; falls back to what the
 * devlist entry says when the device is busy elsewhere (no configuration
 * descriptors then: libusb_get_config_descriptor reports NOT_FOUND). */
/* Descriptors read once per process and device (busid, address, IDs), for
 * every context: OpenOCD and stlink-tools open a context per probe, and a
 * device this process holds cannot be imported again to read them. */
struct desc_cache {
	struct desc_cache *next;
	struct usbip_dev info;
	struct usbip_descs raw;
};
static struct desc_cache *cache;
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;

static int same_device(const struct usbip_dev *a, const struct usbip_dev *b);

static int copy_descs(struct usbip_descs *dst, const struct usbip_descs *src)
{
	*dst = *src;
	for (int i = 0; i < src->nconf; i++) {
		dst->conf[i] = malloc(src->conf_len[i]);
		if (!dst->conf[i]) {
			dst->nconf = i;
			usbip_free_descs(dst);
			return -1;
		}
		memcpy(dst->conf[i], src->conf[i], src->conf_len[i]);
	}
	return 0;
}

static int cache_get(struct libusb_device *d)
{
	int hit = 0;
	pthread_mutex_lock(&cache_mu);
	for (struct desc_cache *e = cache; e && !hit; e = e->next)
		if (same_device(&e->info, &d->info))
			hit = copy_descs(&d->raw, &e->raw) == 0;
	pthread_mutex_unlock(&cache_mu);
	return hit;
}

static void cache_put(const struct libusb_device *d)
{
	struct desc_cache *e = calloc(1, sizeof *e);
	if (!e)
		return;
	e->info = d->info;
	if (copy_descs(&e->raw, &d->raw)) {
		free(e);
		return;
	}
	pthread_mutex_lock(&cache_mu);
	/* A busid now holding another device drops the old entry. */
	for (struct desc_cache **pp = &cache; *pp;) {
		if (strcmp((*pp)->info.busid, e->info.busid) == 0) {
			struct desc_cache *old = *pp;
			*pp = old->next;
			usbip_free_descs(&old->raw);
			free(old);
		} else {
			pp = &(*pp)->next;
		}
	}
	e->next = cache;
	cache = e;
	pthread_mutex_unlock(&cache_mu);
}

static void dev_read_descs(struct libusb_device *d)
{
	struct usbip_dev imp;
	uint32_t seq = 0;
	if (cache_get(d) && usbip_parse_device_desc(d->raw.dev, sizeof d->raw.dev, &d->desc) == 0)
		return;
	int fd = usbip_import(SHIM_NAME, d->info.busid, &imp);
	if (fd >= 0) {
		int rc = usbip_read_descs(fd, usbip_devid(&imp), &seq, &d->raw);
		close(fd);
		if (rc == 0 && usbip_parse_device_desc(d->raw.dev, sizeof d->raw.dev, &d->desc) == 0) {
			cache_put(d);
			return;
		}
		usbip_free_descs(&d->raw);
		if (usbip_debug_on())
			usbip_warn(SHIM_NAME, "%s: descriptors unreadable (%s)", d->info.busid, libusb_error_name(rc));
	}
	memset(&d->desc, 0, sizeof d->desc);
	d->desc.bLength = LIBUSB_DT_DEVICE_SIZE;
	d->desc.bDescriptorType = LIBUSB_DT_DEVICE;
	d->desc.bcdUSB = 0x0200;
	d->desc.bDeviceClass = d->info.dev_class;
	d->desc.bDeviceSubClass = d->info.dev_subclass;
	d->desc.bDeviceProtocol = d->info.dev_protocol;
	d->desc.bMaxPacketSize0 = 64;
	d->desc.idVendor = d->info.vid;
	d->desc.idProduct = d->info.pid;
	d->desc.bcdDevice = d->info.bcd_device;
	d->desc.bNumConfigurations = 0;
}

static int same_device(const struct usbip_dev *a, const struct usbip_dev *b)
{
	return strcmp(a->busid, b->busid) == 0 && a->devnum == b->devnum && a->busnum == b->busnum &&
	       a->vid == b->vid && a->pid == b->pid && a->bcd_device == b->bcd_device;
}

SHIM_EXPORT ssize_t libusb_get_device_list(libusb_context *ctx, libusb_device ***list)
{
	struct libusb_context *c = shim_ctx(ctx);
	struct usbip_dev *ents;
	int n, rc;

	*list = NULL;
	rc = usbip_devlist(SHIM_NAME, &ents, &n);
	if (rc == LIBUSB_ERROR_NO_DEVICE || rc == LIBUSB_ERROR_INVALID_PARAM)
		n = 0, ents = NULL; /* no server: libusb on a machine without USB lists nothing */
	else if (rc < 0)
		return rc;
	libusb_device **out = calloc((size_t)n + 1, sizeof *out);
	if (!out) {
		free(ents);
		return LIBUSB_ERROR_NO_MEM;
	}
	pthread_mutex_lock(&c->mu);
	struct libusb_device *keep = NULL, **tail = &keep;
	for (int i = 0; i < n; i++) {
		struct libusb_device *d, **pp;
		for (pp = &c->devs; (d = *pp) && !same_device(&d->info, &ents[i]); pp = &d->next)
			;
		if (d) {
			*pp = d->next; /* moved to keep */
		} else {
			d = calloc(1, sizeof *d);
			if (!d)
				continue;
			d->ctx = c;
			d->refcnt = 1;
			d->info = ents[i];
			d->nports = usbip_parse_busid(d->info.busid, &d->bus, d->ports, 7);
			if (d->nports < 0) {
				d->nports = 0;
				d->bus = (int)d->info.busnum;
			}
			/* Reading descriptors blocks on the network: not under the lock. */
			pthread_mutex_unlock(&c->mu);
			dev_read_descs(d);
			pthread_mutex_lock(&c->mu);
		}
		d->next = NULL;
		*tail = d;
		tail = &d->next;
		d->refcnt++;
		out[i] = d;
	}
	/* Devices that left the server: the list's reference goes. */
	for (struct libusb_device *d = c->devs, *next; d; d = next) {
		next = d->next;
		if (--d->refcnt == 0)
			dev_free(d);
	}
	c->devs = keep;
	pthread_mutex_unlock(&c->mu);
	/* A device that failed allocation leaves a hole: close it up. */
	int k = 0;
	for (int i = 0; i < n; i++)
		if (out[i])
			out[k++] = out[i];
	out[k] = NULL;
	free(ents);
	*list = out;
	return k;
}

SHIM_EXPORT libusb_device *libusb_ref_device(libusb_device *d)
{
	pthread_mutex_lock(&d->ctx->mu);
	d->refcnt++;
	pthread_mutex_unlock(&d->ctx->mu);
	return d;
}

SHIM_EXPORT void libusb_unref_device(libusb_device *d)
{
	if (!d)
		return;
	struct libusb_context *c = d->ctx;
	pthread_mutex_lock(&c->mu);
	int last = --d->refcnt == 0;
	pthread_mutex_unlock(&c->mu);
	if (last)
		dev_free(d);
}

SHIM_EXPORT void libusb_free_device_list(libusb_device **list, int unref)
{
	if (!list)
		return;
	if (unref)
		for (libusb_device **p = list; *p; p++)
			libusb_unref_device(*p);
	free(list);
}

SHIM_EXPORT uint8_t libusb_get_bus_number(libusb_device *d) { return (uint8_t)d->bus; }
SHIM_EXPORT uint8_t libusb_get_device_address(libusb_device *d) { return (uint8_t)d->info.devnum; }
SHIM_EXPORT uint8_t libusb_get_port_number(libusb_device *d) { return d->nports ? d->ports[d->nports - 1] : 0; }
SHIM_EXPORT libusb_device *libusb_get_parent(libusb_device *d) { (void)d; return NULL; }

SHIM_EXPORT int libusb_get_port_numbers(libusb_device *d, uint8_t *ports, int len)
{
	if (len <= 0)
		return LIBUSB_ERROR_INVALID_PARAM;
	if (d->nports > len)
		return LIBUSB_ERROR_OVERFLOW;
	memcpy(ports, d->ports, (size_t)d->nports);
	return d->nports;
}

SHIM_EXPORT int libusb_get_port_path(libusb_context *ctx, libusb_device *d, uint8_t *path, uint8_t len)
{
	(void)ctx;
	return libusb_get_port_numbers(d, path, len);
}

SHIM_EXPORT int libusb_get_device_speed(libusb_device *d)
{
	switch (d->info.speed) {
	case USBIP_SPEED_LOW:
		return LIBUSB_SPEED_LOW;
	case USBIP_SPEED_FULL:
		return LIBUSB_SPEED_FULL;
	case USBIP_SPEED_HIGH:
		return LIBUSB_SPEED_HIGH;
	case USBIP_SPEED_SUPER:
		return LIBUSB_SPEED_SUPER;
	case 6:
		return LIBUSB_SPEED_SUPER_PLUS;
	default:
		return LIBUSB_SPEED_UNKNOWN;
	}
}

SHIM_EXPORT int libusb_get_device_descriptor(libusb_device *d, struct libusb_device_descriptor *desc)
{
	*desc = d->desc;
	return 0;
}

SHIM_EXPORT int libusb_get_config_descriptor(libusb_device *d, uint8_t index, struct libusb_config_descriptor **config)
{
	if (index >= d->raw.nconf)
		return LIBUSB_ERROR_NOT_FOUND;
	return usbip_parse_config(d->raw.conf[index], d->raw.conf_len[index], config);
}

SHIM_EXPORT int libusb_get_config_descriptor_by_value(libusb_device *d, uint8_t value,
						      struct libusb_config_descriptor **config)
{
	for (int i = 0; i < d->raw.nconf; i++)
		if (d->raw.conf_len[i] > 5 && d->raw.conf[i][5] == value)
			return usbip_parse_config(d->raw.conf[i], d->raw.conf_len[i], config);
	return LIBUSB_ERROR_NOT_FOUND;
}

SHIM_EXPORT int libusb_get_active_config_descriptor(libusb_device *d, struct libusb_config_descriptor **config)
{
	uint8_t v = d->info.config_value ? d->info.config_value : 1;
	return libusb_get_config_descriptor_by_value(d, v, config);
}

SHIM_EXPORT void libusb_free_config_descriptor(struct libusb_config_descriptor *config) { usbip_free_config(config); }

SHIM_EXPORT int libusb_get_max_packet_size(libusb_device *d, unsigned char endpoint)
{
	struct libusb_config_descriptor *c;
	int rc = libusb_get_active_config_descriptor(d, &c);
	if (rc < 0)
		return rc;
	rc = LIBUSB_ERROR_NOT_FOUND;
	for (int i = 0; i < c->bNumInterfaces && rc < 0; i++)
		for (int a = 0; a < c->interface[i].num_altsetting && rc < 0; a++) {
			const struct libusb_interface_descriptor *alt = &c->interface[i].altsetting[a];
			for (int e = 0; e < alt->bNumEndpoints; e++)
				if (alt->endpoint[e].bEndpointAddress == endpoint) {
					rc = alt->endpoint[e].wMaxPacketSize & 0x7FF;
					break;
				}
		}
	libusb_free_config_descriptor(c);
	return rc;
}

SHIM_EXPORT int libusb_get_max_iso_packet_size(libusb_device *d, unsigned char endpoint)
{
	return libusb_get_max_packet_size(d, endpoint);
}

SHIM_EXPORT int libusb_open(libusb_device *d, libusb_device_handle **out)
{
	struct libusb_context *c = d->ctx;
	struct usbip_dev imp;
	int fd = LIBUSB_ERROR_BUSY;

	/* Another program's device-list scan imports each device for a moment
	 * to read its descriptors: a busy answer is retried for half a second. */
	for (int try = 0; try < 25 && fd == LIBUSB_ERROR_BUSY; try++) {
		if (try)
			usleep(20000);
		fd = usbip_import(SHIM_NAME, d->info.busid, &imp);
	}
	if (fd < 0)
		return fd == LIBUSB_ERROR_NO_DEVICE ? LIBUSB_ERROR_NO_DEVICE
		       : fd == LIBUSB_ERROR_BUSY    ? LIBUSB_ERROR_BUSY
						    : LIBUSB_ERROR_ACCESS;
	if (imp.devnum != d->info.devnum || imp.vid != d->info.vid || imp.pid != d->info.pid) {
		close(fd); /* replugged since the list was read: another device now */
		return LIBUSB_ERROR_NO_DEVICE;
	}
	struct libusb_device_handle *h = calloc(1, sizeof *h);
	if (!h) {
		close(fd);
		return LIBUSB_ERROR_NO_MEM;
	}
	h->dev = libusb_ref_device(d);
	h->fd = fd;
	h->devid = usbip_devid(&imp);
	h->config = imp.config_value ? imp.config_value : 1;
	pthread_mutex_init(&h->wmu, NULL);
	pthread_mutex_lock(&c->mu);
	h->next = c->handles;
	c->handles = h;
	pthread_mutex_unlock(&c->mu);
	shim_wake(c);
	*out = h;
	return 0;
}

SHIM_EXPORT libusb_device_handle *libusb_open_device_with_vid_pid(libusb_context *ctx, uint16_t vid, uint16_t pid)
{
	libusb_device **list, *found = NULL;
	libusb_device_handle *h = NULL;
	if (libusb_get_device_list(ctx, &list) < 0)
		return NULL;
	for (libusb_device **p = list; *p; p++)
		if ((*p)->desc.idVendor == vid && (*p)->desc.idProduct == pid) {
			found = *p;
			break;
		}
	if (found && libusb_open(found, &h) < 0)
		h = NULL;
	libusb_free_device_list(list, 1);
	return h;
}

SHIM_EXPORT void libusb_close(libusb_device_handle *h)
{
	if (!h)
		return;
	struct libusb_context *c = h->dev->ctx;
	pthread_mutex_lock(&c->mu);
	/* The event handler may be polling this socket: wait for its round. */
	while (c->handling && !pthread_equal(c->handler, pthread_self())) {
		shim_wake(c);
		pthread_cond_wait(&c->cv, &c->mu);
	}
	for (struct libusb_device_handle **pp = &c->handles; *pp; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	/* The caller must have ended its transfers by now. libusb's do_close
	 * drops any still in flight without calling back, NULLs their
	 * dev_handle and logs an error while the device is still there; the
	 * same here, so a host that leaves transfers behind is seen at once. */
	int orphans = 0;
	while (h->pending) {
		struct xfer *x = h->pending;
		h->pending = x->next;
		x->next = NULL;
		x->state = XFER_ORPHAN;
		x->h = NULL;
		x->pub.dev_handle = NULL;
		orphans++;
	}
	h->gone = 1;
	pthread_mutex_unlock(&c->mu);
	if (orphans && shim_log_level() >= 1)
		fprintf(stderr, "libusb: error [do_close] Device handle closed while transfer was still being processed, "
				"but the device is still connected as far as we know (%s, %d transfers)\n",
			h->dev->info.busid, orphans);
	close(h->fd);
	pthread_mutex_destroy(&h->wmu);
	libusb_unref_device(h->dev);
	free(h);
}

SHIM_EXPORT libusb_device *libusb_get_device(libusb_device_handle *h) { return h->dev; }

SHIM_EXPORT int libusb_get_configuration(libusb_device_handle *h, int *config)
{
	if (h->gone)
		return LIBUSB_ERROR_NO_DEVICE;
	*config = h->config; /* Linux usbfs answers from its cache too */
	return 0;
}

SHIM_EXPORT int libusb_set_configuration(libusb_device_handle *h, int config)
{
	int rc = libusb_control_transfer(h, LIBUSB_ENDPOINT_OUT, LIBUSB_REQUEST_SET_CONFIGURATION,
					 (uint16_t)(config < 0 ? 0 : config), 0, NULL, 0, 5000);
	if (rc < 0)
		return rc;
	h->config = config < 0 ? 0 : config;
	return 0;
}

static int interface_exists(libusb_device_handle *h, int iface)
{
	struct libusb_config_descriptor *c;
	if (libusb_get_config_descriptor_by_value(h->dev, (uint8_t)h->config, &c) < 0)
		return h->dev->raw.nconf == 0; /* descriptors unknown: trust the caller */
	int ok = 0;
	for (int i = 0; i < c->bNumInterfaces; i++)
		if (c->interface[i].num_altsetting && c->interface[i].altsetting[0].bInterfaceNumber == iface)
			ok = 1;
	libusb_free_config_descriptor(c);
	return ok;
}

SHIM_EXPORT int libusb_claim_interface(libusb_device_handle *h, int iface)
{
	if (h->gone)
		return LIBUSB_ERROR_NO_DEVICE;
	if (iface < 0 || iface >= 32 || !interface_exists(h, iface))
		return LIBUSB_ERROR_NOT_FOUND;
	h->claimed |= 1u << iface; /* the import already made the device ours */
	return 0;
}

SHIM_EXPORT int libusb_release_interface(libusb_device_handle *h, int iface)
{
	if (iface < 0 || iface >= 32 || !(h->claimed & 1u << iface))
		return LIBUSB_ERROR_NOT_FOUND;
	h->claimed &= ~(1u << iface);
	return h->gone ? LIBUSB_ERROR_NO_DEVICE : 0;
}

SHIM_EXPORT int libusb_set_interface_alt_setting(libusb_device_handle *h, int iface, int alt)
{
	if (iface < 0 || iface >= 32 || !(h->claimed & 1u << iface))
		return LIBUSB_ERROR_NOT_FOUND;
	int rc = libusb_control_transfer(h, LIBUSB_ENDPOINT_OUT | LIBUSB_RECIPIENT_INTERFACE,
					 LIBUSB_REQUEST_SET_INTERFACE, (uint16_t)alt, (uint16_t)iface, NULL, 0, 5000);
	return rc == LIBUSB_ERROR_PIPE ? LIBUSB_ERROR_NOT_FOUND : rc < 0 ? rc : 0;
}

SHIM_EXPORT int libusb_clear_halt(libusb_device_handle *h, unsigned char endpoint)
{
	int rc = libusb_control_transfer(h, LIBUSB_ENDPOINT_OUT | LIBUSB_RECIPIENT_ENDPOINT,
					 LIBUSB_REQUEST_CLEAR_FEATURE, 0 /* ENDPOINT_HALT */, endpoint, NULL, 0, 5000);
	return rc < 0 ? rc : 0;
}

SHIM_EXPORT int libusb_reset_device(libusb_device_handle *h)
{
	/* The usbip stub resets the device on SET_FEATURE(PORT_RESET) addressed
	 * to its port (drivers/usb/usbip/stub_rx.c is_reset_device). */
	int rc = libusb_control_transfer(h, 0x23, LIBUSB_REQUEST_SET_FEATURE, 4, 0, NULL, 0, 5000);
	if (rc == LIBUSB_ERROR_NO_DEVICE)
		return LIBUSB_ERROR_NOT_FOUND; /* libusb: the device left on reset */
	return rc < 0 && rc != LIBUSB_ERROR_PIPE ? rc : 0;
}

SHIM_EXPORT int libusb_kernel_driver_active(libusb_device_handle *h, int iface) { (void)h, (void)iface; return 0; }
SHIM_EXPORT int libusb_detach_kernel_driver(libusb_device_handle *h, int iface) { (void)h, (void)iface; return 0; }
SHIM_EXPORT int libusb_attach_kernel_driver(libusb_device_handle *h, int iface) { (void)h, (void)iface; return 0; }
SHIM_EXPORT int libusb_set_auto_detach_kernel_driver(libusb_device_handle *h, int enable) { (void)h, (void)enable; return 0; }

SHIM_EXPORT int libusb_get_string_descriptor_ascii(libusb_device_handle *h, uint8_t index, unsigned char *data, int length)
{
	unsigned char buf[255];
	int rc;
	if (length < 0)
		return LIBUSB_ERROR_INVALID_PARAM;
	if (index == 0)
		return LIBUSB_ERROR_INVALID_PARAM;
	rc = libusb_control_transfer(h, LIBUSB_ENDPOINT_IN, LIBUSB_REQUEST_GET_DESCRIPTOR, LIBUSB_DT_STRING << 8, 0, buf, sizeof buf, 1000);
	if (rc < 0)
		return rc;
	if (rc < 4)
		return LIBUSB_ERROR_IO;
	uint16_t lang = (uint16_t)(buf[2] | buf[3] << 8);
	rc = libusb_control_transfer(h, LIBUSB_ENDPOINT_IN, LIBUSB_REQUEST_GET_DESCRIPTOR, (uint16_t)(LIBUSB_DT_STRING << 8 | index),
				     lang, buf, sizeof buf, 1000);
	if (rc < 0)
		return rc;
	if (buf[1] != LIBUSB_DT_STRING)
		return LIBUSB_ERROR_IO;
	if (buf[0] > rc)
		return LIBUSB_ERROR_IO;
	int di = 0;
	for (int si = 2; si < buf[0] && di < length - 1; si += 2)
		data[di++] = (buf[si + 1] || (buf[si] & 0x80)) ? '?' : buf[si];
	if (length > 0)
		data[di] = 0;
	return di;
}

SHIM_EXPORT const char *libusb_error_name(int code)
{
	switch (code) {
	case LIBUSB_SUCCESS: return "LIBUSB_SUCCESS";
	case LIBUSB_ERROR_IO: return "LIBUSB_ERROR_IO";
	case LIBUSB_ERROR_INVALID_PARAM: return "LIBUSB_ERROR_INVALID_PARAM";
	case LIBUSB_ERROR_ACCESS: return "LIBUSB_ERROR_ACCESS";
	case LIBUSB_ERROR_NO_DEVICE: return "LIBUSB_ERROR_NO_DEVICE";
	case LIBUSB_ERROR_NOT_FOUND: return "LIBUSB_ERROR_NOT_FOUND";
	case LIBUSB_ERROR_BUSY: return "LIBUSB_ERROR_BUSY";
	case LIBUSB_ERROR_TIMEOUT: return "LIBUSB_ERROR_TIMEOUT";
	case LIBUSB_ERROR_OVERFLOW: return "LIBUSB_ERROR_OVERFLOW";
	case LIBUSB_ERROR_PIPE: return "LIBUSB_ERROR_PIPE";
	case LIBUSB_ERROR_INTERRUPTED: return "LIBUSB_ERROR_INTERRUPTED";
	case LIBUSB_ERROR_NO_MEM: return "LIBUSB_ERROR_NO_MEM";
	case LIBUSB_ERROR_NOT_SUPPORTED: return "LIBUSB_ERROR_NOT_SUPPORTED";
	case LIBUSB_ERROR_OTHER: return "LIBUSB_ERROR_OTHER";
	case LIBUSB_TRANSFER_ERROR: return "LIBUSB_TRANSFER_ERROR";
	case LIBUSB_TRANSFER_TIMED_OUT: return "LIBUSB_TRANSFER_TIMED_OUT";
	case LIBUSB_TRANSFER_CANCELLED: return "LIBUSB_TRANSFER_CANCELLED";
	case LIBUSB_TRANSFER_STALL: return "LIBUSB_TRANSFER_STALL";
	case LIBUSB_TRANSFER_NO_DEVICE: return "LIBUSB_TRANSFER_NO_DEVICE";
	case LIBUSB_TRANSFER_OVERFLOW: return "LIBUSB_TRANSFER_OVERFLOW";
	default: return "**UNKNOWN**";
	}
}

SHIM_EXPORT const char *libusb_strerror(int code)
{
	switch (code) {
	case LIBUSB_SUCCESS: return "Success";
	case LIBUSB_ERROR_IO: return "Input/Output Error";
	case LIBUSB_ERROR_INVALID_PARAM: return "Invalid parameter";
	case LIBUSB_ERROR_ACCESS: return "Access denied (insufficient permissions)";
	case LIBUSB_ERROR_NO_DEVICE: return "No such device (it may have been disconnected)";
	case LIBUSB_ERROR_NOT_FOUND: return "Entity not found";
	case LIBUSB_ERROR_BUSY: return "Resource busy";
	case LIBUSB_ERROR_TIMEOUT: return "Operation timed out";
	case LIBUSB_ERROR_OVERFLOW: return "Overflow";
	case LIBUSB_ERROR_PIPE: return "Pipe error";
	case LIBUSB_ERROR_INTERRUPTED: return "System call interrupted (perhaps due to signal)";
	case LIBUSB_ERROR_NO_MEM: return "Insufficient memory";
	case LIBUSB_ERROR_NOT_SUPPORTED: return "Operation not supported or unimplemented on this platform";
	default: return "Other error";
	}
}

SHIM_EXPORT int libusb_hotplug_register_callback(libusb_context *ctx, int events, int flags, int vid, int pid,
						 int dev_class, libusb_hotplug_callback_fn cb, void *user,
						 libusb_hotplug_callback_handle *handle)
{
	(void)ctx, (void)events, (void)flags, (void)vid, (void)pid, (void)dev_class, (void)cb, (void)user, (void)handle;
	return LIBUSB_ERROR_NOT_SUPPORTED;
}

SHIM_EXPORT void libusb_hotplug_deregister_callback(libusb_context *ctx, libusb_hotplug_callback_handle handle)
{
	(void)ctx, (void)handle;
}
