/*
 * blinky.c: a tiny Cortex-M4 program used only as a firmware-loader fixture.
 * It has initialised data (.data: runs from RAM, stored in flash after .text)
 * and zeroed data (.bss: RAM only, no bytes in the image), so the ELF carries a
 * PT_LOAD whose virtual address is in RAM but whose physical (load) address is
 * in flash, and a segment part with no file bytes.
 */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;

int main(void);
void Reset_Handler(void);
void Default_Handler(void);

/* GPIOA on STM32F4: the register addresses only need to look plausible. */
#define GPIOA_ODR (*(volatile uint32_t *)0x40020014u)

uint32_t blink_period = 500000u;             /* .data */
const char banner[] = "flashstation fixture"; /* .rodata */
uint32_t toggles;                            /* .bss */

__attribute__((section(".isr_vector"), used))
const void *const vectors[16] = {
	&_estack,
	Reset_Handler,
	Default_Handler, /* NMI */
	Default_Handler, /* HardFault */
	Default_Handler, Default_Handler, Default_Handler,
	0, 0, 0, 0,
	Default_Handler, /* SVCall */
	Default_Handler, 0,
	Default_Handler, /* PendSV */
	Default_Handler, /* SysTick */
};

void Reset_Handler(void)
{
	uint32_t *src = &_sidata;
	for (uint32_t *dst = &_sdata; dst < &_edata;)
		*dst++ = *src++;
	for (uint32_t *dst = &_sbss; dst < &_ebss;)
		*dst++ = 0;
	main();
	for (;;)
		;
}

void Default_Handler(void)
{
	for (;;)
		;
}

static void delay(uint32_t n)
{
	while (n--)
		__asm volatile("nop");
}

int main(void)
{
	for (;;) {
		GPIOA_ODR ^= 1u << 5;
		toggles++;
		delay(blink_period + (uint32_t)banner[toggles % sizeof banner]);
	}
}
