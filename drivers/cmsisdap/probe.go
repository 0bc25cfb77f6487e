package cmsisdap

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/link"
)

// Default transfer settings; the reference firmware's own WAIT default is
// 100 retries, and value-match polling needs enough retries per round
// trip to save USB time without holding the probe for long.
const (
	DefaultWaitRetry  = 100
	DefaultMatchRetry = 100
	DefaultClockHz    = 1_000_000
	// maxInFlight caps the commands kept outstanding even when the probe
	// announces more buffers, as OpenOCD does, so a failure leaves little
	// already queued behind it.
	maxInFlight = 4
)

// OpenInfo says what the caller knows of the probe before talking to it.
type OpenInfo struct {
	Kind     drivers.Kind // drivers.CMSISDAPv1 (HID) or drivers.CMSISDAPv2 (bulk)
	VID, PID uint16
	Serial   string // from the USB descriptor; DAP_Info's serial when empty
	Port     string
	Product  string
	// ReportSize is, for v1, the HID interrupt OUT endpoint's
	// wMaxPacketSize: the report size used until DAP_Info says (64 when
	// 0; Atmel EDBG uses 512, OpenOCD cmsis_dap_hid.c).
	ReportSize int
	// WaitRetry and MatchRetry configure DAP_TransferConfigure; 0 means
	// the defaults above.
	WaitRetry, MatchRetry uint16
	// CommandTimeout bounds each command's round trip (write and reply);
	// 0 means DefaultCommandTimeout. A probe that misses it is hung: the
	// error wraps link.ErrTimeout, a station fault.
	CommandTimeout time.Duration
	Logger         *slog.Logger
}

// Probe is an opened CMSIS-DAP probe. It is safe for use by several
// goroutines; calls are serialised.
type Probe struct {
	mu  sync.Mutex
	t   *transport
	id  drivers.Identity
	log *slog.Logger

	caps                  uint16
	packetCount           int
	waitRetry, matchRetry uint16

	// DAP state the driver tracks to save transfers.
	selectOK  bool
	selectVal uint32
	maskOK    bool
	maskVal   uint32

	clock func() time.Duration // link.ClockOf the Link
}

var (
	_ drivers.Probe     = (*Probe)(nil)
	_ drivers.DAPAccess = (*Probe)(nil)
	_ drivers.Resetter  = (*Probe)(nil)
	_ drivers.Timed     = (*Probe)(nil)
)

// Now is the probe's clock (drivers.Timed): modeled time on a simulated
// Link, wall time otherwise.
func (p *Probe) Now() time.Duration {
	if p.clock == nil {
		return time.Since(epoch)
	}
	return p.clock()
}

// epoch is the origin of Now on a Probe built without Open (tests).
var epoch = time.Now()

// Open queries the probe (capabilities, packet size and count, serial,
// firmware) over l. The Probe owns l from here: Close closes it.
func Open(ctx context.Context, l link.Link, info OpenInfo) (*Probe, error) {
	var v1 bool
	switch info.Kind {
	case drivers.CMSISDAPv1:
		v1 = true
	case drivers.CMSISDAPv2:
	default:
		return nil, fmt.Errorf("cmsisdap: open: kind %q is not a CMSIS-DAP probe", info.Kind)
	}
	p := &Probe{
		t:          newTransport(l, v1),
		clock:      link.ClockOf(l),
		log:        info.Logger,
		waitRetry:  info.WaitRetry,
		matchRetry: info.MatchRetry,
		id: drivers.Identity{Kind: info.Kind, VID: info.VID, PID: info.PID,
			Serial: info.Serial, Port: info.Port, Product: info.Product},
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	if v1 && info.ReportSize > hidReportSize {
		p.t.wbuf = make([]byte, info.ReportSize)
		p.t.packetSize = info.ReportSize
	}
	if p.waitRetry == 0 {
		p.waitRetry = DefaultWaitRetry
	}
	if p.matchRetry == 0 {
		p.matchRetry = DefaultMatchRetry
	}
	if info.CommandTimeout > 0 {
		p.t.cmdTimeout = info.CommandTimeout
	}
	// Replies a previous user left unread would be taken for ours.
	n, err := p.t.flush(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		p.log.Debug("cmsisdap: flushed stale replies at open", "count", n, "port", info.Port)
	}
	if err := p.queryInfo(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Probe) info(ctx context.Context, id byte) ([]byte, error) {
	resp, err := p.t.exchange(ctx, encodeInfo(id))
	if err != nil {
		return nil, err
	}
	return decodeInfo(id, resp)
}

func (p *Probe) queryInfo(ctx context.Context) error {
	b, err := p.info(ctx, infoCapabilities)
	if err != nil {
		return err
	}
	if p.caps, err = infoCapabilitiesValue(b); err != nil {
		return err
	}
	if p.caps&CapSWD == 0 {
		return fmt.Errorf("cmsisdap: probe %s does not offer SWD (capabilities 0x%x): %w", p.id.Serial, p.caps, ErrUnsupported)
	}
	if b, err = p.info(ctx, infoPacketSize); err != nil {
		return err
	}
	size, err := infoPacketSizeValue(b)
	if err != nil {
		return err
	}
	if b, err = p.info(ctx, infoPacketCount); err != nil {
		return err
	}
	if p.packetCount, err = infoPacketCountValue(b); err != nil {
		return err
	}
	p.t.setPacketSize(size)
	p.t.inFlight = min(p.packetCount, maxInFlight)
	if p.id.Serial == "" {
		if b, err = p.info(ctx, infoSerial); err != nil {
			return err
		}
		p.id.Serial = infoString(b)
	}
	if b, err = p.info(ctx, infoFirmware); err != nil {
		return err
	}
	p.id.Firmware = infoString(b)
	if p.id.Firmware == "" {
		// Older firmware has no 0x09 item; the protocol version is the
		// next best thing to show.
		if b, err = p.info(ctx, infoProtocol); err != nil {
			return err
		}
		p.id.Firmware = infoString(b)
	}
	p.log.Debug("cmsisdap: opened", "serial", p.id.Serial, "firmware", p.id.Firmware,
		"packet_size", p.t.packetSize, "packet_count", p.packetCount, "caps", p.caps)
	return nil
}

// Identity reports what was learnt at Open.
func (p *Probe) Identity() drivers.Identity { return p.id }

// PacketSize is the largest command or reply, in bytes.
func (p *Probe) PacketSize() int { return p.t.packetSize }

// PacketCount is the number of command buffers the probe announced.
func (p *Probe) PacketCount() int { return p.packetCount }

// Capabilities is DAP_Info 0xF0 (CapSWD, CapJTAG, …).
func (p *Probe) Capabilities() uint16 { return p.caps }

// Close releases the Link.
func (p *Probe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.t.l.Close(); err != nil {
		return fmt.Errorf("cmsisdap: close: %w", err)
	}
	return nil
}
