// Package facts holds the chip facts the target families work from, as
// embedded data (chips.toml): memory regions, erase maps, programming
// units, identity register addresses and values, per variant. A new variant
// of a known family is a data change; chip quirks (unlock sequences, reset
// tricks) stay code in the family packages.
//
// Sources (see ../shared/facts/chips.md): RM0008 (STM32F10x), RM0383
// (STM32F411), nRF52840 Product Specification, RP2040 datasheet, Winbond
// W25Q16JV datasheet.
package facts
