#!/usr/bin/env bash
# Builds the boot test firmwares into OUT (default: this directory) with
# Debian's arm-none-eabi-gcc. `make target-code` runs it; the check test
# (testfw_test.go) runs it into a temporary directory and compares.
set -euo pipefail
cd "$(dirname "$0")"
out=${1:-.}
CC=${CC:-arm-none-eabi-gcc}
OBJCOPY=${OBJCOPY:-arm-none-eabi-objcopy}
flags=(-nostdlib -nostartfiles -Wl,--build-id=none -Wl,-T,link.ld -mthumb)
build() { # name cpu source [defines...]
  local name=$1 cpu=$2 src=$3
  shift 3
  "$CC" "${flags[@]}" -mcpu="$cpu" "$@" -o "$out/$name.elf" "$src"
  "$OBJCOPY" -O binary "$out/$name.elf" "$out/$name.bin"
  rm -f "$out/$name.elf"
}
build boot-f1 cortex-m3 boot.S
build boot-f4 cortex-m4 boot.S -DF4
build fault cortex-m0 fault.S
