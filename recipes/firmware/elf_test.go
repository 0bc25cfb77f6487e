package firmware

import (
	"encoding/binary"
	"fmt"
	"testing"
)

type phdr struct {
	typ, off, vaddr, paddr, filesz, memsz uint32
}

// mkELF assembles an ELF32 LE ARM executable: header, program headers at
// 52, then body. Offsets in phdrs are absolute.
func mkELF(entry uint32, phs []phdr, body []byte) []byte {
	le := binary.LittleEndian
	h := make([]byte, 52+32*len(phs))
	copy(h, "\x7fELF")
	h[4], h[5], h[6] = 1, 1, 1 // ELFCLASS32, ELFDATA2LSB, EV_CURRENT
	le.PutUint16(h[16:], 2)    // ET_EXEC
	le.PutUint16(h[18:], 40)   // EM_ARM
	le.PutUint32(h[20:], 1)
	le.PutUint32(h[24:], entry)
	le.PutUint32(h[28:], 52)
	le.PutUint16(h[40:], 52)
	le.PutUint16(h[42:], 32)
	le.PutUint16(h[44:], uint16(len(phs)))
	for i, p := range phs {
		o := h[52+32*i:]
		for k, v := range []uint32{p.typ, p.off, p.vaddr, p.paddr, p.filesz, p.memsz, 5, 4} {
			le.PutUint32(o[4*k:], v)
		}
	}
	return append(h, body...)
}

func TestParseELFGood(t *testing.T) {
	const at = 52 + 32*3 // body offset with three program headers
	body := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	elfData := mkELF(0x08000009, []phdr{
		{1, at, 0x08000000, 0x08000000, 4, 4},      // .text
		{1, at + 4, 0x20000000, 0x08000004, 4, 64}, // .data (+ .bss beyond filesz)
		{1, at + 8, 0x20000100, 0x20000100, 0, 32}, // .bss only: skipped
	}, body)
	img, err := Parse("t.elf", elfData, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, img)
	if fmt.Sprint(img.Segments) != fmt.Sprint([]Segment{{0x08000000, body}}) || !eqPtr(img.Entry, u32(0x08000009)) {
		t.Fatalf("segments %v entry %v", img.Segments, deref(img.Entry))
	}
	noEntry := mkELF(0, []phdr{{1, 84, 0, 0x100, 1, 1}}, []byte{7})
	if img, err := Parse("t.elf", noEntry, Options{}); err != nil || img.Entry != nil {
		t.Fatalf("e_entry 0: entry %v, err %v; want no entry", img, err)
	}
}

func TestParseELFBad(t *testing.T) {
	good := mkELF(1, []phdr{{1, 84, 0, 0, 4, 4}}, []byte{1, 2, 3, 4})
	patch := func(at int, v ...byte) []byte {
		d := append([]byte(nil), good...)
		copy(d[at:], v)
		return d
	}
	many := make([]phdr, 40) // each claims the whole body: more than the file
	for i := range many {
		many[i] = phdr{1, 0, 0, uint32(i) * 0x10000, 64, 64}
	}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"truncated header", good[:40], "t.elf: offset 0: truncated ELF header (40 bytes, need 52)"},
		{"ELF64", patch(4, 2), "t.elf: offset 4: ELF64 not supported"},
		{"bad class", patch(4, 7), "t.elf: offset 4: bad ELF class 7"},
		{"big-endian", patch(5, 2), "t.elf: offset 5: big-endian ELF not supported"},
		{"x86-64", patch(18, 62, 0), "t.elf: offset 18: machine x86-64 not supported (want ARM)"},
		{"RISC-V", patch(18, 243, 0), "machine RISC-V not supported"},
		{"other machine", patch(18, 2, 0), "machine EM_SPARC not supported"},
		{"object file", patch(16, 1, 0), "t.elf: offset 16: relocatable object file"},
		{"core file", patch(16, 4, 0), "ELF type ET_CORE is not an executable"},
		{"phdr table past end", patch(44, 9, 0), "t.elf: offset 28: program header table (9 × 32 bytes at offset 52) runs past the end of the file (88 bytes)"},
		{"small phentsize", patch(42, 8, 0), "t.elf: offset 42: program header size 8"},
		{"PN_XNUM", patch(44, 0xFF, 0xFF), "PN_XNUM"},
		{"filesz past end", patch(52+16, 0xFF, 0, 0, 0, 0xFF, 0, 0, 0), "t.elf: offset 52: program header 0: 255 bytes at offset 84 run past the end of the file (88 bytes)"},
		{"filesz > memsz", patch(52+20, 2, 0, 0, 0), "program header 0: p_filesz 4 exceeds p_memsz 2"},
		{"huge filesz", patch(52+16, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF), "4294967295 bytes at offset 84 run past the end"},
		{"no PT_LOAD", patch(52, 6), "t.elf: no loadable data"},
		{"segments share bytes", append(mkELF(0, many, nil), make([]byte, 64)...), "segments share file bytes"},
		{"wraps address space", patch(52+12, 0xFE, 0xFF, 0xFF, 0xFF), "t.elf: offset 52: program header 0: data at 0xFFFFFFFE (4 bytes) runs past the end"},
		{"overlap differs", mkELF(0, []phdr{{1, 116, 0, 0, 2, 2}, {1, 117, 0, 0, 1, 1}}, []byte{1, 2}),
			"t.elf: offset 84: program header 1: data at 0x00000000 (0x02) overlaps different data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.elf", tc.in, Options{})
			checkErr(t, err, tc.want)
		})
	}
}
