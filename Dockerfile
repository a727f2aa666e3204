# OpenAlgo-rs: a release build of the server on a slim Debian base, run as a non-root user.
#   docker build -t openalgo-rs .
#   docker run --env-file .env -p 5000:5000 -p 8765:8765 -v openalgo-data:/var/lib/openalgo/data openalgo-rs
# The first run needs an admin: docker run --rm -it -v openalgo-data:/var/lib/openalgo/data openalgo-rs setup

FROM rust:1-slim-bookworm AS build
# The C/C++ toolchain builds the bundled SQLite and libzmq.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends g++ make cmake pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p openalgo-server --bin openalgo \
    && strip target/release/openalgo \
    && cp target/release/openalgo /openalgo

FROM debian:bookworm-slim
# ca-certificates for the brokers' HTTPS APIs, tzdata for IST, curl for the health check.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 openalgo \
    && useradd --system --uid 10001 --gid openalgo --home-dir /var/lib/openalgo --create-home openalgo \
    && install -d -o openalgo -g openalgo /var/lib/openalgo/data
COPY --from=build /openalgo /usr/local/bin/openalgo
# The `openalgo` user created above.
USER 10001:10001
WORKDIR /var/lib/openalgo
ENV OPENALGO_HOST=0.0.0.0 \
    OPENALGO_PORT=5000 \
    OPENALGO_DATA_DIR=/var/lib/openalgo/data \
    WEBSOCKET_HOST=0.0.0.0 \
    WEBSOCKET_PORT=8765 \
    LOG_FORMAT=json
VOLUME ["/var/lib/openalgo/data"]
EXPOSE 5000 8765
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["sh", "-c", "curl -fsS \"http://127.0.0.1:${OPENALGO_PORT}/health/live\" > /dev/null || exit 1"]
ENTRYPOINT ["/usr/local/bin/openalgo"]
CMD ["serve"]
