package stlink

// swdDivisors maps SWD_SET_FREQ divisors to SWCLK in kHz, from the tables
// in OpenOCD (stlink_khz_to_speed_map_swd) and stlink-org (usb.c), with
// the intermediate steps pyOCD and probe-rs list (5, 9, 10, 25). Divisor 0
// is 4 MHz as OpenOCD, stlink-org and ST's tools say; pyOCD and probe-rs
// call it 4.6 MHz.
var swdDivisors = [...]struct {
	div uint16
	kHz uint32
}{
	{0, 4000}, {1, 1800}, {2, 1200}, {3, 950}, {5, 650}, {7, 480}, {9, 400},
	{10, 360}, {15, 240}, {25, 150}, {31, 125}, {40, 100}, {79, 50},
	{158, 25}, {265, 15}, {798, 5},
}

// divisorKHz is the clock a divisor gives. Divisors between the listed
// ones run at the next slower listed rate: the firmware's delay loop only
// gets slower as the divisor grows.
func divisorKHz(d uint16) uint32 {
	for _, e := range swdDivisors {
		if e.div >= d {
			return e.kHz
		}
	}
	return swdDivisors[len(swdDivisors)-1].kHz
}

// STLINK-V3 frequency tables as GET_COM_FREQ lists them, fastest first
// (at most 10 entries: OpenOCD STLINK_V3_MAX_FREQ_NB). The SWD table is
// the one V3 firmware reports in high-performance mode; 24 MHz is the
// STLINK-V3 maximum (performance.md).
var (
	v3SWDKHz  = [...]uint32{24000, 8000, 3300, 1000, 200, 50, 5}
	v3JTAGKHz = [...]uint32{21333, 16000, 12000, 8000, 6000, 4000, 2000, 1000, 500, 250}
)

// v3DefaultKHz is the SWD clock after plug-in.
const v3DefaultKHz = 1000

// pickKHz is the fastest table rate not above want, or the slowest rate
// when want is below them all.
func pickKHz(table []uint32, want uint32) uint32 {
	for _, k := range table {
		if k <= want {
			return k
		}
	}
	return table[len(table)-1]
}

// applyClock sets the wire to the SWD clock the firmware is configured for.
func (f *Firmware) applyClock() {
	if f.cfg.SWD == nil {
		return
	}
	kHz := divisorKHz(f.swdDivisor)
	if f.ver.hasComFreq() {
		kHz = f.swdKHz
	}
	f.cfg.SWD.SetClock(kHz * 1000)
}
