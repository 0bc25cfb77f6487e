package stlink

import (
	"errors"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/drivers"
)

func TestOpenIdentity(t *testing.T) {
	p, pb, _ := openScript(t, openV2J37)
	id := p.Identity()
	want := drivers.Identity{Kind: drivers.STLinkV2, VID: 0x0483, PID: 0x3748,
		Serial: "57FF72067265575742132067", Port: "usb:1-2", Firmware: "V2J37S7"}
	if id != want {
		t.Errorf("Identity = %+v, want %+v", id, want)
	}
	done(t, pb)
}

func TestOpenV3(t *testing.T) {
	p, pb, _ := openScript(t, `
> f1 ..16
< 30 00 83 04 4f 37          # major 3, x = y = 0: ask GET_VERSION_EX
> fb ..16
< 03 00 07 03 00 00 00 00 83 04 4f 37
> f5 ..16
< 02 00                      # stale debug session
> f2 21 ..16                 # DEBUG EXIT, no reply
`)
	if got := p.Identity().Firmware; got != "V3J7M3" {
		t.Errorf("Firmware = %q, want V3J7M3", got)
	}
	if p.Identity().Kind != drivers.STLinkV3 {
		t.Errorf("Kind = %q", p.Identity().Kind)
	}
	done(t, pb)
}

func TestOpenLeavesModes(t *testing.T) {
	tests := []struct {
		name   string
		script string
	}{
		{"DFU", `> f5 ..16
< 00 00
> f3 07 ..16                 # DFU EXIT
> f5 ..16
< 01 00`},
		{"SWIM", `> f5 ..16
< 03 00
> f4 01 ..16                 # SWIM EXIT`},
		{"debug", `> f5 ..16
< 02 00
> f2 21 ..16`},
		{"bootloader", `> f5 ..16
< 04 00`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, pb, _ := openScript(t, "> f1 ..16\n< 29 47 83 04 48 37\n"+tc.script)
			done(t, pb)
		})
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name   string
		info   OpenInfo
		script string
		want   string
	}{
		{"stuck in DFU", OpenInfo{Serial: "X"}, `> f1 ..16
< 29 47 83 04 48 37
> f5 ..16
< 00 00
> f3 07 ..16
> f5 ..16
< 00 00`, "stlink: probe X stays in DFU mode after DFU_EXIT: replug it"},
		{"unknown mode", OpenInfo{}, `> f1 ..16
< 29 47 83 04 48 37
> f5 ..16
< 09 00`, "stlink: GET_CURRENT_MODE answered unknown mode 0x09"},
		{"STM8 firmware", OpenInfo{}, `> f1 ..16
< 25 87 83 04 4b 37`, "stlink: firmware V2M22S7 has no SWD/JTAG support"},
		{"V1", OpenInfo{}, `> f1 ..16
< 1a 40 83 04 44 37`, "stlink: ST-Link V1 (firmware V1J41S0) is not supported"},
		{"unknown PID", OpenInfo{}, `> f1 ..16
< 29 47 83 04 99 37`, "stlink: product ID 3799 is not a known ST-Link"},
		{"V3 loader", OpenInfo{PID: 0x374d, Port: "usb:1-4"}, `> f1 ..16
< 30 00 83 04 4d 37
> fb ..16
< 03 00 07 03 00 00 00 00 83 04 4d 37`, "stlink: ST-Link V3 at usb:1-4 is in its USB loader"},
		{"short reply", OpenInfo{}, `> f1 ..16
< 29 47 83
< timeout`, "stlink: GET_VERSION: reading reply (3 of 6 bytes in)"},
		{"unplugged", OpenInfo{}, `> disconnected`, "stlink: GET_VERSION: sending 16 bytes: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pb := playback(t, tc.script)
			tc.info.Logger = quiet()
			_, err := Open(t.Context(), pb, tc.info)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open err = %v, want %q", err, tc.want)
			}
			done(t, pb)
			if _, werr := pb.Write(t.Context(), []byte{0}); werr == nil {
				t.Error("Open failed but left the link open")
			}
		})
	}
}

func TestConnectV2(t *testing.T) {
	p, pb, _ := openScript(t, openV2J37+connectV2J37+`
> f2 21 ..16                 # Disconnect: DEBUG EXIT
`)
	dpidr, err := p.Connect(t.Context(), drivers.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if dpidr != 0x1BA01477 {
		t.Errorf("DPIDR = %08x, want 1BA01477", dpidr)
	}
	if p.tarBlock != 4096 || p.ClockKHz() != 1800 {
		t.Errorf("TAR block %d, clock %d kHz; want 4096, 1800", p.tarBlock, p.ClockKHz())
	}
	if err := p.Disconnect(t.Context()); err != nil {
		t.Fatal(err)
	}
	done(t, pb)
}

func TestConnectClockV2(t *testing.T) {
	tests := []struct {
		hz      uint32
		divisor string
		khz     uint32
	}{
		{4_000_000, "00 00", 4000},
		{24_000_000, "00 00", 4000},
		{1_000_000, "03 00", 950},
		{100_000, "28 00", 100},
		{5_000, "1e 03", 5},
		{1_000, "1e 03", 5}, // below the table: the slowest
	}
	for _, tc := range tests {
		p, pb, _ := openScript(t, openV2J37+`> f2 43 `+tc.divisor+` ..16
< 80 00
`+strings.SplitN(connectV2J37, "\n", 4)[3])
		if _, err := p.Connect(t.Context(), drivers.ConnectOptions{ClockHz: tc.hz}); err != nil {
			t.Fatalf("%d Hz: %v", tc.hz, err)
		}
		if p.ClockKHz() != tc.khz {
			t.Errorf("%d Hz: clock %d kHz, want %d", tc.hz, p.ClockKHz(), tc.khz)
		}
		done(t, pb)
	}
}

func TestConnectOldFirmware(t *testing.T) {
	p, pb, _ := openScript(t, openV2J17+connectV2J17)
	if _, err := p.Connect(t.Context(), drivers.ConnectOptions{ClockHz: 4_000_000}); err != nil {
		t.Fatal(err)
	}
	if p.tarBlock != 1024 || p.ClockKHz() != 1800 {
		t.Errorf("TAR block %d, clock %d; want 1024, 1800", p.tarBlock, p.ClockKHz())
	}
	done(t, pb)
}

func TestConnectV3(t *testing.T) {
	p, pb, _ := openScript(t, `
> f1 ..16
< 30 00 83 04 4f 37
> fb ..16
< 03 00 07 03 00 00 00 00 83 04 4f 37
> f5 ..16
< 01 00
> f2 62 00 ..16              # GET_COM_FREQ SWD
< 80 00 00 00 08 07 00 00 03 00 00 00 c0 5d 00 00 40 1f 00 00 e4 0c 00 00 ..52
> f2 61 00 00 e4 0c 00 00 ..16   # SET_COM_FREQ 3300 kHz
< 80 00 00 00 e4 0c 00 00
> f2 30 a3 ..16
< 80 00
> f2 4b 00 ..16
< 80 00
> f2 31 ..16
< 80 00 00 00 77 14 a0 2b 00 00 00 00
> f2 07 00 ed 00 e0 04 00 ..16
< 41 c2 0f 41
> f2 3e ..16
< 80 ..12
`)
	dpidr, err := p.Connect(t.Context(), drivers.ConnectOptions{ClockHz: 4_000_000})
	if err != nil {
		t.Fatal(err)
	}
	if dpidr != 0x2BA01477 || p.ClockKHz() != 3300 || p.tarBlock != 4096 {
		t.Errorf("DPIDR %08x clock %d TAR %d; want 2BA01477, 3300, 4096", dpidr, p.ClockKHz(), p.tarBlock)
	}
	done(t, pb)
}

func TestConnectUnderReset(t *testing.T) {
	p, pb, _ := openScript(t, openV2J37+`
> f2 43 01 00 ..16
< 80 00
> f2 3c 00 ..16              # nRESET low before entering
< 80 00
> f2 30 a3 ..16
< 80 00
> f2 3c 00 ..16              # and again, now the probe knows its pin
< 80 00
> f2 4b 00 ..16
< 80 00
> f2 31 ..16
< 80 00 00 00 77 14 a0 1b 00 00 00 00
> f2 07 00 ed 00 e0 04 00 ..16
< 31 c2 1f 41
> f2 3e ..16
< 80 ..12
> f2 35 f0 ed 00 e0 03 00 5f a0 ..16   # DHCSR halt
< 80 00
> f2 3c 01 ..16              # release nRESET
< 80 00
`)
	if _, err := p.Connect(t.Context(), drivers.ConnectOptions{UnderReset: true}); err != nil {
		t.Fatal(err)
	}
	done(t, pb)
}

func TestConnectNoTarget(t *testing.T) {
	tests := []struct {
		name, script, want string
	}{
		{"DPIDR 0", `> f2 31 ..16
< 80 00 00 00 00 00 00 00 00 00 00 00
> f7 ..16
< 00 06 00 00 00 00 00 00`, "stlink: no target answers: is a board seated in this slot and powered? (target voltage 0.00 V): reading the DP IDCODE: DPIDR reads 0"},
		{"DP error", `> f2 31 ..16
< 16 00 00 00 00 00 00 00 00 00 00 00
> f7 ..16
< 00 06 00 00 80 07 00 00`, "stlink: no target answers: is a board seated in this slot and powered? (target voltage 3.00 V): reading the DP IDCODE: SWD_DP_ERROR 0x16"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, pb, _ := openScript(t, openV2J37+`
> f2 43 01 00 ..16
< 80 00
> f2 30 a3 ..16
< 80 00
> f2 4b 00 ..16
< 80 00
`+tc.script)
			_, err := p.Connect(t.Context(), drivers.ConnectOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrNoTarget) {
				t.Fatalf("Connect err = %v, want ErrNoTarget containing %q", err, tc.want)
			}
			done(t, pb)
		})
	}
}

func TestConnectRefusals(t *testing.T) {
	sel := uint32(0x01002927)
	for _, tc := range []struct {
		opts drivers.ConnectOptions
		want string
	}{
		{drivers.ConnectOptions{Protocol: drivers.JTAG}, "stlink: jtag is not supported by this driver; connect with SWD"},
		{drivers.ConnectOptions{TargetSel: &sel}, "stlink: ST-Link cannot select a multidrop SWD target (TARGETSEL 0x01002927)"},
	} {
		p, pb, _ := openScript(t, openV2J37)
		if _, err := p.Connect(t.Context(), tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Connect err = %v, want %q", err, tc.want)
		}
		done(t, pb)
	}
}

func TestNotConnected(t *testing.T) {
	p, pb, _ := openScript(t, openV2J37)
	ctx := t.Context()
	checks := map[string]error{
		"ReadMemory32": p.ReadMemory32(ctx, 0x20000000, make([]uint32, 1)),
		"Halt":         p.Halt(ctx),
		"WriteCoreReg": p.WriteCoreReg(ctx, 0, 1),
	}
	for name, err := range checks {
		if !errors.Is(err, errNotConnected) {
			t.Errorf("%s before Connect = %v, want errNotConnected", name, err)
		}
	}
	done(t, pb)
}

func TestCloseLeavesDebugMode(t *testing.T) {
	p, pb, _ := connected(t, openV2J37+connectV2J37+"> f2 21 ..16\n")
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	done(t, pb)
}

func TestReconnectLeavesOldSession(t *testing.T) {
	p, pb, _ := connected(t, openV2J37+connectV2J37+"> f2 21 ..16\n"+connectV2J37)
	if _, err := p.Connect(t.Context(), drivers.ConnectOptions{}); err != nil {
		t.Fatal(err)
	}
	done(t, pb)
}
