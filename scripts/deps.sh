#!/usr/bin/env bash
# Installs what building and testing flashstation needs on a Debian machine
# that has only Go and gcc. As root it installs with apt-get; otherwise it
# prints the exact command and exits non-zero. Safe to run again: it only
# installs what is missing.
set -euo pipefail

# Debian package -> a check that says it is already there.
declare -A need=(
  [pkg-config]="command -v pkg-config"
  [libusb-1.0-0-dev]="pkg-config --exists libusb-1.0"
  # The simulated cores execute through Unicorn 2 (drivers/sim/chip/cortexm/unicorn).
  [libunicorn-dev]="pkg-config --exists unicorn"
  # The hidapi shim (usbshim/hidapi) is built against hidapi's own header.
  [libhidapi-dev]="test -f /usr/include/hidapi/hidapi.h"
)
# Optional extras asked for by FLASHSTATION_DEPS (space separated), e.g. the
# OpenOCD cross-check or the browser test: installed when asked, not always.
declare -A extra_check=(
  [openocd]="command -v openocd"
  [chromium]="command -v chromium"
  [prometheus]="command -v promtool"
  [usbip]="command -v usbip || test -x /usr/sbin/usbip"
  # Third-party USB hosts run against the simulated probes through the
  # libusb/hidapi shims (usbshim/hosttest).
  [stlink-tools]="command -v st-info"
  [python3-pyocd]="/usr/bin/python3 -c 'import pyocd'"
  # Rebuilding the committed on-target code (make target-code) and the
  # engine's cross-check against Debian's Python binding.
  [gcc-arm-none-eabi]="command -v arm-none-eabi-gcc"
  [binutils-arm-none-eabi]="command -v arm-none-eabi-objcopy"
  [python3-unicorn]="/usr/bin/python3 -c 'import unicorn'"
  # The central store's tests start a throwaway PostgreSQL cluster
  # (central/pgtest: initdb, postgres, pg_isready, psql).
  [postgresql]="ls /usr/lib/postgresql/*/bin/initdb"
)
order=(pkg-config libusb-1.0-0-dev libunicorn-dev libhidapi-dev)
for x in ${FLASHSTATION_DEPS:-}; do
  if [[ -z "${extra_check[$x]:-}" ]]; then
    echo "deps.sh: unknown extra dependency \"$x\" (known: ${!extra_check[*]})" >&2
    exit 2
  fi
  need[$x]="${extra_check[$x]}"
  order+=("$x")
done

missing=()
for pkg in "${order[@]}"; do
  if ! eval "${need[$pkg]}" >/dev/null 2>&1; then
    missing+=("$pkg")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "deps.sh: missing ${missing[*]}; as root run:" >&2
  echo "  apt-get update && $cmd" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "deps.sh: missing ${missing[*]} and this is not a Debian-like system: install them by hand" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Retry once: a mirror hiccup should not fail a CI run.
for try in 1 2; do
  if apt-get update -qq && $cmd >/dev/null; then
    exit 0
  fi
  echo "deps.sh: apt-get failed (try $try)" >&2
  sleep 3
done
exit 1
