# termflash: every entry point installs what it needs first (scripts/setup.sh).
SWIFT ?= swift
BUILD_FLAGS ?=
export TMPDIR := $(CURDIR)/.build-tmp

.PHONY: all setup build release demo test bench bench-delta install-udev clean

all: build

setup:
	@scripts/setup.sh
	@mkdir -p $(TMPDIR)

build: setup
	$(SWIFT) build $(BUILD_FLAGS)

release: setup
	$(SWIFT) build -c release $(BUILD_FLAGS)

# The main job on a simulated bus: discover the devices of a shipped umockdev description.
demo: build
	@scripts/demo.sh

# Every test, under umockdev's preload so libusb, libudev and termios run for real.
test: setup
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	TERMFLASH_REQUIRE_UMOCKDEV=1 umockdev-wrapper $(SWIFT) test --skip-build --disable-swift-testing $(BUILD_FLAGS)

bench: setup
	@scripts/setup.sh --bench
	$(SWIFT) build -c release $(BUILD_FLAGS)
	@scripts/bench-list.sh

# Delta patches against bsdiff, xdelta3, zstd, HDiffPatch and detools (downloads its pairs).
bench-delta: setup
	@scripts/setup.sh --bench
	$(SWIFT) build -c release --product termflash $(BUILD_FLAGS)
	@scripts/bench-delta.sh

install-udev:
	install -m 0644 udev/70-termflash.rules /etc/udev/rules.d/70-termflash.rules
	udevadm control --reload-rules && udevadm trigger

clean:
	rm -rf .build .build-tmp
