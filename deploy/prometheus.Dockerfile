# The swarm stack's Prometheus: Debian's package, with the stack's config (deploy/prometheus/). Offline,
# BASE_IMAGE is the local image of deploy/build-base-image.sh that already holds the package.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN command -v prometheus >/dev/null || { apt-get update && apt-get install -y --no-install-recommends \
      prometheus && rm -rf /var/lib/apt/lists/*; }
COPY deploy/prometheus/prometheus.yml deploy/prometheus/rules.yml /etc/ocr-prometheus/
RUN promtool check config /etc/ocr-prometheus/prometheus.yml
USER prometheus
EXPOSE 9090
# Served under /prometheus/ (the edge's operator port carries that prefix to it); data on the task's tmpfs.
CMD ["prometheus", "--config.file=/etc/ocr-prometheus/prometheus.yml", "--storage.tsdb.path=/tmp/prometheus", \
     "--storage.tsdb.retention.time=1d", "--web.listen-address=:9090", "--web.external-url=http://localhost/prometheus/", \
     "--web.route-prefix=/prometheus"]
