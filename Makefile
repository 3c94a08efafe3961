# scanfleet — top-level entry points. Quick start: `make demo`, `make test`.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

# Debian 12 packages the build, the tests and the demo need.
DEB_PACKAGES := cmake g++ make pkg-config git python3 \
  libzmq3-dev cppzmq-dev libsqlite3-dev libprotobuf-dev protobuf-compiler \
  libspdlog-dev libsodium-dev libgtest-dev libgmock-dev nlohmann-json3-dev \
  libpugixml-dev libcli11-dev zlib1g-dev flawfinder python3-bandit cppcheck shellcheck \
  nmap wapiti sqlmap docker-compose rsyslog libcpp-httplib-dev

.PHONY: all deps npm-deps build test test-asan fuzz soak bench demo clean format

all: build

# Installs only what is missing; a no-op when everything is there.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "all build and test dependencies are installed"; fi

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
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSCANFLEET_WERROR=ON \
	  -DSCANFLEET_NPM_TOOLS=$(abspath $(NPM_TOOLS))
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build npm-deps
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps npm-deps
	cmake -S . -B $(BUILD_DIR)-asan -DCMAKE_BUILD_TYPE=Debug -DSCANFLEET_SANITIZE=ON \
	  -DSCANFLEET_NPM_TOOLS=$(abspath $(NPM_TOOLS))
	cmake --build $(BUILD_DIR)-asan -j $(JOBS)
	cd $(BUILD_DIR)-asan && ctest --output-on-failure --timeout 600

# libFuzzer targets for every scanner adapter, the wire gate and the
# deployment-input parsers, built with clang and run FUZZ_SECONDS each.
FUZZ_SECONDS ?= 10
FUZZ_PACKAGES := clang-14 libclang-rt-14-dev
fuzz: deps
	@missing=""; for p in $(FUZZ_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(BUILD_DIR)-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSCANFLEET_FUZZ=ON -DSCANFLEET_TESTS=OFF -DSCANFLEET_WERROR=OFF
	cmake --build $(BUILD_DIR)-fuzz -j $(JOBS) --target fuzz_all
	scripts/fuzz.sh $(BUILD_DIR)-fuzz $(FUZZ_SECONDS)

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
	@missing=""; for p in $(BENCH_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	SCANFLEET_BENCH_COMMAND="make bench$(if $(BENCH_ARGS), BENCH_ARGS='$(BENCH_ARGS)')" \
	  timeout --signal=INT --kill-after=60 900 \
	  /usr/bin/python3 tests/bench/bench.py --build-dir $(BUILD_DIR) --write-docs docs/BENCHMARKS.md $(BENCH_ARGS)

demo: build
	BUILD_DIR=$(BUILD_DIR) scripts/demo.sh

format:
	find common controller worker tests -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR)-asan $(BUILD_DIR)-fuzz .demo
