/* A firmware that faults with no HardFault handler (vector 0: EPSR.T
 * would be clear, so the handler cannot run) — the core locks up, as
 * silicon does (ARMv7-M ARM B1.5.15). Built by `make target-code`. */
	.syntax unified
	.thumb
	.cpu cortex-m0

	.section .vectors, "a"
	.word 0x20002000
	.word reset + 1
	.word 0          /* NMI */
	.word 0          /* HardFault: none */

	.text
	.thumb_func
reset:
	ldr r0, =0x20000000
	ldr r1, =0xB007
	str r1, [r0]
	udf #0
	.ltorg
