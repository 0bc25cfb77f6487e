package stlink

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/link"
)

// OpenInfo is what discovery knows of the probe behind a Link.
type OpenInfo struct {
	PID     uint16 // USB product ID; 0 = take it from the GET_VERSION reply
	Serial  string // as read from USB; normalised with NormalizeSerial
	Port    string // physical path, usb:BUS-PORT.PORT…
	Product string // USB product string
	Logger  *slog.Logger
}

// Probe is an opened ST-Link. It implements drivers.Probe, VoltageSensor,
// Resetter, MemoryAccess and CoreControl; DAP register access is offered
// by DAP() on firmware that has it. Methods are safe for concurrent use
// (they take turns on the Link). Close must be called; it closes the Link.
type Probe struct {
	mu      sync.Mutex
	link    link.Link
	id      drivers.Identity
	version Version
	log     *slog.Logger
	sleep   func(context.Context, time.Duration) error

	connected bool
	clockKHz  uint32 // SWD clock in force; 0 = the probe's unchanged default
	tarBlock  uint32 // TAR auto-increment window in bytes (1 KiB or 4 KiB)
	apOpen    [256]bool
	// outOfStep is set once a transfer failed mid-command: every later
	// command fails with it until the probe is reopened.
	outOfStep error

	clock func() time.Duration // link.ClockOf the Link
}

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

// Probe modes reported by GET_CURRENT_MODE (probes.md §2.2; OpenOCD
// STLINK_DEV_*_MODE).
const (
	modeDFU        = 0x00
	modeMass       = 0x01
	modeDebug      = 0x02
	modeSWIM       = 0x03
	modeBootloader = 0x04
)

var (
	_ drivers.Probe         = (*Probe)(nil)
	_ drivers.VoltageSensor = (*Probe)(nil)
	_ drivers.Resetter      = (*Probe)(nil)
	_ drivers.MemoryAccess  = (*Probe)(nil)
	_ drivers.CoreControl   = (*Probe)(nil)
	_ drivers.Timed         = (*Probe)(nil)
)

// Open identifies the ST-Link on l and brings it to idle: it reads the
// firmware version (GET_VERSION, and GET_VERSION_EX on V3), then leaves
// DFU, SWIM or a stale debug session (GET_CURRENT_MODE, then DFU EXIT /
// SWIM EXIT / DEBUG EXIT). Mass-storage and bootloader modes need no exit:
// entering SWD leaves them (OpenOCD stlink_usb_exit_mode). Open takes
// ownership of l: on error l is closed, on success Probe.Close closes it.
func Open(ctx context.Context, l link.Link, info OpenInfo) (*Probe, error) {
	p := &Probe{link: l, log: info.Logger, sleep: sleepCtx, tarBlock: 1024, clock: link.ClockOf(l)}
	if p.log == nil {
		p.log = slog.Default()
	}
	if err := p.open(ctx, info); err != nil {
		l.Close()
		return nil, err
	}
	return p, nil
}

func (p *Probe) open(ctx context.Context, info OpenInfo) error {
	v, err := p.readVersion(ctx)
	if err != nil {
		return err
	}
	p.version = v
	switch {
	case v.Major < 2:
		return fmt.Errorf("stlink: ST-Link V%d (firmware %s) is not supported: it speaks the old SCSI framing", v.Major, v)
	case v.JTAG == 0:
		return fmt.Errorf("stlink: firmware %s has no SWD/JTAG support (an STM8-only SWIM build): install the STM32 debug firmware", v)
	}
	pid := info.PID
	if pid == 0 {
		pid = v.PID
	}
	kind, ok := KindForPID(pid)
	if !ok {
		return fmt.Errorf("stlink: product ID %04x is not a known ST-Link", pid)
	}
	if pid == PIDV3Loader {
		return fmt.Errorf("stlink: ST-Link V3 at %s is in its USB loader (firmware update mode): replug it or finish the update", info.Port)
	}
	p.id = drivers.Identity{
		Kind: kind, VID: VID, PID: pid,
		Serial:   NormalizeSerial(info.Serial),
		Port:     info.Port,
		Product:  info.Product,
		Firmware: v.String(),
	}
	if err := p.leaveMode(ctx); err != nil {
		return err
	}
	p.log.Debug("stlink: opened", "serial", p.id.Serial, "firmware", p.id.Firmware, "kind", kind)
	return nil
}

func (p *Probe) readVersion(ctx context.Context) (Version, error) {
	var r [6]byte
	if err := p.xfer(ctx, "GET_VERSION", []byte{cmdGetVersion}, nil, r[:]); err != nil {
		return Version{}, err
	}
	v, err := decodeVersion(r[:])
	if err != nil || v.Major < 3 {
		return v, err
	}
	var rx [12]byte
	if err := p.xfer(ctx, "GET_VERSION_EX", []byte{cmdGetVersionEx}, nil, rx[:]); err != nil {
		return Version{}, err
	}
	return decodeVersionEx(rx[:])
}

func (p *Probe) currentMode(ctx context.Context) (byte, error) {
	var r [2]byte
	if err := p.xfer(ctx, "GET_CURRENT_MODE", []byte{cmdGetMode}, nil, r[:]); err != nil {
		return 0, err
	}
	return r[0], nil
}

// leaveMode exits DFU, SWIM or debug mode. The exit commands have no reply.
func (p *Probe) leaveMode(ctx context.Context) error {
	mode, err := p.currentMode(ctx)
	if err != nil {
		return err
	}
	var exit []byte
	var name string
	switch mode {
	case modeDFU:
		exit, name = []byte{cmdDFU, dfuExit}, "DFU_EXIT"
	case modeDebug:
		exit, name = []byte{cmdDebug, dbgExit}, "DEBUG_EXIT"
	case modeSWIM:
		exit, name = []byte{cmdSWIM, swimExit}, "SWIM_EXIT"
	case modeMass, modeBootloader:
		return nil
	default:
		return fmt.Errorf("stlink: GET_CURRENT_MODE answered unknown mode 0x%02x", mode)
	}
	p.log.Debug("stlink: leaving mode", "mode", mode, "command", name)
	if err := p.xfer(ctx, name, exit, nil, nil); err != nil {
		return err
	}
	if mode != modeDFU {
		return nil
	}
	// A probe that stays in DFU cannot debug; say so now rather than fail
	// obscurely at the first debug command.
	after, err := p.currentMode(ctx)
	if err != nil {
		return err
	}
	if after == modeDFU {
		return fmt.Errorf("stlink: probe %s stays in DFU mode after DFU_EXIT: replug it", p.id.Serial)
	}
	return nil
}

// Identity describes the probe; Firmware is Version().String().
func (p *Probe) Identity() drivers.Identity { return p.id }

// Version is the decoded firmware version.
func (p *Probe) Version() Version { return p.version }

// Close leaves debug mode (best effort) and closes the Link.
func (p *Probe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.connected {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if err := p.disconnect(ctx); err != nil {
			p.log.Debug("stlink: leaving debug mode on close", "err", err)
		}
		cancel()
	}
	if err := p.link.Close(); err != nil {
		return fmt.Errorf("stlink: closing link: %w", err)
	}
	return nil
}
