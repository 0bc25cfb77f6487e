package stm32x

import "time"

// GPIOConfig places the GPIO ports: Ports blocks of 0x400 bytes from Base
// (F1: GPIOA 0x40010800, RM0008 §9.2; F4: GPIOA 0x40020000, RM0383
// §8.4). ODR and BSRR are the output data and bit set/reset register
// offsets (F1 0x0C/0x10 and BRR 0x14; F4 0x14/0x18).
type GPIOConfig struct {
	Base       uint32
	Ports      int
	ODR, BSRR  uint32
	BRR        uint32 // 0: none (F4)
	ResetWords map[uint32]uint32
}

// gpio keeps the registers firmware writes; only ODR, BSRR and BRR act
// (no pins are wired: IDR reads 0, modes are stored only).
type gpio struct {
	cfg  GPIOConfig
	regs [][0x400 / 4]uint32
}

func (g *gpio) reset() {
	g.regs = make([][0x400 / 4]uint32, g.cfg.Ports)
	for p := range g.regs {
		for off, v := range g.cfg.ResetWords {
			g.regs[p][off/4] = v
		}
	}
}

func (g *gpio) Read(off uint32, size int) (uint32, time.Duration, error) {
	p, r := off/0x400, off%0x400
	w := g.regs[p][r/4]
	if r&^3 == g.cfg.BSRR || (g.cfg.BRR != 0 && r&^3 == g.cfg.BRR) {
		w = 0 // write-only
	}
	return Lane(w, off, size), 0, nil
}

func (g *gpio) Write(off uint32, size int, v uint32) (time.Duration, error) {
	p, r := off/0x400, off%0x400
	w := Merge(0, r, size, v)
	odr := &g.regs[p][g.cfg.ODR/4]
	switch {
	case r&^3 == g.cfg.BSRR:
		*odr = (*odr | w&0xFFFF) &^ (w >> 16)
	case g.cfg.BRR != 0 && r&^3 == g.cfg.BRR:
		*odr &^= w & 0xFFFF
	default:
		g.regs[p][r/4] = Merge(g.regs[p][r/4], r, size, v)
	}
	return 0, nil
}

// GPIOOut is port's output data register (0 = GPIOA), as firmware left it.
func (b *Board) GPIOOut(port int) uint32 {
	b.cfg.Mu.Lock()
	defer b.cfg.Mu.Unlock()
	b.catchUp()
	if port >= len(b.gpio.regs) {
		return 0
	}
	return b.gpio.regs[port][b.gpio.cfg.ODR/4]
}
