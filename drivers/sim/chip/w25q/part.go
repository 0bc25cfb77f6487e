package w25q

import (
	"encoding/binary"
	"time"
)

// Part is one member of the W25Q..JV family: the facts that differ between
// densities. The command set, status registers and page/sector geometry
// are the family's.
type Part struct {
	Name string
	Size uint32 // bytes
	// Capacity is the third JEDEC ID byte (9Fh), DeviceID the byte 90h and
	// ABh return.
	Capacity, DeviceID byte
	// Typical times (the datasheets' §9.6 "typ" column).
	PageProgram, SectorErase, Block32Erase, Block64Erase, ChipErase, WriteStatus time.Duration
}

// W25Q16JV: 16 Mbit (W25Q16JV datasheet rev. H: JEDEC EF 40 15, device ID
// 14h; tPP 0.4 ms, tSE 45 ms, tBE1 120 ms, tBE2 150 ms, tCE 5 s, tW 10 ms).
var W25Q16JV = Part{
	Name: "W25Q16JV", Size: 2 << 20, Capacity: 0x15, DeviceID: 0x14,
	PageProgram: TimePageProgram, SectorErase: TimeSectorErase, Block32Erase: TimeBlock32,
	Block64Erase: TimeBlock64, ChipErase: TimeChipErase, WriteStatus: 10 * time.Millisecond,
}

// W25Q64JV: 64 Mbit, the WeAct STM32H750 board's QSPI flash (W25Q64JV
// datasheet rev. I, Nov 2017: JEDEC EF 40 17, device ID 16h (§8.2.27,
// §8.2.30); tPP 0.4 ms, tSE 45 ms, tBE1 120 ms, tBE2 150 ms, tCE 20 s,
// tW 10 ms (§9.6)).
var W25Q64JV = Part{
	Name: "W25Q64JV", Size: 8 << 20, Capacity: 0x17, DeviceID: 0x16,
	PageProgram: 400 * time.Microsecond, SectorErase: 45 * time.Millisecond, Block32Erase: 120 * time.Millisecond,
	Block64Erase: 150 * time.Millisecond, ChipErase: 20 * time.Second, WriteStatus: 10 * time.Millisecond,
}

// Release from power-down and entering it (tRES1, tDP: 3 µs on both parts).
const (
	TimePowerDown = 3 * time.Microsecond
	TimeRelease   = 3 * time.Microsecond
)

// sfdp builds the part's Serial Flash Discoverable Parameters (JESD216,
// read by 5Ah): the SFDP header (signature "SFDP", revision 1.5, one
// parameter header), the JEDEC Basic Flash Parameter header (ID 00h,
// revision 1.5, 16 DWORDs at 0x80) and the first nine DWORDs of the basic
// table: 4 KiB erase by 20h, 3-byte addressing, 1-1-2/1-2-2/1-4-4/1-1-4
// fast reads, the density as bits-1, the fast read opcodes and dummy
// clocks of each mode (EBh 6 clocks incl. mode bits, 6Bh 8, BBh 4, 3Bh 8),
// and the erase types 4/32/64 KiB (20h, 52h, D8h). Bytes past the table
// read FFh, as unused SFDP space does.
func (p Part) sfdp() []byte {
	t := make([]byte, 0x100)
	for i := range t {
		t[i] = 0xFF
	}
	copy(t[0:], []byte{'S', 'F', 'D', 'P', 0x05, 0x01, 0x00, 0xFF})
	// Parameter header 0: ID LSB, minor, major, length in DWORDs, pointer (3 bytes), ID MSB.
	copy(t[8:], []byte{0x00, 0x05, 0x01, 0x10, 0x80, 0x00, 0x00, 0xFF})
	dw := []uint32{
		// DWORD1: block/sector erase 01b (4 KiB), write granularity 64+ bytes
		// (bit 2), 4 KiB erase opcode 20h, 1-1-2 (bit 16), 3-byte address
		// (bits 18:17 = 00), 1-2-2 (bit 20), 1-4-4 (bit 21), 1-1-4 (bit 22),
		// reserved bits 1.
		0xFF<<24 | 1<<23 | 1<<22 | 1<<21 | 1<<20 | 1<<16 | 0x20<<8 | 0xE0 | 1<<2 | 0x01,
		p.Size*8 - 1, // DWORD2: density in bits, minus one
		// DWORD3: 1-4-4 EBh with 2 mode + 4 dummy clocks; 1-1-4 6Bh, 0 mode + 8 dummy.
		0x6B<<24 | 0x08<<16 | 0xEB<<8 | 2<<5 | 4,
		// DWORD4: 1-1-2 3Bh 0 mode + 8 dummy; 1-2-2 BBh 4 mode clocks (M7-0 on two lines), 0 dummy.
		0xBB<<24 | 4<<21 | 0<<16 | 0x3B<<8 | 8,
		0xFFFFFFEE, // DWORD5: no 2-2-2 or 4-4-4 (QPI) fast read
		0xFFFFFFFF, // DWORD6: 2-2-2 unsupported
		0xFFFFFFFF, // DWORD7: 4-4-4 unsupported
		// DWORD8: erase type 1 = 4 KiB (2^12) by 20h, type 2 = 32 KiB (2^15) by 52h.
		0x52<<24 | 15<<16 | 0x20<<8 | 12,
		// DWORD9: erase type 3 = 64 KiB (2^16) by D8h, type 4 unused.
		0x00<<24 | 0<<16 | 0xD8<<8 | 16,
	}
	for i, v := range dw {
		binary.LittleEndian.PutUint32(t[0x80+4*i:], v)
	}
	return t
}
