// The C half of the binding: the per-instruction hook that charges cycles
// and stops at BKPT/WFI/WFE, and thin wrappers cgo can call.
#ifndef FS_UNICORN_SHIM_H
#define FS_UNICORN_SHIM_H

#if defined(__has_include)
#if !__has_include(<unicorn/unicorn.h>)
#error "unicorn/unicorn.h not found: install the Debian package libunicorn-dev (scripts/deps.sh), or build with -tags nounicorn"
#endif
#endif
#include <unicorn/unicorn.h>
#include <stdint.h>

enum {
	FS_STOP_NONE = 0,   // emu_start returned by itself (end address, error)
	FS_STOP_BUDGET = 1, // the cycle budget or instruction limit is used up
	FS_STOP_BKPT = 2,   // next instruction is BKPT (PC at it)
	FS_STOP_WFI = 3,    // next instruction is WFI (PC at it)
	FS_STOP_WFE = 4,    // next instruction is WFE
	FS_STOP_HOST = 5,   // a Go callback asked to stop (fault, reset, ...)
	FS_STOP_INTR = 6,   // an exception Unicorn raised (intno set)
	FS_STOP_TRAP = 7,   // PC reached a trap address (host function)
	FS_STOP_SPIN = 9,  // (8 is the Go side's StopFault)   // next instruction is B to itself (PC at it)
};

#define FS_MAX_CODE 8
#define FS_MAX_TRAPS 32
#define FS_MAX_MMIO 8

struct fs_state;
typedef struct {
	struct fs_state *s;
	uint32_t base;
	uint32_t window;
} fs_mmio_ud;

typedef struct {
	uint32_t base, size;
	const uint8_t *p;
} fs_code_region;

typedef struct fs_state {
	uint64_t insns, cycles;   // retired instructions, charged cycles
	uint64_t budget;          // stop before an instruction once cycles >= budget
	uint64_t insn_limit;      // and once insns >= insn_limit (0: none)
	uint32_t prev_end;        // address after the previous instruction
	int v6;                   // ARMv6-M cost table (Cortex-M0)
	int reason;               // FS_STOP_*
	uint32_t intno;           // with FS_STOP_INTR
	uint32_t trap_pc;         // with FS_STOP_TRAP
	int ncode;
	fs_code_region code[FS_MAX_CODE];
	int ntraps;
	uint32_t traps[FS_MAX_TRAPS];
	uintptr_t handle;         // cgo.Handle of the Go engine
	// Unicorn performs a store to read-only memory even when the
	// write-protect hook handled it; the hook saves the bytes the array
	// must hold and the next instruction's hook (or Run's end) puts them
	// back.
	uint8_t *restore_ptr;
	int restore_n;
	uint8_t restore[8];
	fs_mmio_ud mmio[FS_MAX_MMIO]; // MMIO callbacks' user data, freed with the state
} fs_state;

uc_err fs_open(int model, uc_engine **uc);
uc_err fs_install(uc_engine *uc, fs_state *s);
uc_err fs_mmio(uc_engine *uc, uint64_t addr, uint64_t size, fs_state *s, uint32_t window);
uc_err fs_run(uc_engine *uc, fs_state *s, uint32_t pc);
uc_err fs_regs_read(uc_engine *uc, uint32_t *out);
uc_err fs_regs_write(uc_engine *uc, const uint32_t *in);
uc_err fs_flush_range(uc_engine *uc, uint64_t start, uint64_t end);
uc_err fs_stop(uc_engine *uc);
void fs_restore(fs_state *s);
uint32_t fs_cost(fs_state *s, uint32_t addr, uint32_t size);

#define FS_NREGS 21
#endif
