# scanfleet — top-level entry points. Quick start: `make demo`, `make test`.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

# Debian 12 packages the build, the tests and the demo need.
DEB_PACKAGES := cmake g++ make pkg-config git python3 \
  libzmq3-dev cppzmq-dev libsqlite3-dev libprotobuf-dev protobuf-compiler \
  libspdlog-dev libsodium-dev libgtest-dev libgmock-dev nlohmann-json3-dev \
  libpugixml-dev libcli11-dev zlib1g-dev flawfinder python3-bandit cppcheck shellcheck \
  nmap wapiti sqlmap docker-compose rsyslog

.PHONY: all deps build test test-asan fuzz soak demo clean format

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

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSCANFLEET_WERROR=ON
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(BUILD_DIR)-asan -DCMAKE_BUILD_TYPE=Debug -DSCANFLEET_SANITIZE=ON
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

demo: build
	BUILD_DIR=$(BUILD_DIR) scripts/demo.sh

format:
	find common controller worker tests -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR)-asan $(BUILD_DIR)-fuzz .demo
