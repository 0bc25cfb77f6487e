package bitbang

// Op is what one request byte asks for.
type Op uint8

const (
	OpIgnore Op = iota // unknown byte: ignored by the spec
	OpWrite            // set TCK, TMS, TDI
	OpRead             // sample TDO
	OpReset            // set TRST and SRST
	OpBlink            // LED on or off
	OpQuit             // the client is done
)

// Request is one decoded request byte.
type Request struct {
	Op            Op
	TCK, TMS, TDI bool // OpWrite
	TRST, SRST    bool // OpReset: true = asserted
	LED           bool // OpBlink
}

// Decode decodes one remote_bitbang request byte. It is total: every byte
// decodes, unknown ones to OpIgnore.
func Decode(b byte) Request {
	switch {
	case b >= '0' && b <= '7':
		v := b - '0'
		return Request{Op: OpWrite, TCK: v&4 != 0, TMS: v&2 != 0, TDI: v&1 != 0}
	case b >= 'r' && b <= 'u':
		v := b - 'r'
		return Request{Op: OpReset, TRST: v&2 != 0, SRST: v&1 != 0}
	case b == 'R':
		return Request{Op: OpRead}
	case b == 'B' || b == 'b':
		return Request{Op: OpBlink, LED: b == 'B'}
	case b == 'Q':
		return Request{Op: OpQuit}
	}
	return Request{Op: OpIgnore}
}

// Encode is the request byte for r (the inverse of Decode for every
// request but OpIgnore, which has no byte of its own and encodes as 0).
func Encode(r Request) byte {
	bit := func(v bool, w byte) byte {
		if v {
			return w
		}
		return 0
	}
	switch r.Op {
	case OpWrite:
		return '0' + bit(r.TCK, 4) + bit(r.TMS, 2) + bit(r.TDI, 1)
	case OpRead:
		return 'R'
	case OpReset:
		return 'r' + bit(r.TRST, 2) + bit(r.SRST, 1)
	case OpBlink:
		if r.LED {
			return 'B'
		}
		return 'b'
	case OpQuit:
		return 'Q'
	}
	return 0
}

// tdoByte is the reply to 'R'.
func tdoByte(tdo bool) byte {
	if tdo {
		return '1'
	}
	return '0'
}
