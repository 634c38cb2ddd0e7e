# syntax=docker/dockerfile:1
#
# poller in a container: one static binary (SQLite is cgo, linked statically
# the way litestream does it) on distroless static, as the non-root user
# 65532 (nonroot).
#
# Build:
#   docker build -t poller .
#
# Run (the config read-only, the SQLite database on the /data volume, the
# IMAP password from the environment as ${POLLER_IMAP_PASSWORD} in the config):
#   docker run -d --name poller \
#     -v poller-data:/data \
#     -v "$PWD/config.yaml:/etc/poller/config.yaml:ro" \
#     -e POLLER_IMAP_PASSWORD \
#     poller
#
# The default command is "run --config /etc/poller/config.yaml --db
# /data/poller.db": --db wins over store.path, so the database is always on
# the volume. When you give your own command, pass --db /data/poller.db too,
# or set "store: {path: /data/poller.db}" in the config. Examples:
#   docker run --rm -v poller-data:/data -v "$PWD/config.yaml:/etc/poller/config.yaml:ro" \
#     -e POLLER_IMAP_PASSWORD poller once --config /etc/poller/config.yaml --db /data/poller.db
#   docker run --rm -v poller-data:/data poller export --db /data/poller.db
#
# A named volume starts out owned by 65532, as /data is in the image; a host
# folder mounted on /data must be writable by uid 65532 (chown 65532:65532).
# password_file, ca_file and token_file: mount them read-only too (e.g. under
# /etc/poller/ or /run/secrets/) and give their paths in the config.
#
# Health: set http.listen in the config (e.g. http: {listen: ":9090"}) to
# serve /healthz and /metrics; the image's HEALTHCHECK runs "poller
# healthcheck --config /etc/poller/config.yaml", which asks that address.
# Without http.listen the container reports unhealthy.
#
# The web app: set web.listen in the config to ":8080" and "poller run" serves
# it there (on its own listener, apart from /healthz and /metrics); publish it
# with -p 127.0.0.1:8080:8080 behind a reverse proxy (README, "The web app").
# Set a user's password in the running container (asked without echo):
#   docker exec -it poller /poller user password alice@example.com \
#     --config /etc/poller/config.yaml --db /data/poller.db
#
# "docker stop" sends SIGTERM: poller commits and marks the batch in hand,
# then exits 0; give it time with --stop-timeout if batches are large.
#
# cmd/poller/static_test.go runs this file's "go build" line as written here,
# checks the binary (statically linked; poller demo and this HEALTHCHECK with
# an empty environment) and lints this file: change this file only together
# with that test passing.

FROM golang:1.26-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=1
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
# osusergo,netgo: no glibc NSS (which cannot be linked statically);
# sqlite_omit_load_extension: no dlopen; timetzdata: the time zone database
# inside the binary (timezone: Europe/Rome works even without /usr/share/zoneinfo).
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath \
      -tags osusergo,netgo,sqlite_omit_load_extension,timetzdata \
      -ldflags "-s -w -extldflags -static" \
      -o /out/poller ./cmd/poller
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.title="poller" \
      org.opencontainers.image.description="Email logging for a small team's CRM: polls a catch-all IMAP mailbox into an SQLite store" \
      org.opencontainers.image.source="https://github.com/poller-crm/poller"
COPY --from=build /out/poller /poller
# /data exists in the image, owned by nonroot, so that a new named volume
# mounted there is writable by poller.
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME /data
USER nonroot:nonroot
# /healthz and /metrics, when the config sets http.listen to this port; the
# web app, when it sets web.listen to this one.
EXPOSE 9090 8080
# "poller healthcheck" exits 0 when /healthz at the config's http.listen
# answers 200 (distroless has no curl or wget).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/poller", "healthcheck", "--config", "/etc/poller/config.yaml"]
ENTRYPOINT ["/poller"]
CMD ["run", "--config", "/etc/poller/config.yaml", "--db", "/data/poller.db"]
