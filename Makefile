# scanfleet — top-level entry points. Quick start: `make demo`, `make test`.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
# Unity builds (CMake compiles a target's sources 16 to a file): the headers
# and their templates are compiled once per batch, which makes a clean build
# 2.4 times faster on 2 cores (1,108 s -> 458 s for `make build`; CI makes three). UNITY=OFF for
# per-file incremental builds while editing; a plain `cmake` build is per file.
UNITY ?= ON
UNITY_FLAGS = -DCMAKE_UNITY_BUILD=$(UNITY) -DCMAKE_UNITY_BUILD_BATCH_SIZE=16

# Debian 12 packages the build, the tests and the demo need.
DEB_PACKAGES := cmake g++ make pkg-config git python3 \
  libzmq3-dev cppzmq-dev libsqlite3-dev libprotobuf-dev protobuf-compiler \
  libspdlog-dev libsodium-dev libgtest-dev libgmock-dev nlohmann-json3-dev \
  libpugixml-dev libcli11-dev zlib1g-dev flawfinder python3-bandit cppcheck shellcheck \
  nmap wapiti sqlmap docker-compose rsyslog libcpp-httplib-dev

# $(call install-missing,PACKAGES,MESSAGE): installs those of the Debian
# PACKAGES that are missing (apt-get, with sudo unless root); prints MESSAGE
# when none is.
define install-missing
@missing=""; for p in $(1); do \
  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
  echo "installing:$$missing"; \
  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
else echo "$(2)"; fi
endef

.PHONY: all deps npm-deps build test test-asan test-tsan sanitizer-build fuzz soak bench demo clean format

all: build

# Installs only what is missing; a no-op when everything is there.
deps:
	$(call install-missing,$(DEB_PACKAGES),all build and test dependencies are installed)

# Node tools the report test validates SARIF with, installed from npm into
# $(NPM_TOOLS) (never into the repository): Ajv + the SARIF 2.1.0 schema that
# @microsoft/jest-sarif ships, Microsoft's SARIF Multitool, and `long` for the
# transcription of GitHub's line-hash algorithm. Pinned; a no-op once present.
NPM_TOOLS ?= $(BUILD_DIR)/npm-tools
NPM_PACKAGES := ajv@8.17.1 ajv-draft-04@1.0.0 ajv-formats@3.0.1 long@5.2.3 \
  @microsoft/jest-sarif@1.0.0-beta.0 @microsoft/sarif-multitool@5.7.0
npm-deps:
	@command -v npm >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends nodejs npm; }
	@mkdir -p $(NPM_TOOLS)
	@if [ "$$(cat $(NPM_TOOLS)/.installed 2>/dev/null)" = "$(NPM_PACKAGES)" ]; then \
	  echo "npm test tools are installed in $(NPM_TOOLS)"; \
	else \
	  [ -f $(NPM_TOOLS)/package.json ] || echo '{"private": true}' > $(NPM_TOOLS)/package.json; \
	  npm install --prefix $(NPM_TOOLS) --no-audit --no-fund --save-exact $(NPM_PACKAGES) && \
	  chmod u+x $(NPM_TOOLS)/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool && \
	  echo "$(NPM_PACKAGES)" > $(NPM_TOOLS)/.installed; \
	fi

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSCANFLEET_WERROR=ON $(UNITY_FLAGS) \
	  -DSCANFLEET_NPM_TOOLS=$(abspath $(NPM_TOOLS))
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Tests run in parallel: each uses its own ephemeral ports and temp dirs.
test: build npm-deps
	cd $(BUILD_DIR) && ctest -j $(JOBS) --output-on-failure --timeout 600

# One clang tree serves `make test-asan` and `make fuzz` (built once in CI):
# every library under ASan + UBSan with libFuzzer's coverage hooks, the tests
# and the libFuzzer targets. -O1 with line tables: fast enough to run, quick to
# build, stack traces with file:line.
SAN_BUILD_DIR := $(BUILD_DIR)-asan
CLANG_PACKAGES := clang-14 libclang-rt-14-dev
sanitizer-build: deps
	$(call install-missing,$(CLANG_PACKAGES),clang and its sanitizer runtimes are installed)
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(SAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=Sanitize \
	  -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -gline-tables-only" -DSCANFLEET_FUZZ=ON $(UNITY_FLAGS) \
	  -DSCANFLEET_WERROR=OFF -DSCANFLEET_NPM_TOOLS=$(abspath $(NPM_TOOLS))
	cmake --build $(SAN_BUILD_DIR) -j $(JOBS)

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer; a
# daemon's sanitizer report fails the test that ran it.
test-asan: sanitizer-build npm-deps
	cd $(SAN_BUILD_DIR) && ctest -j $(JOBS) --output-on-failure --timeout 600

# libFuzzer targets for every scanner adapter, the wire gate and the
# deployment-input parsers, run FUZZ_SECONDS each, JOBS at a time (from the
# sanitizer tree).
FUZZ_SECONDS ?= 10
fuzz: sanitizer-build
	scripts/fuzz.sh $(SAN_BUILD_DIR) $(FUZZ_SECONDS) $(JOBS)

# The unit tests (but the single-threaded scanner adapters) and the
# integration tests that exercise threads (the job runner, ZAP, the webhook
# server, the HEC client), all labelled tsan, under ThreadSanitizer (gcc). The
# first race stops the process (exit 66); the suppressions name only
# third-party code (tests/tsan.supp).
TSAN_BUILD_DIR := $(BUILD_DIR)-tsan
TSAN_OPTIONS := halt_on_error=1 exitcode=66 second_deadlock_stack=1 \
  suppressions=$(abspath tests/tsan.supp)
test-tsan: deps npm-deps
	cmake -S . -B $(TSAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" \
	  -DSCANFLEET_TSAN=ON -DSCANFLEET_WERROR=OFF $(UNITY_FLAGS) -DSCANFLEET_NPM_TOOLS=$(abspath $(NPM_TOOLS))
	cmake --build $(TSAN_BUILD_DIR) -j $(JOBS)
	cd $(TSAN_BUILD_DIR) && TSAN_OPTIONS="$(TSAN_OPTIONS)" \
	  ctest -L tsan -j $(JOBS) --output-on-failure --timeout 600

# Long chaos run (thousands of jobs, repeated kill -9 of controller and
# workers); writes its figures into docs/RELIABILITY.md.
SOAK_ARGS ?=
soak: build
	SCANFLEET_BUILD_DIR=$(abspath $(BUILD_DIR)) python3 tests/integration/soak.py --write-docs $(SOAK_ARGS)

# scanfleet against Celery + Redis and the machine's own limits (issue 8):
# every case side by side in one run, bounded (15 min), loopback only; writes
# docs/BENCHMARKS.md. BENCH_ARGS=--quick for a short iteration run. Debian's
# /usr/bin/python3: the one python3-celery and python3-redis install into.
BENCH_PACKAGES := python3-celery python3-redis redis-server linux-perf
BENCH_ARGS ?=
bench: build
	$(call install-missing,$(BENCH_PACKAGES),the benchmark packages are installed)
	SCANFLEET_BENCH_COMMAND="make bench$(if $(BENCH_ARGS), BENCH_ARGS='$(BENCH_ARGS)')" \
	  timeout --signal=INT --kill-after=60 900 \
	  /usr/bin/python3 tests/bench/bench.py --build-dir $(BUILD_DIR) --write-docs docs/BENCHMARKS.md $(BENCH_ARGS)

demo: build
	BUILD_DIR=$(BUILD_DIR) scripts/demo.sh

format:
	find common controller worker tests -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(SAN_BUILD_DIR) $(TSAN_BUILD_DIR) .demo
