# Consilium: web client + server in one image.
#
#   docker build -t consilium .
#   docker compose up        (see docker-compose.yml)

# ---- web client --------------------------------------------------------------
FROM node:20-bookworm AS web
WORKDIR /src/web-client
# Manifests first, so the npm layer is reused while only sources change.
COPY web-client/package.json web-client/package-lock.json ./
RUN npm ci
COPY web-client/ ./
RUN npm run build

# ---- server ------------------------------------------------------------------
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --bin consilium

# ---- runtime -----------------------------------------------------------------
FROM debian:bookworm-slim
# ca-certificates: for operators' tools; the server's own TLS (rustls) trusts
# Mozilla's roots compiled into it, or the CA files named by sslrootcert and
# REDIS_CA_CERT. It links no libpq or OpenSSL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system consilium \
    && useradd --system --gid consilium --home-dir /srv/consilium --shell /usr/sbin/nologin consilium \
    && mkdir -p /srv/consilium/data/attachments \
    && chown -R consilium:consilium /srv/consilium/data
COPY --from=build /src/target/release/consilium /usr/local/bin/consilium
COPY --from=web /src/web-client/dist /srv/consilium/web
# Case materials on a volume (docker-compose.yml mounts one); several
# nodes use STORAGE_BACKEND=s3 instead (README).
ENV STATIC_DIR=/srv/consilium/web \
    STORAGE_DIR=/srv/consilium/data/attachments \
    BIND_ADDR=0.0.0.0:8080 \
    LOG_FORMAT=json \
    APP_ENV=production
WORKDIR /srv/consilium
USER consilium
EXPOSE 8080
# No HEALTHCHECK: the slim image has no curl, and the binary has no probe
# command; orchestrators can probe the HTTP port instead.
ENTRYPOINT ["consilium"]
CMD ["serve"]
