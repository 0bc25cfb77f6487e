package examples

const bluepillRecipe = `# Blue Pill (STM32F103C8) through an ST-Link V2: unlock when a previous
# firmware locked it, program the application at the start of flash,
# verify, and let it run.
name = "bluepill-blink"
description = "Blue Pill STM32F103C8 via ST-Link V2: unlock if locked, program .bin at 0x08000000, verify, reset"

[target]
family = "stm32f1"
variant = "stm32f103c8"

[firmware]
path = "{{.File}}"
base = 0x08000000
sha256 = "{{.SHA256}}"

[[step]]
action = "read-id"

[[step]]
action = "unlock"
if_locked = true
allow_erase = true   # removing readout protection mass-erases the chip

[[step]]
action = "program"
timeout = "2m"

[[step]]
action = "verify"

[[step]]
action = "reset"
`

const blackpillRecipe = `# Black Pill (STM32F411CE) with CircuitPython, through CMSIS-DAP, ST-Link
# or J-Link: unlock if locked, mass erase, program the .bin (it includes the
# zero-filled CIRCUITPY sectors, so the filesystem starts empty), verify, run.
name = "blackpill-circuitpython"
description = "Black Pill STM32F411CE CircuitPython: unlock if locked, mass erase, program .bin at 0x08000000, verify, reset"

[target]
family = "stm32f4"
variant = "stm32f411ce"

[firmware]
path = "{{.File}}"
base = 0x08000000
sha256 = "{{.SHA256}}"

[[step]]
action = "read-id"

[[step]]
action = "unlock"
if_locked = true
allow_erase = true

[[step]]
action = "mass-erase"
allow_erase = true
timeout = "1m"       # 4 s typical, 8 s worst case at 2.7-3.6 V

[[step]]
action = "program"
timeout = "5m"

[[step]]
action = "verify"

[[step]]
action = "reset"
`

const nrfRecipe = `# nRF52840 bootloader: recover (CTRL-AP erase: new revisions ship with
# APPROTECT on), program the UF2 bootloader .hex (MBR, bootloader and the
# UICR words that point to it), verify, reset into the bootloader.
name = "nrf52840-bootloader"
description = "nRF52840: recover, program the UF2 bootloader .hex, verify, reset"

[target]
family = "nrf52"
variant = "nrf52840"

[firmware]
path = "{{.File}}"
sha256 = "{{.SHA256}}"

[[step]]
action = "unlock"
allow_erase = true   # recover erases all flash and UICR
timeout = "30s"

[[step]]
action = "read-id"

[[step]]
action = "program"
timeout = "2m"

[[step]]
action = "verify"

[[step]]
action = "reset"
`

const picoRecipe = `# Raspberry Pi Pico (RP2040) with CircuitPython, through a CMSIS-DAP probe
# (Raspberry Pi debugprobe or any other): program the .uf2 into the QSPI
# flash through the bootrom, verify, run.
name = "pico-circuitpython"
description = "Raspberry Pi Pico RP2040 via CMSIS-DAP: program .uf2, verify, reset"

[target]
family = "rp2040"
variant = "rp2040"

[firmware]
path = "{{.File}}"
sha256 = "{{.SHA256}}"

[[step]]
action = "read-id"

[[step]]
action = "program"
timeout = "5m"

[[step]]
action = "verify"
timeout = "2m"

[[step]]
action = "reset"
`
