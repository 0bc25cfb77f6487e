package stlink

import "fmt"

// Transfer limits (probes.md §2.7; OpenOCD STLINK_MAX_RW8, STLINK_DATA_SIZE,
// STLINKV3_MAX_RW8, stlink_max_block_size).
const (
	maxRW16or32 = 6144 // the probe's data buffer
	maxRW8      = 64
	maxRW8V3    = 512 // V3 J6+
)

// chunk is one memory command: size is the access width in bytes (1, 2, 4).
type chunk struct {
	addr uint32
	off  int // byte offset into the caller's buffer
	n    int // bytes
	size int
}

// limits are what the probe and target allow per command.
type limits struct {
	max8     int    // bytes per 8-bit command
	tarBlock uint32 // TAR auto-increment window in bytes
}

// planChunks splits n bytes at addr into commands of width size. Each
// command stays within the probe's buffer (6144 bytes for 16/32-bit, 64 or
// 512 for 8-bit) and within one TAR auto-increment window, because the
// MEM-AP only guarantees increments inside that window. addr must be
// aligned to size and n a multiple of it.
func planChunks(addr uint32, n, size int, lim limits) ([]chunk, error) {
	if size != 1 && size != 2 && size != 4 {
		return nil, fmt.Errorf("stlink: access size %d bytes; want 1, 2 or 4", size)
	}
	if addr%uint32(size) != 0 {
		return nil, fmt.Errorf("stlink: address 0x%08x is not aligned to the %d-bit access", addr, size*8)
	}
	if n%size != 0 {
		return nil, fmt.Errorf("stlink: length %d bytes at 0x%08x is not a multiple of the %d-bit access", n, addr, size*8)
	}
	if n < 0 || uint64(addr)+uint64(n) > 1<<32 {
		return nil, fmt.Errorf("stlink: %d bytes at 0x%08x run past the end of the address space", n, addr)
	}
	if lim.tarBlock < 4 || lim.tarBlock&(lim.tarBlock-1) != 0 || lim.max8 <= 0 {
		return nil, fmt.Errorf("stlink: bad transfer limits (TAR block %d, 8-bit max %d)", lim.tarBlock, lim.max8)
	}
	maxLen := maxRW16or32
	if size == 1 {
		maxLen = lim.max8
	}
	var out []chunk
	for off := 0; off < n; {
		a := addr + uint32(off)
		l := min(n-off, maxLen, int(lim.tarBlock-a%lim.tarBlock))
		out = append(out, chunk{addr: a, off: off, n: l, size: size})
		off += l
	}
	return out, nil
}
