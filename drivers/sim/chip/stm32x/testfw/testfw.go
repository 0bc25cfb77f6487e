// Package testfw holds the boot test firmwares of the simulated STM32s,
// built from boot.S and fault.S beside it by build.sh (`make target-code`)
// with Debian's arm-none-eabi toolchain. The bytes are committed so tests
// need no cross compiler; TestCommittedBytes rebuilds and compares them.
package testfw

import _ "embed"

// Boot firmware: writes the mailbox, a RAM pattern, drives PC13 high,
// publishes a line in an RTT up-buffer, writes a line through semihosting
// when a debugger is attached (DHCSR.C_DEBUGEN), marks the mailbox done
// and sleeps in WFI. Linked at 0x08000000.
var (
	//go:embed boot-f1.bin
	BootF1 []byte
	//go:embed boot-f4.bin
	BootF4 []byte
	// Fault locks the core up: it writes MailBooted, then UDF with no
	// HardFault handler (vector 0).
	//go:embed fault.bin
	Fault []byte
)

// What the firmwares leave in SRAM (see boot.S).
const (
	Mailbox      = 0x20000000
	MailBooted   = 0xB007
	MailDone     = 0xD0E0
	MailFault    = 0xFA17 // in its HardFault handler
	Pattern      = 0x20000100
	PatternWords = 64
	PatternFirst = 0xA5000000 // word i holds PatternFirst + i
	RTTControl   = 0x20001000
	RTTLine      = "hello from the simulated core (RTT)\n"
	SemiLine     = "hello from the simulated core (semihosting)\n"
	// PC13 is bit 13 of GPIOC's ODR.
	LEDPort = 2
	LEDBit  = 13
)
