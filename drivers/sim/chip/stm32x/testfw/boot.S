/* Boot test firmware for the simulated STM32F103 (default) and STM32F411
 * (-DF4). Built by `make target-code`; the .bin files beside it are the
 * committed output. It writes a RAM pattern, drives PC13 high, prints a
 * line through an RTT up-buffer and through semihosting, then marks its
 * mailbox done. Its HardFault handler records the fault in the mailbox.
 *
 * Memory use (SRAM at 0x20000000):
 *   0x20000000  mailbox: 0xB007 booted, 0xD0E0 done, 0xFA17 in HardFault
 *   0x20000100  64 words: pattern 0xA5000000 + i
 *   0x20001000  SEGGER RTT control block, one up and one down buffer
 *   0x20001100  up buffer (64 bytes)
 */
	.syntax unified
	.thumb
	.cpu cortex-m3

#ifdef F4
#define STACK_TOP  0x20020000
#define RCC_GPIOEN 0x40023830   /* RCC_AHB1ENR, GPIOCEN bit 2 */
#define GPIOEN_BIT (1 << 2)
#define GPIOC_MODE 0x40020800   /* MODER: PC13 output = 01 at [27:26] */
#define GPIOC_MODE_VAL (1 << 26)
#define GPIOC_BSRR 0x40020818
#else
#define STACK_TOP  0x20005000
#define RCC_GPIOEN 0x40021018   /* RCC_APB2ENR, IOPCEN bit 4 */
#define GPIOEN_BIT (1 << 4)
#define GPIOC_MODE 0x40011004   /* CRH: PC13 push-pull 2 MHz = 0x2 at [23:20] */
#define GPIOC_MODE_VAL 0x44244444
#define GPIOC_BSRR 0x40011010
#endif

#define MAILBOX 0x20000000
#define PATTERN 0x20000100
#define RTT_CB  0x20001000
#define RTT_BUF 0x20001100

	.section .vectors, "a"
	.word STACK_TOP
	.word reset + 1
	.word nmi + 1
	.word hardfault + 1

	.text
	.thumb_func
reset:
	ldr r0, =MAILBOX
	ldr r1, =0xB007
	str r1, [r0]

	/* RAM pattern */
	ldr r0, =PATTERN
	ldr r1, =0xA5000000
	movs r2, #64
1:	str r1, [r0], #4
	adds r1, #1
	subs r2, #1
	bne 1b

	/* GPIO: clock the port, PC13 output, set it */
	ldr r0, =RCC_GPIOEN
	ldr r1, [r0]
	orr r1, r1, #GPIOEN_BIT
	str r1, [r0]
	ldr r0, =GPIOC_MODE
	ldr r1, =GPIOC_MODE_VAL
	str r1, [r0]
	ldr r0, =GPIOC_BSRR
	mov r1, #(1 << 13)
	str r1, [r0]

	/* RTT: buffers first, the ID last (a host scans for it) */
	ldr r0, =RTT_CB
	movs r1, #1
	str r1, [r0, #16]      /* MaxNumUpBuffers */
	str r1, [r0, #20]      /* MaxNumDownBuffers */
	adr r1, name
	str r1, [r0, #24]      /* aUp[0].sName */
	ldr r1, =RTT_BUF
	str r1, [r0, #28]      /* aUp[0].pBuffer */
	movs r1, #64
	str r1, [r0, #32]      /* aUp[0].SizeOfBuffer */
	movs r1, #0
	str r1, [r0, #36]      /* WrOff */
	str r1, [r0, #40]      /* RdOff */
	str r1, [r0, #44]      /* Flags: skip when full */
	adr r3, line           /* copy the line into the buffer */
	ldr r2, =RTT_BUF
	movs r4, #0
2:	ldrb r5, [r3, r4]
	cbz r5, 3f
	strb r5, [r2, r4]
	adds r4, #1
	b 2b
3:	str r4, [r0, #36]      /* WrOff: the line is published */
	adr r1, rttid
	ldm r1, {r2, r3, r4, r5}
	stm r0, {r2, r3, r4, r5}

	/* semihosting SYS_WRITE0 (0x04), r1 the string; only with a
	 * debugger (DHCSR.C_DEBUGEN): otherwise BKPT is a HardFault */
	ldr r0, =0xE000EDF0
	ldr r0, [r0]
	lsls r0, r0, #31
	beq 6f
	movs r0, #4
	adr r1, semiline
	bkpt #0xAB
6:

	ldr r0, =MAILBOX
	ldr r1, =0xD0E0
	str r1, [r0]
4:	wfi
	b 4b

	.thumb_func
nmi:
	.thumb_func
hardfault:
	ldr r0, =MAILBOX
	ldr r1, =0xFA17
	str r1, [r0]
5:	b 5b

	.align 2
rttid:	.ascii "SEGGER RTT\0\0\0\0\0\0"
name:	.asciz "Terminal"
	.align 2
line:	.asciz "hello from the simulated core (RTT)\n"
	.align 2
semiline: .asciz "hello from the simulated core (semihosting)\n"
	.align 2
	.ltorg
