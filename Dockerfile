# palja in a container: docker build -t palja . && docker run -p 8080:8080 -v palja-data:/data palja
# See docs/operations.md.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# cgo for SQLite (github.com/mattn/go-sqlite3).
ENV CGO_ENABLED=1
RUN go build -trimpath -ldflags='-s -w' -o /out/palja ./cmd/palja

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 palja \
 && useradd --system --uid 10001 --gid palja --home-dir /data --shell /usr/sbin/nologin palja \
 && mkdir -p /data \
 && chown palja:palja /data
COPY --from=build /out/palja /usr/local/bin/palja
USER palja:palja
WORKDIR /data
VOLUME /data
ENV PALJA_DB=/data/palja.db PALJA_ADDR=0.0.0.0:8080
EXPOSE 8080
# docker stop sends SIGTERM: palja drains in-flight requests (up to
# --shutdown-timeout, 15s) and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["palja"]
CMD ["serve"]
