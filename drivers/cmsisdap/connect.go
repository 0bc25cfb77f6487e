package cmsisdap

import "fmt"

// DAP_Connect ports.
const (
	portDefault byte = 0
	portSWD     byte = 1
	portJTAG    byte = 2
)

func encodeConnect(port byte) []byte { return []byte{cmdConnect, port} }

// decodeConnect checks that the probe switched to want (0 means failed).
func decodeConnect(want byte, resp []byte) error {
	if err := checkEcho(cmdConnect, resp, 2); err != nil {
		return err
	}
	if resp[1] != want {
		return fmt.Errorf("cmsisdap: DAP_Connect: probe answered port %d, asked for %d: %w", resp[1], want, ErrCommandFailed)
	}
	return nil
}

func encodeDisconnect() []byte { return []byte{cmdDisconnect} }
