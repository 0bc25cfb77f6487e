package stlink

import (
	"errors"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/drivers"
)

func TestDAPNeedsJ24(t *testing.T) {
	p, pb, _ := openScript(t, openV2J17)
	d, err := p.DAP()
	want := "stlink: DAP register access needs ST-Link firmware V2J24 or newer; this probe has V2J17"
	if d != nil || err == nil || err.Error() != want {
		t.Fatalf("DAP() = %v, %v; want %q", d, err, want)
	}
	var fe *FeatureError
	if !errors.As(err, &fe) || fe.Need != "V2J24" || fe.Have != "V2J17" || !errors.Is(err, ErrUnsupported) {
		t.Errorf("err = %#v", err)
	}
	if _, ok := any(p).(drivers.DAPAccess); ok {
		t.Error("Probe claims drivers.DAPAccess by type; it must go through DAP()")
	}
	done(t, pb)
}

func TestDAPAccess(t *testing.T) {
	p, pb, s := connected(t, openV2J37+connectV2J37+`
> f2 45 ff ff 04 00 ..16                 # read DP CTRL/STAT
< 80 00 00 00 00 00 00 f0
> f2 46 ff ff 04 00 00 00 00 50 ..16     # write CTRL/STAT, CORUNDETECT dropped
< 80 00
> f2 4b 01 ..16                          # first access to AP 1 opens it
< 80 00
> f2 45 01 00 fc 00 ..16                 # read AP1 IDR
< 80 00 00 00 11 00 77 24
> f2 46 00 00 04 00 00 00 00 20 ..16     # write AP0 TAR
< 80 00
> f2 45 00 00 0c 00 ..16                 # match poll: first miss
< 80 00 00 00 00 00 00 00
> f2 45 00 00 0c 00 ..16                 # then hit
< 80 00 00 00 01 00 00 00
> f2 45 00 00 0c 00 ..16                 # block read, two words
< 80 00 00 00 aa 00 00 00
> f2 45 00 00 0c 00 ..16
< 80 00 00 00 bb 00 00 00
> f2 45 ff ff 24 00 ..16                 # banked DP read (bank 2), J32+
< 80 00 00 00 27 29 00 01
`)
	d, err := p.DAP()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if v, err := d.ReadDP(ctx, 0x4); err != nil || v != 0xF0000000 {
		t.Fatalf("ReadDP = %08x, %v", v, err)
	}
	if err := d.WriteDP(ctx, 0x4, 0x50000001); err != nil {
		t.Fatal(err)
	}
	if v, err := d.ReadAP(ctx, 1, 0xFC); err != nil || v != 0x24770011 {
		t.Fatalf("ReadAP = %08x, %v", v, err)
	}
	var got uint32
	err = d.Batch(ctx, []drivers.DAPOp{
		{AP: true, Addr: 0x04, Write: true, Value: 0x20000000},
		{AP: true, Addr: 0x0C, Result: &got, Match: &drivers.Match{Mask: 1, Value: 1}},
	})
	if err != nil || got != 1 || len(*s) != 1 {
		t.Fatalf("Batch = %v, got %08x after %d polls", err, got, len(*s))
	}
	words := make([]uint32, 2)
	if err := d.BlockRead(ctx, 0, 0x0C, words); err != nil || words[0] != 0xaa || words[1] != 0xbb {
		t.Fatalf("BlockRead = %x, %v", words, err)
	}
	if v, err := d.ReadDP(ctx, 0x24); err != nil || v != 0x01002927 {
		t.Fatalf("banked ReadDP = %08x, %v", v, err)
	}
	done(t, pb)
}

func TestDAPBankedNeedsJ32(t *testing.T) {
	p, pb, _ := connected(t, `
> f1 ..16
< 26 07 83 04 48 37        # V2 J24 S7
> f5 ..16
< 01 00
> f2 43 01 00 ..16
< 80 00
> f2 30 a3 ..16
< 80 00
> f2 31 ..16
< 80 00 00 00 77 14 a0 1b 00 00 00 00
> f2 07 00 ed 00 e0 04 00 ..16
< 31 c2 1f 41
> f2 3e ..16
< 80 ..12
> f2 45 00 00 fc 00 ..16     # J24 has no INIT_AP: straight to the AP
< 80 00 00 00 11 00 77 24
`)
	d, err := p.DAP()
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.ReadDP(t.Context(), 0x24)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "banked DP register access needs ST-Link firmware V2J32 or newer; this probe has V2J24 (DP register 0x04 in bank 2)") {
		t.Errorf("banked ReadDP = %v", err)
	}
	if _, err := d.ReadAP(t.Context(), 0, 0xFC); err != nil {
		t.Error(err)
	}
	done(t, pb)
}

func TestDAPFaultNamesRegister(t *testing.T) {
	p, pb, _ := connected(t, openV2J37+connectV2J37+`
> f2 4b 05 ..16
< 1d 00
`)
	d, _ := p.DAP()
	_, err := d.ReadAP(t.Context(), 5, 0xFC)
	if err == nil || !strings.Contains(err.Error(), "stlink: INIT_AP 5: target answered FAULT (BAD_AP 0x1d): no such access port on this target") {
		t.Errorf("err = %v", err)
	}
	done(t, pb)
}
