package cmsisdap

// DAP_Transfer request bits and response values (ref_dap.txt).
const (
	reqAPnDP     = 1 << 0
	reqRnW       = 1 << 1
	reqA2        = 1 << 2
	reqA3        = 1 << 3
	reqMatchVal  = 1 << 4
	reqMatchMask = 1 << 5
	reqTimestamp = 1 << 7

	ackOK       = 0x01
	ackWait     = 0x02
	ackFault    = 0x04
	ackNone     = 0x07
	respError   = 0x08 // protocol (parity) error
	respMismach = 0x10

	dpRDBUFF = 0x0C
)

// swdTransfer runs one SWD packet for a DAP request nibble (APnDP, RnW,
// A2, A3) and returns the response value: the 3-bit ACK, or respError for
// a read whose parity failed (SW_DP.c).
func (f *Firmware) swdTransfer(req uint8, wdata uint32) (uint8, uint32) {
	nib := req & 0x0F
	parity := uint8(0)
	for b := nib; b != 0; b >>= 1 {
		parity ^= b & 1
	}
	wire := 0x81 | nib<<1 | parity<<5 // start, APnDP, RnW, A2, A3, parity, stop 0, park 1
	ack, data, ok := f.cfg.SWD.Transfer(wire, wdata)
	if f.idle > 0 {
		f.cfg.SWD.Idle(int(f.idle))
	}
	if ack == ackOK && req&reqRnW != 0 && !ok {
		return respError, data
	}
	return ack, data
}

// retried repeats a transfer on WAIT up to the configured retry count.
func (f *Firmware) retried(req uint8, wdata uint32) (uint8, uint32) {
	retry := f.waitRetry
	for {
		ack, data := f.transferOnPort(req, wdata)
		if ack != ackWait || retry == 0 {
			return ack, data
		}
		retry--
	}
}

func (f *Firmware) transferOnPort(req uint8, wdata uint32) (uint8, uint32) {
	if f.port == 2 {
		return f.jtagTransfer(req, wdata)
	}
	if f.port != 1 || f.cfg.SWD == nil {
		return ackNone, 0
	}
	return f.swdTransfer(req, wdata)
}

func (f *Firmware) timestamp(out []byte) []byte {
	if f.cfg.Clock == nil {
		return putU32(out, 0)
	}
	return putU32(out, uint32(f.cfg.Clock.Now().Microseconds()))
}

// transfer runs DAP_Transfer as the reference firmware's DAP_SWD_Transfer
// does (the same logic serves JTAG through transferOnPort; on JTAG the DP
// reads are posted too, which jtagTransfer hides).
func (f *Firmware) transfer(r *reader) []byte {
	f.jtagIndex = int(r.u8()) // DAP index: the JTAG device addressed
	count := int(r.u8())
	if f.port == 0 {
		// Not connected: the reference firmware's DAP_Dummy_Transfer
		// consumes the requests and answers count 0, value 0.
		skipTransfers(r, count)
		return []byte{0, 0}
	}
	var data []byte
	var respCount int
	respValue := uint8(0)
	postRead, checkWrite := false, false
	i := 0
	for ; i < count; i++ {
		req := r.u8()
		if req&reqRnW != 0 {
			if postRead {
				var ack uint8
				var v uint32
				if req&(reqAPnDP|reqMatchVal) == reqAPnDP {
					ack, v = f.retried(req, 0) // read previous AP data, post the next
				} else {
					ack, v = f.retried(dpRDBUFF|reqRnW, 0)
					postRead = false
				}
				respValue = ack
				if ack != ackOK {
					break
				}
				data = putU32(data, v)
			}
			if req&reqMatchVal != 0 {
				match := r.u32()
				if req&reqAPnDP != 0 {
					ack, _ := f.retried(req, 0) // post the AP read
					respValue = ack
					if ack != ackOK {
						break
					}
				}
				var v uint32
				var ack uint8
				retry := f.matchRetr
				for {
					ack, v = f.retried(req, 0)
					if ack != ackOK || v&f.matchMask == match || retry == 0 {
						break
					}
					retry--
				}
				respValue = ack
				if ack == ackOK && v&f.matchMask != match {
					respValue |= respMismach
				}
				if respValue != ackOK {
					break
				}
			} else if req&reqAPnDP != 0 {
				if !postRead {
					ack, _ := f.retried(req, 0)
					respValue = ack
					if ack != ackOK {
						break
					}
					if req&reqTimestamp != 0 {
						data = f.timestamp(data)
					}
					postRead = true
				}
			} else {
				ack, v := f.retried(req, 0)
				respValue = ack
				if ack != ackOK {
					break
				}
				if req&reqTimestamp != 0 {
					data = f.timestamp(data)
				}
				data = putU32(data, v)
			}
			checkWrite = false
		} else {
			if postRead {
				ack, v := f.retried(dpRDBUFF|reqRnW, 0)
				respValue = ack
				if ack != ackOK {
					break
				}
				data = putU32(data, v)
				postRead = false
			}
			w := r.u32()
			if req&reqMatchMask != 0 {
				f.matchMask = w
				respValue = ackOK
			} else {
				ack, _ := f.retried(req, w)
				respValue = ack
				if ack != ackOK {
					break
				}
				if req&reqTimestamp != 0 {
					data = f.timestamp(data)
				}
				checkWrite = true
			}
		}
		respCount++
	}
	// Skip the requests after a failed one, so a following command in the
	// same DAP_ExecuteCommands packet is read from the right place.
	skipTransfers(r, count-i-1)
	if respValue == ackOK {
		if postRead {
			ack, v := f.retried(dpRDBUFF|reqRnW, 0)
			respValue = ack
			if ack == ackOK {
				data = putU32(data, v)
			}
		} else if checkWrite {
			respValue, _ = f.retried(dpRDBUFF|reqRnW, 0)
		}
	}
	return append([]byte{byte(respCount), respValue}, data...)
}

// transferBlock runs DAP_TransferBlock: one register, count transfers.
func (f *Firmware) transferBlock(r *reader) []byte {
	f.jtagIndex = int(r.u8())
	count := int(r.u16())
	req := r.u8()
	if f.port == 0 {
		if req&reqRnW == 0 {
			r.bytes(4 * count)
		}
		return []byte{0, 0, 0}
	}
	var data []byte
	respCount := 0
	respValue := uint8(0)
	out := func() []byte {
		return append([]byte{byte(respCount), byte(respCount >> 8), respValue}, data...)
	}
	if count == 0 {
		return out()
	}
	if req&reqRnW != 0 {
		if req&reqAPnDP != 0 {
			ack, _ := f.retried(req, 0) // post the first AP read
			respValue = ack
			if ack != ackOK {
				return out()
			}
		}
		for n := count; n > 0; n-- {
			rq := req
			if n == 1 && req&reqAPnDP != 0 {
				rq = dpRDBUFF | reqRnW // the last posted value comes from RDBUFF
			}
			ack, v := f.retried(rq, 0)
			respValue = ack
			if ack != ackOK {
				return out()
			}
			data = putU32(data, v)
			respCount++
		}
		return out()
	}
	for n := count; n > 0; n-- {
		ack, _ := f.retried(req, r.u32())
		respValue = ack
		if ack != ackOK {
			r.bytes(4 * (n - 1)) // skip the words not written
			return out()
		}
		respCount++
	}
	respValue, _ = f.retried(dpRDBUFF|reqRnW, 0) // check the last write
	return out()
}

// skipTransfers reads past n DAP_Transfer requests without running them.
func skipTransfers(r *reader, n int) {
	for range n {
		req := r.u8()
		if req&reqRnW == 0 || req&reqMatchVal != 0 {
			r.u32()
		}
	}
}
