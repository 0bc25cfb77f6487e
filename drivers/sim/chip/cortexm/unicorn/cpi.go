package unicorn

// The cycle model lives in shim.c (fs_cost and the refill in fs_code), so
// the per-instruction hook never calls into Go; doc.go states it and its
// sources. RefillCycles is the change-of-flow penalty it charges.
const RefillCycles = 2
