// Package memmap holds what every simulated chip's memory map needs: a
// router from address ranges to buses (checked linearly: a chip has a
// handful of regions and routing runs once per word, so a short slice beats
// a map), little-endian byte arrays for flash and RAM, and a RAM bus.
// Nothing here models a particular chip.
package memmap
