#!/bin/sh
# Rebuilds the firmware fixtures in this directory. Needs the Debian packages
# gcc-arm-none-eabi and binutils-arm-none-eabi (12.2.rel1-1 made the committed
# files) and Go. Tests only read the results; they never run this.
set -eu
cd "$(dirname "$0")"

arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os -ffreestanding -nostdlib -nostartfiles \
	-Wall -Wextra -Wl,-T,blinky.ld -Wl,--build-id=none -o blinky.elf blinky.c
arm-none-eabi-objcopy -O ihex blinky.elf blinky.hex
arm-none-eabi-objcopy -O binary blinky.elf blinky.bin
# STM32F4 family id (0x57755A57, "ST STM32F401" in microsoft/uf2
# utils/uf2families.json); 64-byte payloads so the 220-byte image spans 4 blocks.
(cd ../../.. && go run ./recipes/firmware/testdata/mkuf2 -family 0x57755A57 -payload 64 \
	recipes/firmware/testdata/blinky.elf recipes/firmware/testdata/blinky.uf2)
arm-none-eabi-readelf -l blinky.elf
