# scanfleet: one Debian 12 image with the controller, the worker, the CLI and
# the scanners; docker-compose.yml picks the process per service.
FROM debian:12-slim AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      cmake g++ make pkg-config libzmq3-dev cppzmq-dev libsqlite3-dev libprotobuf-dev \
      protobuf-compiler libspdlog-dev libsodium-dev libgtest-dev nlohmann-json3-dev \
      libpugixml-dev libcli11-dev libcpp-httplib-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY proto proto
COPY common common
COPY controller controller
COPY worker worker
COPY tests tests
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DSCANFLEET_TESTS=OFF \
    && cmake --build /build -j "$(nproc)"

FROM debian:12-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libzmq5 libsqlite3-0 libprotobuf32 libspdlog1.10 libsodium23 libcpp-httplib0.11 \
      git ca-certificates \
      flawfinder python3-bandit \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/scanfleet scanfleet
COPY --from=build /build/controller/scanfleet-controller /usr/local/bin/
COPY --from=build /build/worker/scanfleet-worker /usr/local/bin/
COPY --from=build /build/controller/cli/scanfleet /usr/local/bin/
COPY scripts/make-keys.sh /usr/local/bin/
# The keys volume is mounted here; created owned by scanfleet so the volume is.
RUN mkdir -p /var/lib/scanfleet/keys && chown scanfleet: /var/lib/scanfleet/keys
USER scanfleet
WORKDIR /var/lib/scanfleet
ENTRYPOINT []
CMD ["scanfleet", "--help"]
