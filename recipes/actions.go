package recipes

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/targets"
)

// do performs one try of step s and returns the bytes it moved.
func (st *attemptState) do(ctx context.Context, s Step, progress targets.ProgressFunc) (int64, error) {
	r := st.run
	sess := r.Session
	rec := r.Recipe
	switch s.Action {
	case ActReadID:
		return 0, st.readID(ctx)
	case ActUnlock:
		if s.IfLocked && st.protected != nil && !*st.protected {
			targets.Logf(ctx, slog.LevelInfo, "readout protection is off: nothing to unlock, flash left as it is")
			return 0, nil
		}
		if err := sess.Unlock(ctx, progress); err != nil {
			return 0, err
		}
		st.erased = true
		return int64(rec.Target.Facts.Flash.Size), nil
	case ActMassErase:
		if err := sess.MassErase(ctx, progress); err != nil {
			return 0, err
		}
		st.erased = true
		return int64(rec.Target.Facts.Flash.Size), nil
	case ActErase:
		return int64(s.Size), sess.Erase(ctx, s.Address, s.Size, progress)
	case ActProgram:
		f := rec.Image(s.Image)
		img := segments(f)
		if rec.MultiImage() {
			targets.Logf(ctx, slog.LevelInfo, "image %q: %d bytes, sha256 %x", f.Name, f.Image.Size, f.SHA256)
		}
		if st.erased {
			targets.Logf(ctx, slog.LevelInfo, "flash was erased by an earlier step: programming without erasing")
		}
		err := sess.Program(ctx, img, targets.ProgramOptions{SkipErase: st.erased}, progress)
		if err != nil {
			// A failed try may have programmed part of the image: a retry
			// must erase what it touches again.
			st.erased = false
			return 0, err
		}
		return f.Image.Size, nil
	case ActVerify:
		f := rec.Image(s.Image)
		return f.Image.Size, sess.Verify(ctx, segments(f), progress)
	case ActWrite:
		return st.write(ctx, s)
	case ActLock:
		ps, err := sess.Lock(ctx)
		if err != nil {
			return 0, err
		}
		targets.Logf(ctx, slog.LevelInfo, "protection after reset: %s %s", ps.Level, ps.Detail)
		if !ps.Protected {
			return 0, fmt.Errorf("lock did not take: the chip reports %s after reset", ps.Level)
		}
		return 0, nil
	case ActReset:
		return 0, sess.Reset(ctx, s.Halt)
	}
	return 0, fmt.Errorf("recipes: %s: unknown action", s.Label())
}

func segments(f *Firmware) []targets.Segment {
	segs := make([]targets.Segment, len(f.Image.Segments))
	for i, s := range f.Image.Segments {
		segs[i] = targets.Segment{Addr: s.Address, Data: s.Data}
	}
	return segs
}

// readID identifies the chip, fills the unit identity in the record, and
// refuses a chip that is not the recipe's target.
func (st *attemptState) readID(ctx context.Context) error {
	id, err := st.run.Session.Identify(ctx)
	if err != nil {
		return err
	}
	want := st.run.Recipe.Target.Facts
	a := st.attempt
	st.mu.Lock()
	protected := id.Protected
	st.protected = &protected
	a.UnitUID = id.UIDHex()
	a.DeviceID = fmt.Sprintf("0x%X", id.DeviceID)
	st.mu.Unlock()
	desc := fmt.Sprintf("%s (0x%X)", id.Part, id.DeviceID)
	if id.Revision != "" {
		desc += " rev " + id.Revision
	}
	if id.Clone {
		desc += ", a clone (not ST silicon)"
	}
	targets.Logf(ctx, slog.LevelInfo, "found %s, unique ID %s", desc, id.UIDHex())
	switch {
	case id.FlashKiB != 0:
		targets.Logf(ctx, slog.LevelInfo, "flash size %d KiB", id.FlashKiB)
	case id.FlashNote != "":
		targets.Logf(ctx, slog.LevelWarn, "flash size unknown: %s", id.FlashNote)
	}
	if id.Protected {
		targets.Logf(ctx, slog.LevelWarn, "readout protection is on")
	}
	if id.DeviceID != want.DevID {
		return fmt.Errorf("expected %s (0x%X), found %s", want.Part, want.DevID, desc)
	}
	return nil
}

// write programs per-unit bytes: fixed data, or the unit serial reserved
// in the store. The number is spent before the first byte goes out: from
// then on it is never given to another unit, whatever happens next.
func (st *attemptState) write(ctx context.Context, s Step) (int64, error) {
	r := st.run
	data, addr := s.Data, s.Address
	if s.UseSerial {
		ser := r.Recipe.Serial
		if r.Store == nil {
			return 0, fmt.Errorf("%s needs the attempt store to reserve a serial number", s.Label())
		}
		n, err := r.Store.Reserve(ctx, ser.Series, ser.First, st.attempt.ID)
		if err != nil {
			// The station's store (or, with factory-wide series, its
			// supply of leased numbers) failed, not the board.
			return 0, drivers.StationFault(fmt.Errorf("reserve a serial number in series %q: %w", ser.Series, err))
		}
		addr = ser.Address
		text := FormatSerial(ser, n)
		if ser.Encoding == "u32le" {
			if n > 0xFFFFFFFF {
				return 0, fmt.Errorf("serial number %d does not fit the 32-bit word at 0x%08X", n, addr)
			}
			data = binary.LittleEndian.AppendUint32(nil, uint32(n))
		} else {
			data = []byte(text)
			if w := serialWidth(ser); len(data) > w {
				return 0, fmt.Errorf("serial %q is %d bytes, wider than the %d-byte field at 0x%08X the recipe was validated for (give the format a width, e.g. %%06d)",
					text, len(data), w, addr)
			}
			if _, ok := r.Recipe.Target.Facts.Programmable(addr, uint64(len(data))); !ok {
				return 0, fmt.Errorf("serial %q (%d bytes) would run past the end of flash at 0x%08X", text, len(data), addr)
			}
		}
		if err := r.Store.Spend(ctx, st.attempt.ID); err != nil {
			return 0, drivers.StationFault(fmt.Errorf("record serial number %d as written before writing it: %w", n, err))
		}
		targets.Logf(ctx, slog.LevelInfo, "unit serial %s (series %s, number %d)", text, ser.Series, n)
	}
	if err := r.Session.WriteBytes(ctx, addr, data); err != nil {
		return 0, err
	}
	return int64(len(data)), nil
}
