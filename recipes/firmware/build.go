package firmware

import (
	"cmp"
	"slices"
)

// chunk is a run of bytes a parser found, stored in builder.buf at off.
// loc says where in the file it came from (a line, block or program header)
// so that an overlap can be reported there.
type chunk struct {
	addr   uint32
	off, n int
	loc    int
}

func (c chunk) end() uint64 { return uint64(c.addr) + uint64(c.n) }

// builder gathers the bytes a parser decodes into one backing buffer and
// turns them into normalized segments. Runs that continue the previous one
// in both address and buffer are coalesced as they arrive, so a file of many
// small records in order costs one chunk, not one per record.
type builder struct {
	buf    []byte
	chunks []chunk
	// errAt makes an error located at a chunk's loc.
	errAt func(loc int, format string, args ...any) *Error
}

func newBuilder(capacity int, errAt func(loc int, format string, args ...any) *Error) *builder {
	return &builder{buf: make([]byte, 0, capacity), errAt: errAt}
}

// add copies data to be placed at addr.
func (b *builder) add(addr uint32, data []byte, loc int) error {
	if len(data) == 0 {
		return nil
	}
	if uint64(addr)+uint64(len(data)) > 0xFFFFFFFF {
		return b.errAt(loc, "data at 0x%08X (%d bytes) runs past the end of the 32-bit address space", addr, len(data))
	}
	off := len(b.buf)
	b.buf = append(b.buf, data...)
	if n := len(b.chunks); n > 0 {
		last := &b.chunks[n-1]
		if last.end() == uint64(addr) && last.off+last.n == off {
			last.n += len(data)
			return nil
		}
	}
	b.chunks = append(b.chunks, chunk{addr: addr, off: off, n: len(data), loc: loc})
	return nil
}

// segments sorts the chunks, checks overlaps (identical bytes are allowed,
// different bytes are an error naming the first differing address) and merges
// touching chunks. A merged segment whose chunks lie back to back in the
// buffer shares the buffer; otherwise it gets its own copy.
func (b *builder) segments() ([]Segment, error) {
	cs := b.chunks
	if !slices.IsSortedFunc(cs, byAddr) {
		cs = slices.Clone(cs)
		slices.SortStableFunc(cs, byAddr)
	}
	var segs []Segment
	var group []chunk
	var groupEnd uint64
	for _, c := range cs {
		if len(group) > 0 && uint64(c.addr) < groupEnd {
			overlap := int(min(groupEnd, c.end()) - uint64(c.addr))
			if err := b.sameAsGroup(group, c, overlap); err != nil {
				return nil, err
			}
			c.addr += uint32(overlap)
			c.off += overlap
			c.n -= overlap
			if c.n == 0 {
				continue
			}
		}
		if len(group) > 0 && uint64(c.addr) != groupEnd {
			segs = append(segs, b.join(group))
			group = group[:0]
		}
		group = append(group, c)
		groupEnd = c.end()
	}
	if len(group) > 0 {
		segs = append(segs, b.join(group))
	}
	return segs, nil
}

func byAddr(a, b chunk) int { return cmp.Compare(a.addr, b.addr) }

// sameAsGroup checks the first overlap bytes of c against what group already
// holds at those addresses.
func (b *builder) sameAsGroup(group []chunk, c chunk, overlap int) error {
	lo, hi := uint64(c.addr), uint64(c.addr)+uint64(overlap)
	for i := len(group) - 1; i >= 0; i-- {
		g := group[i]
		if g.end() <= lo {
			break
		}
		from, to := max(lo, uint64(g.addr)), min(hi, g.end())
		if from >= to {
			continue
		}
		have := b.buf[g.off+int(from-uint64(g.addr)) : g.off+int(to-uint64(g.addr))]
		got := b.buf[c.off+int(from-lo) : c.off+int(to-lo)]
		for k := range have {
			if have[k] != got[k] {
				return b.errAt(c.loc, "data at 0x%08X (0x%02X) overlaps different data already there (0x%02X)",
					from+uint64(k), got[k], have[k])
			}
		}
	}
	return nil
}

// join makes one segment of chunks that follow each other in address.
func (b *builder) join(group []chunk) Segment {
	first, last := group[0], group[len(group)-1]
	contiguous := true
	for i := 1; i < len(group); i++ {
		if group[i].off != group[i-1].off+group[i-1].n {
			contiguous = false
			break
		}
	}
	if contiguous {
		end := last.off + last.n
		return Segment{Address: first.addr, Data: b.buf[first.off:end:end]}
	}
	data := make([]byte, 0, int(last.end()-uint64(first.addr)))
	for _, c := range group {
		data = append(data, b.buf[c.off:c.off+c.n]...)
	}
	return Segment{Address: first.addr, Data: data}
}
