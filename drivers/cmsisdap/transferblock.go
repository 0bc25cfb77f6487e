package cmsisdap

import (
	"encoding/binary"
	"fmt"
)

const (
	blockReqHeader  = 5 // 06 index count:u16 req
	blockRespHeader = 4 // 06 count:u16 status
)

// blockWords is how many words one DAP_TransferBlock carries in a packet.
func blockWords(packetSize int, write bool) int {
	if write {
		return (packetSize - blockReqHeader) / 4
	}
	return (packetSize - blockRespHeader) / 4
}

func encodeTransferBlock(req uint8, count int, src []uint32) ([]byte, error) {
	if count < 1 || count > 0xFFFF {
		return nil, fmt.Errorf("cmsisdap: DAP_TransferBlock of %d words, want 1..65535", count)
	}
	write := req&reqRnW == 0
	if write && len(src) != count {
		return nil, fmt.Errorf("cmsisdap: DAP_TransferBlock write of %d words with %d given", count, len(src))
	}
	n := blockReqHeader
	if write {
		n += 4 * count // sized once: growing by append copied it per doubling
	}
	b := append(make([]byte, 0, n), cmdTransferBlock, 0, byte(count), byte(count>>8), req)
	if write {
		for _, v := range src {
			b = binary.LittleEndian.AppendUint32(b, v)
		}
	}
	return b, nil
}

// decodeTransferBlock returns how many words completed, the response
// byte, and (for reads) the words read into dst.
func decodeTransferBlock(read bool, dst []uint32, resp []byte) (int, uint8, error) {
	if err := checkEcho(cmdTransferBlock, resp, 4); err != nil {
		return 0, 0, err
	}
	count, status := int(le16(resp[1:])), resp[3]
	want := len(dst)
	if count > want {
		return 0, status, fmt.Errorf("cmsisdap: DAP_TransferBlock: reply counts %d words, %d were asked: %w", count, want, ErrBadReply)
	}
	if status == AckOK && count != want {
		return 0, status, fmt.Errorf("cmsisdap: DAP_TransferBlock: status OK after %d of %d words: %w", count, want, ErrBadReply)
	}
	if read {
		// Only words whose data is in the reply are counted (DAP.c).
		data := resp[4:]
		if len(data) < 4*count {
			return 0, status, fmt.Errorf("cmsisdap: DAP_TransferBlock: reply has %d bytes of data for %d words: %w", len(data), count, ErrBadReply)
		}
		for i := 0; i < count; i++ {
			dst[i] = le32(data[4*i:])
		}
	}
	// The final RDBUFF check of a write can fail after every word went
	// out: blame the last word.
	if status != AckOK && count == want {
		count--
	}
	return count, status, nil
}
