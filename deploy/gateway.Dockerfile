# The gateway: nginx + njs (Debian's packages, as on the host) and the routing script. Its config and
# the routing state are rendered by the control tool into a folder mounted at /ocr (read-only).
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN [ -f /usr/lib/nginx/modules/ngx_http_js_module.so ] || { apt-get update && apt-get install -y \
      --no-install-recommends nginx-light libnginx-mod-http-js && rm -rf /var/lib/apt/lists/*; }
RUN useradd --system --uid 10002 --no-create-home --shell /usr/sbin/nologin gateway
# Swarm mode: the relay that carries the routing state to each replica (python3's standard library only)
# and the edge's config.
RUN command -v python3 >/dev/null || { apt-get update && apt-get install -y --no-install-recommends \
      python3-minimal && rm -rf /var/lib/apt/lists/*; }
COPY gateway/routing.js gateway/state_relay.py gateway/edge.conf /etc/ocr-gateway/
USER gateway
EXPOSE 8080
# bash's /dev/tcp is enough to ask /healthz (a slim image has no curl).
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 CMD ["bash", "-c", \
  "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q alive <&3"]
CMD ["nginx", "-e", "stderr", "-c", "/ocr/gateway/nginx.conf", "-g", "daemon off;"]
