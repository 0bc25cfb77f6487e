package cmsisdap

import (
	"encoding/binary"
	"fmt"
)

// DAP_Transfer request bits.
const (
	reqAPnDP      uint8 = 1 << 0
	reqRnW        uint8 = 1 << 1
	reqMatchValue uint8 = 1 << 4
	reqMatchMask  uint8 = 1 << 5
)

// xfer is one entry of a DAP_Transfer request.
type xfer struct {
	req   uint8  // APnDP, RnW, A[3:2], match bits
	value uint32 // write data, match value or match mask
}

func (x xfer) isRead() bool { return x.req&reqRnW != 0 }

// hasData: reads without value match answer a word; value-match reads
// answer none (DAP.c stores no data for them).
func (x xfer) hasData() bool { return x.isRead() && x.req&reqMatchValue == 0 }

// reqLen is the request bytes of the entry.
func (x xfer) reqLen() int {
	if !x.isRead() || x.req&reqMatchValue != 0 {
		return 5
	}
	return 1
}

// respLen is the reply bytes of the entry.
func (x xfer) respLen() int {
	if x.hasData() {
		return 4
	}
	return 0
}

// Fixed overheads: request "05 index count", reply "05 count status".
const (
	transferReqHeader  = 3
	transferRespHeader = 3
	maxTransferCount   = 255
)

func encodeTransfer(xs []xfer) ([]byte, error) {
	if len(xs) == 0 || len(xs) > maxTransferCount {
		return nil, fmt.Errorf("cmsisdap: DAP_Transfer of %d transfers, want 1..255", len(xs))
	}
	n := transferReqHeader
	for _, x := range xs {
		n += x.reqLen()
	}
	b := append(make([]byte, 0, n), cmdTransfer, 0, byte(len(xs)))
	for _, x := range xs {
		b = append(b, x.req)
		if x.reqLen() == 5 {
			b = binary.LittleEndian.AppendUint32(b, x.value)
		}
	}
	return b, nil
}

// transferResult is a decoded DAP_Transfer reply.
type transferResult struct {
	// done is how many entries completed with their data.
	done int
	// data holds one word per completed entry that answers data.
	data []uint32
	// response is the raw response byte; ok when done == len(xs).
	response uint8
}

func (r transferResult) ok() bool { return r.response == AckOK }

// decodeTransfer decodes the reply to xs. The probe's count includes a
// posted AP read whose data it then failed to fetch, so on failure the
// entries are counted by the data actually present.
func decodeTransfer(xs []xfer, resp []byte) (transferResult, error) {
	var r transferResult
	if err := checkEcho(cmdTransfer, resp, 3); err != nil {
		return r, err
	}
	count, status := int(resp[1]), resp[2]
	r.response = status
	if count > len(xs) {
		return r, fmt.Errorf("cmsisdap: DAP_Transfer: reply counts %d transfers, %d were sent: %w", count, len(xs), ErrBadReply)
	}
	data := resp[3:]
	for i := 0; i < count; i++ {
		if !xs[i].hasData() {
			r.done++
			continue
		}
		if len(data) < 4 {
			if status == AckOK {
				return r, fmt.Errorf("cmsisdap: DAP_Transfer: reply lacks the data of transfer %d: %w", i, ErrBadReply)
			}
			break
		}
		r.data = append(r.data, le32(data))
		data = data[4:]
		r.done++
	}
	if status == AckOK && count != len(xs) {
		return r, fmt.Errorf("cmsisdap: DAP_Transfer: status OK after %d of %d transfers: %w", count, len(xs), ErrBadReply)
	}
	// The final RDBUFF check of a write can fail after every entry ran:
	// blame the last entry.
	if status != AckOK && r.done == len(xs) {
		r.done--
	}
	return r, nil
}
