package stm32x

// NewUID derives a 96-bit unique ID from a per-instance seed: stable for a
// seed, different across seeds (a SplitMix64-style mix, one byte a step).
func NewUID(seed uint64) [12]byte {
	var uid [12]byte
	s := seed*0x9E3779B97F4A7C15 + 0x2545F4914F6CDD1D
	for i := range uid {
		s ^= s >> 29
		s *= 0xBF58476D1CE4E5B9
		uid[i] = byte(s >> 40)
	}
	return uid
}

// UIDWord is the little-endian word at byte offset i (0, 4 or 8) of the
// unique ID as system memory stores it.
func UIDWord(uid [12]byte, i uint32) uint32 {
	return uint32(uid[i]) | uint32(uid[i+1])<<8 | uint32(uid[i+2])<<16 | uint32(uid[i+3])<<24
}
