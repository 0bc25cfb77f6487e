//go:build cgo && !nounicorn

#include "shim.h"
#include "_cgo_export.h"

// Order of fs_regs_read/fs_regs_write: R0-R12, SP, LR, PC, XPSR, MSP, PSP,
// CONTROL, PRIMASK (the Go side's regOrder).
static const int fs_reg_ids[FS_NREGS] = {
	UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3,
	UC_ARM_REG_R4, UC_ARM_REG_R5, UC_ARM_REG_R6, UC_ARM_REG_R7,
	UC_ARM_REG_R8, UC_ARM_REG_R9, UC_ARM_REG_R10, UC_ARM_REG_R11,
	UC_ARM_REG_R12, UC_ARM_REG_SP, UC_ARM_REG_LR, UC_ARM_REG_PC,
	UC_ARM_REG_XPSR, UC_ARM_REG_MSP, UC_ARM_REG_PSP, UC_ARM_REG_CONTROL,
	UC_ARM_REG_PRIMASK,
};

uc_err fs_open(int model, uc_engine **uc) {
	uc_err err = uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, uc);
	if (err != UC_ERR_OK) {
		return err;
	}
	err = uc_ctl_set_cpu_model(*uc, model);
	if (err != UC_ERR_OK) {
		uc_close(*uc);
	}
	return err;
}

static const uint8_t *fs_ptr(fs_state *s, uint32_t addr) {
	for (int i = 0; i < s->ncode; i++) {
		fs_code_region *r = &s->code[i];
		if (addr - r->base < r->size - 1) {
			return r->p + (addr - r->base);
		}
	}
	return 0;
}

// fs_cost is the cycle cost of the instruction at addr (see cpi.go for the
// model and its sources). The taken-branch refill is charged when the next
// instruction does not follow this one (fs_code).
uint32_t fs_cost(fs_state *s, uint32_t addr, uint32_t size) {
	const uint8_t *p = fs_ptr(s, addr);
	if (!p) {
		return 1;
	}
	uint16_t op = p[0] | p[1] << 8;
	if (size == 2) {
		uint32_t top5 = op >> 11;
		if (op >> 12 == 0xB && (op & 0x0600) == 0x0400) { // PUSH/POP
			return 1 + __builtin_popcount(op & 0x1FF);
		}
		if (op >> 12 == 0xC) { // STM/LDM
			return 1 + __builtin_popcount(op & 0xFF);
		}
		if (top5 == 0x09 || (top5 >= 0x0A && top5 <= 0x13)) { // LDR literal, load/store
			int load = top5 == 0x09 || (top5 == 0x0A || top5 == 0x0B ? (op >> 9 & 7) >= 3 : (op >> 11 & 1));
			return (s->v6 || load) ? 2 : 1;
		}
		return 1;
	}
	uint16_t op2 = p[2] | p[3] << 8;
	if ((op & 0xFE40) == 0xE800 || (op & 0xFE40) == 0xE840) { // LDM/STM.W (incl. PUSH.W/POP.W)
		if ((op & 0xFE50) == 0xE840) {
			return 2; // LDREX/STREX, table branch: treat as one access
		}
		return 1 + __builtin_popcount(op2);
	}
	if ((op & 0xFE00) == 0xF800) { // single load/store
		return (op & 0x0010) ? 2 : 1;
	}
	if ((op & 0xFFF0) == 0xFB90 || (op & 0xFFF0) == 0xFBB0) { // SDIV/UDIV
		return 7; // 2-12 cycles, early termination: the middle
	}
	if ((op & 0xFF80) == 0xFB80) { // long multiply, MLAL
		return 4;
	}
	if (s->v6 && (op & 0xF800) == 0xF000 && (op2 & 0xD000) == 0xD000) {
		return 2; // BL: 4 with the refill
	}
	if ((op & 0xFF00) == 0xED00 || (op & 0xFF00) == 0xEC00) { // VLDR/VSTR/VLDM/VSTM
		return 2;
	}
	return 1;
}

void fs_restore(fs_state *s) {
	if (s->restore_n) {
		for (int i = 0; i < s->restore_n; i++) s->restore_ptr[i] = s->restore[i];
		s->restore_n = 0;
	}
}

static void fs_code(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
	fs_state *s = user;
	fs_restore(s);
	uint32_t addr = (uint32_t)address;
	for (int i = 0; i < s->ntraps; i++) {
		if (s->traps[i] == addr) {
			s->reason = FS_STOP_TRAP;
			s->trap_pc = addr;
			uc_emu_stop(uc);
			return;
		}
	}
	if (s->cycles >= s->budget || (s->insn_limit && s->insns >= s->insn_limit)) {
		s->reason = FS_STOP_BUDGET;
		uc_emu_stop(uc);
		return;
	}
	if (size == 2) {
		const uint8_t *p = fs_ptr(s, addr);
		if (p) {
			uint16_t op = p[0] | p[1] << 8;
			int r = 0;
			if ((op & 0xFF00) == 0xBE00) r = FS_STOP_BKPT;
			else if (op == 0xBF30) r = FS_STOP_WFI;
			else if (op == 0xBF20) r = FS_STOP_WFE;
			else if (op == 0xE7FE) r = FS_STOP_SPIN;
			if (r) {
				s->reason = r;
				uc_emu_stop(uc);
				return;
			}
		}
	}
	if (s->prev_end && addr != s->prev_end) {
		s->cycles += 2; // pipeline refill after a taken branch
	}
	s->prev_end = addr + size;
	s->insns++;
	s->cycles += fs_cost(s, addr, size);
}

static void fs_intr(uc_engine *uc, uint32_t intno, void *user) {
	fs_state *s = user;
	s->reason = FS_STOP_INTR;
	s->intno = intno;
	uc_emu_stop(uc);
}

static bool fs_prot(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user) {
	fs_state *s = user;
	return fsGoWriteProt(s->handle, (uint32_t)address, size, (uint32_t)value) != 0;
}

static bool fs_unmapped(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user) {
	fs_state *s = user;
	fsGoUnmapped(s->handle, (uint32_t)address, type == UC_MEM_FETCH_UNMAPPED || type == UC_MEM_FETCH_PROT);
	return false;
}

uc_err fs_install(uc_engine *uc, fs_state *s) {
	uc_hook h;
	uc_err err = uc_hook_add(uc, &h, UC_HOOK_CODE, fs_code, s, 1, 0);
	if (err == UC_ERR_OK) err = uc_hook_add(uc, &h, UC_HOOK_INTR, fs_intr, s, 1, 0);
	if (err == UC_ERR_OK) err = uc_hook_add(uc, &h, UC_HOOK_MEM_WRITE_PROT, fs_prot, s, 1, 0);
	if (err == UC_ERR_OK) err = uc_hook_add(uc, &h, UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_READ_PROT | UC_HOOK_MEM_FETCH_PROT, fs_unmapped, s, 1, 0);
	return err;
}

static uint64_t fs_mmio_read(uc_engine *uc, uint64_t offset, unsigned size, void *user) {
	fs_mmio_ud *m = user;
	return fsGoRead(m->s->handle, m->window, m->base + (uint32_t)offset, size);
}

static void fs_mmio_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user) {
	fs_mmio_ud *m = user;
	fsGoWrite(m->s->handle, m->window, m->base + (uint32_t)offset, size, (uint32_t)value);
}

uc_err fs_mmio(uc_engine *uc, uint64_t addr, uint64_t size, fs_state *s, uint32_t window) {
	fs_mmio_ud *m = &s->mmio[window];
	m->s = s;
	m->base = (uint32_t)addr;
	m->window = window;
	return uc_mmio_map(uc, addr, size, fs_mmio_read, m, fs_mmio_write, m);
}

uc_err fs_run(uc_engine *uc, fs_state *s, uint32_t pc) {
	s->reason = FS_STOP_NONE;
	s->prev_end = 0;
	return uc_emu_start(uc, pc | 1, 0xFFFFFFFFull, 0, 0);
}

uc_err fs_regs_read(uc_engine *uc, uint32_t *out) {
	void *ptrs[FS_NREGS];
	for (int i = 0; i < FS_NREGS; i++) {
		out[i] = 0;
		ptrs[i] = &out[i];
	}
	return uc_reg_read_batch(uc, (int *)fs_reg_ids, ptrs, FS_NREGS);
}

uc_err fs_regs_write(uc_engine *uc, const uint32_t *in) {
	// CONTROL and the stack pointers first, so SP lands in the bank
	// CONTROL selects; PC last.
	static const int order[FS_NREGS] = {19, 17, 18, 20, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	for (int i = 0; i < FS_NREGS; i++) {
		int k = order[i];
		uint32_t v = in[k];
		uc_err err = uc_reg_write(uc, fs_reg_ids[k], &v);
		if (err != UC_ERR_OK) return err;
	}
	return UC_ERR_OK;
}

uc_err fs_flush_range(uc_engine *uc, uint64_t start, uint64_t end) {
	return uc_ctl_remove_cache(uc, start, end);
}


uc_err fs_stop(uc_engine *uc) { return uc_emu_stop(uc); }
