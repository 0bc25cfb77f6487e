package stm32x

// Lane picks the bytes an access of size bytes at off sees in the 32-bit
// word w holding them (little-endian, as the AHB presents them).
func Lane(w, off uint32, size int) uint32 {
	switch size {
	case 1:
		return (w >> ((off & 3) * 8)) & 0xFF
	case 2:
		return (w >> ((off & 2) * 8)) & 0xFFFF
	}
	return w
}

// Merge is the register value a write of size bytes (v in its low bits)
// at off leaves in the 32-bit register that read old.
func Merge(old, off uint32, size int, v uint32) uint32 {
	if size == 4 {
		return v
	}
	sh := (off & 3) * 8
	mask := uint32(1)<<(uint(size)*8) - 1
	return old&^(mask<<sh) | (v&mask)<<sh
}
