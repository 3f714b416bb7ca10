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

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/otelcol-higress /otelcol-higress
COPY config/docker.yaml /etc/otelcol-higress/config.yaml
USER 65532:65532
# 8080 ingest (db-log-pusher) and /health, 13133 health_check, 8888 own metrics
EXPOSE 8080 13133 8888
ENTRYPOINT ["/otelcol-higress"]
CMD ["--config=/etc/otelcol-higress/config.yaml"]
