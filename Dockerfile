# scanfleet: one Debian 12 image with the controller, the worker, the CLI and
# the SAST scanners; docker-compose.yml picks the process per service.
FROM debian:12-slim AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      cmake g++ make pkg-config git libzmq3-dev cppzmq-dev libsqlite3-dev libprotobuf-dev \
      protobuf-compiler libspdlog-dev libsodium-dev nlohmann-json3-dev zlib1g-dev \
      libpugixml-dev libcli11-dev libcpp-httplib-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY proto proto
COPY common common
COPY controller controller
COPY worker worker
# No include-wall check here: no Python in this stage, and CI checked the tree.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DSCANFLEET_TESTS=OFF \
      -DSCANFLEET_INCLUDE_WALLS=OFF \
    && cmake --build /build -j "$(nproc)"
# The sample repository as a git repository (one commit on main), so that
# `scanfleet submit --repo /repos/sample --ref main` works out of the box.
COPY tests/sample-repo /repos/sample
RUN cd /repos/sample && git init -q -b main \
    && git -c user.name=scanfleet -c user.email=scanfleet@localhost add -A \
    && git -c user.name=scanfleet -c user.email=scanfleet@localhost commit -q -m "sample repository"

FROM debian:12-slim
# Runtime libraries of the three executables (ldd), git for checkouts, and every
# SAST scanner the shipped registry's profiles use (default, c, python, shell,
# sast-all): flawfinder, bandit, cppcheck, shellcheck.
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libzmq5 libsqlite3-0 libprotobuf32 libspdlog1.10 libsodium23 libcpp-httplib0.11 \
      libpugixml1v5 zlib1g \
      git ca-certificates \
      flawfinder python3-bandit cppcheck shellcheck \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/scanfleet scanfleet
COPY --from=build /build/controller/scanfleet-controller /usr/local/bin/
COPY --from=build /build/worker/scanfleet-worker /usr/local/bin/
COPY --from=build /build/controller/cli/scanfleet /usr/local/bin/
COPY scripts/make-keys.sh /usr/local/bin/
COPY --from=build --chown=scanfleet:scanfleet /repos /repos
# The keys and data volumes are mounted here; created owned by scanfleet so the
# volumes are too.
RUN mkdir -p /var/lib/scanfleet/keys /var/lib/scanfleet/data \
    && chown scanfleet: /var/lib/scanfleet/keys /var/lib/scanfleet/data
USER scanfleet
WORKDIR /var/lib/scanfleet
ENTRYPOINT []
CMD ["scanfleet", "--help"]
