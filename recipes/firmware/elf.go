package firmware

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
)

// ELF32 layout (gABI ch. 4 and 5): header 52 bytes, program header 32 bytes.
const (
	elf32HeaderSize = 52
	elf32PhdrSize   = 32
)

// machineNames names the machines people most often hand us by mistake, in
// the words an engineer would use; others fall back to debug/elf's names.
var machineNames = map[elf.Machine]string{
	elf.EM_386:     "x86",
	elf.EM_X86_64:  "x86-64",
	elf.EM_AARCH64: "AArch64",
	elf.EM_RISCV:   "RISC-V",
	elf.EM_XTENSA:  "Xtensa",
	elf.EM_AVR:     "AVR",
	elf.EM_MIPS:    "MIPS",
}

func machineName(m elf.Machine) string {
	if s, ok := machineNames[m]; ok {
		return s
	}
	return m.String()
}

// parseELF reads an ELF32 little-endian ARM executable. Each PT_LOAD segment's
// file bytes (p_filesz) are placed at its physical address p_paddr; the part
// of p_memsz beyond p_filesz (.bss) is not image content. The sum of all
// p_filesz may not exceed the file's size: loadable segments do not share
// file bytes in a linked program, and the check stops a hostile file from
// making us copy the same bytes thousands of times.
func parseELF(file string, data []byte) (*Image, error) {
	if len(data) < elf32HeaderSize {
		return nil, offsetErr(file, 0, "truncated ELF header (%d bytes, need %d)", len(data), elf32HeaderSize)
	}
	if string(data[:4]) != elf.ELFMAG {
		return nil, offsetErr(file, 0, "bad ELF magic % X", data[:4])
	}
	switch elf.Class(data[elf.EI_CLASS]) {
	case elf.ELFCLASS32:
	case elf.ELFCLASS64:
		return nil, offsetErr(file, elf.EI_CLASS, "ELF64 not supported (want a 32-bit ARM executable)")
	default:
		return nil, offsetErr(file, elf.EI_CLASS, "bad ELF class %d", data[elf.EI_CLASS])
	}
	switch elf.Data(data[elf.EI_DATA]) {
	case elf.ELFDATA2LSB:
	case elf.ELFDATA2MSB:
		return nil, offsetErr(file, elf.EI_DATA, "big-endian ELF not supported (want little-endian ARM)")
	default:
		return nil, offsetErr(file, elf.EI_DATA, "bad ELF byte order %d", data[elf.EI_DATA])
	}
	le := binary.LittleEndian
	switch t := elf.Type(le.Uint16(data[16:])); t {
	case elf.ET_EXEC, elf.ET_DYN:
	case elf.ET_REL:
		return nil, offsetErr(file, 16, "relocatable object file (ET_REL): link it into an executable first")
	default:
		return nil, offsetErr(file, 16, "ELF type %s is not an executable", t)
	}
	if m := elf.Machine(le.Uint16(data[18:])); m != elf.EM_ARM {
		return nil, offsetErr(file, 18, "machine %s not supported (want ARM)", machineName(m))
	}
	entry := le.Uint32(data[24:])
	phoff := int64(le.Uint32(data[28:]))
	phentsize := int64(le.Uint16(data[42:]))
	phnum := int64(le.Uint16(data[44:]))
	if phnum == 0xFFFF { // PN_XNUM: the real count is in section header 0
		return nil, offsetErr(file, 44, "more than 65534 program headers (PN_XNUM) not supported")
	}
	if phnum > 0 && phentsize < elf32PhdrSize {
		return nil, offsetErr(file, 42, "program header size %d, want at least %d", phentsize, elf32PhdrSize)
	}
	if phoff+phnum*phentsize > int64(len(data)) {
		return nil, offsetErr(file, 28, "program header table (%d × %d bytes at offset %d) runs past the end of the file (%d bytes)",
			phnum, phentsize, phoff, len(data))
	}

	type load struct {
		index        int
		off, size    int64
		paddr, memsz uint32
	}
	var loads []load
	var total int64
	for i := int64(0); i < phnum; i++ {
		at := phoff + i*phentsize
		ph := data[at : at+elf32PhdrSize]
		if elf.ProgType(le.Uint32(ph[0:])) != elf.PT_LOAD {
			continue
		}
		l := load{index: int(i), off: int64(le.Uint32(ph[4:])), paddr: le.Uint32(ph[12:]),
			size: int64(le.Uint32(ph[16:])), memsz: le.Uint32(ph[20:])}
		if l.size == 0 {
			continue // all .bss: nothing to program
		}
		where := fmt.Sprintf("program header %d", i)
		if l.size > int64(l.memsz) {
			return nil, offsetErr(file, at, "%s: p_filesz %d exceeds p_memsz %d", where, l.size, l.memsz)
		}
		if l.off+l.size > int64(len(data)) {
			return nil, offsetErr(file, at, "%s: %d bytes at offset %d run past the end of the file (%d bytes)",
				where, l.size, l.off, len(data))
		}
		total += l.size
		if total > int64(len(data)) {
			return nil, offsetErr(file, at, "%s: loadable segments total %d bytes, more than the file's %d: segments share file bytes",
				where, total, len(data))
		}
		loads = append(loads, l)
	}

	b := newBuilder(int(total), func(loc int, format string, args ...any) *Error {
		return offsetErr(file, phoff+int64(loc)*phentsize, "program header %d: %s", loc, fmt.Sprintf(format, args...))
	})
	for _, l := range loads {
		if err := b.add(l.paddr, data[l.off:l.off+l.size], l.index); err != nil {
			return nil, err
		}
	}
	segs, err := b.segments()
	if err != nil {
		return nil, err
	}
	if len(segs) == 0 {
		return nil, fileErr(file, "no loadable data (no PT_LOAD segment with file bytes)")
	}
	var ep *uint32
	if entry != 0 { // gABI: e_entry 0 means no entry point
		ep = &entry
	}
	return newImage(FormatELF, segs, ep, nil), nil
}
