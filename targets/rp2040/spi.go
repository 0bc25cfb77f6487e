package rp2040

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// spiCommand clocks out tx with chip select held low by the IO_QSPI
// override and returns the bytes clocked in. The SSI must be in raw SPI
// mode (enterRaw); len(tx) is at most the FIFO depth.
func (s *Session) spiCommand(ctx context.Context, tx []byte) ([]byte, error) {
	if len(tx) > ssiFIFODepth {
		return nil, fmt.Errorf("rp2040: SPI command of %d bytes exceeds the SSI FIFO", len(tx))
	}
	ctrl, err := s.t.Read32(ctx, qspiSSCtrl)
	if err != nil {
		return nil, fmt.Errorf("rp2040: read IO_QSPI SS_CTRL: %w", err)
	}
	if err := s.t.Write32(ctx, qspiSSCtrl, ctrl&^outoverMask|outoverLow); err != nil {
		return nil, fmt.Errorf("rp2040: force flash CS low: %w", err)
	}
	rx, cerr := s.clock(ctx, tx)
	// CS goes high again whatever happened.
	herr := s.t.Write32(context.WithoutCancel(ctx), qspiSSCtrl, ctrl&^outoverMask|outoverHigh)
	if herr != nil {
		herr = fmt.Errorf("rp2040: release flash CS: %w", herr)
	}
	if err := errors.Join(cerr, herr); err != nil {
		return nil, err
	}
	return rx, nil
}

func (s *Session) clock(ctx context.Context, tx []byte) ([]byte, error) {
	for _, b := range tx {
		if err := s.t.Write32(ctx, ssiDR0, uint32(b)); err != nil {
			return nil, fmt.Errorf("rp2040: SSI write: %w", err)
		}
	}
	// TX FIFO empty and not busy: every byte went out and came back.
	if _, err := s.t.WaitFor(ctx, ssiSR, ssiSRTFE|ssiSRBusy, ssiSRTFE, 100*time.Millisecond); err != nil {
		return nil, fmt.Errorf("rp2040: SSI transfer: %w", err)
	}
	rx := make([]byte, len(tx))
	for i := range rx {
		v, err := s.t.Read32(ctx, ssiDR0)
		if err != nil {
			return nil, fmt.Errorf("rp2040: SSI read: %w", err)
		}
		rx[i] = byte(v)
	}
	return rx, nil
}
