// Package firmware loads firmware images (raw binary, Intel HEX, ELF32 ARM and
// UF2) into one normalized form: segments sorted by absolute address, adjacent
// segments merged, overlapping bytes checked, and a SHA-256 that depends only on
// which bytes sit at which addresses, not on the file format.
//
// Formats and the references they follow:
//
//   - Intel HEX: "Hexadecimal Object File Format Specification", Intel, rev. A
//     (1988). Record types 00 data, 01 end of file, 02 extended segment address
//     (base = value·16), 03 start segment address (CS:IP), 04 extended linear
//     address (base = value·65536), 05 start linear address (EIP). Each record's
//     bytes, checksum included, sum to 0 modulo 256.
//   - ELF: System V ABI "gABI" chapter 4 (ELF header, e_ident) and chapter 5
//     (program headers, PT_LOAD), and ARM IHI 0044 "ELF for the Arm
//     Architecture" (EM_ARM = 40). A PT_LOAD segment's bytes are placed at
//     p_paddr, its load address: initialised .data has its run address
//     (p_vaddr) in RAM but is stored in flash, which is what a programmer writes.
//     Only p_filesz bytes are image content; the rest of p_memsz (.bss) is not.
//   - UF2: Microsoft UF2 specification (github.com/microsoft/uf2, README and
//     uf2.h): 512-byte little-endian blocks, magics 0x0A324655 and 0x9E5D5157 at
//     +0 and +4 and 0x0AB16F30 at +508, flags at +8 (0x1 not main flash,
//     0x1000 file container, 0x2000 family id present), target address +12,
//     payload size +16 (at most 476), block number +20, block count +24,
//     family id +28, payload from +32. RP2040's family id is 0xE48BFF56
//     (pico-sdk boot/uf2.h); its bootrom wants 256-byte payloads at 256-byte
//     aligned flash addresses, which [Image.Align] and [EncodeUF2] can produce.
//   - Raw binary: the bytes as they are, placed at a base address the caller
//     supplies.
//
// Parse never keeps a reference to the caller's bytes, and never allocates
// more than a small multiple of the input: counts and sizes read from a file
// are checked against the file's length before they size anything. Load
// streams Intel HEX from the file, so loading a HEX allocates about 1.4 times
// the image, not the nearly 3 times larger text.
//
// Every problem with a file is an *Error naming the file and the place:
// "fw.hex:12: checksum 0x3C, want 0x3D", "fw.uf2: block 7 (offset 3584): bad
// magic …", "fw.elf: offset 18: machine x86-64 not supported (want ARM)".
package firmware
