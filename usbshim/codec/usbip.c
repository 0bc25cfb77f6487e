/* USB/IP wire codec: see usbip.h. Field layouts: Linux
 * Documentation/usb/usbip_protocol.rst; descriptors: USB 2.0 §9.6. */
#include "usbip.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

size_t usbip_enc_op(uint8_t *buf, uint16_t code)
{
	put16(buf, USBIP_VERSION);
	put16(buf + 2, code);
	put32(buf + 4, 0);
	return USBIP_OP_HDR_LEN;
}

size_t usbip_enc_import(uint8_t *buf, const char *busid)
{
	usbip_enc_op(buf, USBIP_OP_REQ_IMPORT);
	memset(buf + 8, 0, 32);
	strncpy((char *)buf + 8, busid, 31);
	return USBIP_OP_HDR_LEN + 32;
}

static void enc_base(uint8_t *buf, uint32_t cmd, uint32_t seq, uint32_t devid, int dir_in, uint8_t ep)
{
	memset(buf, 0, USBIP_URB_HDR_LEN);
	put32(buf, cmd);
	put32(buf + 4, seq);
	put32(buf + 8, devid);
	put32(buf + 12, dir_in ? 1 : 0);
	put32(buf + 16, ep & 0x0F);
}

size_t usbip_enc_submit(uint8_t *buf, uint32_t seq, uint32_t devid, int dir_in, uint8_t ep,
			uint32_t flags, uint32_t len, uint32_t interval, const uint8_t setup[8])
{
	enc_base(buf, USBIP_CMD_SUBMIT, seq, devid, dir_in, ep);
	put32(buf + 20, flags);
	put32(buf + 24, len);
	put32(buf + 28, 0);          /* start_frame */
	put32(buf + 32, 0xFFFFFFFF); /* number_of_packets: not isochronous */
	put32(buf + 36, interval);
	if (setup)
		memcpy(buf + 40, setup, 8);
	return USBIP_URB_HDR_LEN;
}

size_t usbip_enc_unlink(uint8_t *buf, uint32_t seq, uint32_t devid, int dir_in, uint8_t ep,
			uint32_t victim)
{
	enc_base(buf, USBIP_CMD_UNLINK, seq, devid, dir_in, ep);
	put32(buf + 20, victim);
	return USBIP_URB_HDR_LEN;
}

int usbip_dec_op(const uint8_t *buf, size_t len, uint16_t want_code, uint32_t *status,
		 const char **why)
{
	if (len < USBIP_OP_HDR_LEN) {
		*why = "usbip: reply header shorter than 8 bytes";
		return -1;
	}
	if (get16(buf) != USBIP_VERSION) {
		*why = "usbip: reply of another protocol version (want 0x0111)";
		return -1;
	}
	if (get16(buf + 2) != want_code) {
		*why = "usbip: reply code does not answer the request";
		return -1;
	}
	*status = get32(buf + 4);
	return 0;
}

int usbip_dec_count(const uint8_t *buf, size_t len, uint32_t *n, const char **why)
{
	if (len < 4) {
		*why = "usbip: devlist count truncated";
		return -1;
	}
	*n = get32(buf);
	if (*n > USBIP_MAX_DEVICES) {
		*why = "usbip: devlist claims more than 4096 devices";
		return -1;
	}
	return 0;
}

/* A fixed-size, NUL-padded string field must hold a NUL. */
static int field_string(char *dst, const uint8_t *src, size_t n)
{
	if (!memchr(src, 0, n))
		return -1;
	memcpy(dst, src, n);
	dst[n] = 0;
	return 0;
}

int usbip_dec_dev(const uint8_t *buf, size_t len, struct usbip_dev *d, const char **why)
{
	if (len < USBIP_DEV_LEN) {
		*why = "usbip: device entry truncated";
		return -1;
	}
	memset(d, 0, sizeof *d);
	if (field_string(d->path, buf, 256) || field_string(d->busid, buf + 256, 32)) {
		*why = "usbip: device path or busid not NUL-terminated";
		return -1;
	}
	if (d->busid[0] == 0) {
		*why = "usbip: device entry with an empty busid";
		return -1;
	}
	d->busnum = get32(buf + 288);
	d->devnum = get32(buf + 292);
	d->speed = get32(buf + 296);
	d->vid = get16(buf + 300);
	d->pid = get16(buf + 302);
	d->bcd_device = get16(buf + 304);
	d->dev_class = buf[306];
	d->dev_subclass = buf[307];
	d->dev_protocol = buf[308];
	d->config_value = buf[309];
	d->num_configs = buf[310];
	d->num_interfaces = buf[311];
	return 0;
}

int usbip_dec_ret(const uint8_t *buf, size_t len, struct usbip_ret *r, const char **why)
{
	if (len < USBIP_URB_HDR_LEN) {
		*why = "usbip: reply header shorter than 48 bytes";
		return -1;
	}
	memset(r, 0, sizeof *r);
	r->command = get32(buf);
	r->seqnum = get32(buf + 4);
	r->devid = get32(buf + 8);
	r->direction = get32(buf + 12);
	r->ep = get32(buf + 16);
	r->status = (int32_t)get32(buf + 20);
	if (r->command != USBIP_RET_SUBMIT && r->command != USBIP_RET_UNLINK) {
		*why = "usbip: reply is neither RET_SUBMIT nor RET_UNLINK";
		return -1;
	}
	if (r->status > 0 || r->status < -4095) {
		*why = "usbip: reply status is not 0 or a negative errno";
		return -1;
	}
	if (r->command == USBIP_RET_SUBMIT) {
		r->actual_length = get32(buf + 24);
		r->start_frame = get32(buf + 28);
		r->number_of_packets = get32(buf + 32);
		r->error_count = get32(buf + 36);
		if (r->actual_length > USBIP_MAX_XFER) {
			*why = "usbip: reply length above 16 MiB";
			return -1;
		}
		if (r->number_of_packets != 0 && r->number_of_packets != 0xFFFFFFFF) {
			*why = "usbip: isochronous reply to a non-isochronous request";
			return -1;
		}
	}
	return 0;
}

int usbip_check_ret(const struct usbip_ret *r, int dir_in, uint32_t asked, const char **why)
{
	(void)dir_in;
	if (r->command == USBIP_RET_SUBMIT && r->actual_length > asked) {
		*why = "usbip: reply carries more bytes than the request asked for";
		return -1;
	}
	return 0;
}

int usbip_parse_busid(const char *busid, int *bus, uint8_t *ports, int max)
{
	const char *p = busid;
	char *end;
	long v = strtol(p, &end, 10);
	int n = 0;
	if (end == p || v < 0 || v > 255 || *end != '-')
		return -1;
	*bus = (int)v;
	p = end + 1;
	for (;;) {
		v = strtol(p, &end, 10);
		if (end == p || v < 0 || v > 255 || n >= max)
			return -1;
		ports[n++] = (uint8_t)v;
		if (*end == 0)
			return n;
		if (*end != '.')
			return -1;
		p = end + 1;
	}
}

int usbip_parse_device_desc(const uint8_t *b, size_t len, struct libusb_device_descriptor *d)
{
	if (len < LIBUSB_DT_DEVICE_SIZE || b[0] < LIBUSB_DT_DEVICE_SIZE || b[1] != LIBUSB_DT_DEVICE)
		return LIBUSB_ERROR_IO;
	d->bLength = b[0];
	d->bDescriptorType = b[1];
	d->bcdUSB = le16(b + 2);
	d->bDeviceClass = b[4];
	d->bDeviceSubClass = b[5];
	d->bDeviceProtocol = b[6];
	d->bMaxPacketSize0 = b[7];
	d->idVendor = le16(b + 8);
	d->idProduct = le16(b + 10);
	d->bcdDevice = le16(b + 12);
	d->iManufacturer = b[14];
	d->iProduct = b[15];
	d->iSerialNumber = b[16];
	d->bNumConfigurations = b[17];
	return 0;
}

/* Appends raw descriptor bytes to an extra/extra_length pair. */
static int add_extra(const unsigned char **extra, int *extra_len, const uint8_t *p, size_t n)
{
	unsigned char *e = realloc((void *)*extra, (size_t)*extra_len + n);
	if (!e)
		return LIBUSB_ERROR_NO_MEM;
	memcpy(e + *extra_len, p, n);
	*extra = e;
	*extra_len += (int)n;
	return 0;
}

void usbip_free_config(struct libusb_config_descriptor *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->bNumInterfaces && c->interface; i++) {
		const struct libusb_interface *in = &c->interface[i];
		for (int a = 0; a < in->num_altsetting; a++) {
			const struct libusb_interface_descriptor *alt = &in->altsetting[a];
			for (int e = 0; e < alt->bNumEndpoints; e++)
				free((void *)alt->endpoint[e].extra);
			free((void *)alt->endpoint);
			free((void *)alt->extra);
		}
		free((void *)in->altsetting);
	}
	free((void *)c->interface);
	free((void *)c->extra);
	free(c);
}

int usbip_parse_config(const uint8_t *buf, size_t len, struct libusb_config_descriptor **out)
{
	struct libusb_config_descriptor *c;
	struct libusb_interface *ifs = NULL;
	struct libusb_interface_descriptor *alt = NULL;
	struct libusb_endpoint_descriptor *ep = NULL;
	size_t total, off;
	int nif = 0, rc = LIBUSB_ERROR_IO;

	*out = NULL;
	if (len < LIBUSB_DT_CONFIG_SIZE || buf[0] < LIBUSB_DT_CONFIG_SIZE || buf[1] != LIBUSB_DT_CONFIG)
		return LIBUSB_ERROR_IO;
	total = le16(buf + 2);
	if (total < buf[0])
		return LIBUSB_ERROR_IO;
	if (total > len)
		total = len; /* libusb parses what arrived */
	c = calloc(1, sizeof *c);
	if (!c)
		return LIBUSB_ERROR_NO_MEM;
	c->bLength = buf[0];
	c->bDescriptorType = buf[1];
	c->wTotalLength = (uint16_t)total;
	c->bConfigurationValue = buf[5];
	c->iConfiguration = buf[6];
	c->bmAttributes = buf[7];
	c->MaxPower = buf[8];
	/* Room for every interface number the header announces; more are refused. */
	int want = buf[4];
	if (want > 0) {
		ifs = calloc((size_t)want, sizeof *ifs);
		if (!ifs) {
			rc = LIBUSB_ERROR_NO_MEM;
			goto fail;
		}
	}
	c->interface = ifs;
	uint8_t numbers[256];
	for (off = buf[0]; off < total;) {
		const uint8_t *d = buf + off;
		if (total - off < 2 || d[0] < 2 || d[0] > total - off)
			goto fail; /* a descriptor that runs past the end */
		if (d[1] == LIBUSB_DT_INTERFACE) {
			if (d[0] < LIBUSB_DT_INTERFACE_SIZE)
				goto fail;
			int k;
			for (k = 0; k < nif && numbers[k] != d[2]; k++)
				;
			if (k == nif) {
				if (nif >= want)
					goto fail; /* more interfaces than bNumInterfaces */
				numbers[nif++] = d[2];
				c->bNumInterfaces = (uint8_t)nif;
			}
			struct libusb_interface *in = &ifs[k];
			struct libusb_interface_descriptor *alts =
				realloc((void *)in->altsetting, (size_t)(in->num_altsetting + 1) * sizeof *alts);
			if (!alts) {
				rc = LIBUSB_ERROR_NO_MEM;
				goto fail;
			}
			in->altsetting = alts;
			alt = &alts[in->num_altsetting++];
			memset(alt, 0, sizeof *alt);
			alt->bLength = d[0];
			alt->bDescriptorType = d[1];
			alt->bInterfaceNumber = d[2];
			alt->bAlternateSetting = d[3];
			alt->bInterfaceClass = d[5];
			alt->bInterfaceSubClass = d[6];
			alt->bInterfaceProtocol = d[7];
			alt->iInterface = d[8];
			ep = NULL;
		} else if (d[1] == LIBUSB_DT_ENDPOINT) {
			if (d[0] < LIBUSB_DT_ENDPOINT_SIZE || !alt)
				goto fail;
			struct libusb_endpoint_descriptor *eps =
				realloc((void *)alt->endpoint, (size_t)(alt->bNumEndpoints + 1) * sizeof *eps);
			if (!eps) {
				rc = LIBUSB_ERROR_NO_MEM;
				goto fail;
			}
			alt->endpoint = eps;
			ep = &eps[alt->bNumEndpoints++];
			memset(ep, 0, sizeof *ep);
			ep->bLength = d[0];
			ep->bDescriptorType = d[1];
			ep->bEndpointAddress = d[2];
			ep->bmAttributes = d[3];
			ep->wMaxPacketSize = le16(d + 4);
			ep->bInterval = d[6];
			if (d[0] >= LIBUSB_DT_ENDPOINT_AUDIO_SIZE) {
				ep->bRefresh = d[7];
				ep->bSynchAddress = d[8];
			}
		} else {
			int e;
			if (ep)
				e = add_extra(&ep->extra, &ep->extra_length, d, d[0]);
			else if (alt)
				e = add_extra(&alt->extra, &alt->extra_length, d, d[0]);
			else
				e = add_extra(&c->extra, &c->extra_length, d, d[0]);
			if (e) {
				rc = e;
				goto fail;
			}
		}
		off += d[0];
	}
	if (nif < want)
		c->bNumInterfaces = (uint8_t)nif; /* libusb too stops at what is there */
	*out = c;
	return 0;
fail:
	/* bNumInterfaces counts the interfaces filled so far: free walks them. */
	usbip_free_config(c);
	return rc;
}

enum libusb_transfer_status usbip_status_to_libusb(int32_t status)
{
	switch (-status) {
	case 0:
	case EREMOTEIO: /* short packet under URB_SHORT_NOT_OK: libusb completes */
		return LIBUSB_TRANSFER_COMPLETED;
	case EPIPE:
		return LIBUSB_TRANSFER_STALL;
	case EOVERFLOW:
		return LIBUSB_TRANSFER_OVERFLOW;
	case ECONNRESET:
	case ENOENT:
		return LIBUSB_TRANSFER_CANCELLED;
	case ETIMEDOUT:
	case ETIME:
		return LIBUSB_TRANSFER_TIMED_OUT;
	case ENODEV:
	case ESHUTDOWN:
		return LIBUSB_TRANSFER_NO_DEVICE;
	default:
		return LIBUSB_TRANSFER_ERROR;
	}
}
