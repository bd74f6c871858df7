# fairaudit: multi-stage build on Debian 12.
#
#   docker build -t fairaudit .
#   docker run --rm -p 8080:8080 -e DATABASE_URL=postgresql://user:pass@db/fairaudit fairaudit

FROM debian:12 AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        build-essential libmicrohttpd-dev libpq-dev libcjson-dev libgsl-dev \
        libutf8proc-dev libssl-dev libcmocka-dev libxxhash-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY common common
COPY metrics metrics
COPY cohorts cohorts
COPY ingest ingest
COPY evaluate evaluate
COPY report report
COPY bounty bounty
COPY server server
COPY cli cli
COPY migrations migrations
RUN make -j"$(nproc)" build/fairaudit

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        libmicrohttpd12 libpq5 libcjson1 libgsl27 libutf8proc2 libssl3 curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin fairaudit
# fairaudit runs fairaudit-server, beside it, for serve, migrate and keys
COPY --from=build /src/build/fairaudit /src/build/fairaudit-server /usr/local/bin/
COPY --from=build /src/migrations /usr/share/fairaudit/migrations
ENV FAIRAUDIT_ADDR=0.0.0.0:8080 \
    FAIRAUDIT_MIGRATIONS=/usr/share/fairaudit/migrations
USER fairaudit
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/fairaudit"]
CMD ["serve"]
