# The two commands the README promises on a fresh Debian machine with Go and gcc:
#   make run   — start the station on the embedded simulated fixture
#   make test  — every check and test
GO      ?= go
BIN     := bin/flashstation
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
# Packages whose tests are too slow under the race detector on 2 cores run
# without it (listed in RACE_SKIP as import-path substrings).
RACE_SKIP ?= usbshim/hosttest

.PHONY: deps deps-test build shims run test fmt-check vet unit target-code

deps:
	@bash scripts/deps.sh

# The tests also drive OpenOCD (against the simulated STM32s), headless
# Chromium (the operator page), promtool (metrics and alert rules), the Arm
# cross compiler (on-target code is rebuilt and compared) and python3-unicorn
# (programs cross-checked against the engine), usbip (its client lists the
# simulated USB/IP server's devices), stlink-tools and pyOCD (third-party hosts
# against the simulated probes through the USB/IP shims) and PostgreSQL (the
# central store's tests run a throwaway cluster).
deps-test:
	@FLASHSTATION_DEPS="openocd chromium prometheus gcc-arm-none-eabi binutils-arm-none-eabi python3-unicorn usbip stlink-tools python3-pyocd postgresql" bash scripts/deps.sh

build: deps shims
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/flashstation

# The libusb-1.0 and hidapi shims: unchanged host programs (OpenOCD,
# stlink-tools, pyusb, our own gousb build) reach the simulated probes of
# `flashstation sim usb-server` through them with LD_LIBRARY_PATH=bin/lib
# FLASHSTATION_USBIP=HOST:PORT (usbshim/README.md).
SHIM_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -fPIC -fvisibility=hidden $(shell pkg-config --cflags libusb-1.0 2>/dev/null)
SHIM_COMMON := usbshim/client/client.c usbshim/codec/usbip.c
SHIM_DEPS := $(wildcard usbshim/*/*.c usbshim/*/*.h)
shims: bin/lib/libusb-1.0.so.0 bin/lib/libhidapi-hidraw.so.0 bin/lib/libhidapi-libusb.so.0

bin/lib/libusb-1.0.so.0: $(SHIM_DEPS)
	@mkdir -p bin/lib
	$(CC) $(SHIM_CFLAGS) -shared -Wl,-soname,libusb-1.0.so.0 -o $@ usbshim/libusb/*.c $(SHIM_COMMON) -lpthread

bin/lib/libhidapi-%.so.0: $(SHIM_DEPS)
	@mkdir -p bin/lib
	$(CC) $(SHIM_CFLAGS) -shared -Wl,-soname,libhidapi-$*.so.0 -o $@ usbshim/hidapi/*.c $(SHIM_COMMON) -lpthread

# On-target code built from the project's own Thumb sources with Debian's
# arm-none-eabi toolchain; the bytes are committed (so `make run` needs no
# cross compiler) and a test rebuilds and compares them.
target-code:
	bash drivers/sim/chip/stm32x/testfw/build.sh

run: build
	./$(BIN) serve

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet: deps
	$(GO) vet ./...

unit: deps-test
	bash scripts/test.sh

test: deps deps-test fmt-check vet unit
