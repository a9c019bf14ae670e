# emqd — the two commands: `make run` and `make test`. Everything else is a step of theirs.
SHELL := /bin/bash
CONFIG ?= etc/emqd.conf
JOBS ?= $(shell nproc)

# Exactly what building and testing need (Debian 12 package names).
DEPS := build-essential cmake ninja-build ccache pkg-config \
        libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev \
        libspdlog-dev libfmt-dev libcli11-dev libmimalloc-dev librocksdb-dev libgtest-dev libgmock-dev libbenchmark-dev \
        clang-14 clang-format \
        python3 python3-paho-mqtt python3-pytest mosquitto mosquitto-clients \
        iproute2 util-linux

.PHONY: deps build run test bench fuzz format check-format clean

deps:
	@missing=$$(for p in $(DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

run: build
	build/bin/emqd --config $(CONFIG)

# Format, unit and integration tests, both again under ASan+UBSan, then a short fuzz run.
test: build check-format
	tests/run-all build
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	tests/run-all build/asan
	$(MAKE) fuzz FUZZ_SECONDS=30

# Benchmarks against mosquitto (bench/README.md); never part of `make test`.
bench: build
	bench/run

FUZZ_SECONDS ?= 60
fuzz: deps
	tests/fuzz/run-fuzzer.sh $(FUZZ_SECONDS)

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

check-format:
	git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run --Werror

clean:
	rm -rf build
