#!/usr/bin/env bash
# Runs the OpenOCD cross-check: OpenOCD's own STM32 flash drivers against
# the simulated chips over remote_bitbang, then our recipes through
# drivers/openocd. Fails (instead of skipping) when openocd is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
FLASHSTATION_DEPS="openocd ${FLASHSTATION_DEPS:-}" bash scripts/deps.sh
export FLASHSTATION_REQUIRE_OPENOCD=1
exec ${GO:-go} test -count=1 -v -run 'OpenOCD|Verify|Cancel' ./drivers/openocd
