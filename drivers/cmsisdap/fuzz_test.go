package cmsisdap

import "testing"

// The decoders face bytes from a USB device: whatever arrives, they must
// return an error or a result consistent with what was sent, never panic.

func FuzzDecodeTransfer(f *testing.F) {
	f.Add([]byte{0x0F, 0x0D, 0x13}, []byte{5, 3, 1, 1, 0, 0, 0})
	f.Add([]byte{0x02}, []byte{5, 1, 1, 0x77, 0x14, 0xa0, 0x2b})
	f.Add([]byte{0x0F, 0x0F}, []byte{5, 1, 2})
	f.Add([]byte{0x0D}, []byte{0xFF})
	f.Fuzz(func(t *testing.T, reqs, resp []byte) {
		if len(reqs) == 0 || len(reqs) > 255 {
			return
		}
		xs := make([]xfer, len(reqs))
		for i, r := range reqs {
			xs[i] = xfer{req: r}
		}
		r, err := decodeTransfer(xs, resp)
		if err != nil {
			return
		}
		if r.done > len(xs) || (r.ok() && r.done != len(xs)) || (!r.ok() && r.done >= len(xs)) {
			t.Fatalf("done %d of %d with response %x", r.done, len(xs), r.response)
		}
	})
}

func FuzzDecodeTransferBlock(f *testing.F) {
	f.Add(true, 2, []byte{6, 2, 0, 1, 1, 0, 0, 0, 2, 0, 0, 0})
	f.Add(false, 3, []byte{6, 3, 0, 4})
	f.Fuzz(func(t *testing.T, read bool, n int, resp []byte) {
		if n < 1 || n > 1024 {
			return
		}
		done, status, err := decodeTransferBlock(read, make([]uint32, n), resp)
		if err != nil {
			return
		}
		if done > n || (status == AckOK && done != n) || (status != AckOK && done >= n) {
			t.Fatalf("done %d of %d, status %x", done, n, status)
		}
	})
}

func FuzzDecodeInfo(f *testing.F) {
	f.Add([]byte{0, 2, 0, 2})
	f.Add([]byte{0, 6, '2', '.', '1', '.', '0', 0})
	f.Add([]byte{0, 9})
	f.Fuzz(func(t *testing.T, resp []byte) {
		b, err := decodeInfo(infoPacketSize, resp)
		if err != nil {
			return
		}
		if len(b) != int(resp[1]) {
			t.Fatalf("info of %d bytes, length byte %d", len(b), resp[1])
		}
		_, _ = infoPacketSizeValue(b)
		_, _ = infoPacketCountValue(b)
		_, _ = infoCapabilitiesValue(b)
		_ = infoString(b)
	})
}
