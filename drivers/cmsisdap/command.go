package cmsisdap

import (
	"encoding/binary"
	"fmt"
)

// Command IDs (ref_dap.txt, DAP.h).
const (
	cmdInfo              byte = 0x00
	cmdHostStatus        byte = 0x01
	cmdConnect           byte = 0x02
	cmdDisconnect        byte = 0x03
	cmdTransferConfigure byte = 0x04
	cmdTransfer          byte = 0x05
	cmdTransferBlock     byte = 0x06
	cmdWriteABORT        byte = 0x08
	cmdDelay             byte = 0x09
	cmdResetTarget       byte = 0x0A
	cmdSWJPins           byte = 0x10
	cmdSWJClock          byte = 0x11
	cmdSWJSequence       byte = 0x12
	cmdSWDConfigure      byte = 0x13
	cmdSWDSequence       byte = 0x1D
)

// Generic status byte values.
const (
	statusOK    byte = 0x00
	statusError byte = 0xFF
)

var cmdNames = map[byte]string{
	cmdInfo: "DAP_Info", cmdHostStatus: "DAP_HostStatus", cmdConnect: "DAP_Connect", cmdDisconnect: "DAP_Disconnect",
	cmdTransferConfigure: "DAP_TransferConfigure", cmdTransfer: "DAP_Transfer",
	cmdTransferBlock: "DAP_TransferBlock", cmdWriteABORT: "DAP_WriteABORT",
	cmdDelay: "DAP_Delay", cmdResetTarget: "DAP_ResetTarget", cmdSWJPins: "DAP_SWJ_Pins", cmdSWJClock: "DAP_SWJ_Clock",
	cmdSWJSequence: "DAP_SWJ_Sequence", cmdSWDConfigure: "DAP_SWD_Configure",
	cmdSWDSequence: "DAP_SWD_Sequence",
}

func cmdName(c byte) string {
	if n, ok := cmdNames[c]; ok {
		return n
	}
	return fmt.Sprintf("command 0x%02x", c)
}

// checkEcho verifies that a reply answers command cmd and is at least n
// bytes long (ID included). The probe answers 0xFF to commands it does not
// implement.
func checkEcho(cmd byte, resp []byte, n int) error {
	if len(resp) == 0 {
		return fmt.Errorf("cmsisdap: %s: empty reply", cmdName(cmd))
	}
	if resp[0] != cmd {
		if resp[0] == 0xFF && len(resp) > 0 {
			return fmt.Errorf("cmsisdap: %s: probe does not implement it (reply 0xff): %w", cmdName(cmd), ErrUnsupported)
		}
		return fmt.Errorf("cmsisdap: %s: reply starts with 0x%02x, want the command echoed: %w", cmdName(cmd), resp[0], ErrBadReply)
	}
	if len(resp) < n {
		return fmt.Errorf("cmsisdap: %s: reply of %d bytes, want at least %d: %w", cmdName(cmd), len(resp), n, ErrBadReply)
	}
	return nil
}

// decodeStatus decodes the common reply "cmd, status".
func decodeStatus(cmd byte, resp []byte) error {
	if err := checkEcho(cmd, resp, 2); err != nil {
		return err
	}
	if resp[1] != statusOK {
		return fmt.Errorf("cmsisdap: %s: probe answered status 0x%02x: %w", cmdName(cmd), resp[1], ErrCommandFailed)
	}
	return nil
}

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
