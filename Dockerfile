# syntax=docker/dockerfile:1
# Multi-stage build of the otelcol-higress distribution: a static binary on a
# distroless non-root base, with the drop-in configuration baked in.
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/otelcol-higress ./cmd/otelcol
# The write-ahead log's directory (config/docker.yaml: WAL_DIR). The
# distroless image has no shell to make it, so it is made here and copied
# with the owner the collector runs as.
RUN mkdir -p /out/data/wal

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/otelcol-higress /otelcol-higress
COPY --from=build --chown=65532:65532 /out/data /var/lib/otelcol-higress
COPY config/docker.yaml /etc/otelcol-higress/config.yaml
USER 65532:65532
# The log is a volume, not part of the container's overlay layer: its fsyncs
# go straight to the host filesystem, and a named volume
# (-v otelcol-wal:/var/lib/otelcol-higress/wal) outlives the container, so
# the one that replaces it (an upgrade) writes what this one acknowledged.
VOLUME ["/var/lib/otelcol-higress/wal"]
# 8080 ingest (the gateway plugin) and /health, 13133 health_check, 8888 own metrics
EXPOSE 8080 13133 8888
ENTRYPOINT ["/otelcol-higress"]
CMD ["--config=/etc/otelcol-higress/config.yaml"]
