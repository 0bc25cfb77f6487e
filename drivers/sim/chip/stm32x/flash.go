package stm32x

import "time"

// KeySeq follows a two-key unlock sequence written to one key register
// (FLASH_KEYR, FLASH_OPTKEYR): KEY1, then KEY2. What a wrong key does
// beyond restarting the sequence (lock out, bus error) is the chip's.
type KeySeq struct{ stage int }

// Feed takes one write of v. done: v was key2 right after key1, the
// sequence is complete. wrong: v broke the sequence, which starts over.
func (k *KeySeq) Feed(v, key1, key2 uint32) (done, wrong bool) {
	switch {
	case k.stage == 0 && v == key1:
		k.stage = 1
		return false, false
	case k.stage == 1 && v == key2:
		k.stage = 0
		return true, false
	}
	k.stage = 0
	return false, true
}

// BSY is a flash controller's busy flag over modeled time. An operation's
// effect on the array is applied when it starts; BSY hides it until its
// time passes, since every access to the array stalls meanwhile.
type BSY struct {
	on    bool
	until time.Duration
}

// On reports whether an operation is running.
func (b *BSY) On() bool { return b.on }

// Start begins an operation lasting d at now, or after the running one.
func (b *BSY) Start(now, d time.Duration) {
	begin := now
	if b.on {
		begin = b.until
	}
	b.on = true
	b.until = begin + d
}

// Settle ends the running operation if its time has passed at now and
// reports whether it did (the chip then sets EOP and clears STRT).
func (b *BSY) Settle(now time.Duration) bool {
	if b.on && now >= b.until {
		b.on = false
		return true
	}
	return false
}

// Left is how long from now the running operation lasts: how long an
// access that stalls while BSY waits. Zero when idle.
func (b *BSY) Left(now time.Duration) time.Duration {
	if !b.on {
		return 0
	}
	return b.until - now
}
